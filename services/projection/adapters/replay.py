"""Rebuild the projection from offset 0 of its topics into a fresh store, and measure it.

The replay reads every partition at once (one consumer assigned all of them: its fetcher keeps
fetching every partition while a batch is being written) up to the position the live projection has
recorded for it (or the end of the partition when there is no live store), handles each partition's
batch with the same handler as the live consumer, and commits each batch with its tracking record,
so both stores end up having seen exactly the same messages. The handler is the store's sole writer
here, so it carries the chain heads from batch to batch, and the read side's tables are written
once at the end, in large batches (executemany), each complaint folded once per batch rather than
once per partition batch. Beside it, the raw aiokafka consume rate of the same topics is measured
in the same run: what the broker and client can do without any projection work.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition
from eventsourcing.persistence import Tracking

from shared.bus import kafka
from shared.bus.authors import AuthorCheck, decode_checked
from shared.bus.consumer import Delivery
from shared.contracts import MalformedMessage, WireMessage
from shared.eventstore import UnitOfWork

from ..application import ProjectionApplication
from .inbound import ProjectionHandler

Progress = Callable[[int, int], None]  # (done, total)
READ_SIDE_BATCH = 5000  # stored events per read-side transaction at the end of a replay


@dataclass(frozen=True)
class ReplayReport:
    events: int
    skipped: int
    seconds: float
    raw_records: int
    raw_seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def raw_rate(self) -> float:
        return self.raw_records / self.raw_seconds if self.raw_seconds else 0.0


async def _partitions(consumer: object, topics: Sequence[str]) -> list[TopicPartition]:
    partitions: list[TopicPartition] = []
    for topic in topics:
        ids = consumer.partitions_for_topic(topic)  # type: ignore[attr-defined]
        if ids is None:
            await consumer._client.force_metadata_update()  # type: ignore[attr-defined]
            ids = consumer.partitions_for_topic(topic) or set()  # type: ignore[attr-defined]
        partitions.extend(TopicPartition(topic, p) for p in sorted(ids))
    return partitions


async def targets(
    servers: str, topics: Sequence[str], group_id: str, live: ProjectionApplication | None
) -> dict[TopicPartition, int]:
    """The last offset to read per partition: the live store's position, else the partition's end."""
    consumer = kafka.consumer(servers, group_id=None)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topics)
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    result = {}
    for partition in partitions:
        if live is not None:
            position = live.position(f"{group_id}/{partition.topic}/{partition.partition}")
            result[partition] = -1 if position is None else position
        else:
            result[partition] = ends[partition] - 1
    return result


async def _read(
    servers: str,
    goal: dict[TopicPartition, int],
    on_batch: Callable[[TopicPartition, list], Awaitable[None] | None],
    progress: Progress | None,
) -> int:
    wanted = {p: o for p, o in goal.items() if o >= 0}
    total = sum(o + 1 for o in wanted.values())
    consumer = kafka.consumer(servers, group_id=None)
    await consumer.start()
    done = 0
    try:
        consumer.assign(list(wanted))
        if wanted:
            await consumer.seek_to_beginning(*wanted)
        remaining = set(wanted)
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=500, max_records=5000)
            for partition, records in batches.items():
                keep = [r for r in records if r.offset <= wanted[partition]]
                if keep:
                    handled = on_batch(partition, keep)
                    if inspect.isawaitable(handled):
                        await handled
                    done += len(keep)
                if records and records[-1].offset >= wanted[partition]:
                    remaining.discard(partition)
            if not batches:
                for partition in list(remaining):
                    if await consumer.position(partition) > wanted[partition]:
                        remaining.discard(partition)  # the rest were transaction markers
            if progress:
                progress(done, total)
    finally:
        await consumer.stop()
    return done


async def raw_consume(
    servers: str, goal: dict[TopicPartition, int], progress: Progress | None = None
) -> tuple[int, float]:
    """Plain aiokafka: the same records, counted and dropped."""
    started = time.perf_counter()
    count = await _read(servers, goal, lambda _p, _r: None, progress)
    return count, time.perf_counter() - started


async def replay(
    servers: str,
    target: ProjectionApplication,
    goal: dict[TopicPartition, int],
    group_id: str,
    progress: Progress | None = None,
    tables: Progress | None = None,
    authors: AuthorCheck | None = None,
) -> tuple[int, int, float]:
    """Handle every record up to `goal` into `target`; return (handled, skipped, seconds).
    `progress` hears of the records read, `tables` of the stored events written to the tables.
    `authors` refuses what the live consumer refused as not signed by its service (see
    shared/bus/authors.py), so the replay equals the live projection."""
    handler = ProjectionHandler(target.read, sole_writer=True)
    skipped = 0

    def handle(partition: TopicPartition, records: list) -> None:
        nonlocal skipped
        uow = UnitOfWork(target, copy_from_cache=False)  # the fresh store's sole writer
        for record in records:
            wire = WireMessage(key=record.key, value=record.value or b"", headers=list(record.headers))
            try:
                message = decode_checked(authors, record.topic, wire)
            except MalformedMessage:
                skipped += 1  # the live consumer dead-lettered it; the projection never used it
                continue
            delivery = Delivery(message, record.topic, record.partition, record.offset, None)
            try:
                handler(uow, delivery)
            except Exception:
                skipped += 1
        target.commit(uow, Tracking(f"{group_id}/{partition.topic}/{partition.partition}", records[-1].offset))

    started = time.perf_counter()

    count = await _read(servers, goal, lambda p, r: asyncio.to_thread(handle, p, r), progress)
    await asyncio.to_thread(write_tables, target, tables)
    return count - skipped, skipped, time.perf_counter() - started


def write_tables(target: ProjectionApplication, progress: Progress | None = None) -> int:
    """Bring the target's read-side tables up to its store in large transactions."""
    total = (target.process_recorder.max_notification_id() or 0) - target.read.position
    target.read.batch_size = READ_SIDE_BATCH
    done = 0
    while True:
        applied = target.read.catch_up(upto=target.read.position + READ_SIDE_BATCH)
        if not applied:
            return done
        done += applied
        if progress:
            progress(done, total)


@dataclass(frozen=True)
class TopicEvent:
    event_id: str
    office_id: str
    digest: str
    topic: str
    partition: int
    offset: int


async def topic_events(
    servers: str, goal: dict[TopicPartition, int], authors: AuthorCheck | None = None
) -> list[TopicEvent]:
    """Every integration event on the topics up to `goal`, with the digest of its canonical JSON
    (only those their service signed, given `authors`)."""
    from shared.contracts import IntegrationEvent

    from ..domain.chain import canonical_json, digest_of

    found: list[TopicEvent] = []

    def keep(_partition: TopicPartition, records: list) -> None:
        for record in records:
            wire = WireMessage(key=record.key, value=record.value or b"", headers=list(record.headers))
            try:
                message = decode_checked(authors, record.topic, wire)
            except MalformedMessage:
                continue
            if isinstance(message, IntegrationEvent):
                digest = digest_of(canonical_json(message.model_dump(mode="json")))
                found.append(
                    TopicEvent(
                        str(message.event_id),
                        message.office_id,
                        digest,
                        record.topic,
                        record.partition,
                        record.offset,
                    )
                )

    await _read(servers, goal, keep, None)
    return found
