"""The tracked consumer passes over, unread, the records its handler does not want (without a broker).

A worker reads whole topics, and most of what they carry is not its business (triage reads the SLA's
topic for re-grade requests; ten clock events a complaint go by). Such a record is passed over on its
`ce_type` header: no signature check, no JSON, no model; its position is saved with the batch, and it
has no effect, as before. What the handler does want is checked and decoded as before (an unsigned one
is a dead letter), and so is a type nobody knows. A handler that refuses what it does not handle
(`UNHANDLED = "reject"`) still sees, and dead-letters, everything."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from services.triage.settings import TriageSettings
from shared.bus.authors import AuthorCheck, Unauthored
from shared.bus.consumer import Delivery, TrackedConsumer
from shared.bus.deadletters import letters_in
from shared.bus.dispatch import Inbound
from shared.contracts import decode, encode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.sla import ClockStarted, RegradeRequested
from shared.contracts.topics import SLA_EVENTS
from shared.eventstore import UnitOfWork, store_environment
from tests.kafka_support import TallyApplication, tally_handler
from tests.support import as_author

PARTITION = TopicPartition(SLA_EVENTS.name, 0)


def golden(model: Any) -> Any:
    name = model.model_fields["type"].default
    return decode(name, json.loads((GOLDEN_DIR / f"{name}.v1.json").read_text()))


def record(offset: int, message: Any, *, signed: bool = True) -> ConsumerRecord[bytes, bytes]:
    wire = encode(message, key=message.key, source="/sla", event_id=str(message.event_id))
    if signed:
        wire = as_author(SLA_EVENTS.name, wire)
    return ConsumerRecord(SLA_EVENTS.name, 0, offset, 0, 0, wire.key, wire.value, None, 0, 0, list(wire.headers))


def garbage(offset: int, type_name: bytes) -> ConsumerRecord[bytes, bytes]:
    """Not JSON, not signed: a dead letter for whoever reads it."""
    return ConsumerRecord(SLA_EVENTS.name, 0, offset, 0, 0, b"k", b"\x00not json", None, 0, 0, [("ce_type", type_name)])


class Regrades(Inbound):
    def regrade(self, uow: UnitOfWork, message: RegradeRequested, delivery: Delivery) -> None:
        tally_handler(uow, delivery)

    TOPICS = (SLA_EVENTS,)
    HANDLERS: ClassVar[dict[Any, Any]] = {RegradeRequested: regrade}


class RegradesOnly(Regrades):
    UNHANDLED = "reject"


@pytest.fixture
def make_consumer(store_settings: dict[str, Any]):
    def make(handler: Any) -> TrackedConsumer:
        settings = TriageSettings(**store_settings).model_copy(update={"service_name": "tally"})
        app = TallyApplication(env=store_environment(settings))
        return TrackedConsumer(group_id="tally", topics=[SLA_EVENTS.name], app=app, handle=handler,
                               bootstrap_servers="unused:1", max_attempts=2,
                               authors=AuthorCheck.from_settings(settings))  # fmt: skip

    return make


def test_records_of_types_the_handler_does_not_want_are_passed_over_unread_and_their_position_kept(
    make_consumer,
) -> None:
    consumer = make_consumer(Regrades())
    regrade, clock = golden(RegradeRequested), golden(ClockStarted)
    batch = [
        record(1, clock),  # signed, not wanted: passed over
        garbage(2, b"complaints.sla.ClockStarted"),  # would be a dead letter, but nobody here reads it
        record(3, regrade),  # wanted: applied
        record(4, regrade, signed=False),  # wanted and unsigned: a dead letter, as before
        garbage(5, b"complaints.nobody.Knows"),  # a type nobody knows: a dead letter, as before
        garbage(6, b"\xff\xfe"),  # a type header that is no text: decoded, a dead letter
    ]
    consumer.process_partition_batch(PARTITION, batch)

    app: TallyApplication = consumer.app  # type: ignore[assignment]
    assert app.count_of(regrade.complaint_id) == 1
    letters = {letter.origin_offset: letter for letter in letters_in(app)}
    assert sorted(letters) == [4, 5, 6]
    assert letters[4].error.startswith(Unauthored.__name__)
    assert app.position(consumer.tracking_name(SLA_EVENTS.name, 0)) == 6
    assert consumer.progress.passed_over == 2
    assert consumer.progress.handled == 3 and consumer.progress.dead_lettered == 3

    # One by one (the path a failing batch takes), the same: passed over, position kept.
    consumer.process_partition_batch(PARTITION, [garbage(7, b"complaints.sla.DeadlineWarning")])
    consumer._handle_alone(consumer.tracking_name(SLA_EVENTS.name, 0), garbage(8, b"complaints.sla.ClockStopped"))
    assert app.position(consumer.tracking_name(SLA_EVENTS.name, 0)) == 8
    assert consumer.progress.passed_over == 4 and len(letters_in(app)) == 3


def test_a_handler_that_refuses_what_it_does_not_handle_still_sees_everything(make_consumer) -> None:
    consumer = make_consumer(RegradesOnly())
    consumer.process_partition_batch(
        PARTITION, [record(1, golden(ClockStarted)), garbage(2, b"complaints.sla.ClockStarted")]
    )
    letters = {letter.origin_offset: letter for letter in letters_in(consumer.app)}
    assert sorted(letters) == [1, 2] and consumer.progress.passed_over == 0
    assert "does not accept ClockStarted" in letters[1].error


def test_a_plain_handler_function_is_handed_every_record(make_consumer) -> None:
    consumer = make_consumer(tally_handler)
    consumer.process_partition_batch(PARTITION, [garbage(1, b"complaints.sla.ClockStarted")])
    assert [letter.origin_offset for letter in letters_in(consumer.app)] == [1]
    assert consumer.progress.passed_over == 0
