"""The tracked consumer: each Kafka message has its effect exactly once.

Auto-commit is off. The messages of one fetch (several partitions' batches) are handled into one unit
of work and saved with a tracking record `(group/topic/partition, last offset)` for each partition in
the same database transaction (`process_fetched`; if that fails, each partition's batch on its own). On
assignment the consumer seeks to the stored position, so a crash after the database commit but
before Kafka's offset commit replays nothing; a redelivered message is skipped by its offset.

A message that cannot be decoded, or whose handling fails `max_attempts` times, is recorded as a dead
letter (with its error and origin) in the same transaction as its position; processing goes on with
the next message of the partition, so the order of each complaint's messages is kept. Handling is
total: no message can make the worker crash-loop (see docs/poison-and-redrive.md). Dead letters an
operator asks to redrive are handled again by the worker, exactly once (`redrive_requested`).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, Tracking
from eventsourcing.utils import get_topic
from pydantic import BaseModel

from shared.clock import Clock, utc_now
from shared.contracts import MalformedMessage, WireMessage, decode_message
from shared.eventstore import Positions, ServiceApplication, UnitOfWork
from shared.logs import message_context
from shared.metrics import ConsumerMetrics, process_registry
from shared.settings import ServiceSettings
from shared.tracing import consuming, forget_stamps, stamp_pending

from . import kafka
from .authors import AuthorCheck, Unauthored
from .deadletters import DeadLetterRecord, LetterSealer, OpenLetters, reason_of
from .offsets import OffsetCommits

log = logging.getLogger(__name__)

# Failures of the store itself (a conflict with a concurrent writer, a lost connection): retried
# with the whole batch, never dead-lettered: the message is fine, the moment was not.
TRANSIENT_ERRORS = (IntegrityError, OperationalError, InterfaceError)
# How far the scan for redrive requests may run ahead of its position in the store before it keeps it
# (a tracking record): a start rescans at most this many notifications.
REDRIVE_SCAN_KEPT_EVERY = 10_000


class Rejected(Exception):
    """The handler refuses the message for good (bad signature, unknown office, broken rule):
    it goes to the dead letters at once, without retries."""


@dataclass(frozen=True)
class Delivery:
    """A decoded message and where it came from (its Kafka coordinates are its causation)."""

    message: BaseModel
    topic: str
    partition: int
    offset: int
    key: str | None
    headers: dict[str, str] = field(default_factory=dict)
    raw_value: bytes = b""


# Applies one message's effects to the unit of work. Raises to refuse the message.
Handler = Callable[[UnitOfWork, Delivery], None]


@dataclass
class ConsumerProgress:
    handled: int = 0  # passed-over records included: their position is saved, they have no effect
    passed_over: int = 0  # records of a type the handler does not want, left unread (`Inbound.wants`)
    dead_lettered: int = 0
    skipped_redeliveries: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)
    last_poll: float | None = None  # monotonic: the loop's last turn (shared/health.py)
    last_commit: float | None = None  # monotonic: the last batch saved with its position

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.handled / elapsed if elapsed > 0 else 0.0


def _wire(record: ConsumerRecord[bytes, bytes]) -> WireMessage:
    return WireMessage(key=record.key, value=record.value or b"", headers=list(record.headers))


class TrackedConsumer:
    def __init__(
        self,
        *,
        group_id: str,
        topics: Sequence[str],
        app: ServiceApplication,
        handle: Handler,
        bootstrap_servers: str,
        batch_size: int = 500,
        max_attempts: int = 3,
        clock: Clock = utc_now,
        authors: AuthorCheck | None = None,
        sealer: LetterSealer | None = None,
    ) -> None:
        self.group_id = group_id
        self.topics = list(topics)
        self.app = app
        self.handle = handle
        self.bootstrap_servers = bootstrap_servers
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.clock = clock
        # Who may write each topic (shared/bus/authors.py): a record its author did not sign is a dead
        # letter. Every service's worker has one (`from_settings`); None checks nothing (bus tests).
        self.authors = authors
        # Seals what a letter keeps of a topic that carries personal data in clear (intake's office
        # topic: shared/bus/deadletters.py); None keeps values as they came.
        self.sealer = sealer
        # The handler's `wants(type_name)` (shared/bus/dispatch.py), if it has one: records of a type it
        # does not want are passed over on their `ce_type` header, unchecked and undecoded.
        self._wants: Callable[[str], bool] | None = getattr(handle, "wants", None)
        self.progress = ConsumerProgress()
        self.open_letters = OpenLetters(app, group_id)  # for its health and metrics (shared/health.py)
        self.metrics = ConsumerMetrics(process_registry(group_id, "worker"))  # the worker's /metrics (shared/health.py)
        self._consumer: Any = None  # aiokafka clients must be made inside the event loop
        self.redrive_poll_seconds = 2.0
        self._next_redrive_check = 0.0
        self._redrives_scanned = 0  # notifications up to this id hold no redrive request left to take

    @classmethod
    def from_settings(
        cls,
        settings: ServiceSettings,
        app: ServiceApplication,
        *,
        group_id: str,
        topics: Sequence[str],
        handle: Handler,
        clock: Clock = utc_now,
        sealer: LetterSealer | None = None,
    ) -> TrackedConsumer:
        return cls(
            group_id=group_id,
            topics=topics,
            app=app,
            handle=handle,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            batch_size=settings.consumer_batch_size,
            max_attempts=settings.consumer_max_attempts,
            clock=clock,
            authors=AuthorCheck.from_settings(settings, clock),
            sealer=sealer,
        )

    def tracking_name(self, topic: str, partition: int) -> str:
        return f"{self.group_id}/{topic}/{partition}"

    async def run(self, stop: asyncio.Event) -> None:
        self._consumer = kafka.consumer(self.bootstrap_servers, group_id=self.group_id)
        await self._consumer.start()
        self._consumer.subscribe(self.topics, listener=_SeekToStoredPosition(self))
        offsets = OffsetCommits(self._commit_kafka_offsets)
        try:
            while not stop.is_set():
                batches = await self._consumer.getmany(timeout_ms=200, max_records=self.batch_size)
                self.progress.last_poll = time.monotonic()
                batches = {partition: records for partition, records in batches.items() if records}
                if batches:
                    await asyncio.to_thread(self.process_fetched, batches)
                    # For monitoring only, beside the loop: the next fetch does not wait for the broker.
                    offsets.submit({p: records[-1].offset + 1 for p, records in batches.items()})
                await self._take_redrives()
                offsets.raise_failure()
        finally:
            try:
                await offsets.close()
            finally:
                await self._consumer.stop()

    async def _take_redrives(self) -> None:
        """Now and then, the dead letters an operator asked to redrive (see `redrive_requested`)."""
        if time.monotonic() < self._next_redrive_check:
            return
        self._next_redrive_check = time.monotonic() + self.redrive_poll_seconds
        try:
            await asyncio.to_thread(self.redrive_requested)
        except TRANSIENT_ERRORS as error:
            log.warning("redrives postponed: %s", error)

    async def _commit_kafka_offsets(self, offsets: dict[TopicPartition, int]) -> None:
        # Only for lag monitoring: the store's tracking record is the position that counts. Run beside
        # the loop by `OffsetCommits`, which logs a refused commit and raises anything else at the next turn.
        assert self._consumer is not None
        await self._consumer.commit(offsets)

    async def seek_to_stored_positions(self, partitions: Sequence[TopicPartition]) -> None:
        """Runs inside aiokafka's rebalance, while this member sends no heartbeat: it must end well
        within the session timeout, or the group evicts the member it just admitted (and, rejoining,
        it makes the others rebalance again). So: the stored positions in one trip to a worker thread,
        then seeks that only set the fetch position (none waits on the broker)."""
        names = [self.tracking_name(p.topic, p.partition) for p in partitions]
        positions = await asyncio.to_thread(lambda: [self.app.position(name) for name in names])
        for partition, position in zip(partitions, positions, strict=True):
            # Nothing stored: from the start of the log (an offset the log no longer holds is reset
            # to its earliest by the consumer's `auto_offset_reset`).
            self._consumer.seek(partition, 0 if position is None else position + 1)

    # -- synchronous part: runs in a worker thread, talks to the store ---------------------------
    #
    # Handling is total: whatever one message does (bytes that are no CloudEvent, a type or version
    # nobody knows, a handler that raises, a value that cannot be stored), it ends handled or as a
    # dead letter with a reason, and the partition goes on. Only the store itself failing for good
    # stops the worker (the message is fine, the moment is not; a restart goes on from it).

    def process_fetched(self, batches: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]) -> None:
        """Every partition's records of one fetch, in one store transaction with each partition's
        position (`Positions`). A worker reads many partitions (six a topic), so a fetch brings a few
        records from each; a transaction each cost a commit per partition (an fsync on SQLite: ~4.5 ms
        of waiting each on this project's machines) and an offset commit each. Should the whole fail
        for any reason — a conflict, a busy store, a message that raises — nothing of it is recorded,
        and each partition's records are handled on their own (`process_partition_batch`: its retries,
        then one message at a time), as before."""
        parts = [(partition, records) for partition, records in batches.items() if records]
        if len(parts) > 1 and self.app.many_positions:
            try:
                named = []
                names = [self.tracking_name(partition.topic, partition.partition) for partition, _ in parts]
                stored = self.app.positions(names)  # one query on PostgreSQL, not one a partition
                for name, (_, records) in zip(names, parts, strict=True):
                    position = stored[name]
                    fresh = [r for r in records if position is None or r.offset > position]
                    if fresh:
                        named.append((name, fresh))
                if named:
                    self._handle_together(named)
                skipped = sum(len(records) for _, records in parts) - sum(len(fresh) for _, fresh in named)
                self.progress.skipped_redeliveries += skipped
                self.metrics.skipped.inc(skipped)
                return
            except Exception as error:
                log.info("%d partitions' batch failed together (%s); one partition at a time", len(parts), error)
        for partition, records in parts:
            self.process_partition_batch(partition, records)

    def process_partition_batch(
        self, partition: TopicPartition, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> None:
        name = self.tracking_name(partition.topic, partition.partition)
        conflicts = 0
        for attempt in range(1, 21):
            position = self.app.position(name)
            fresh = [r for r in records if position is None or r.offset > position]
            self.progress.skipped_redeliveries += len(records) - len(fresh)
            self.metrics.skipped.inc(len(records) - len(fresh))
            if not fresh:
                return
            try:
                self._handle_together([(name, fresh)])
                return
            except IntegrityError as error:
                # A concurrent writer, or a message that conflicts with the store every time: a few
                # tries together, then one by one, where a message that keeps conflicting is dead.
                conflicts += 1
                log.warning("conflict in batch of %s (attempt %d): %s", name, attempt, error)
                if conflicts >= 3:
                    break
                # Another instance of this worker wrote a shared aggregate (an incident window, an
                # office's ledger or chain): wait a random moment so the two fall out of step.
                time.sleep(random.uniform(0, 0.05 * conflicts))
            except TRANSIENT_ERRORS as error:
                log.warning("store busy for %s (attempt %d): %s", name, attempt, error)
                time.sleep(min(0.05 * 2**attempt, 2.0))
                continue
            except Exception as error:
                log.info("batch of %s failed (%s); handling its messages one by one", name, error)
                break
        else:
            raise RuntimeError(f"store kept failing for {name}; stopping so nothing is lost")
        for record in fresh:
            self._handle_alone(name, record)

    def _handle_together(self, parts: Sequence[tuple[str, Sequence[ConsumerRecord[bytes, bytes]]]]) -> None:
        """The records of one or more partitions (tracking name, fresh records) in one unit of work,
        committed with each partition's last offset. Raises, recording nothing, if any part fails."""
        forget_stamps()
        uow = self.app.unit_of_work()
        # Across partitions in the order they were published (each partition's own order kept: a
        # merge never reorders one input), not partition by partition: a fact that depends on what
        # was met first (an incident's first announcement) then follows the group's order, not
        # which partition a fetch happened to list first.
        records = list(heapq.merge(*(batch for _, batch in parts), key=lambda record: record.timestamp))
        decoded = [(record, None if self._passes_over(record) else self._decode(record)) for record in records]
        self._prefetch(uow, [d for _, d in decoded if isinstance(d, Delivery)])
        refused: list[tuple[str, MalformedMessage]] = []
        handled: Counter[str] = Counter()
        for record, delivery in decoded:
            if delivery is None:
                handled[record.topic] += 1  # not this service's business: only its position counts
            elif isinstance(delivery, MalformedMessage):
                uow.add(self._dead_letter(record, delivery, attempts=1))
                refused.append((record.topic, delivery))
            else:
                with _context(delivery, self.group_id):
                    self.handle(uow, delivery)
                    stamp_pending(uow.aggregates)
                handled[record.topic] += 1
        positions = [Tracking(name, batch[-1].offset) for name, batch in parts]
        first, more = positions[0], tuple(positions[1:])
        with self.metrics.commit_seconds.time():
            self.app.commit(uow, Positions(first.application_name, first.notification_id, more) if more else first)
        self._after_commit(uow)
        self.metrics.batch_size.observe(len(records))
        for topic, count in handled.items():
            self.metrics.handled.labels(topic).inc(count)
        for topic, error in refused:
            self.metrics.dead_letters.labels(topic, dead_letter_class(error)).inc()
        self._count(len(records) - len(refused), len(refused), passed_over=sum(1 for _, d in decoded if d is None))

    def _after_commit(self, uow: UnitOfWork) -> None:
        """The handler's `committed(uow)`, if it has one, once that unit of work is committed (the
        projection carries its chain heads from it). Its effects and positions are stored already:
        a failure here is logged, never taken for a failed unit (which would be handled again)."""
        committed = getattr(self.handle, "committed", None)
        if committed is None:
            return
        try:
            committed(uow)
        except Exception as error:
            log.warning("%s: after the commit: %s", self.group_id, reason_of(error))

    def _passes_over(self, record: ConsumerRecord[bytes, bytes]) -> bool:
        """A record whose `ce_type` header names a type the handler does not want (see `Inbound.wants`).
        A record without the header, or with one that is not text, is decoded (and dead-lettered)."""
        if self._wants is None:
            return False
        for key, value in record.headers:
            if key == "ce_type":
                try:
                    return not self._wants(value.decode("utf-8")) if value is not None else False
                except UnicodeDecodeError:
                    return False
        return False

    def _prefetch(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        """The aggregates the batch's handlers will read, loaded together (a handler that says which:
        `handle.prefetch(deliveries)`, see shared/bus/dispatch.py): one round trip for the batch on
        PostgreSQL instead of one per aggregate. Only a cache, so a hint that fails is passed over."""
        wanted = getattr(self.handle, "prefetch", None)
        if wanted is None or not deliveries:
            return
        try:
            ids = list(wanted(deliveries))
        except Exception as error:
            log.info("%s: no prefetch for this batch (%s)", self.group_id, reason_of(error))
            return
        uow.prefetch(ids)

    def _handle_alone(self, name: str, record: ConsumerRecord[bytes, bytes]) -> None:
        """One message in its own transaction: handled, or a dead letter after `max_attempts` failures
        (at once if it is malformed or refused). Store failures are retried and never count, except a
        conflict that never clears: that is the message's doing."""
        error: Exception | None = None
        failures = store_failures = conflicts = 0
        while failures < self.max_attempts:
            position = self.app.position(name)
            if position is not None and position >= record.offset:
                return  # recorded meanwhile (a retried commit that had in fact succeeded)
            delivery = None if self._passes_over(record) else self._decode(record)
            if isinstance(delivery, MalformedMessage):
                error = delivery
                break
            forget_stamps()
            uow = self.app.unit_of_work()
            try:
                if delivery is not None:  # None: passed over, only its position is saved
                    with _context(delivery, self.group_id):
                        self.handle(uow, delivery)
                        stamp_pending(uow.aggregates)
                with self.metrics.commit_seconds.time():
                    self.app.commit(uow, Tracking(name, record.offset))
                self._after_commit(uow)
                self.metrics.batch_size.observe(1)
                self.metrics.handled.labels(record.topic).inc()
                self._count(1, 0, passed_over=int(delivery is None))
                return
            except IntegrityError as conflict:
                conflicts += 1
                if conflicts >= 10:
                    error, failures = conflict, max(failures, 1)
                    break
                log.warning("conflict for %s@%d: %s", name, record.offset, conflict)
                time.sleep(random.uniform(0.025, 0.05) * conflicts)  # jitter: see above
            except TRANSIENT_ERRORS as transient:
                store_failures += 1
                if store_failures > 100:
                    raise  # the store is down: stop the worker; the message stays unprocessed
                log.warning("store busy for %s: %s", name, transient)
                time.sleep(0.2)
            except Rejected as rejection:
                error = rejection
                failures = 1
                break
            except Exception as failure:
                error, failures = failure, failures + 1
                log.warning("handling %s@%d failed (attempt %d): %s", name, record.offset, failures, failure)
        assert error is not None
        self._record_dead_letter(name, record, error, attempts=max(failures, 1))

    def _record_dead_letter(
        self, name: str, record: ConsumerRecord[bytes, bytes], error: Exception, *, attempts: int
    ) -> None:
        """The letter with its position; if the store refuses the whole letter (too large for it, say),
        a letter that keeps only the value's hash. Only a store that refuses both stops the worker."""
        try:
            uow = self.app.unit_of_work()
            uow.add(self._dead_letter(record, error, attempts=attempts))
            self.app.commit(uow, Tracking(name, record.offset))
        except TRANSIENT_ERRORS:
            raise
        except Exception as refused:
            log.exception("dead letter of %s@%d could not be stored whole", name, record.offset)
            reason = f"{reason_of(error)} (the whole letter could not be stored: {reason_of(refused)})"
            uow = self.app.unit_of_work()
            uow.add(DeadLetterRecord.of(self.group_id, record, reason, attempts, self.clock(), keep_value=False))
            self.app.commit(uow, Tracking(name, record.offset))
        self._after_commit(uow)
        self.metrics.batch_size.observe(1)  # a letter on its own commits alone
        self.metrics.dead_letters.labels(record.topic, dead_letter_class(error)).inc()
        self._count(0, 1)

    def _decode(self, record: ConsumerRecord[bytes, bytes]) -> Delivery | MalformedMessage:
        try:
            return self._delivery(_wire(record), record.topic, record.partition, record.offset)
        except MalformedMessage as error:
            return error
        except Exception as error:  # e.g. JSON nested too deep for the parser: still the message's fault
            malformed = MalformedMessage(f"cannot decode: {reason_of(error)}")
            malformed.__cause__ = error
            return malformed

    def _delivery(self, wire: WireMessage, topic: str, partition: int, offset: int) -> Delivery:
        if self.authors is not None:
            self.authors.check(topic, wire)  # raises Unauthored: a dead letter, at once
        return Delivery(
            message=decode_message(wire),
            topic=topic,
            partition=partition,
            offset=offset,
            key=wire.key.decode("utf-8", "replace") if wire.key is not None else None,
            headers={k: (v or b"").decode("utf-8", "replace") for k, v in wire.headers},
            raw_value=wire.value,
        )

    def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], error: Exception, *, attempts: int
    ) -> DeadLetterRecord:
        return DeadLetterRecord.of(self.group_id, record, error, attempts, self.clock(), sealer=self.sealer)

    def _count(self, handled: int, dead: int, *, passed_over: int = 0) -> None:
        if dead:
            log.error("%s: %d message(s) recorded as dead letters", self.group_id, dead)
        self.progress.handled += handled
        self.progress.passed_over += passed_over
        self.progress.dead_lettered += dead
        self.progress.batches += 1
        self.progress.last_commit = time.monotonic()

    async def partition_report(self) -> dict[str, dict[str, int | None]]:
        """Each assigned partition's position (the next offset to hand out) and lag: Kafka's last
        stable offset minus the position (None until both are known). For shared/health.py."""
        if self._consumer is None:
            return {}
        report: dict[str, dict[str, int | None]] = {}
        for partition in sorted(self._consumer.assignment(), key=lambda p: (p.topic, p.partition)):
            try:
                position: int | None = await asyncio.wait_for(self._consumer.position(partition), 0.5)
            except (TimeoutError, KafkaError):  # not yet positioned (a rebalance in progress)
                position = None
            end = self._consumer.last_stable_offset(partition)
            lag = None if end is None or position is None else max(end - position, 0)
            report[f"{partition.topic}/{partition.partition}"] = {"position": position, "lag": lag}
        return report

    # -- redrives: an operator asked for dead letters to be handled again -----------------------

    @property
    def redrive_tracking_name(self) -> str:
        return f"{self.group_id}/redrives"

    def redrive_requested(self) -> int:
        """Handle again the original message of every letter an operator asked to redrive since the
        last call; return how many requests were taken. Each request is taken exactly once: its
        outcome, the message's effects and the request's position commit in one transaction."""
        name = self.redrive_tracking_name
        recorder = self.app.process_recorder
        # Scan only what was recorded since the last scan, not the whole log every time.
        start = max(self.app.position(name) or 0, self._redrives_scanned) + 1
        upto = recorder.max_notification_id() or 0
        if upto < start:
            return 0
        topics = [get_topic(DeadLetterRecord.RedriveRequested)]
        requests = recorder.select_notifications(start, 100, stop=upto, topics=topics)
        for request in requests:
            self._redrive(name, request.id, request.originator_id)
        if len(requests) < 100:
            self._redrives_scanned = upto
            if upto - (self.app.position(name) or 0) >= REDRIVE_SCAN_KEPT_EVERY:
                # Kept in the store too: otherwise every start scanned the whole log once (the
                # requests' topic has no index), a full read of a large store just after start.
                with contextlib.suppress(IntegrityError):  # another instance kept a later one
                    self.app.commit(self.app.unit_of_work(), Tracking(name, upto))
        return len(requests)

    def _redrive(self, name: str, request_id: int, letter_id: Any) -> None:
        letter: DeadLetterRecord = self.app.repository.get(letter_id)
        if letter.consumer != self.group_id or letter.pending_redrive is None:
            self.app.commit(self.app.unit_of_work(), Tracking(name, request_id))
            return
        outcome = "handled"
        try:
            delivery = self._delivery(
                letter.wire(self.sealer), letter.origin_topic, letter.origin_partition, letter.origin_offset
            )
            uow = self.app.unit_of_work()
            uow.add(letter)
            self.handle(uow, delivery)
            letter.record_redrive(outcome, self.clock())
            self.app.commit(uow, Tracking(name, request_id))
            self._after_commit(uow)
            log.info("%s: dead letter %s redriven and handled", self.group_id, letter_id)
            return
        except TRANSIENT_ERRORS:
            raise  # the request stays pending; the next call tries it again
        except Exception as error:
            outcome = reason_of(error)
        letter = self.app.repository.get(letter_id)  # unchanged by the failed unit of work
        letter.record_redrive(outcome, self.clock())
        uow = self.app.unit_of_work()
        uow.add(letter)
        self.app.commit(uow, Tracking(name, request_id))
        log.warning("%s: redrive of dead letter %s failed again: %s", self.group_id, letter_id, outcome)


@contextlib.contextmanager
def _context(delivery: Delivery, group: str = "") -> Iterator[None]:
    """What handling `delivery` runs in: its log context (shared/logs.py) and, when tracing is on, a
    span continuing its publisher's trace (shared/tracing.py)."""
    topic, partition, offset = delivery.topic, delivery.partition, delivery.offset
    event_id = str(getattr(delivery.message, "event_id", "") or delivery.headers.get("ce_id", ""))
    with (
        message_context(delivery.message, topic=topic, partition=partition, offset=offset),
        consuming(
            delivery.headers,
            topic=topic,
            partition=partition,
            offset=offset,
            event_id=event_id,
            group=group,
            key=delivery.key,
        ),
    ):
        yield


def dead_letter_class(error: BaseException) -> str:
    """The metrics' reason class of a dead letter: unauthored, decode, refused or failed."""
    if isinstance(error, Unauthored):
        return "unauthored"
    if isinstance(error, MalformedMessage):
        return "decode"
    return "refused" if isinstance(error, Rejected) else "failed"


class _SeekToStoredPosition(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: TrackedConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self.owner.seek_to_stored_positions(list(assigned))
