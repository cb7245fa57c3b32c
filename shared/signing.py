"""Signing keys: who published a registration on the office-facing topic (offices), and which service
published a record on an internal topic (services: see the second half).

Each office system holds an Ed25519 private key; intake stores only its public key (in its own file,
`INTAKE_OFFICE_SIGNING_KEYS_FILE`, apart from the office keys), so nothing any service stores lets
anyone sign for an office. (Before issue 13 the signature was an HMAC under the office key's SHA-256,
which is what the key file stores: whoever read it could sign for every office.)

A registration carries three headers beside its CloudEvent ones: `ce_officeid`, `ce_signingkey` (the
key's id, public) and `ce_signature` (base64 Ed25519). What is signed is `signing_input`: a domain
label, the office, the key id, the CloudEvent's id, time, type and source, and the value — so neither
the value nor the time or id that intake records from the headers can be changed without breaking it.

`python -m shared.auth office-signing-key <office>` makes a key pair.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_sign_open
from pydantic import AwareDatetime, BaseModel, Field

from .auth import Principal

OFFICE_HEADER = "ce_officeid"
KEY_ID_HEADER = "ce_signingkey"
SIGNATURE_HEADER = "ce_signature"
DOMAIN = "complaints.office.registration/v1"
# The CloudEvent attributes a signature covers, besides the value.
SIGNED_HEADERS = (OFFICE_HEADER, KEY_ID_HEADER, "ce_id", "ce_time", "ce_type", "ce_source")


def signing_input(headers: Mapping[str, str], value: bytes) -> bytes:
    """The bytes an office signs: one line per signed header (absent = empty), then the value."""
    lines = [DOMAIN, *(f"{name}={headers.get(name, '')}" for name in SIGNED_HEADERS)]
    return "\n".join(lines).encode() + b"\n" + value


class SigningKeyRecord(BaseModel):
    """What intake stores about an office's signing key: the public half only."""

    key_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{4,64}$")
    office_id: str
    actor_id: str = Field(description="Recorded as who registered, e.g. 'hk-central/office-system'.")
    roles: list[str] = Field(default_factory=lambda: ["receptionist"])
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    not_after: AwareDatetime | None = Field(default=None, description="After this, its signatures are refused.")


class SignatureRefused(ValueError):
    """A registration that no signing key of its office signed, with the reason."""


class OfficeSigningKeys:
    """The public signing keys of every office (intake's verification side)."""

    def __init__(self, records: list[SigningKeyRecord]) -> None:
        self._by_id = {r.key_id: r for r in records}

    @classmethod
    def load(cls, path: Path) -> OfficeSigningKeys:
        if not path.exists():
            return cls([])
        return cls([SigningKeyRecord.model_validate(r) for r in json.loads(path.read_text())])

    def verify(self, headers: Mapping[str, str], value: bytes, now: datetime) -> Principal:
        """Who signed the message; SignatureRefused with the reason when nobody of its office did."""
        office_id, key_id, signature = (headers.get(h) for h in (OFFICE_HEADER, KEY_ID_HEADER, SIGNATURE_HEADER))
        if not office_id or not key_id or not signature:
            missing = [h for h in (OFFICE_HEADER, KEY_ID_HEADER, SIGNATURE_HEADER) if not headers.get(h)]
            raise SignatureRefused(f"unsigned registration: missing header(s) {', '.join(missing)}")
        record = self._by_id.get(key_id)
        if record is None or record.office_id != office_id:
            raise SignatureRefused(f"{key_id!r} is not a signing key of office {office_id!r}")
        if record.not_after is not None and now > record.not_after:
            raise SignatureRefused(f"signing key {key_id!r} of office {office_id!r} expired at {record.not_after}")
        try:
            raw_signature = base64.b64decode(signature, validate=True)
            public = Ed25519PublicKey.from_public_bytes(base64.b64decode(record.public_key))
            public.verify(raw_signature, signing_input(headers, value))
        except (InvalidSignature, binascii.Error, ValueError) as error:
            raise SignatureRefused(
                f"signature does not verify with signing key {key_id!r} of office {office_id!r}"
            ) from error
        return Principal(record.actor_id, record.office_id, frozenset(record.roles))


@dataclass(frozen=True)
class OfficeSigner:
    """An office system's private signing key (kept by the office, never by the services)."""

    office_id: str
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, headers: Mapping[str, str], value: bytes) -> str:
        return base64.b64encode(self.private_key.sign(signing_input(headers, value))).decode()

    def to_json(self) -> str:
        raw = self.private_key.private_bytes_raw()
        return json.dumps(
            {"office_id": self.office_id, "key_id": self.key_id, "private_key": base64.b64encode(raw).decode()}
        )

    @classmethod
    def from_json(cls, text: str) -> OfficeSigner:
        data = json.loads(text)
        key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data["private_key"]))
        return cls(data["office_id"], data["key_id"], key)

    @classmethod
    def load(cls, path: Path) -> OfficeSigner:
        return cls.from_json(path.read_text())


def new_signing_key(
    office_id: str,
    actor_id: str | None = None,
    roles: list[str] | None = None,
    not_after: datetime | None = None,
) -> tuple[OfficeSigner, SigningKeyRecord]:
    """A fresh key pair: the private half for the office system, the public record for intake."""
    private = Ed25519PrivateKey.generate()
    key_id = f"{office_id}.{secrets.token_hex(6)}"
    record = SigningKeyRecord(
        key_id=key_id,
        office_id=office_id,
        actor_id=actor_id or f"{office_id}/office-system",
        roles=roles or ["receptionist"],
        public_key=base64.b64encode(private.public_key().public_bytes_raw()).decode(),
        not_after=not_after,
    )
    return OfficeSigner(office_id, key_id, private), record


def add_public_record(path: Path, record: BaseModel) -> None:
    """Append a public record to a signing-key file, an office's (intake's) or a service's (every
    consumer's); rotation: old keys stay until removed."""
    records = json.loads(path.read_text()) if path.exists() else []
    records.append(record.model_dump(mode="json"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2))


# -- Service signing keys: which service published a record on an internal topic -----------------
#
# Each service's relay signs every record it publishes with that service's own Ed25519 key; every
# consumer knows from the topic registry (`Topic.authors`) which services may write each topic and
# refuses a record no key of those services signed. One process holds one private key (its service's,
# `<SERVICE>_EVENT_SIGNING_KEY`); the public keys of every service are a public file
# (`COMPLAINTS_EVENT_SIGNING_KEYS_FILE`). Rotation: a service's old and new keys are both in the file
# until the old one is removed (or its `not_after` passes).

AUTHOR_KEY_HEADER = "ce_authorkey"
AUTHOR_SIGNATURE_HEADER = "ce_authorsignature"
RECORD_DOMAIN = b"complaints.service.record/v1"
# The headers a record's signature covers (absent and empty differ), besides topic, key and value.
# Trace headers are left out: they say how to follow the record, not what it is.
SIGNED_RECORD_HEADERS = (
    AUTHOR_KEY_HEADER,
    "ce_id",
    "ce_type",
    "ce_source",
    "ce_time",
    "ce_specversion",
    "ce_schemaversion",
    "content-type",
)
DEVELOPMENT_KEY_PREFIX = "dev-"  # key ids `make up` and the tests make; production refuses them


def _field(part: bytes | None) -> bytes:
    """One length-prefixed field (absent = a length of 2**64-1), so no two inputs share their bytes."""
    if part is None:
        return b"\xff" * 8
    return len(part).to_bytes(8, "big") + part


def record_signing_input(
    topic: str, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes | None]]
) -> bytes:
    """The bytes a service signs for one Kafka record: topic, key, the signed headers, value."""
    present = {name: header for name, header in headers if name in SIGNED_RECORD_HEADERS}
    parts = [RECORD_DOMAIN, topic.encode(), key, *(present.get(name) for name in SIGNED_RECORD_HEADERS), value]
    return b"".join(_field(part) for part in parts)


class ServiceKeyRecord(BaseModel):
    """A service's public signing key, as every consumer reads it."""

    key_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{4,64}$")
    service: str = Field(description="The service whose relay signs with it, e.g. 'followup'.")
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    not_after: AwareDatetime | None = Field(default=None, description="After this, its signatures are refused.")

    @property
    def development(self) -> bool:
        return self.key_id.startswith(DEVELOPMENT_KEY_PREFIX)


class NotAuthored(ValueError):
    """A record on an internal topic that no key of its author service signed, with the reason."""


class ServiceSigningKeys:
    """The public signing keys of every service (each consumer's verification side)."""

    def __init__(self, records: Sequence[ServiceKeyRecord]) -> None:
        self.records = list(records)
        self._by_id = {r.key_id: r for r in self.records}

    @classmethod
    def load(cls, path: Path) -> ServiceSigningKeys:
        if not path.exists():
            return cls([])
        return cls([ServiceKeyRecord.model_validate(r) for r in json.loads(path.read_text())])

    def services(self) -> set[str]:
        return {r.service for r in self.records}

    def verify(
        self,
        topic: str,
        authors: Sequence[str],
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes | None]],
        now: datetime,
    ) -> str:
        """The service that signed the record; NotAuthored with the reason when none of `authors` did."""
        names = [name for name, _ in headers]
        repeated = sorted(
            {n for n in names if names.count(n) > 1 and n in (*SIGNED_RECORD_HEADERS, AUTHOR_SIGNATURE_HEADER)}
        )
        if repeated:  # a reader takes the first of a name, the signature the last: refuse the ambiguity
            raise NotAuthored(f"header(s) {', '.join(repeated)} repeated on a record on {topic}")
        found = {name: (header or b"").decode("utf-8", "replace") for name, header in headers}
        key_id, signature = found.get(AUTHOR_KEY_HEADER), found.get(AUTHOR_SIGNATURE_HEADER)
        written_by = " or ".join(authors)
        if not key_id or not signature:
            raise NotAuthored(f"unsigned record on {topic} (only {written_by} may write it)")
        record = self._by_id.get(key_id)
        if record is None:
            raise NotAuthored(f"unknown signing key {key_id!r} on {topic} (only {written_by} may write it)")
        if record.service not in authors:
            raise NotAuthored(f"signed by {record.service} (key {key_id!r}), but only {written_by} may write {topic}")
        if record.not_after is not None and now > record.not_after:
            raise NotAuthored(f"signing key {key_id!r} of {record.service} expired at {record.not_after}")
        try:
            raw_key, raw_signature = base64.b64decode(record.public_key), base64.b64decode(signature, validate=True)
            if base64.b64encode(raw_signature).decode("ascii") != signature:
                # base64's padding bits are not decoded: another spelling of the same signature is an
                # altered header all the same (a record is accepted in exactly one form)
                raise ValueError("the signature is not in canonical base64")
            signed = record_signing_input(topic, key, value, headers)
            if not sodium_verifies(raw_key, raw_signature, signed):  # then OpenSSL decides, as it always did
                Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_signature, signed)
        except (InvalidSignature, binascii.Error, ValueError) as error:
            raise NotAuthored(
                f"signature does not verify with {record.service}'s key {key_id!r}: the record on {topic} was altered"
            ) from error
        return record.service


def sodium_verifies(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """True when libsodium verifies the Ed25519 signature: about half the CPU of OpenSSL's verification
    (measured here: 57 µs against 107 µs a record, every record every consumer reads). libsodium is the
    stricter of the two (it also refuses non-canonical and small-order points), so what it accepts
    OpenSSL accepts; what it refuses goes on to OpenSSL, whose answer stands (a property test keeps the
    two in agreement)."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        crypto_sign_open(signature + data, public_key)
    except Exception:  # nacl.exceptions.BadSignatureError, or a key libsodium cannot read
        return False
    return True


@dataclass(frozen=True)
class ServiceSigner:
    """A service's private signing key (its relay's; no other process holds it)."""

    service: str
    key_id: str
    private_key: Ed25519PrivateKey

    def headers_for(
        self, topic: str, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]]
    ) -> list[tuple[str, bytes]]:
        """`headers` with the key id and the signature of the record added (any earlier ones replaced)."""
        kept = [(n, h) for n, h in headers if n not in (AUTHOR_KEY_HEADER, AUTHOR_SIGNATURE_HEADER)]
        kept.append((AUTHOR_KEY_HEADER, self.key_id.encode()))
        signature = self.private_key.sign(record_signing_input(topic, key, value, kept))
        return [*kept, (AUTHOR_SIGNATURE_HEADER, base64.b64encode(signature))]

    @property
    def record(self) -> ServiceKeyRecord:
        raw = self.private_key.public_key().public_bytes_raw()
        return ServiceKeyRecord(key_id=self.key_id, service=self.service, public_key=base64.b64encode(raw).decode())

    def to_setting(self) -> str:
        """The `<SERVICE>_EVENT_SIGNING_KEY` value: `<service>:<key id>:<base64 private key>` (no quotes)."""
        return f"{self.service}:{self.key_id}:{base64.b64encode(self.private_key.private_bytes_raw()).decode()}"

    @classmethod
    def from_setting(cls, text: str) -> ServiceSigner:
        try:
            service, key_id, raw = text.strip().split(":")
            return cls(service, key_id, Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw, validate=True)))
        except ValueError as error:  # binascii.Error is a ValueError too
            raise ValueError("a service signing key reads `<service>:<key id>:<base64 private key>`") from error


def new_service_key(service: str, *, development: bool = False) -> ServiceSigner:
    prefix = DEVELOPMENT_KEY_PREFIX if development else ""
    return ServiceSigner(service, f"{prefix}{service}.{secrets.token_hex(6)}", Ed25519PrivateKey.generate())


def ensure_service_keys(env_file: Path, public_file: Path, services: Sequence[str]) -> dict[str, ServiceSigner]:
    """Development keys (`make up`, the tests): each service's private key in `env_file` (made once, as
    `<SERVICE>_EVENT_SIGNING_KEY=...`), its public key in `public_file` (added when missing)."""
    have = env_file.read_text() if env_file.exists() else ""
    settings = dict(line.split("=", 1) for line in have.splitlines() if "=" in line)
    signers: dict[str, ServiceSigner] = {}
    with env_file.open("a") as out:
        for service in services:
            name = f"{service.upper()}_EVENT_SIGNING_KEY"
            if name in settings:
                signers[service] = ServiceSigner.from_setting(settings[name])
            else:
                signers[service] = new_service_key(service, development=True)
                out.write(f"{name}={signers[service].to_setting()}\n")
    env_file.chmod(0o600)
    known = {r.key_id for r in ServiceSigningKeys.load(public_file).records}
    for signer in signers.values():
        if signer.key_id not in known:
            add_public_record(public_file, signer.record)
    return signers
