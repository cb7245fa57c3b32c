"""The keyring: each complainant's own data key, wrapped under a master key held outside the stores.

Envelope encryption (AES-256-GCM from `cryptography`): a person's personal data is sealed with their
random data key; the data key is stored only wrapped (encrypted) under the master key, which comes
from a setting (`KEYRING_MASTER_KEY`) and never enters a store. Destroying a person's data key makes
every copy of their sealed data unreadable at once, wherever it was written (crypto-shredding).

The keyring is its own small store (SQLite or PostgreSQL, like a service's), a "KMS" that the
services with a need read: intake (seals, finds the person), triage (recognises repeat complainants),
projection (shows staff), notifier (sends receipts). It also holds the *blind index*: keyed HMACs
of a person's normalised contact and name+unit, each pointing at the person and at a random token.
Equal facts find the same person and the same token without a store keeping the facts; erasing the
person deletes their index rows, so nothing links the tokens left in other stores back to them.

Rotation re-wraps every data key under a new master key; no sealed datum is rewritten.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .settings import DEVELOPMENT_POSTGRES_PASSWORD, DeploymentSettings, Environment, Store

# The development master key: `make up` and the tests may use it; production refuses it.
DEVELOPMENT_MASTER_KEY = base64.b64encode(b"development-keyring-master-key!!").decode()
SEALED_PREFIX = "s1."  # sealed data: "s1." + base64(nonce | AES-GCM ciphertext)
_NONCE = 12


class KeyringError(Exception):
    """The keyring cannot do what was asked (an unknown master key, a malformed ciphertext)."""


class SealBroken(KeyringError):
    """Sealed data that does not open with its person's key (altered, or not sealed at all)."""


class UnknownPerson(KeyringError):
    """No data key and no erasure for this person: this keyring is not the one that sealed the data
    (a process pointed at another keyring). Said, never shown as an erasure."""


class KeyringSettings(BaseSettings):
    """Where the keyring is kept and the master key(s): `KEYRING_*`."""

    model_config = SettingsConfigDict(env_prefix="KEYRING_", extra="ignore")

    store: Store = Store.SQLITE
    sqlite_path: Path | None = Field(
        default=None, description="The SQLite keyring (default: `stores/keyring.sqlite` in the service's state dir)."
    )
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "complaints"
    postgres_password: SecretStr = SecretStr(DEVELOPMENT_POSTGRES_PASSWORD)
    postgres_dbname: str = "complaints"
    master_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_MASTER_KEY),
        description="Base64 AES-256 key (32 bytes) that wraps every data key; never stored.",
    )
    previous_master_keys: SecretStr = Field(
        default=SecretStr(""), description="Comma-separated base64 keys still accepted while a rotation runs."
    )
    environment: Environment = Field(default_factory=lambda: DeploymentSettings().env)

    def development_secrets(self) -> list[str]:
        """The keyring's secrets left at their development defaults (production refuses them)."""
        problems = []
        if self.master_key.get_secret_value() in {DEVELOPMENT_MASTER_KEY, ""}:
            problems.append(
                "KEYRING_MASTER_KEY is the development master key (every person's data key is wrapped by it)"
            )
        if self.store is Store.POSTGRES and self.postgres_password.get_secret_value() in {
            DEVELOPMENT_POSTGRES_PASSWORD,
            "",
        }:
            problems.append("KEYRING_POSTGRES_PASSWORD is the development password")
        if self.store is Store.MEMORY:
            problems.append("KEYRING_STORE is `memory` (erasure and person ids would not last)")
        return problems


# -- master keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MasterKey:
    """A master key and its id (a digest of it: rows say which key wrapped them, not the key)."""

    secret: bytes

    @classmethod
    def from_base64(cls, text: str) -> MasterKey:
        try:
            secret = base64.b64decode(text, validate=True)
        except ValueError as error:
            raise KeyringError("a master key must be base64") from error
        if len(secret) != 32:
            raise KeyringError("a master key must be 32 bytes (AES-256)")
        return cls(secret)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(AESGCM.generate_key(bit_length=256))

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"keyring-master|" + self.secret).hexdigest()[:16]

    def wrap(self, data_key: bytes, person_id: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + AESGCM(self.secret).encrypt(nonce, data_key, f"data-key|{person_id}".encode())

    def unwrap(self, wrapped: bytes, person_id: str) -> bytes:
        try:
            return AESGCM(self.secret).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], f"data-key|{person_id}".encode())
        except InvalidTag as error:
            raise KeyringError(f"the data key of {person_id} does not open with master key {self.key_id}") from error

    def to_base64(self) -> str:
        return base64.b64encode(self.secret).decode()


# -- sealing (pure) ------------------------------------------------------------------------------


def seal(data_key: bytes, person_id: str, data: dict[str, Any]) -> str:
    """`data` as JSON, encrypted and authenticated with the person's data key (bound to their id)."""
    nonce = os.urandom(_NONCE)
    plain = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    sealed = nonce + AESGCM(data_key).encrypt(nonce, plain, f"personal|{person_id}".encode())
    return SEALED_PREFIX + base64.b64encode(sealed).decode()


def unseal(data_key: bytes, person_id: str, sealed: str) -> dict[str, Any]:
    if not sealed.startswith(SEALED_PREFIX):
        raise SealBroken("not sealed data")
    try:
        raw = base64.b64decode(sealed[len(SEALED_PREFIX) :], validate=True)
        plain = AESGCM(data_key).decrypt(raw[:_NONCE], raw[_NONCE:], f"personal|{person_id}".encode())
    except (ValueError, InvalidTag) as error:
        raise SealBroken("sealed data does not open with this person's key") from error
    data: dict[str, Any] = json.loads(plain)
    return data


def blind_digest(index_key: bytes, kind: str, value: str) -> str:
    """The blind index of one normalised fact: a keyed HMAC (the key lives only in the keyring)."""
    return hmac.new(index_key, f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()


# -- the store -----------------------------------------------------------------------------------

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS keyring_secrets (name TEXT PRIMARY KEY, wrapped BYTEA NOT NULL,"
    " master_key_id TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS keyring_data_keys (person_id TEXT PRIMARY KEY, wrapped BYTEA NOT NULL,"
    " master_key_id TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS keyring_blind_index (digest TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " person_id TEXT NOT NULL, token TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS keyring_blind_index_person ON keyring_blind_index (person_id)",
    # What staff search by that does not identify one person (a name, a unit): many people per digest.
    "CREATE TABLE IF NOT EXISTS keyring_search (digest TEXT NOT NULL, person_id TEXT NOT NULL,"
    " PRIMARY KEY (digest, person_id))",
    "CREATE INDEX IF NOT EXISTS keyring_search_person ON keyring_search (person_id)",
    "CREATE TABLE IF NOT EXISTS keyring_erasures (person_id TEXT NOT NULL, erased_at TEXT NOT NULL,"
    " erased_by TEXT NOT NULL, reason TEXT NOT NULL)",
)


class _Database:
    """A small SQL store: SQLite (one file shared by processes) or PostgreSQL, `?` placeholders."""

    def __init__(self, settings: KeyringSettings, state_dir: Path) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._postgres = settings.store is Store.POSTGRES
        if self._postgres:
            from psycopg_pool import ConnectionPool

            conninfo = (
                f"host={settings.postgres_host} port={settings.postgres_port} user={settings.postgres_user}"
                f" password={settings.postgres_password.get_secret_value()} dbname={settings.postgres_dbname}"
            )
            self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, open=True)
        else:
            sqlite_path = settings.sqlite_path or state_dir / "stores" / "keyring.sqlite"
            path = ":memory:" if settings.store is Store.MEMORY else str(sqlite_path)
            if settings.store is Store.SQLITE:
                sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            self._sqlite = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            if settings.store is Store.SQLITE:
                self._sqlite.execute("PRAGMA journal_mode=WAL")
        with self.transaction() as run:
            for statement in _SCHEMA:
                run(statement if self._postgres else statement.replace("BYTEA", "BLOB"))

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Any]:
        """One transaction; yields `run(sql, *params) -> rows`. A read (`write=False`) takes no write
        lock on SQLite, so readers in other processes never wait for each other."""
        if self._postgres:
            with self._pool.connection() as connection, connection.transaction():

                def run_pg(sql: str, *params: Any) -> list[tuple[Any, ...]]:
                    cursor = connection.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
                    return list(cursor.fetchall()) if cursor.description else []

                yield run_pg
            return
        with self._lock:
            self._sqlite.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:

                def run_sqlite(sql: str, *params: Any) -> list[tuple[Any, ...]]:
                    return self._sqlite.execute(sql, params).fetchall()

                yield run_sqlite
            except BaseException:
                self._sqlite.execute("ROLLBACK")
                raise
            self._sqlite.execute("COMMIT")

    def close(self) -> None:
        if self._postgres:
            self._pool.close()
        else:
            self._sqlite.close()


# -- the keyring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    person_id: UUID
    erased_at: datetime
    erased_by: str
    reason: str
    keys_destroyed: int
    index_entries_deleted: int


class Keyring:
    """Data keys per person, the blind index, erasure and rotation. Thread-safe; no key is cached,
    so an erasure is seen by every process at its next read."""

    def __init__(self, database: _Database, master: MasterKey, previous: Iterable[MasterKey] = ()) -> None:
        self._db = database
        self._master = master
        self._masters = {m.key_id: m for m in (master, *previous)}
        self._index_key = self._secret("blind-index")

    @classmethod
    def from_settings(cls, settings: KeyringSettings, state_dir: Path = Path(".state")) -> Keyring:
        previous = [
            MasterKey.from_base64(k.strip()) for k in settings.previous_master_keys.get_secret_value().split(",") if k
        ]
        return cls(
            _Database(settings, state_dir), MasterKey.from_base64(settings.master_key.get_secret_value()), previous
        )

    def close(self) -> None:
        self._db.close()

    def _unwrap(self, wrapped: bytes, master_key_id: str, owner: str) -> bytes:
        master = self._masters.get(master_key_id)
        if master is None:
            raise KeyringError(f"{owner} is wrapped under master key {master_key_id}, which this process lacks")
        return master.unwrap(bytes(wrapped), owner)

    def _secret(self, name: str) -> bytes:
        """A keyring-wide secret (the blind index's HMAC key), made once, stored wrapped."""
        with self._db.transaction() as run:
            rows = run("SELECT wrapped, master_key_id FROM keyring_secrets WHERE name = ?", name)
            if not rows:
                fresh = secrets.token_bytes(32)
                run(
                    "INSERT INTO keyring_secrets (name, wrapped, master_key_id) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    name,
                    self._master.wrap(fresh, f"secret:{name}"),
                    self._master.key_id,
                )
                rows = run("SELECT wrapped, master_key_id FROM keyring_secrets WHERE name = ?", name)
        wrapped, key_id = rows[0]
        return self._unwrap(wrapped, key_id, f"secret:{name}")

    # -- people ---------------------------------------------------------------------------------

    def person(self, facts: Iterable[tuple[str, str]], now: datetime, search: Iterable[tuple[str, str]] = ()) -> UUID:
        """The person these normalised facts (kind, value) identify, made if none does: the first
        fact already indexed decides; every fact not yet indexed is indexed under that person.
        `search`: facts to index for staff's search too (`index_for_search`), in the same transaction:
        a registration's keyring writes then cost one commit (a disk sync on SQLite), not two."""
        digests = [(kind, blind_digest(self._index_key, "person:" + kind, value)) for kind, value in facts]
        searched = [blind_digest(self._index_key, "search:" + kind, value) for kind, value in search]
        with self._db.transaction() as run:
            person_id: str | None = None
            for _, digest in digests:
                rows = run("SELECT person_id FROM keyring_blind_index WHERE digest = ?", digest)
                if rows:
                    person_id = rows[0][0]
                    break
            if person_id is None:
                person_id = str(uuid4())
                data_key = AESGCM.generate_key(bit_length=256)
                run(
                    "INSERT INTO keyring_data_keys (person_id, wrapped, master_key_id, created_at) VALUES (?, ?, ?, ?)",
                    person_id,
                    self._master.wrap(data_key, person_id),
                    self._master.key_id,
                    now.astimezone(UTC).isoformat(),
                )
            for kind, digest in digests:
                run(
                    "INSERT INTO keyring_blind_index (digest, kind, person_id, token) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    digest,
                    kind,
                    person_id,
                    secrets.token_hex(16),
                )
            for digest in searched:
                run(
                    "INSERT INTO keyring_search (digest, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    digest,
                    person_id,
                )
        return UUID(person_id)

    def find_person(self, facts: Iterable[tuple[str, str]]) -> UUID | None:
        """The person these normalised facts identify, if any (nothing is made)."""
        with self._db.transaction(write=False) as run:
            for kind, value in facts:
                digest = blind_digest(self._index_key, "person:" + kind, value)
                rows = run("SELECT person_id FROM keyring_blind_index WHERE digest = ?", digest)
                if rows:
                    return UUID(rows[0][0])
        return None

    def index_for_search(self, person_id: UUID, facts: Iterable[tuple[str, str]]) -> None:
        """Let staff find this person by normalised facts that may be shared with others (a name, a
        unit): keyed digests, never the values; deleted at erasure. Recognising a person is `person`'s
        job, not this index's."""
        digests = [blind_digest(self._index_key, "search:" + kind, value) for kind, value in facts]
        with self._db.transaction() as run:
            for digest in digests:
                run(
                    "INSERT INTO keyring_search (digest, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    digest,
                    str(person_id),
                )

    def people_found_by(self, facts: Iterable[tuple[str, str]]) -> set[UUID]:
        """Everyone the search index holds under any of these normalised facts (nothing is made)."""
        found: set[UUID] = set()
        with self._db.transaction(write=False) as run:
            for kind, value in facts:
                digest = blind_digest(self._index_key, "search:" + kind, value)
                found |= {UUID(r[0]) for r in run("SELECT person_id FROM keyring_search WHERE digest = ?", digest)}
        return found

    def token(self, person_id: UUID, kind: str, value: str) -> str:
        """An opaque token for one normalised fact of a person: equal facts, equal tokens (triage's
        repeat-complainant keys). Deleted with the person: the token then links to nothing."""
        return self.tokens(person_id, [(kind, value)])[0]

    def tokens(self, person_id: UUID, facts: Sequence[tuple[str, str]]) -> list[str]:
        """`token` for several facts of one person (kind, value), in their order (see `tokens_of`)."""
        return self.tokens_of([(person_id, kind, value) for kind, value in facts])

    def tokens_of(self, asked: Sequence[tuple[UUID, str, str]]) -> list[str]:
        """`token` for each (person, kind, value), in their order: one read, and one write transaction
        for all those not known yet. A complaint's identity keys, or a whole batch's, then cost one
        commit (a disk sync on SQLite), not one each: triage waited on these syncs more than on its
        own store."""
        digests = [
            (person, kind, blind_digest(self._index_key, "token:" + kind, value)) for person, kind, value in asked
        ]
        with self._db.transaction(write=False) as run:
            known = {
                d: str(r[0][0])
                for _, _, d in digests
                if (r := run("SELECT token FROM keyring_blind_index WHERE digest = ?", d))
            }
        missing = {d: (person, kind) for person, kind, d in digests if d not in known}
        if missing:
            with self._db.transaction() as run:
                for digest, (person, kind) in missing.items():
                    run(
                        "INSERT INTO keyring_blind_index (digest, kind, person_id, token) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT DO NOTHING",
                        digest,
                        kind,
                        str(person),
                        secrets.token_hex(16),
                    )
                for digest in missing:
                    known[digest] = str(run("SELECT token FROM keyring_blind_index WHERE digest = ?", digest)[0][0])
        return [known[d] for _, _, d in digests]

    def data_key(self, person_id: UUID) -> bytes | None:
        """The person's data key, or None once they are erased."""
        with self._db.transaction(write=False) as run:
            rows = run("SELECT wrapped, master_key_id FROM keyring_data_keys WHERE person_id = ?", str(person_id))
        if not rows:
            return None
        return self._unwrap(rows[0][0], rows[0][1], str(person_id))

    def seal(self, person_id: UUID, data: dict[str, Any]) -> str:
        data_key = self.data_key(person_id)
        if data_key is None:
            raise KeyringError(f"person {person_id} is erased: nothing can be sealed for them")
        return seal(data_key, str(person_id), data)

    def unseal(self, person_id: UUID, sealed: str) -> dict[str, Any] | None:
        """The sealed data in clear, or None when the person is erased. UnknownPerson when this keyring
        never knew them (another keyring sealed it: a misconfiguration, not an erasure)."""
        data_key = self.data_key(person_id)
        if data_key is None:
            if self.is_erased(person_id):
                return None
            raise UnknownPerson(f"no data key and no erasure of person {person_id}: is this the keyring intake uses?")
        return unseal(data_key, str(person_id), sealed)

    def is_erased(self, person_id: UUID) -> bool:
        with self._db.transaction(write=False) as run:
            return bool(run("SELECT 1 FROM keyring_erasures WHERE person_id = ?", str(person_id)))

    # -- erasure and rotation -------------------------------------------------------------------

    def erase(self, person_id: UUID, erased_by: str, reason: str, now: datetime) -> Erasure:
        """Destroy the person's data key and blind-index entries, in one transaction. Idempotent."""
        with self._db.transaction() as run:
            keys = len(run("SELECT 1 FROM keyring_data_keys WHERE person_id = ?", str(person_id)))
            entries = len(run("SELECT 1 FROM keyring_blind_index WHERE person_id = ?", str(person_id)))
            run("DELETE FROM keyring_data_keys WHERE person_id = ?", str(person_id))
            run("DELETE FROM keyring_blind_index WHERE person_id = ?", str(person_id))
            run("DELETE FROM keyring_search WHERE person_id = ?", str(person_id))
            run(
                "INSERT INTO keyring_erasures (person_id, erased_at, erased_by, reason) VALUES (?, ?, ?, ?)",
                str(person_id),
                now.astimezone(UTC).isoformat(),
                erased_by,
                reason,
            )
        return Erasure(person_id, now, erased_by, reason, keys, entries)

    def rotate(self, new_master: MasterKey) -> int:
        """Re-wrap every data key and keyring secret under `new_master` (one transaction); returns how
        many. Sealed data everywhere stays as it is: only the wrapping changes."""
        count = 0
        with self._db.transaction() as run:
            for person_id, wrapped, key_id in run("SELECT person_id, wrapped, master_key_id FROM keyring_data_keys"):
                data_key = self._unwrap(wrapped, key_id, person_id)
                run(
                    "UPDATE keyring_data_keys SET wrapped = ?, master_key_id = ? WHERE person_id = ?",
                    new_master.wrap(data_key, person_id),
                    new_master.key_id,
                    person_id,
                )
                count += 1
            for name, wrapped, key_id in run("SELECT name, wrapped, master_key_id FROM keyring_secrets"):
                secret = self._unwrap(wrapped, key_id, f"secret:{name}")
                run(
                    "UPDATE keyring_secrets SET wrapped = ?, master_key_id = ? WHERE name = ?",
                    new_master.wrap(secret, f"secret:{name}"),
                    new_master.key_id,
                    name,
                )
                count += 1
        self._masters[new_master.key_id] = new_master
        self._master = new_master
        return count

    def master_key_ids(self) -> dict[str, int]:
        """How many rows each master key wraps (a finished rotation leaves one id)."""
        with self._db.transaction() as run:
            rows = run(
                "SELECT master_key_id, COUNT(*) FROM (SELECT master_key_id FROM keyring_data_keys"
                " UNION ALL SELECT master_key_id FROM keyring_secrets) AS wrapped GROUP BY master_key_id"
            )
        return {str(k): int(n) for k, n in rows}


# -- the operator's CLI ------------------------------------------------------------------------------


def _cli() -> Any:
    import typer

    cli = typer.Typer(add_completion=False, help="The keyring: master keys and rotation (KEYRING_* settings).")

    @cli.command("new-master-key")
    def new_master_key() -> None:
        """Print a fresh random master key (base64) for KEYRING_MASTER_KEY."""
        typer.echo(MasterKey.generate().to_base64())

    @cli.command()
    def status() -> None:
        """How many wrapped keys each master key id wraps (one id after a finished rotation)."""
        keyring = Keyring.from_settings(KeyringSettings())
        typer.echo(json.dumps(keyring.master_key_ids(), indent=2))

    @cli.command()
    def rotate(
        new_key_env: str = typer.Option(
            "KEYRING_NEW_MASTER_KEY", help="The environment variable holding the new master key (base64)."
        ),
    ) -> None:
        """Re-wrap every data key under the new master key (one transaction). Sealed data is not touched.
        Then give every process KEYRING_MASTER_KEY=<new> (and the old one in KEYRING_PREVIOUS_MASTER_KEYS
        until all have restarted)."""
        new_key = os.environ.get(new_key_env)
        if not new_key:
            typer.echo(f"{new_key_env} is not set")
            raise typer.Exit(2)
        keyring = Keyring.from_settings(KeyringSettings())
        count = keyring.rotate(MasterKey.from_base64(new_key))
        typer.echo(f"re-wrapped {count} keys under master key {MasterKey.from_base64(new_key).key_id}")

    return cli


if __name__ == "__main__":
    _cli()()
