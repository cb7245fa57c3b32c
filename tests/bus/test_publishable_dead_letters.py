"""Dead letters leave a service bounded and without personal data; the store keeps them whole: pure, no I/O."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from pydantic import ValidationError

from shared.bus.deadletters import DeadLetterRecord, publishable, reason_of
from shared.bus.relay import MAX_RECORD_BYTES, record_size
from shared.contracts import DeadLetter, MalformedMessage, RegistrationForm, encode
from shared.contracts.catalogue import decode
from shared.contracts.deadletter import Withheld
from shared.contracts.topics import ALL_TOPICS, HOTLINE_REPORTS, INTAKE_EVENTS, NOTIFICATIONS, SLA_EVENTS
from tests.support import T0, form


def record(topic: str, value: bytes, key: bytes | None = b"k", headers: Any = ()) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(topic, 0, 7, 0, 0, key, value, None, 0, len(value), list(headers))


def letter_from(topic: str, value: str | bytes, **kwargs: Any) -> DeadLetterRecord:
    raw = value.encode() if isinstance(value, str) else value
    return DeadLetterRecord.of("g", record(topic, raw, **kwargs), RuntimeError("x"), 1, T0)


def wire_size(letter: DeadLetter) -> int:
    message = encode(letter, key=letter.key, source="/g", event_id="e", time=letter.dead_lettered_at)
    return record_size(message)


def test_a_letter_from_a_topic_naming_complainants_leaves_without_its_value_but_with_its_hash() -> None:
    value = '{"complainant": {"name": "Chan Tai Man"}}'
    letter = publishable(letter_from(INTAKE_EVENTS.name, value).letter)
    assert letter.value is None and letter.value_withheld is Withheld.PERSONAL_DATA
    assert letter.value_sha256 == hashlib.sha256(value.encode()).hexdigest()


def test_a_hotline_report_letter_leaves_without_the_complainants_name_and_phone() -> None:
    value = '{"payload": {"complainant": {"name": "Chan Tai Man", "contact": "+852 9123 4567"}}}'
    published = publishable(letter_from(HOTLINE_REPORTS.name, value).letter).model_dump_json()
    assert "Chan Tai Man" not in published and "9123 4567" not in published


def test_a_letter_from_another_topic_keeps_its_value() -> None:
    letter = publishable(letter_from(SLA_EVENTS.name, '{"clock": "reply"}').letter)
    assert letter.value == '{"clock": "reply"}' and letter.value_withheld is None


def test_300_kb_of_undecodable_bytes_make_a_small_letter_and_the_store_keeps_them_whole() -> None:
    raw = b"\xff" * 300_000
    stored = letter_from(NOTIFICATIONS.name, raw)
    letter = publishable(stored.letter)
    assert letter.value is None and letter.value_withheld is Withheld.NOT_UTF_8
    assert letter.value_sha256 == hashlib.sha256(raw).hexdigest() and letter.value_size == 300_000
    assert stored.raw_value == raw
    assert wire_size(letter) < 10_000


def test_a_large_text_value_is_withheld_and_long_keys_headers_and_errors_are_cut() -> None:
    text = json.dumps({"junk": "\u0001" * 900_000})  # valid UTF-8 whose JSON escaping grows sixfold
    stored = DeadLetterRecord.of(
        "g",
        record(
            SLA_EVENTS.name, text.encode(), key=b"k" * 100_000, headers=[(f"h{i}", b"v" * 5000) for i in range(200)]
        ),
        RuntimeError("e" * 500_000),
        1,
        T0,
    )
    letter = publishable(stored.letter)
    assert letter.value is None and letter.value_withheld is Withheld.TOO_LARGE
    assert wire_size(letter) < MAX_RECORD_BYTES // 4
    assert stored.wire().value == text.encode() and stored.key == "k" * 100_000


def test_a_letter_written_by_an_older_version_is_published_bounded() -> None:
    # v2 stored the value decoded with replacement characters: 300 KB of 0xFF became 900 KB of text.
    stored = DeadLetterRecord(
        consumer="g", origin_topic=NOTIFICATIONS.name, origin_partition=0, origin_offset=7, key="k", headers={},
        value="\ufffd" * 300_000, error="E: x", attempts=1, dead_lettered_at=T0,
    )  # fmt: skip
    letter = publishable(stored.letter)
    assert letter.value is None and wire_size(letter) < 10_000


def test_a_validation_error_becomes_a_reason_without_the_values_it_quotes() -> None:
    data = form("HK-1") | {"complainant": {"name": "Chan Tai Man", "contact": 12345}}
    try:
        RegistrationForm.model_validate(data)
    except ValidationError as error:
        malformed = MalformedMessage(f"complaints.office.RegistrationSubmitted: {error}")
        malformed.__cause__ = error
        reason = reason_of(malformed)
    assert "Chan Tai Man" not in reason and "12345" not in reason
    assert reason.startswith("MalformedMessage: complaints.office.RegistrationSubmitted: 1 validation error(s)")
    assert "complainant.contact" in reason


def test_older_letters_upcast_to_v3() -> None:
    v2 = {
        "type": "complaints.bus.DeadLetter", "schema_version": 2, "consumer": "g", "origin_topic": "t",
        "origin_partition": 0, "origin_offset": 1, "key": None, "headers": {}, "value": None,
        "value_sha256": "0" * 64, "personal_data_withheld": True, "error": "E", "attempts": 1,
        "dead_lettered_at": "2026-01-01T00:00:00Z",
    }  # fmt: skip
    letter = decode("complaints.bus.DeadLetter", v2)
    assert isinstance(letter, DeadLetter) and letter.value_withheld is Withheld.PERSONAL_DATA


def random_case(rng: random.Random) -> tuple[str, bytes | None, bytes, list[tuple[str, bytes | None]], str]:
    """A letter's parts drawn at random, with sizes up to and past every limit."""

    def blob(limit: int) -> bytes:
        size = rng.choice([0, 1, limit // 10, limit])
        kind = rng.choice(["bytes", "text", "controls"])
        if kind == "bytes":
            return rng.randbytes(size)
        if kind == "controls":
            return bytes(rng.choice([1, 2, 31, 34, 92]) for _ in range(size))
        return "".join(rng.choice('aé漢\u2028"') for _ in range(size // 3)).encode()

    topic = rng.choice([t.name for t in ALL_TOPICS] + ["no.such.topic"])
    key = None if rng.random() < 0.2 else blob(5000)
    headers = [
        (blob(300).decode("utf-8", "replace"), None if rng.random() < 0.1 else blob(3000))
        for _ in range(rng.choice([0, 3, 80]))
    ]
    return topic, key, blob(300_000), headers, blob(5000).decode("utf-8", "replace")


@pytest.mark.parametrize("seed", range(40))
def test_every_published_letter_fits_in_a_kafka_record(seed: int) -> None:
    topic, key, value, headers, error = random_case(random.Random(seed))
    stored = DeadLetterRecord.of("g", record(topic, value, key=key, headers=headers), RuntimeError(error), 1, T0)
    letter = publishable(stored.letter)
    assert wire_size(letter) < MAX_RECORD_BYTES // 2
    assert stored.raw_value == value  # the store keeps the original whole
    if letter.value is not None:
        assert letter.value.encode() == value
