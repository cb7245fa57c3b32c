"""Rebuild the projection from offset 0 of its topics into a fresh store, and measure it.

The replay reads every partition at once (one consumer assigned all of them: its fetcher keeps
fetching every partition while a batch is being written) up to the position the live projection has
recorded for it (or the end of the partition when there is no live store), handles each partition's
batch with the same handler as the live consumer, and commits each batch with its tracking record,
so both stores end up having seen exactly the same messages. The handler is the store's sole writer
here, so it carries the chain heads from batch to batch; each stored batch's read-side rows are
written right after it from the events just recorded (never read back from the store), and each
complaint's summary is folded once, at the end, in large batches. Beside it, the raw aiokafka
consume rate of the same topics is measured in the same run: what the broker and client can do
without any projection work.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition
from eventsourcing.persistence import Tracking

from shared.bus import kafka
from shared.bus.authors import AuthorCheck, decode_checked
from shared.bus.consumer import TRANSIENT_ERRORS
from shared.contracts import MalformedMessage, WireMessage
from shared.eventstore import UnitOfWork, store_environment
from shared.settings import ServiceSettings

from ..application import ProjectionApplication
from ..domain.records import COMPLAINT
from .inbound import Arrival, ProjectionHandler
from .replay_decoding import Decoding, default_workers

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (done, total)
READ_SIDE_BATCH = 5000  # stored events per read-side transaction at the end of a replay
SUMMARY_BATCH = 1000  # complaints folded per transaction at the very end
# The fresh store's sole writer never needs the library's fast-forward of cached aggregates (a
# SELECT of newer events at every use of a cached record): nobody else writes that store.
REPLAY_ENV = {"AGGREGATE_CACHE_FASTFORWARD": "n"}


def fresh_environment(settings: ServiceSettings) -> dict[str, str]:
    """The fresh store's `eventsourcing` settings, under the projection's own names too: the library
    reads PROJECTION_<KEY> before <KEY>, from the process environment as well, and an auditor's shell
    holds the LIVE store's (PROJECTION_POSTGRES_DBNAME, ...), which would otherwise win — the replay
    would write into the live store."""
    env = store_environment(settings) | REPLAY_ENV
    prefix = ProjectionApplication.name.upper() + "_"
    return env | {prefix + key: value for key, value in env.items()}


STORE_BATCH = 5000  # records per store transaction (one partition's, with its tracking record)
# On PostgreSQL the event-sourcing library inserts a transaction's events in one psycopg pipeline;
# one of 5,000 records (~15 MB) hung there for good (client and server each waiting for the other),
# so a PostgreSQL store takes the live consumer's batch size, which is known to work.
POSTGRES_STORE_BATCH = 500
PIPELINE = 2  # batches decoded or decoding while one is stored (memory: a few batches)
POSTGRES_READ_SIDE_BATCH = 1000  # the read side's own batch (psycopg pipelines executemany too)
# Large fetches: a partition's fetch up to 8 MB, 20,000 records a poll (aiokafka's defaults: 1 MB, 500).
FETCH = {"max_partition_fetch_bytes": 8 * 1024 * 1024, "fetch_max_bytes": 64 * 1024 * 1024, "max_poll_records": 20000}


# Python's cyclic collector at its default (a young collection every 700 container allocations)
# ran ~4,500 times in a 50k-event replay, each older collection walking the aggregate cache and the
# batches in flight: ~10 % of the replay's CPU, for almost no cycles (docs/performance.md). During
# the replay a young collection comes every 50,000 allocations, and the objects alive before it
# (the modules, the live export) are frozen out of the collector's walks.
REPLAY_GC_THRESHOLD = 50_000


@contextmanager
def fewer_collections(threshold: int = REPLAY_GC_THRESHOLD) -> Iterator[None]:
    """The cyclic collector less often, and never over what was alive before, while the replay runs;
    as it was afterwards. Cycles are still collected (memory stays bounded), only in larger steps."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


@dataclass(frozen=True)
class ReplayReport:
    events: int
    skipped: int
    seconds: float
    raw_records: int
    raw_seconds: float
    cpu_seconds: float = 0.0  # the process's CPU time (every thread): on a shared machine, the
    raw_cpu_seconds: float = 0.0  # work done, where wall time also counts waiting for a core
    peak_rss_mib: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds of the store and tables phases

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


class LiveStoreMoving(RuntimeError):
    """The live projection handled records during every try at exporting it: no snapshot to compare."""


async def settled_live_export(
    goal_of: Callable[[], Awaitable[dict[TopicPartition, int]]],
    export: Callable[[], bytes],
    attempts: int = 20,
    pause: float = 0.5,
) -> tuple[dict[TopicPartition, int], bytes]:
    """The live store's positions and its export, taken together: the positions are read before and
    after the export and kept only when they are equal (its worker saves effects and positions in one
    transaction, so the export saw exactly those positions); else tried again after `pause`. The replay
    then reads up to them. Reading the positions, replaying, and only then exporting the live store
    compared a store that had gone on meanwhile: on a running system (`make up`) the replay said NO for
    an SLA warning handled during it."""
    for _ in range(attempts):
        goal = await goal_of()
        exported = export()
        if await goal_of() == goal:
            return goal, exported
        await asyncio.sleep(pause)
    raise LiveStoreMoving(
        f"the live projection handled records during each of {attempts} exports: "
        "stop its worker (`supervisorctl stop complaints:projection-worker`) or replay at a quieter time"
    )


class Batches:
    """Records gathered per partition into batches of up to `size` (each partition's order kept, cut
    at its goal offset), so the replay commits a few large transactions instead of one per fetch.
    At most `bound` records wait in all (the largest waiting batch goes first): memory stays flat
    whatever the history's size. Pure: no Kafka here (property-tested)."""

    def __init__(self, goal: dict[Any, int], size: int, bound: int) -> None:
        self.goal = goal
        self.size = size
        self.bound = max(bound, size)
        self.waiting: dict[Any, list] = {}
        self.count = 0

    def add(self, partition: Any, records: Sequence[Any]) -> list[tuple[Any, list]]:
        """Take a fetch of one partition; return the batches now ready, in order."""
        last = self.goal[partition]
        waiting = self.waiting.setdefault(partition, [])
        kept = [r for r in records if r.offset <= last]
        waiting.extend(kept)
        self.count += len(kept)
        ready = []
        while len(waiting) >= self.size:
            ready.append((partition, waiting[: self.size]))
            del waiting[: self.size]
            self.count -= self.size
        if records and records[-1].offset >= last:
            ready.extend(self.finish(partition))
        while self.count > self.bound:
            ready.extend(self.finish(max(self.waiting, key=lambda p: len(self.waiting[p]))))
        return ready

    def finish(self, partition: Any) -> list[tuple[Any, list]]:
        """What waits of one partition (its end reached, or memory to free)."""
        waiting = self.waiting.pop(partition, [])
        self.count -= len(waiting)
        return [(partition, waiting)] if waiting else []

    def rest(self) -> list[tuple[Any, list]]:
        return [batch for partition in list(self.waiting) for batch in self.finish(partition)]


async def _read(
    servers: str,
    goal: dict[TopicPartition, int],
    on_batch: Callable[[TopicPartition, list], Awaitable[None] | None],
    progress: Progress | None,
    batch: int = 0,
) -> int:
    """Every record up to `goal`, each partition in order, all partitions fetched at once (one
    consumer assigned all of them: its fetcher goes on fetching while a batch is handled), to
    `on_batch` as fetched (`batch` 0) or gathered into batches of `batch` records."""
    wanted = {p: o for p, o in goal.items() if o >= 0}
    total = sum(o + 1 for o in wanted.values())
    consumer = kafka.consumer(servers, group_id=None, fetch=FETCH)
    await consumer.start()
    done = 0
    batches = Batches(wanted, batch or 1, max(batch, 1) * 4)

    async def deliver(ready: list[tuple[TopicPartition, list]]) -> None:
        nonlocal done
        for partition, records in ready:
            handled = on_batch(partition, records)
            if inspect.isawaitable(handled):
                await handled
            done += len(records)

    try:
        consumer.assign(list(wanted))
        if wanted:
            await consumer.seek_to_beginning(*wanted)
        remaining = set(wanted)
        while remaining:
            fetched = await consumer.getmany(*remaining, timeout_ms=500, max_records=FETCH["max_poll_records"])
            for partition, records in fetched.items():
                if batch:
                    await deliver(batches.add(partition, records))
                else:
                    keep = [r for r in records if r.offset <= wanted[partition]]
                    await deliver([(partition, keep)] if keep else [])
                if records and records[-1].offset >= wanted[partition]:
                    remaining.discard(partition)
            if not fetched:
                for partition in list(remaining):
                    if await consumer.position(partition) > wanted[partition]:
                        remaining.discard(partition)  # the rest were transaction markers
                        await deliver(batches.finish(partition))
            if progress:
                progress(done, total)
        await deliver(batches.rest())
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
    folding: Progress | None = None,
    workers: int | None = None,
    phases: dict[str, float] | None = None,
) -> tuple[int, int, float]:
    """Handle every record up to `goal` into `target` (made with REPLAY_ENV); return (handled,
    skipped, seconds). `progress` hears of the records read, `tables` of the stored events written
    to the tables, `folding` of the complaints whose summaries are folded. `authors` refuses what the
    live consumer refused as not signed by its service (see shared/bus/authors.py), so the replay
    equals the live projection. The records are checked and decoded in `workers` processes
    (`replay_decoding.py`; 0: in this process, on a thread; default: `default_workers()`) while the batch before
    is stored; at most `PIPELINE` batches wait decoded or decoding. `phases` gets the seconds of the
    store phase and of the tables' (`store`, `tables`)."""
    handler = ProjectionHandler(target.read, sole_writer=True)
    skipped = redelivered = 0
    committed: dict[str, int] = {}  # the last offset stored per partition (one entry a partition)

    def handle(partition: TopicPartition, records: list, decoded: list[Arrival | None]) -> None:
        nonlocal skipped, redelivered
        name = f"{group_id}/{partition.topic}/{partition.partition}"
        fresh = [(r, a) for r, a in zip(records, decoded, strict=True) if r.offset > committed.get(name, -1)]
        redelivered += len(records) - len(fresh)  # as the live consumer, by the stored position
        if not fresh:
            return
        uow = UnitOfWork(target, copy_from_cache=False)  # the fresh store's sole writer
        for record, arrival in fresh:
            if arrival is None:
                skipped += 1  # the live consumer dead-lettered it; the projection never used it
                continue
            try:
                handler.take(uow, arrival, topic=record.topic, partition=record.partition, offset=record.offset)
            except TRANSIENT_ERRORS:
                raise  # the store failing is not the message's doing: stop rather than lose it
            except Exception:
                skipped += 1  # refused by the handler: a dead letter of the live consumer's too
        recorded = target.commit_recorded(uow, Tracking(name, fresh[-1][0].offset))
        committed[name] = fresh[-1][0].offset
        target.read.apply_recorded(recorded)  # the batch's rows now, from its events (else at the end)

    started = time.perf_counter()
    with fewer_collections():  # the whole replay: both phases
        size = POSTGRES_STORE_BATCH if target.read.db.postgres else STORE_BATCH
        decoding = Decoding(authors, default_workers() if workers is None else workers)
        waiting: asyncio.Queue = asyncio.Queue(maxsize=PIPELINE)
        # Each stored batch's rows are written from its events right after it (`apply_recorded`), the
        # summaries deferred to the end, the plain inserts by COPY on PostgreSQL: the store's sole writer.
        copying, target.read.db.copy_inserts = target.read.db.copy_inserts, True
        target.read.defer_summaries = True
        try:

            async def read() -> int:
                async def decode(partition: TopicPartition, records: list) -> None:
                    await waiting.put((partition, records, asyncio.ensure_future(decoding.decode(records))))

                count = await _read(servers, goal, decode, progress, size)
                await waiting.put(None)  # (on an error the group cancels the writer instead)
                return count

            async def store() -> None:
                while (batch := await waiting.get()) is not None:
                    partition, records, decoded = batch
                    await asyncio.to_thread(handle, partition, records, await decoded)

            async with asyncio.TaskGroup() as group:
                reading = group.create_task(read())
                group.create_task(store())
            count = reading.result()
        finally:
            decoding.close()
            target.read.db.copy_inserts = copying
            target.read.defer_summaries = False
        if redelivered:
            log.warning("replay: %d records delivered again by the consumer were skipped", redelivered)
        stored = time.perf_counter()
        await asyncio.to_thread(write_tables, target, tables, folding)
        ended = time.perf_counter()
    if phases is not None:
        phases |= {"store": stored - started, "tables": ended - stored}
    return count - skipped - redelivered, skipped, ended - started


def write_tables(
    target: ProjectionApplication, progress: Progress | None = None, folding: Progress | None = None
) -> int:
    """Bring the target's read-side tables up to its store in large transactions: the rows of
    every stored event first, then each complaint's summary folded once (a batch of complaints per
    transaction), where the live consumer refolds a complaint in every batch that touches it."""
    read = target.read
    total = (target.process_recorder.max_notification_id() or 0) - read.position
    read.batch_size = step = POSTGRES_READ_SIDE_BATCH if read.db.postgres else READ_SIDE_BATCH
    read.defer_summaries = True
    copying, read.db.copy_inserts = read.db.copy_inserts, True  # COPY for the plain inserts (PostgreSQL)
    done = 0
    try:
        while True:
            applied = read.catch_up(upto=read.position + step)
            if not applied:
                break
            done += applied
            if progress:
                progress(done, total)
    except BaseException:
        read.db.copy_inserts = copying
        raise
    finally:
        read.defer_summaries = False
    complaints = folded = 0
    if folding:
        with read.db.transaction(write=False) as cursor:
            row = cursor.one("SELECT COUNT(*) AS n FROM projection_subjects WHERE kind = ?", (COMPLAINT,))
        complaints = int(row["n"]) if row else 0
    try:
        for batch in read.summarise_all(SUMMARY_BATCH):
            folded += batch
            if folding:
                folding(folded, complaints)
    finally:
        read.db.copy_inserts = copying
    return done


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
