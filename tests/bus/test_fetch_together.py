"""One fetch, one transaction: the tracked consumer saves every partition's records of a fetch with each
partition's position in one store transaction (`Positions`), on SQLite and PostgreSQL, without a broker.

Nothing lost, nothing done twice: each message applied once, every partition's position saved; a fetch
delivered again applies nothing; and when the whole cannot commit (a message that raises, a position
another instance moved meanwhile), nothing of it is recorded and each partition is handled on its own,
as before."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from eventsourcing.persistence import IntegrityError, Tracking

from services.intake.settings import IntakeSettings
from shared.bus.consumer import Delivery, TrackedConsumer
from shared.bus.deadletters import letters_in
from shared.contracts import ComplaintRegistered, encode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.topics import INTAKE_EVENTS
from shared.eventstore import Positions, UnitOfWork, store_environment
from tests.kafka_support import TallyApplication, tally_handler

TOPIC = INTAKE_EVENTS.name


def registered(partition: int, offset: int) -> tuple[ConsumerRecord[bytes, bytes], str]:
    data = json.loads((GOLDEN_DIR / "complaints.intake.ComplaintRegistered.v2.json").read_text())
    event = ComplaintRegistered.model_validate(data | {"complaint_id": str(uuid.uuid4())})
    wire = encode(event, key=event.key, source="/intake", event_id=str(event.event_id))
    record = ConsumerRecord(TOPIC, partition, offset, 0, 0, wire.key, wire.value, None, 0, 0, list(wire.headers))
    return record, str(event.complaint_id)


def fetch(sizes: dict[int, int], first: int = 0) -> tuple[dict[TopicPartition, list[Any]], list[str]]:
    """A fetch: `sizes[p]` records of partition p from offset `first`; and every complaint's id."""
    batches: dict[TopicPartition, list[Any]] = {}
    ids: list[str] = []
    for partition, size in sizes.items():
        made = [registered(partition, first + n) for n in range(size)]
        batches[TopicPartition(TOPIC, partition)] = [record for record, _ in made]
        ids += [complaint for _, complaint in made]
    return batches, ids


@pytest.fixture
def consumer(store_settings: dict[str, Any]) -> TrackedConsumer:
    settings = IntakeSettings(**store_settings).model_copy(update={"service_name": "tally"})
    app = TallyApplication(env=store_environment(settings))
    assert app.many_positions
    return TrackedConsumer(group_id="tally", topics=[TOPIC], app=app, handle=tally_handler,
                           bootstrap_servers="unused:1", max_attempts=2)  # fmt: skip


def commits_of(consumer: TrackedConsumer, monkeypatch: pytest.MonkeyPatch) -> list[Tracking | None]:
    seen: list[Tracking | None] = []
    commit = consumer.app.commit

    def counting(uow: UnitOfWork, tracking: Tracking | None = None) -> int:
        seen.append(tracking)
        return commit(uow, tracking)

    monkeypatch.setattr(consumer.app, "commit", counting)
    return seen


def test_a_fetch_of_several_partitions_commits_once_with_every_position_and_again_applies_nothing(
    consumer: TrackedConsumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app: TallyApplication = consumer.app  # type: ignore[assignment]
    commits = commits_of(consumer, monkeypatch)
    batches, ids = fetch({0: 3, 2: 1, 5: 4})
    consumer.process_fetched(batches)

    assert len(commits) == 1 and isinstance(commits[0], Positions) and len(commits[0].more) == 2
    assert [app.count_of(i) for i in ids] == [1] * 8
    assert [app.position(consumer.tracking_name(TOPIC, p)) for p in (0, 2, 5)] == [2, 0, 3]

    consumer.process_fetched(batches)  # delivered again (a restart before Kafka heard of the offsets)
    assert [app.count_of(i) for i in ids] == [1] * 8
    assert consumer.progress.skipped_redeliveries == 8 and consumer.progress.handled == 8


def test_a_message_that_raises_sends_the_fetch_partition_by_partition_and_nothing_is_applied_twice(
    consumer: TrackedConsumer,
) -> None:
    app: TallyApplication = consumer.app  # type: ignore[assignment]
    batches, ids = fetch({1: 2, 3: 2})
    poisoned = ids[3]

    def handle(uow: UnitOfWork, delivery: Delivery) -> None:
        if str(getattr(delivery.message, "complaint_id", "")) == poisoned:
            raise RuntimeError("this one always fails")
        tally_handler(uow, delivery)

    consumer.handle = handle
    consumer.process_fetched(batches)

    assert [app.count_of(i) for i in ids] == [1, 1, 1, 0]
    [letter] = letters_in(app)
    assert (letter.origin_partition, letter.origin_offset) == (3, 1) and "always fails" in letter.error
    assert [app.position(consumer.tracking_name(TOPIC, p)) for p in (1, 3)] == [1, 1]


def test_a_position_moved_by_another_instance_fails_the_whole_and_each_partition_goes_on_alone(
    consumer: TrackedConsumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app: TallyApplication = consumer.app  # type: ignore[assignment]
    batches, ids = fetch({0: 2, 4: 2})
    # Another instance handled partition 4 meanwhile: its position moved on after this one read it.
    real_position = app.position
    moved = {"done": False}

    def position(name: str) -> int | None:
        answer = real_position(name)
        if name == consumer.tracking_name(TOPIC, 4) and not moved["done"]:
            moved["done"] = True
            app.commit(app.unit_of_work(), Tracking(name, 1))
        return answer

    real_positions = app.positions

    def positions(names: list[str]) -> dict[str, int | None]:
        answer = real_positions(names)
        for name in names:
            position(name)  # the other instance moves partition 4 just after this read
        return answer

    monkeypatch.setattr(app, "position", position)
    monkeypatch.setattr(app, "positions", positions)
    with pytest.raises(IntegrityError):  # what the combined commit meets (checked directly first)
        app.commit(
            app.unit_of_work(), Positions(consumer.tracking_name(TOPIC, 9), 5, (Tracking("x", 1), Tracking("x", 1)))
        )
    consumer.process_fetched(batches)

    assert [app.count_of(i) for i in ids] == [1, 1, 0, 0]  # partition 4's were the other instance's
    assert [app.position(consumer.tracking_name(TOPIC, p)) for p in (0, 4)] == [1, 1]
    assert app.position(consumer.tracking_name(TOPIC, 9)) is None  # the refused Positions wrote nothing


def test_a_fetch_is_handled_across_partitions_in_publish_order_each_partition_in_its_own(
    consumer: TrackedConsumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a handler meets first can matter (an incident's first announcement): a fetch's records are
    met in the order they were published, not partition by partition; each partition keeps its order
    even where its timestamps do not (a merge never reorders one input)."""
    stamps = {0: [10, 40, 30], 1: [20, 50], 2: [5]}  # partition 0's 30 after its 40: kept after it
    batches: dict[TopicPartition, list[Any]] = {}
    for partition, times in stamps.items():
        made = [registered(partition, n)[0] for n in range(len(times))]
        batches[TopicPartition(TOPIC, partition)] = [
            dataclasses.replace(r, timestamp=t) for r, t in zip(made, times, strict=True)
        ]
    met: list[tuple[int, int]] = []

    def noting(uow: UnitOfWork, delivery: Delivery) -> None:
        met.append((delivery.partition, delivery.offset))
        tally_handler(uow, delivery)

    monkeypatch.setattr(consumer, "handle", noting)
    consumer.process_fetched(batches)
    assert met == [(2, 0), (0, 0), (1, 0), (0, 1), (0, 2), (1, 1)]
