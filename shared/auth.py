"""Office keys: who is calling, for which office, in which roles.

Keys are long random tokens, so a fast SHA-256 is the right hash (a slow password hash would only
slow every request); only hashes are stored. The office of a request always comes from its key.

`python -m shared.auth dev-keys` writes a development key file and prints the plain keys once.
`python -m shared.auth office-signing-key <office>` makes an office system's Ed25519 signing key for the
office-facing topic (shared/signing.py): nothing in this key file can sign for an office.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import typer
from pydantic import BaseModel, Field

GROUP_ROLES = frozenset({"group", "auditor"})


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


class KeyRecord(BaseModel):
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    actor_id: str
    office_id: str | None = Field(description="None for group-wide keys (group, auditor).")
    roles: list[str]


@dataclass(frozen=True)
class Principal:
    actor_id: str
    office_id: str | None
    roles: frozenset[str]

    @property
    def role(self) -> str:
        """The role recorded on events: the first of its roles, alphabetically, for stability."""
        return sorted(self.roles)[0]

    def can_see_office(self, office_id: str) -> bool:
        return self.office_id == office_id or bool(self.roles & GROUP_ROLES)


class LiveKeyTable(Protocol):
    """Keys issued through the directory (shared/directory_keys.py): live ones only."""

    def principal(self, key_sha256: str) -> Principal | None: ...

    def withdrawn(self, key_sha256: str) -> bool: ...


class KeyRegistry:
    """The key file's keys, and (when the process follows the directory) the directory's live keys."""

    def __init__(self, records: list[KeyRecord], live: LiveKeyTable | None = None) -> None:
        self._by_hash = {r.key_sha256: r for r in records}
        self.live = live
        self.feed: Any = None  # what keeps `live` current (shared/directory_keys.py); closed with the app

    @property
    def hashes(self) -> frozenset[str]:
        return frozenset(self._by_hash)

    @classmethod
    def load(cls, path: Path) -> KeyRegistry:
        if not path.exists():
            return cls([])
        return cls([KeyRecord.model_validate(r) for r in json.loads(path.read_text())])

    def authenticate(self, raw_key: str) -> Principal | None:
        digest = hash_key(raw_key)
        if self.live is not None:
            if self.live.withdrawn(digest):
                return None  # the directory revoked a key the file still lists
            found = self.live.principal(digest)
            if found is not None:
                return found
        record = self._by_hash.get(digest)
        return None if record is None else _principal(record)


def _principal(record: KeyRecord) -> Principal:
    return Principal(record.actor_id, record.office_id, frozenset(record.roles))


# -- development keys -------------------------------------------------------------------------

DEV_OFFICES = ("hk-central", "kln-east", "sz-futian")
DEV_OFFICE_ROLES = {
    "reception": ["receptionist"],
    "staff": ["department-staff"],
    "supervisor": ["supervisor"],
    "leader": ["leader"],
    "manager": ["manager"],
}

cli = typer.Typer(add_completion=False, help="Office keys.")


def make_dev_keys() -> tuple[list[KeyRecord], dict[str, str]]:
    """Fresh random keys: one per role per development office, plus group and auditor keys."""
    records: list[KeyRecord] = []
    plain: dict[str, str] = {}

    def add(actor_id: str, office_id: str | None, roles: list[str]) -> None:
        raw = f"ck_{secrets.token_urlsafe(24)}"
        plain[actor_id] = raw
        records.append(KeyRecord(key_sha256=hash_key(raw), actor_id=actor_id, office_id=office_id, roles=roles))

    for office in DEV_OFFICES:
        for name, roles in DEV_OFFICE_ROLES.items():
            add(f"{office}/{name}", office, roles)
    add("group/dashboard", None, ["group"])
    add("group/auditor", None, ["auditor"])
    add("group/hotline", None, ["hotline"])  # sends the group hotline's call records to intake
    add("group/admin", None, ["admin"])  # manages the directory: offices, staff, keys
    add("group/privacy", None, ["privacy"])  # finds and erases data subjects (docs/privacy.md)
    return records, plain


@cli.command("dev-keys")
def dev_keys(
    out: Path = typer.Option(Path(".state/keys.json"), help="Where the hashed keys go."),
    plain_out: Path = typer.Option(
        Path(".state/dev-keys.txt"), help="Where the plain development keys are kept for `make up`."
    ),
) -> None:
    """Create development keys (once); print the plain keys."""
    if not out.exists() or not plain_out.exists():
        records, plain = make_dev_keys()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps([r.model_dump() for r in records], indent=2))
        plain_out.write_text("".join(f"{actor}\t{key}\n" for actor, key in plain.items()))
        plain_out.chmod(0o600)
    typer.echo(plain_out.read_text(), nl=False)


@cli.command("hash")
def hash_command(raw_key: str) -> None:
    """Print the SHA-256 of a key, for adding it to a key file."""
    typer.echo(hash_key(raw_key))


@cli.command("office-signing-key")
def office_signing_key(
    office: str,
    public_keys: Path = typer.Option(
        Path(".state/office-signing-keys.json"), help="Intake's file of public signing keys (appended to)."
    ),
    private_out: Path = typer.Option(
        None, help="Where the office system's private key goes (default .state/office-signing/<office>.json)."
    ),
    actor: str = typer.Option(None, help="Recorded as who registered (default <office>/office-system)."),
    role: list[str] = typer.Option(["receptionist"], help="The roles its registrations carry."),
    keep: bool = typer.Option(False, help="Keep an existing private key (development: `make up`)."),
) -> None:
    """Make an office's Ed25519 signing key: the private key for the office system, the public for intake."""
    from .signing import add_public_record, new_signing_key

    target = private_out or Path(".state/office-signing") / f"{office}.json"
    if keep and target.exists():
        typer.echo(f"{office}: keeping {target}")
        return
    signer, record = new_signing_key(office, actor, list(role))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch(mode=0o600)
    target.write_text(signer.to_json())
    add_public_record(public_keys, record)
    typer.echo(f"{office}: signing key {record.key_id}; private key in {target}, public key added to {public_keys}")


@cli.command("service-signing-key")
def service_signing_key(
    service: str,
    public_keys: Path = typer.Option(
        Path(".state/event-signing-keys.json"), help="Every service's public signing keys (appended to)."
    ),
) -> None:
    """Make a service's Ed25519 event signing key (rotation: the old one stays in the public file until
    removed): prints the `<SERVICE>_EVENT_SIGNING_KEY` line for that service's processes alone."""
    from .signing import add_public_record, new_service_key

    signer = new_service_key(service)
    add_public_record(public_keys, signer.record)
    typer.echo(f"{service.upper()}_EVENT_SIGNING_KEY={signer.to_setting()}")


@cli.command("dev-service-signing-keys")
def dev_service_signing_keys(
    env_file: Path = typer.Option(Path(".state/dev.env"), help="Where each service's private key goes (once)."),
    public_keys: Path = typer.Option(
        Path(".state/event-signing-keys.json"), help="Every service's public signing keys."
    ),
) -> None:
    """Development event signing keys for every service that publishes (`make up`): made once."""
    from .contracts.topics import signing_services
    from .signing import ensure_service_keys

    signers = ensure_service_keys(env_file, public_keys, signing_services())
    typer.echo(" ".join(f"{s}={signer.key_id}" for s, signer in signers.items()))


if __name__ == "__main__":
    cli()
