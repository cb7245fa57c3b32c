"""Dead letters leave a service without personal data: pure, no I/O."""

from __future__ import annotations

import hashlib

from shared.bus.deadletters import DeadLetterRecord, publishable
from shared.contracts.topics import INTAKE_EVENTS, SLA_EVENTS
from tests.support import T0


def letter_from(topic: str, value: str) -> DeadLetterRecord:
    return DeadLetterRecord(
        consumer="g", origin_topic=topic, origin_partition=0, origin_offset=7, key="k", headers={},
        value=value, error="E: x", attempts=1, dead_lettered_at=T0,
    )  # fmt: skip


def test_a_letter_from_a_topic_naming_complainants_leaves_without_its_value_but_with_its_hash() -> None:
    value = '{"complainant": {"name": "Chan Tai Man"}}'
    letter = publishable(letter_from(INTAKE_EVENTS.name, value).letter)
    assert letter.value is None and letter.personal_data_withheld
    assert letter.value_sha256 == hashlib.sha256(value.encode()).hexdigest()


def test_a_letter_from_another_topic_keeps_its_value() -> None:
    letter = publishable(letter_from(SLA_EVENTS.name, '{"clock": "reply"}').letter)
    assert letter.value == '{"clock": "reply"}' and not letter.personal_data_withheld
