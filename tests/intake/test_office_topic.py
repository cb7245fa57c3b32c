"""Office systems publishing to Kafka: checked like HTTP; bad messages become dead letters, the rest go on."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.intake import bootstrap
from services.intake.adapters.office_topic import signed_submission
from services.intake.settings import IntakeSettings
from shared.bus import kafka
from shared.contracts import ComplaintRegistered, RegistrationForm, WireMessage, decode_message
from shared.contracts.topics import DEAD_LETTERS, INTAKE_EVENTS, OFFICE_REGISTRATIONS
from tests.intake.test_office_signing import forged_with_stored_hash
from tests.kafka_support import read_topic, run_until
from tests.support import T0, form, write_keys, write_signing_keys

pytestmark = pytest.mark.kafka


async def publish(servers: str, messages: list[WireMessage]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for message in messages:
            await producer.send_and_wait(
                OFFICE_REGISTRATIONS.name, message.value, key=message.key, headers=message.headers
            )
    finally:
        await producer.stop()


async def test_registrations_from_the_office_topic_with_poison_in_between(kafka_bootstrap: str, tmp_path: Path) -> None:
    write_keys(tmp_path / "keys.json")
    signers = write_signing_keys(tmp_path / "office-signing-keys.json")
    settings = IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        office_signing_keys_file=tmp_path / "office-signing-keys.json",
        kafka_bootstrap_servers=kafka_bootstrap,
    )
    tag = uuid.uuid4().hex[:8]
    good_1 = signed_submission(signers["hk-central"], RegistrationForm(**form(f"{tag}-1")))
    good_2 = signed_submission(signers["hk-central"], RegistrationForm(**form(f"{tag}-2")))
    # another office's key signing for hk-central
    forged = signed_submission(signers["kln-east"], RegistrationForm(**form(f"{tag}-3")), office_id="hk-central")
    leader = signed_submission(signers["hk-central/leader"], RegistrationForm(**form(f"{tag}-5")))
    # issue 12: a time out of bounds is refused exactly as over HTTP, as a dead letter with the reason
    future = signed_submission(
        signers["hk-central"], RegistrationForm(**form(f"{tag}-6", received_at="2099-01-01T00:00Z"))
    )
    garbage = WireMessage(
        f"{tag}-4".encode(), b"\x00not json", [("ce_type", b"complaints.office.RegistrationSubmitted")]
    )
    # issue 12: year 9999 injected past the contract (an office system that skips validation): not decodable
    year_9999 = RegistrationForm.model_construct(
        **(RegistrationForm(**form(f"{tag}-7")).__dict__ | {"received_at": datetime(9999, 12, 31, 23, 59, tzinfo=UTC)})
    )
    injected = signed_submission(signers["hk-central"], year_9999)
    # issue 13: today's forgery (HMAC under the key file's stored hash), a replay of good_1, an unsigned one
    hash_forged = forged_with_stored_hash(tmp_path / "keys.json", signers["hk-central"].key_id, form(f"{tag}-8"))
    unsigned = WireMessage(good_2.key, good_2.value, [h for h in good_2.headers if h[0] != "ce_signature"])
    # All keyed so they share one partition and their order is the order sent.
    same_key = f"{tag}".encode()
    messages = [
        WireMessage(same_key, m.value, m.headers)
        for m in (good_1, garbage, forged, good_2, leader, future, injected, hash_forged, good_1, unsigned)
    ]
    await publish(kafka_bootstrap, messages)

    intake = bootstrap.application(settings)
    worker = bootstrap.office_topic_consumer(settings, intake, clock=lambda: T0 + timedelta(hours=1))
    await run_until(lambda: worker.progress.handled + worker.progress.dead_lettered >= 10, worker.run)
    relay = bootstrap.relay(settings, intake)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    intake.close()

    registered = [
        decode_message(WireMessage(r.key, r.value, list(r.headers)))
        for r in await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, keep=lambda r: tag.encode() in r.value, expect=2)
    ]
    # Each complaint has its own partition key, so the topic's order across them is not defined.
    numbered = sorted((e.payload.sequence_number, e.payload.form.office_reference) for e in registered)
    assert all(isinstance(e, ComplaintRegistered) for e in registered)
    assert numbered == [(1, f"{tag}-1"), (2, f"{tag}-2")]

    letters = [
        json.loads(r.value)
        for r in await read_topic(kafka_bootstrap, DEAD_LETTERS.name, keep=lambda r: r.key == same_key, expect=8)
    ]
    assert [letter["origin_topic"] for letter in letters] == [OFFICE_REGISTRATIONS.name] * 8
    assert "value is not JSON" in letters[0]["error"]
    assert "is not a signing key of office 'hk-central'" in letters[1]["error"]
    assert letters[0]["origin_offset"] < letters[1]["origin_offset"]
    assert letters[1]["attempts"] == 1  # a rejection is final: no retries
    errors = [letter["error"] for letter in letters]
    assert any("hk-central/leader may not register complaints" in e for e in errors)  # roles as over HTTP
    assert any("received_at: 2099-01-01T00:00:00+00:00 is in the future" in e for e in errors)  # bounds as HTTP
    assert any("received_at" in e and "outside the years" in e for e in errors)  # 9999 cannot even be decoded
    assert "signature does not verify" in errors[5]  # signed with the stored key hash: refused
    assert "Rejected: replayed registration" in errors[6] and f"#1 ({tag}-1)" in errors[6]
    assert "unsigned registration: missing header(s) ce_signature" in errors[7]
    assert worker.progress.dead_lettered == 8
