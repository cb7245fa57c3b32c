"""issue 13, item 4: internal topics speak only for their service. The pure sign/verify function:
a record signed by its topic's service verifies; any change to its topic, key, value or a signed
header (one bit is enough), another service's key, an unknown, expired or missing signature is
refused with the reason; two keys of one service are valid at once (rotation); production refuses
missing and development keys and says which."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.followup.settings import FollowupSettings
from services.notifier.settings import NotifierSettings
from shared.bus.authors import AuthorCheck, Unauthored, signed
from shared.contracts import MalformedMessage, WireMessage
from shared.contracts.topics import FOLLOWUP_EVENTS, NOTIFICATIONS, signing_services
from shared.signing import (
    AUTHOR_KEY_HEADER,
    AUTHOR_SIGNATURE_HEADER,
    SIGNED_RECORD_HEADERS,
    NotAuthored,
    ServiceKeyRecord,
    ServiceSigner,
    ServiceSigningKeys,
    add_public_record,
    ensure_service_keys,
    new_service_key,
    record_signing_input,
)

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
FOLLOWUP = new_service_key("followup")
TRIAGE = new_service_key("triage")
SLA = new_service_key("sla")
KEYS = ServiceSigningKeys([FOLLOWUP.record, TRIAGE.record, SLA.record])
TOPIC = FOLLOWUP_EVENTS.name


def record(value: bytes = b'{"type": "complaints.followup.ReturnVisitMade"}') -> WireMessage:
    headers = [
        ("ce_id", b"6f1c0f7e-0000-4000-8000-000000000001"),
        ("ce_type", b"complaints.followup.ReturnVisitMade"),
        ("ce_source", b"/followup"),
        ("ce_time", b"2026-11-20T01:00:00Z"),
        ("ce_specversion", b"1.0"),
        ("ce_schemaversion", b"1"),
        ("content-type", b"application/json"),
        ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    ]
    return WireMessage(b"complaint-1", value, headers)


def verify(wire: WireMessage, topic: str = TOPIC, authors: tuple[str, ...] = ("followup",)) -> str:
    return KEYS.verify(topic, authors, wire.key, wire.value, wire.headers, NOW)


def test_a_record_signed_by_its_service_verifies_and_names_it() -> None:
    assert verify(signed(FOLLOWUP, TOPIC, record())) == "followup"


def test_unsigned_another_services_key_and_an_unknown_key_are_refused_with_the_reason() -> None:
    with pytest.raises(NotAuthored, match=r"unsigned record on complaints\.followup\.events"):
        verify(record())
    with pytest.raises(NotAuthored, match=r"signed by triage .* but only followup may write"):
        verify(signed(TRIAGE, TOPIC, record()))
    stranger = new_service_key("followup")  # a followup key nobody published
    with pytest.raises(NotAuthored, match="unknown signing key"):
        verify(signed(stranger, TOPIC, record()))


def test_a_record_copied_to_another_topic_does_not_verify_there() -> None:
    wire = signed(TRIAGE, NOTIFICATIONS.name, record())
    assert verify(wire, NOTIFICATIONS.name, NOTIFICATIONS.authors) == "triage"
    with pytest.raises(NotAuthored):
        verify(wire, "complaints.triage.events", ("triage",))


def _flip(data: bytes, bit: int) -> bytes:
    index = bit // 8 % len(data)
    return data[:index] + bytes([data[index] ^ (1 << (bit % 8))]) + data[index + 1 :]


@given(
    st.sampled_from(["topic", "key", "value", *SIGNED_RECORD_HEADERS, AUTHOR_SIGNATURE_HEADER]), st.integers(0, 10**6)
)
def test_any_bit_flipped_in_what_is_signed_is_refused(part: str, bit: int) -> None:
    wire = signed(FOLLOWUP, TOPIC, record())
    topic, key, value, headers = TOPIC, wire.key, wire.value, list(wire.headers)
    if part == "topic":
        topic = _flip(topic.encode(), bit).decode("latin-1")
    elif part == "key":
        key = _flip(key or b"", bit)
    elif part == "value":
        value = _flip(value, bit)
    else:
        headers = [(n, _flip(h, bit) if n == part else h) for n, h in headers]
    with pytest.raises(NotAuthored):
        KEYS.verify(topic, ("followup",), key, value, headers, NOW)


def test_another_base64_spelling_of_the_same_signature_is_refused() -> None:
    """A 64-byte signature is 86 base64 characters: the last one's four low bits are padding, which a
    decoder ignores. Changing them is a changed header that still decodes to the valid signature."""
    wire = signed(FOLLOWUP, TOPIC, record())
    text = dict(wire.headers)[AUTHOR_SIGNATURE_HEADER].decode("ascii")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = text.rstrip("=")[-1]
    respelled = text.replace(last + "==", alphabet[alphabet.index(last) ^ 1] + "==")
    assert respelled != text and base64.b64decode(respelled) == base64.b64decode(text)
    headers = [(n, respelled.encode() if n == AUTHOR_SIGNATURE_HEADER else h) for n, h in wire.headers]
    with pytest.raises(NotAuthored, match="altered"):
        KEYS.verify(TOPIC, ("followup",), wire.key, wire.value, headers, NOW)


def test_headers_outside_the_signature_may_change_and_signed_ones_may_not_be_dropped_or_repeated() -> None:
    wire = signed(FOLLOWUP, TOPIC, record())
    retraced = [(n, b"00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01" if n == "traceparent" else h)
                for n, h in wire.headers]  # fmt: skip
    assert KEYS.verify(TOPIC, ("followup",), wire.key, wire.value, retraced, NOW) == "followup"
    dropped = [(n, h) for n, h in wire.headers if n != "ce_time"]
    with pytest.raises(NotAuthored):
        KEYS.verify(TOPIC, ("followup",), wire.key, wire.value, dropped, NOW)
    # A reader takes the first ce_type: one put before the signed one must not pass as signed.
    repeated = [("ce_type", b"complaints.followup.CaseClosed"), *wire.headers]
    with pytest.raises(NotAuthored, match="repeated"):
        KEYS.verify(TOPIC, ("followup",), wire.key, wire.value, repeated, NOW)
    absent_key = WireMessage(None, wire.value, wire.headers)
    with pytest.raises(NotAuthored):  # no key and an empty key are not the same record
        verify(absent_key)


def test_absent_and_empty_fields_sign_differently() -> None:
    assert record_signing_input("t", None, b"v", []) != record_signing_input("t", b"", b"v", [])
    assert record_signing_input("t", b"ab", b"c", []) != record_signing_input("t", b"a", b"bc", [])


def test_rotation_two_keys_of_one_service_are_valid_at_once_and_an_expired_one_is_refused() -> None:
    new = new_service_key("followup")
    old_expiring = FOLLOWUP.record.model_copy(update={"not_after": NOW + timedelta(days=1)})
    keys = ServiceSigningKeys([old_expiring, new.record])
    for signer in (FOLLOWUP, new):
        wire = signed(signer, TOPIC, record())
        assert keys.verify(TOPIC, ("followup",), wire.key, wire.value, wire.headers, NOW) == "followup"
    old = signed(FOLLOWUP, TOPIC, record())
    with pytest.raises(NotAuthored, match="expired"):
        keys.verify(TOPIC, ("followup",), old.key, old.value, old.headers, NOW + timedelta(days=2))


def test_the_author_check_reads_the_registry_and_refuses_as_a_malformed_message() -> None:
    check = AuthorCheck(KEYS, lambda: NOW)
    wire = record()  # the check needs no decodable value: it comes before decoding
    assert check.check(TOPIC, signed(FOLLOWUP, TOPIC, wire)) == "followup"
    with pytest.raises(Unauthored) as refused:
        check.check(TOPIC, signed(SLA, TOPIC, wire))
    assert isinstance(refused.value, MalformedMessage)
    assert check.check(NOTIFICATIONS.name, signed(SLA, NOTIFICATIONS.name, wire)) == "sla"  # two authors
    assert check.check("complaints.office.registrations", wire) is None  # the offices sign it (intake checks)
    assert check.check("not-a-registry-topic", wire) is None


def test_the_setting_round_trips_and_a_signer_replaces_an_earlier_signature() -> None:
    again = ServiceSigner.from_setting(FOLLOWUP.to_setting())
    assert again.record == FOLLOWUP.record
    twice = signed(FOLLOWUP, TOPIC, signed(TRIAGE, TOPIC, record()))
    assert [n for n, _ in twice.headers].count(AUTHOR_SIGNATURE_HEADER) == 1
    assert verify(twice) == "followup"
    with pytest.raises(ValueError, match="service signing key reads"):
        ServiceSigner.from_setting("followup:" + base64.b64encode(b"x" * 32).decode())


def test_development_keys_are_made_once_and_every_publishing_service_gets_one(tmp_path: Path) -> None:
    env, public = tmp_path / "dev.env", tmp_path / "event-signing-keys.json"
    first = ensure_service_keys(env, public, signing_services())
    again = ensure_service_keys(env, public, signing_services())
    assert {s: k.key_id for s, k in first.items()} == {s: k.key_id for s, k in again.items()}
    assert set(first) == {"intake", "triage", "handling", "sla", "followup", "projection", "directory", "notifier"}
    assert all(k.record.development for k in first.values())
    assert ServiceSigningKeys.load(public).services() == set(first)
    assert len(ServiceSigningKeys.load(public).records) == len(first)
    assert env.stat().st_mode & 0o077 == 0


def test_production_refuses_missing_and_development_service_keys_and_says_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = {"environment": "production", "cipher_key": "q0b5sYcY6m2l5wVn2Jq8u2k4m0u1oZz3y5d2d7a8bXU="}
    public = tmp_path / "event-signing-keys.json"
    monkeypatch.delenv("FOLLOWUP_EVENT_SIGNING_KEY", raising=False)
    with pytest.raises(ValueError, match="FOLLOWUP_EVENT_SIGNING_KEY is not set") as refused:
        FollowupSettings(**real, event_signing_keys_file=public)
    missing = "has no public signing key of directory, followup, handling, intake, notifier, projection, sla, triage"
    assert missing in str(refused.value)

    signers = {service: new_service_key(service) for service in signing_services()}
    for signer in signers.values():
        add_public_record(public, signer.record)
    own = signers["followup"].to_setting()
    assert FollowupSettings(**real, event_signing_keys_file=public, event_signing_key=own)
    with pytest.raises(ValueError, match="FOLLOWUP_EVENT_SIGNING_KEY is triage's key"):
        FollowupSettings(**real, event_signing_keys_file=public, event_signing_key=signers["triage"].to_setting())
    development = new_service_key("followup", development=True)
    add_public_record(public, development.record)
    with pytest.raises(ValueError, match="FOLLOWUP_EVENT_SIGNING_KEY is a development key") as refused:
        FollowupSettings(**real, event_signing_keys_file=public, event_signing_key=development.to_setting())
    assert f"holds development key(s) {development.key_id}" in str(refused.value)
    # The notifier publishes nothing: it needs only the public keys (development ones refused all the same).
    with pytest.raises(ValueError, match=r"holds development key"):
        NotifierSettings(**real, event_signing_keys_file=public)


def test_a_public_key_record_needs_a_well_formed_key_id() -> None:
    with pytest.raises(ValueError):
        ServiceKeyRecord(key_id="x", service="followup", public_key="")
    assert AUTHOR_KEY_HEADER in SIGNED_RECORD_HEADERS


def test_every_topic_a_service_reads_names_the_services_that_may_write_it() -> None:
    """Only the office topic is read without a service's signature (the offices sign it; intake checks)."""
    from shared.contracts.topics import ALL_TOPICS, OFFICE_REGISTRATIONS

    unchecked = [t.name for t in ALL_TOPICS if t.consumers and not t.authors]
    assert unchecked == [OFFICE_REGISTRATIONS.name]
    for topic in ALL_TOPICS:
        assert all(author in topic.producer for author in topic.authors), topic.name  # the words agree
