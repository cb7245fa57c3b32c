"""Office keys: who is calling, for which office, in which roles.

Keys are long random tokens, so a fast SHA-256 is the right hash (a slow password hash would only
slow every request); only hashes are stored. The office of a request always comes from its key.

`python -m shared.auth dev-keys` writes a development key file and prints the plain keys once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import typer
from pydantic import BaseModel, Field

GROUP_ROLES = frozenset({"group", "auditor"})


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def sign(value: bytes, key_hash: str) -> str:
    """The signature an office system puts on a message it publishes to the office-facing topic."""
    return hmac.new(bytes.fromhex(key_hash), value, hashlib.sha256).hexdigest()


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


class KeyRegistry:
    def __init__(self, records: list[KeyRecord]) -> None:
        self._by_hash = {r.key_sha256: r for r in records}

    @classmethod
    def load(cls, path: Path) -> KeyRegistry:
        if not path.exists():
            return cls([])
        return cls([KeyRecord.model_validate(r) for r in json.loads(path.read_text())])

    def authenticate(self, raw_key: str) -> Principal | None:
        record = self._by_hash.get(hash_key(raw_key))
        return None if record is None else _principal(record)

    def office_signer(self, office_id: str, value: bytes, signature: str) -> Principal | None:
        """The office key (with the staff role) that signed `value`, if any."""
        for record in self._by_hash.values():
            if record.office_id == office_id and hmac.compare_digest(sign(value, record.key_sha256), signature):
                return _principal(record)
        return None


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


if __name__ == "__main__":
    cli()
