"""The integration-event contracts: golden wire shapes, the CloudEvents binding, versions, validation."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ValidationError

from shared.contracts import catalogue, catalogue_doc
from shared.contracts.catalogue import MESSAGE_TYPES, UnknownMessageType, UnsupportedVersion, decode
from shared.contracts.envelope import Contract, IntegrationEvent
from shared.contracts.intake import RegistrationForm
from shared.contracts.topics import ALL_TOPICS, topic_for_event_type
from shared.contracts.wire import MalformedMessage, WireMessage, decode_message, encode

GOLDEN_DIR = catalogue_doc.GOLDEN_DIR
GOLDEN_FILES = sorted(GOLDEN_DIR.glob("*.v*.json"))
# Message types deliberately carried by no topic (none yet).
OFF_TOPIC: frozenset[str] = frozenset()


def _golden(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _type_and_version(path: Path) -> tuple[str, int]:
    type_name, _, version = path.name.removesuffix(".json").rpartition(".v")
    return type_name, int(version)


def _is_current(path: Path) -> bool:
    type_name, version = _type_and_version(path)
    return type_name in MESSAGE_TYPES and catalogue.current_version(MESSAGE_TYPES[type_name]) == version


def _current_goldens() -> list[Path]:
    return [path for path in GOLDEN_FILES if _is_current(path)]


def _current(type_name: str) -> dict[str, Any]:
    version = catalogue.current_version(MESSAGE_TYPES[type_name])
    return _golden(GOLDEN_DIR / catalogue_doc.golden_filename(type_name, version))


def _form() -> dict[str, Any]:
    return _current("complaints.office.RegistrationSubmitted")["form"]


def _encode(message: BaseModel) -> WireMessage:
    is_event = isinstance(message, IntegrationEvent)
    return encode(
        message,
        key=getattr(message, "key", None),
        source="/tests",
        event_id=str(message.event_id) if is_event else "test-message-id",
        time=message.occurred_at if is_event else None,
    )


# --- golden files --------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", sorted(MESSAGE_TYPES))
def test_every_message_type_has_a_golden_file_for_its_current_version(type_name: str) -> None:
    version = catalogue.current_version(MESSAGE_TYPES[type_name])
    assert (GOLDEN_DIR / catalogue_doc.golden_filename(type_name, version)).is_file()


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=lambda p: p.name)
def test_every_golden_file_decodes_to_the_current_model(path: Path) -> None:
    type_name, version = _type_and_version(path)
    data = _golden(path)
    assert (data["type"], data["schema_version"]) == (type_name, version), "file name and content disagree"
    assert isinstance(decode(type_name, data), MESSAGE_TYPES[type_name])


@pytest.mark.parametrize("path", _current_goldens(), ids=lambda p: p.name)
def test_current_golden_is_exactly_the_wire_shape(path: Path) -> None:
    data = _golden(path)
    assert decode(data["type"], data).model_dump(mode="json") == data


@pytest.mark.parametrize("type_name", sorted(MESSAGE_TYPES))
def test_every_older_version_has_an_upcaster(type_name: str) -> None:
    for version in range(1, catalogue.current_version(MESSAGE_TYPES[type_name])):
        assert (type_name, version) in catalogue.UPCASTERS


# --- CloudEvents on Kafka ------------------------------------------------------------------------


@pytest.mark.parametrize("path", _current_goldens(), ids=lambda p: p.name)
def test_golden_round_trips_through_the_wire(path: Path) -> None:
    data = _golden(path)
    message = decode(data["type"], data)
    assert decode_message(_encode(message)) == message


@pytest.mark.parametrize("path", _current_goldens(), ids=lambda p: p.name)
def test_cloudevent_headers_carry_type_version_and_id(path: Path) -> None:
    message = decode(_golden(path)["type"], _golden(path))
    wire = _encode(message)
    assert wire.header("ce_type") == message.type
    assert wire.header("ce_schemaversion") == str(message.schema_version)
    assert wire.header("ce_specversion") == "1.0"
    assert wire.header("content-type") == "application/json"
    assert json.loads(wire.value) == message.model_dump(mode="json")
    if isinstance(message, IntegrationEvent):
        assert wire.header("ce_id") == str(message.event_id)
        assert datetime.fromisoformat(wire.header("ce_time") or "") == message.occurred_at
    else:
        assert wire.header("ce_id") == "test-message-id"


def test_integration_events_are_keyed_by_complaint_id() -> None:
    data = _current("complaints.intake.ComplaintRegistered")
    assert _encode(decode(data["type"], data)).key == data["complaint_id"].encode()


# --- what a reader refuses -----------------------------------------------------------------------


def test_decode_rejects_an_unknown_type() -> None:
    with pytest.raises(UnknownMessageType):
        decode("complaints.nowhere.Unheard", {"schema_version": 1})


def test_decode_rejects_a_version_newer_than_the_reader() -> None:
    data = _current("complaints.intake.ComplaintRegistered")
    with pytest.raises(UnsupportedVersion):
        decode(data["type"], data | {"schema_version": data["schema_version"] + 1})


def _golden_wire() -> WireMessage:
    data = _current("complaints.intake.ComplaintRegistered")
    return _encode(decode(data["type"], data))


def test_decode_message_needs_a_ce_type_header() -> None:
    wire = _golden_wire()
    headers = [(name, value) for name, value in wire.headers if name != "ce_type"]
    with pytest.raises(MalformedMessage, match="ce_type"):
        decode_message(WireMessage(wire.key, wire.value, headers))


@pytest.mark.parametrize("value", [b"", b"not json", b"\x80\x81 not utf-8", b'{"type": '])
def test_decode_message_rejects_a_value_that_is_not_json(value: bytes) -> None:
    wire = _golden_wire()
    with pytest.raises(MalformedMessage, match="not JSON"):
        decode_message(WireMessage(wire.key, value, wire.headers))


@pytest.mark.parametrize("value", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_decode_message_rejects_json_that_is_not_an_object(value: bytes) -> None:
    wire = _golden_wire()
    with pytest.raises(MalformedMessage, match="not a JSON object"):
        decode_message(WireMessage(wire.key, value, wire.headers))


@pytest.mark.parametrize("field", ["complaint_id", "payload", "actor"])
def test_decode_message_rejects_a_missing_required_field(field: str) -> None:
    wire = _golden_wire()
    data = json.loads(wire.value)
    del data[field]
    with pytest.raises(MalformedMessage, match=field):
        decode_message(WireMessage(wire.key, json.dumps(data).encode(), wire.headers))


@pytest.mark.parametrize("version", [None, [1], 0])
def test_decode_message_rejects_a_nonsense_schema_version(version: Any) -> None:
    wire = _golden_wire()
    data = json.loads(wire.value) | {"schema_version": version}
    with pytest.raises(MalformedMessage):
        decode_message(WireMessage(wire.key, json.dumps(data).encode(), wire.headers))


# --- versions ------------------------------------------------------------------------------------


class _NoteV2(Contract):
    type: Literal["tests.Note"] = "tests.Note"
    schema_version: Literal[2] = 2
    text: str
    author: str


def _note_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "by"} | {"author": data["by"]}


def test_old_versions_are_upcast_to_the_current_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MESSAGE_TYPES, "tests.Note", _NoteV2)
    monkeypatch.setitem(catalogue.UPCASTERS, ("tests.Note", 1), _note_v1_to_v2)
    v1 = {"type": "tests.Note", "schema_version": 1, "text": "lift fixed", "by": "hk-central/staff"}
    assert decode("tests.Note", v1) == _NoteV2(text="lift fixed", author="hk-central/staff")


def test_upcast_old_version_also_arrives_over_the_wire(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MESSAGE_TYPES, "tests.Note", _NoteV2)
    monkeypatch.setitem(catalogue.UPCASTERS, ("tests.Note", 1), _note_v1_to_v2)
    v1 = {"type": "tests.Note", "schema_version": 1, "text": "lift fixed", "by": "hk-central/staff"}
    headers = [("ce_type", b"tests.Note"), ("ce_schemaversion", b"1")]
    message = decode_message(WireMessage(None, json.dumps(v1).encode(), headers))
    assert message == _NoteV2(text="lift fixed", author="hk-central/staff")


# --- model rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", sorted(MESSAGE_TYPES))
def test_messages_are_frozen(type_name: str) -> None:
    message = decode(type_name, _current(type_name))
    with pytest.raises(ValidationError, match="frozen"):
        message.schema_version = 99  # type: ignore[misc]


@pytest.mark.parametrize("type_name", sorted(MESSAGE_TYPES))
def test_messages_reject_unknown_fields(type_name: str) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        decode(type_name, _current(type_name) | {"surprise": True})


def test_nested_models_reject_unknown_fields_too() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        RegistrationForm.model_validate(_form() | {"priority": "urgent"})


def test_form_accepts_the_golden_form() -> None:
    RegistrationForm.model_validate(_form())


def test_form_rejects_occurred_after_received() -> None:
    form = _form()
    later = datetime.fromisoformat(form["received_at"]) + timedelta(minutes=1)
    with pytest.raises(ValidationError, match="occurred_at must not be after received_at"):
        RegistrationForm.model_validate(form | {"occurred_at": later.isoformat()})


@pytest.mark.parametrize("field", ["occurred_at", "received_at"])
def test_form_rejects_naive_datetimes(field: str) -> None:
    with pytest.raises(ValidationError, match="timezone_aware"):
        RegistrationForm.model_validate(_form() | {field: "2024-03-14T08:00:00"})


@pytest.mark.parametrize("reference", ["KE 2024 731", "KE-731?", "", "参考-731", "x" * 101])
def test_form_rejects_a_bad_office_reference(reference: str) -> None:
    with pytest.raises(ValidationError, match="office_reference"):
        RegistrationForm.model_validate(_form() | {"office_reference": reference})


@pytest.mark.parametrize("channel", ["fax", "PHONE", ""])
def test_form_rejects_an_unknown_channel(channel: str) -> None:
    with pytest.raises(ValidationError, match="channel"):
        RegistrationForm.model_validate(_form() | {"channel": channel})


# --- topic registry ------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", ALL_TOPICS, ids=lambda t: t.name)
def test_topics_carry_only_catalogued_message_types(topic: Any) -> None:
    assert set(topic.event_types) <= set(MESSAGE_TYPES)


@pytest.mark.parametrize("type_name", sorted(set(MESSAGE_TYPES) - OFF_TOPIC))
def test_every_message_type_is_carried_by_exactly_one_topic(type_name: str) -> None:
    assert [t.name for t in ALL_TOPICS if type_name in t.event_types] == [topic_for_event_type(type_name).name]


def test_topic_names_are_unique() -> None:
    names = [topic.name for topic in ALL_TOPICS]
    assert len(names) == len(set(names))


# --- generated files -----------------------------------------------------------------------------


def test_event_catalogue_and_schemas_are_up_to_date() -> None:
    problems = catalogue_doc.outdated()
    assert not problems, "\n".join(problems) + f"\nA contract or topic changed: run `{catalogue_doc.WRITE_COMMAND}`."


def test_a_notification_s_severity_is_none_until_someone_judged_it_and_older_events_still_decode() -> None:
    """`NotificationRequested.payload.severity`: None before triage's decision (an SLA hand-over warning),
    so no reader is told a grade nobody gave; the events already on the topic (a grade, 'minor' the
    default of those published before None travelled) decode as they are."""
    data = _current("complaints.notifications.NotificationRequested")
    for severity in ("minor", "major", None):
        event = decode(data["type"], data | {"payload": data["payload"] | {"severity": severity}})
        assert event.payload.severity == severity  # type: ignore[attr-defined]
    missing = {k: v for k, v in data["payload"].items() if k != "severity"}
    with pytest.raises(ValidationError):  # said, always: a publisher cannot forget it
        decode(data["type"], data | {"payload": missing})


def test_a_mass_incident_notification_names_its_incident_and_older_notifications_still_decode() -> None:
    """`NotificationRequested.payload.incident` (additive, optional): a mass incident told once, as an
    incident; events published before it travelled (each member told of on its own) decode with None."""
    data = _current("complaints.notifications.NotificationRequested")
    older = {k: v for k, v in data["payload"].items() if k != "incident"}
    assert decode(data["type"], data | {"payload": older}).payload.incident is None  # type: ignore[attr-defined]
    incident = {
        "cluster_id": "7a3434fb-cefa-5c4c-8554-f34353a37a86",
        "announced_by": "5a0c861b-56a9-552a-9024-a5f81af933c5",
        "incident_key": "telford gardens/block 3|water",
        "complaints": 40,
        "customers": 38,
        "offices": ["kln-east"],
        "member_complaint_ids": [data["complaint_id"]],
    }
    told = data | {"payload": data["payload"] | {"occasion": "mass-incident", "incident": incident}}
    event = decode(data["type"], told)
    assert event.payload.occasion == "mass-incident"  # type: ignore[attr-defined]
    assert event.payload.incident.complaints == 40  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):  # an incident of no complaint is no incident
        decode(data["type"], told | {"payload": told["payload"] | {"incident": incident | {"complaints": 0}}})
