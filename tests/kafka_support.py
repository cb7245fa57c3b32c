"""Helpers for tests on the real broker: read a topic, and a tally application that counts effects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from aiokafka import ConsumerRecord, TopicPartition
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from shared.bus import kafka
from shared.bus.consumer import Delivery
from shared.contracts import IntegrationEvent, derived_id
from shared.contracts.topics import ALL_TOPICS
from shared.eventstore import ServiceApplication, UnitOfWork

Record = ConsumerRecord[bytes, bytes]


async def read_topic(
    servers: str,
    topic: str,
    *,
    keep: Callable[[Record], bool] = lambda _: True,
    expect: int | None = None,
    timeout: float = 30.0,
    settle: float = 1.0,
) -> list[Record]:
    """Every committed record of `topic` that `keep` accepts. Stops at `expect` records (then waits
    `settle` seconds more, so a duplicate would still be seen), or when `timeout` runs out."""
    consumer = kafka.consumer(servers, group_id=None, topics=[topic])
    await consumer.start()
    kept: list[Record] = []
    deadline = time.monotonic() + timeout
    reached: float | None = None
    try:
        while time.monotonic() < deadline:
            if reached is not None and time.monotonic() > reached + settle:
                break
            for records in (await consumer.getmany(timeout_ms=200)).values():
                kept.extend(r for r in records if keep(r))
            if expect is not None and reached is None and len(kept) >= expect:
                reached = time.monotonic()
        return kept
    finally:
        await consumer.stop()


async def read_to_end(
    servers: str, topic: str, *, keep: Callable[[Record], bool] = lambda _: True, timeout: float = 30.0
) -> list[Record]:
    """Every committed record of the registry's `topic` that `keep` accepts, at least up to the end each partition had
    when called (its last stable offset: read_committed). For a topic whose writers are done or have been
    waited for, this is what a wait of a few seconds with `read_topic` reads, without the wait."""
    consumer = kafka.consumer(servers, group_id=None)
    await consumer.start()
    kept: list[Record] = []
    try:
        [registered] = [t for t in ALL_TOPICS if t.name == topic]
        partitions = [TopicPartition(topic, p) for p in range(registered.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        deadline = time.monotonic() + timeout
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{topic} not read to its end {ends} within {timeout} s")
            for records in (await consumer.getmany(timeout_ms=200)).values():
                kept.extend(r for r in records if keep(r))
        return kept
    finally:
        await consumer.stop()


def keyed_by(keys: set[str]) -> Callable[[Record], bool]:
    encoded = {k.encode() for k in keys}
    return lambda record: record.key in encoded


class Tally(Aggregate):
    """How many times a consumer applied a complaint's event: exactly once means 1."""

    @staticmethod
    def create_id(complaint_id: UUID, **_: Any) -> UUID:
        return derived_id("tally", complaint_id)

    @event("Started")
    def __init__(self, complaint_id: UUID) -> None:
        self.complaint_id = complaint_id
        self.count = 0

    @event("Counted")
    def count_one(self, event_id: UUID) -> None:
        self.count += 1


class TallyApplication(ServiceApplication):
    name = "tally"

    def count_of(self, complaint_id: UUID | str) -> int:
        """How many times the complaint's event was applied (0 if never)."""
        try:
            tally = self.repository.get(Tally.create_id(UUID(str(complaint_id))))
        except AggregateNotFoundError:
            return 0
        return tally.count


def tally_handler(uow: UnitOfWork, delivery: Delivery) -> None:
    message = delivery.message
    assert isinstance(message, IntegrationEvent)
    tally = uow.find(Tally.create_id(message.complaint_id)) or Tally(message.complaint_id)
    uow.add(tally)
    tally.count_one(message.event_id)


async def run_until(condition: Callable[[], bool], loop: Callable[[asyncio.Event], Any], timeout: float = 60) -> None:
    """Run a bus loop until `condition()` holds (checked every 100 ms), then stop it cleanly."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop(stop))
    deadline = time.monotonic() + timeout
    try:
        while not condition():
            if task.done():
                task.result()  # surface the loop's exception
                raise AssertionError("the loop stopped before the condition held")
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
