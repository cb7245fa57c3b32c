"""Every topic states whether it can carry personal data; one whose messages name complainants says so."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from shared.contracts import topics
from shared.contracts.catalogue import MESSAGE_TYPES
from shared.contracts.topics import ALL_TOPICS, HOTLINE_REPORTS, Topic

# Fields that name or reach a person: a topic whose messages hold one carries personal data.
PERSONAL_FIELDS = frozenset({"complainant", "name", "contact", "phone", "email", "unit_address"})


def _field_names(schema: Any, defs: dict[str, Any], seen: frozenset[str] = frozenset()) -> set[str]:
    names: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                names |= _field_names(defs[name], defs, seen | {name})
        for field, sub in schema.get("properties", {}).items():
            names |= {field} | _field_names(sub, defs, seen)
        for value in schema.values():
            if isinstance(value, list | dict) and value is not schema.get("properties"):
                names |= _field_names(value, defs, seen)
    elif isinstance(schema, list):
        for item in schema:
            names |= _field_names(item, defs, seen)
    return names


def test_the_personal_data_flag_has_no_default_so_every_topic_must_decide() -> None:
    field = next(f for f in dataclasses.fields(Topic) if f.name == "personal_data")
    assert field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    with pytest.raises(TypeError, match="personal_data"):
        Topic(name="complaints.new", key="complaint_id", event_types=(), description="a new topic")  # type: ignore[call-arg]


def test_every_topic_defined_in_the_registry_is_registered() -> None:
    defined = {value.name for value in vars(topics).values() if isinstance(value, Topic)}
    assert defined == {topic.name for topic in ALL_TOPICS}


@pytest.mark.parametrize("topic", ALL_TOPICS, ids=lambda t: t.name)
def test_a_topic_whose_messages_name_a_person_is_flagged(topic: Topic) -> None:
    found: set[str] = set()
    for type_name in topic.event_types:
        schema = MESSAGE_TYPES[type_name].model_json_schema()
        found |= _field_names(schema, schema.get("$defs", {})) & PERSONAL_FIELDS
    assert topic.personal_data or not found, f"{topic.name} carries {sorted(found)} but is not flagged"


def test_hotline_reports_are_flagged() -> None:
    assert HOTLINE_REPORTS.personal_data
