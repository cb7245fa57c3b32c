"""Office signing keys: who published a registration on the office-facing topic.

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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
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


def add_public_record(path: Path, record: SigningKeyRecord) -> None:
    """Append a public record to intake's signing-key file (rotation: old keys stay until removed)."""
    records = json.loads(path.read_text()) if path.exists() else []
    records.append(record.model_dump(mode="json"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2))
