"""issue 13: office registrations that cannot be forged. Intake stores only public signing keys, so a
registration signed with anything the services store (the office key's SHA-256 in the key file) is
refused; so are unsigned, tampered, expired-key, other-office and replayed registrations — each with
its reason (a `Rejected` is a dead letter). The Kafka path is in test_office_topic.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from services.intake import bootstrap
from services.intake.adapters.office_topic import OfficeTopicHandler, signed_submission
from services.intake.settings import IntakeSettings
from shared.auth import cli
from shared.bus.consumer import Delivery, Rejected
from shared.contracts import OfficeRegistrationSubmitted, RegistrationForm, WireMessage, decode_message, encode
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.signing import (
    SIGNATURE_HEADER,
    OfficeSigner,
    OfficeSigningKeys,
    SignatureRefused,
    add_public_record,
    new_signing_key,
)
from tests.support import T0, form, write_keys, write_signing_keys

NOW = T0 + timedelta(hours=1)


def forged_with_stored_hash(key_file: Path, key_id: str, data: dict[str, Any]) -> WireMessage:
    """Today's forgery (before issue 13): read hk-central/reception's SHA-256 from the key file and sign
    the registration with it as the HMAC key, exactly as office systems used to; name the office's real
    (public) signing key id. Nothing else is needed from the attacker."""
    stored = {r["actor_id"]: r["key_sha256"] for r in json.loads(key_file.read_text())}["hk-central/reception"]
    wire = encode(
        OfficeRegistrationSubmitted(form=RegistrationForm(**data)),
        key=data["office_reference"],
        source="/offices/hk-central",
        event_id=str(uuid.uuid4()),
        time=datetime.now(UTC),
        extensions={"officeid": "hk-central", "signingkey": key_id},
    )
    signature = hmac.new(bytes.fromhex(stored), wire.value, hashlib.sha256).hexdigest()
    return WireMessage(wire.key, wire.value, [*wire.headers, (SIGNATURE_HEADER, signature.encode())])


def as_delivery(wire: WireMessage, offset: int = 0) -> Delivery:
    headers = {k: v.decode() for k, v in wire.headers}
    return Delivery(decode_message(wire), OFFICE_REGISTRATIONS.name, 0, offset, None, headers, wire.value)


@pytest.fixture
def world(tmp_path: Path):
    keys = write_keys(tmp_path / "keys.json")
    signers = write_signing_keys(tmp_path / "office-signing-keys.json")
    settings = IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        office_signing_keys_file=tmp_path / "office-signing-keys.json",
    )
    app = bootstrap.application(settings)
    handler = OfficeTopicHandler(
        OfficeSigningKeys.load(settings.office_signing_keys_file),
        lambda: NOW,
        settings.registration_window(),
        keyring=app.sealing_keyring(),
    )

    def handle(wire: WireMessage) -> int:
        """Handle one message in its own unit of work; the number of events it recorded."""
        uow = app.unit_of_work()
        handler(uow, as_delivery(wire))
        return app.commit(uow)

    yield keys, signers, handle, tmp_path
    app.close()


def test_a_registration_signed_with_the_stored_key_hash_is_refused(world) -> None:
    _, signers, handle, tmp_path = world
    forged = forged_with_stored_hash(tmp_path / "keys.json", signers["hk-central"].key_id, form("F-1"))
    with pytest.raises(Rejected, match="signature does not verify with signing key"):
        handle(forged)
    # Nor an Ed25519 key an attacker derives from the stored hash (the stored hash as the seed).
    stored = {r["actor_id"]: r["key_sha256"] for r in json.loads((tmp_path / "keys.json").read_text())}
    derived = OfficeSigner(
        "hk-central",
        signers["hk-central"].key_id,
        Ed25519PrivateKey.from_private_bytes(bytes.fromhex(stored["hk-central/reception"])),
    )
    with pytest.raises(Rejected, match="signature does not verify"):
        handle(signed_submission(derived, RegistrationForm(**form("F-2"))))
    assert handle(signed_submission(signers["hk-central"], RegistrationForm(**form("F-3")))) > 0  # the real key


def test_unsigned_other_office_and_tampered_registrations_are_refused_with_their_reason(world) -> None:
    _, signers, handle, _ = world
    good = signed_submission(signers["hk-central"], RegistrationForm(**form("T-1")))
    unsigned = WireMessage(good.key, good.value, [h for h in good.headers if h[0] != SIGNATURE_HEADER])
    with pytest.raises(Rejected, match=r"unsigned registration: missing header\(s\) ce_signature"):
        handle(unsigned)
    other = signed_submission(signers["kln-east"], RegistrationForm(**form("T-2")), office_id="hk-central")
    with pytest.raises(Rejected, match="is not a signing key of office 'hk-central'"):
        handle(other)
    # the time intake records is signed too: moving it breaks the signature
    moved = [(k, b"2026-11-02T09:31:00+00:00" if k == "ce_time" else v) for k, v in good.headers]
    with pytest.raises(Rejected, match="signature does not verify"):
        handle(WireMessage(good.key, good.value, moved))
    altered = good.value.replace(b"Lift 2", b"Lift 9")
    with pytest.raises(Rejected, match="signature does not verify"):
        handle(WireMessage(good.key, altered, good.headers))
    assert handle(good) > 0


def test_a_replayed_registration_registers_nothing_and_says_so(world) -> None:
    _, signers, handle, _ = world
    wire = signed_submission(signers["hk-central"], RegistrationForm(**form("R-1")))
    assert handle(wire) > 0  # recorded
    with pytest.raises(Rejected, match=r"replayed registration: message .* already registered hk-central #1 \(R-1\)"):
        handle(wire)
    # The office re-sending the same form as a new message (its own retry): the first registration, nothing new.
    assert handle(signed_submission(signers["hk-central"], RegistrationForm(**form("R-1")))) == 0
    assert (
        handle(signed_submission(signers["hk-central"], RegistrationForm(**form("R-2")))) > 0
    )  # another reference: recorded


def test_an_expired_signing_key_is_refused_and_a_rotated_one_accepted(tmp_path: Path) -> None:
    path = tmp_path / "office-signing-keys.json"
    old, old_record = new_signing_key("hk-central", not_after=NOW - timedelta(minutes=1))
    new, new_record = new_signing_key("hk-central")
    add_public_record(path, old_record)
    add_public_record(path, new_record)
    keys = OfficeSigningKeys.load(path)
    for signer, ok in ((old, False), (new, True)):
        wire = signed_submission(signer, RegistrationForm(**form()))
        headers = {k: v.decode() for k, v in wire.headers}
        if ok:
            assert keys.verify(headers, wire.value, NOW).actor_id == "hk-central/office-system"
        else:
            with pytest.raises(SignatureRefused, match="expired"):
                keys.verify(headers, wire.value, NOW)


def test_the_cli_makes_a_key_pair_and_intake_stores_only_the_public_half(tmp_path: Path) -> None:
    public, private = tmp_path / "public.json", tmp_path / "offices" / "hk-central.json"
    args = ["office-signing-key", "hk-central", "--public-keys", str(public), "--private-out", str(private)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    signer = OfficeSigner.load(private)
    [record] = json.loads(public.read_text())
    assert record["key_id"] == signer.key_id and "private" not in json.dumps(record)
    wire = signed_submission(signer, RegistrationForm(**form()))
    principal = OfficeSigningKeys.load(public).verify({k: v.decode() for k, v in wire.headers}, wire.value, NOW)
    assert (principal.office_id, principal.roles) == ("hk-central", frozenset({"receptionist"}))
    assert CliRunner().invoke(cli, [*args, "--keep"]).exit_code == 0  # make up: kept, not replaced
    assert OfficeSigner.load(private).key_id == signer.key_id and len(json.loads(public.read_text())) == 1
