"""The consumer's handling is total, without a broker: whatever one message does, it ends handled or
as a dead letter with a reason, and the partition goes on (batch path, one-by-one path, decoding, and
the dead letter itself failing to be stored)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError, ProducerFenced

from services.intake.settings import IntakeSettings
from shared.bus.consumer import TrackedConsumer
from shared.bus.deadletters import DeadLetterRecord, letters_in
from shared.bus.relay import RECORD_ERRORS, is_transient
from shared.contracts import ComplaintRegistered, encode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.topics import INTAKE_EVENTS
from shared.eventstore import store_environment
from tests.kafka_support import TallyApplication, tally_handler

PARTITION = TopicPartition(INTAKE_EVENTS.name, 0)


def good(offset: int) -> tuple[ConsumerRecord[bytes, bytes], str]:
    data = json.loads((GOLDEN_DIR / "complaints.intake.ComplaintRegistered.v2.json").read_text())
    event = ComplaintRegistered.model_validate(data | {"complaint_id": str(uuid.uuid4())})
    wire = encode(event, key=event.key, source="/t", event_id=str(event.event_id))
    return raw(offset, wire.value, wire.headers, wire.key), str(event.complaint_id)


def raw(offset: int, value: bytes | None, headers: Any = (), key: bytes | None = b"k") -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(INTAKE_EVENTS.name, 0, offset, 0, 0, key, value, None, 0, 0, list(headers))


@pytest.fixture
def consumer(store_settings: dict[str, Any]) -> TrackedConsumer:
    settings = IntakeSettings(**store_settings).model_copy(update={"service_name": "tally"})
    app = TallyApplication(env=store_environment(settings))
    return TrackedConsumer(group_id="tally", topics=[INTAKE_EVENTS.name], app=app, handle=tally_handler,
                           bootstrap_servers="unused:1", max_attempts=2)  # fmt: skip


def test_a_batch_with_a_json_bomb_and_a_null_header_dead_letters_them_and_handles_the_rest(consumer) -> None:
    first, first_id = good(1)
    last, last_id = good(5)
    bomb = raw(2, b"[" * 100_000 + b"]" * 100_000, [("ce_type", b"complaints.intake.ComplaintRegistered")])
    null_header = raw(3, b"{}", [("ce_type", None)])
    tombstone = raw(4, None, [("ce_type", b"complaints.intake.ComplaintRegistered")])
    consumer.process_partition_batch(PARTITION, [first, bomb, null_header, tombstone, last])

    app: TallyApplication = consumer.app  # type: ignore[assignment]
    assert app.count_of(first_id) == 1 and app.count_of(last_id) == 1
    letters = {letter.origin_offset: letter for letter in letters_in(app)}
    assert sorted(letters) == [2, 3, 4]
    assert letters[2].error.startswith("MalformedMessage") and letters[2].raw_value == bomb.value
    assert app.position(consumer.tracking_name(INTAKE_EVENTS.name, 0)) == 5


def test_a_letter_the_store_refuses_whole_is_kept_by_its_hash(consumer, monkeypatch) -> None:
    app = consumer.app
    commit = app.commit

    def refusing(uow: Any, tracking: Any = None) -> int:
        if any(isinstance(a, DeadLetterRecord) and a.text is not None for a in uow.aggregates):
            raise ValueError("row too large for this store")
        return commit(uow, tracking)

    monkeypatch.setattr(app, "commit", refusing)
    consumer.process_partition_batch(PARTITION, [raw(7, b"not json", [("ce_type", b"x")])])
    [letter] = letters_in(app)
    assert letter.text is None and "could not be stored" in letter.error and "ValueError" in letter.error
    assert app.position(consumer.tracking_name(INTAKE_EVENTS.name, 0)) == 7


def test_a_handler_that_always_raises_is_dead_lettered_after_its_attempts(consumer) -> None:
    calls: list[int] = []

    def broken(uow: Any, delivery: Any) -> None:
        calls.append(delivery.offset)
        raise OverflowError("date value out of range")

    consumer.handle = broken
    record, _ = good(9)
    consumer.process_partition_batch(PARTITION, [record])
    [letter] = letters_in(consumer.app)
    assert letter.error == "OverflowError: date value out of range" and letter.attempts == 2
    assert len(calls) == 1 + 2  # once in its batch, then twice alone


def test_broker_errors_are_told_apart() -> None:
    assert is_transient(KafkaConnectionError()) and is_transient(KafkaTimeoutError())
    assert not is_transient(ProducerFenced()) and not is_transient(MessageSizeTooLargeError())
    assert MessageSizeTooLargeError in RECORD_ERRORS and ProducerFenced not in RECORD_ERRORS
