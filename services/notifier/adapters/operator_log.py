"""The notifier's failed deliveries on Kafka: read for the operator's CLI, and retried by the worker.

The notifier has no event store, so both halves of an operator's view live on topics: its dead letters
(`complaints.dead-letters`, those whose `consumer` is the notifier's group; the CloudEvent id is the
letter's id) and the operators' decisions (`complaints.notifier.operator`, `domain/failures.py`).
`read_failures` reads both from the start to their ends now; `append` writes one decision, signed with
the notifier's key, and waits for the broker. The worker's `RetryDesk` takes each retry request the
notifier signed: it reads the original record at its origin, hands it to the application's `retry` (the
one delivery tried again), and writes the outcome, signed. A record the notifier did not sign (anyone who
can write the topic could otherwise have mail resent) is refused by both: the desk logs it, counts it
(`notifier_operator_records_refused`) and does nothing for it; `read_failures` returns it as refused,
beside its letter, and the CLI shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from uuid import UUID

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from shared.bus import kafka
from shared.bus.authors import AuthorCheck, Unauthored, signed
from shared.clock import Clock
from shared.contracts import DeadLetter
from shared.contracts.topics import DEAD_LETTERS, NOTIFIER_OPERATOR, Topic
from shared.contracts.wire import MalformedMessage, WireMessage, decode_message
from shared.signing import ServiceSigner

from ..application import Notifier, Origin
from ..domain.failures import (
    FailedDelivery,
    OperatorRecord,
    RefusedRecord,
    RetryFinished,
    RetryRequested,
    fold,
    read_record,
    write_record,
)

log = logging.getLogger(__name__)

Handle = Callable[[WireMessage, Origin], Awaitable[None]]


async def _read_to_end(servers: str, topic: Topic, timeout: float) -> list[tuple[str, WireMessage]]:
    """Every record of `topic` up to its end now (`<partition>@<offset>`, message), in each partition's order."""
    reader = kafka.consumer(servers, group_id=None)
    await reader.start()
    try:
        if topic.name not in await reader.topics():
            raise LookupError(f"the topic {topic.name} does not exist: create the registry's topics first")
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]  # as the registry made it
        reader.assign(partitions)
        ends = await reader.end_offsets(partitions)
        await reader.seek_to_beginning(*partitions)
        found: list[tuple[str, WireMessage]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while [tp for tp in partitions if await reader.position(tp) < ends[tp]]:
            if loop.time() > deadline:
                raise TimeoutError(f"{topic.name} was not read to its end within {timeout} s")
            for tp, records in (await reader.getmany(timeout_ms=500)).items():
                found.extend(
                    (f"{tp.partition}@{r.offset}", WireMessage(r.key, r.value or b"", list(r.headers)))
                    for r in records
                    if r.offset < ends[tp]
                )
        return found
    finally:
        await reader.stop()


def operator_record(authors: AuthorCheck, where: str, wire: WireMessage) -> OperatorRecord | RefusedRecord:
    """The decision a record on the operator topic carries, or a `RefusedRecord` when the notifier did not
    sign it (or it is no operator record): what it claims is kept, to be shown, never acted on."""
    try:
        claimed: OperatorRecord | None = read_record(wire.value or b"")
    except ValidationError:
        claimed = None
    try:
        authors.check(NOTIFIER_OPERATOR.name, wire)
    except Unauthored as refused:
        return RefusedRecord(where, str(refused), claimed)
    if claimed is None:
        return RefusedRecord(where, "signed, but no operator record this notifier reads", None)
    return claimed


async def read_failures(
    servers: str, consumer: str, authors: AuthorCheck, timeout: float = 60.0
) -> list[FailedDelivery]:
    """The notifier's (`consumer`: its group) dead letters with the operators' decisions, folded; the
    decisions the notifier did not sign (`authors`) beside them, refused."""
    failures, _ = await read_failures_and_refusals(servers, consumer, authors, timeout)
    return failures


async def read_failures_and_refusals(
    servers: str, consumer: str, authors: AuthorCheck, timeout: float = 60.0
) -> tuple[list[FailedDelivery], list[RefusedRecord]]:
    """`read_failures`, and every refused record on the operator topic (those about no letter of ours too)."""
    letters: list[tuple[UUID, DeadLetter]] = []
    for _, wire in await _read_to_end(servers, DEAD_LETTERS, timeout):
        letter_id = wire.header("ce_id")
        try:
            letter = decode_message(wire)
        except MalformedMessage:
            continue  # not ours to judge here: the dead letters' own readers see it
        if isinstance(letter, DeadLetter) and letter.consumer == consumer and letter_id is not None:
            try:
                letters.append((UUID(letter_id), letter))
            except ValueError:
                continue
    records: list[OperatorRecord] = []
    refused: list[RefusedRecord] = []
    for where, wire in await _read_to_end(servers, NOTIFIER_OPERATOR, timeout):
        found = operator_record(authors, where, wire)
        if isinstance(found, RefusedRecord):
            refused.append(found)
        else:
            records.append(found)
    return fold(letters, records, refused), refused


def signed_record(signer: ServiceSigner | None, record: OperatorRecord) -> WireMessage:
    """One decision as the notifier writes it: keyed by its letter, signed with the notifier's key."""
    return signed(signer, NOTIFIER_OPERATOR.name, WireMessage(str(record.letter_id).encode(), write_record(record), []))


async def append(servers: str, record: OperatorRecord, partition: int, signer: ServiceSigner) -> None:
    """Write one decision, signed, and return once the broker has it."""
    wire = signed_record(signer, record)
    producer = kafka.producer(servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            NOTIFIER_OPERATOR.name, wire.value, key=wire.key, partition=partition, headers=wire.headers
        )
    finally:
        await producer.stop()


async def fetch_record(
    servers: str, topic: str, partition: int, offset: int, timeout: float = 10.0
) -> WireMessage | None:
    """The record at `offset`, or None when the topic no longer holds it (or never did)."""
    reader: AIOKafkaConsumer = kafka.consumer(servers, group_id=None)
    await reader.start()
    try:
        tp = TopicPartition(topic, partition)
        reader.assign([tp])
        beginning, end = (await reader.beginning_offsets([tp]))[tp], (await reader.end_offsets([tp]))[tp]
        if not beginning <= offset < end:
            return None
        reader.seek(tp, offset)
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for record in (await reader.getmany(tp, timeout_ms=500)).get(tp, []):
                if record.offset == offset:
                    return WireMessage(record.key, record.value or b"", list(record.headers))
                if record.offset > offset:
                    return None  # compacted or aborted away
        return None
    finally:
        await reader.stop()


Fetch = Callable[[str, int, int], Awaitable[WireMessage | None]]
Publish = Callable[[OperatorRecord, int], Awaitable[None]]


class RetryDesk:
    """The worker's reader of `complaints.notifier.operator`: takes each retry request once.

    Its position is faust's, at least once; the ledger remembers each request taken
    (`operator-retry/<request id>`), so a redelivery or the reconciler's re-reading takes it no more;
    a request older than the age rule's window (`domain/ledger_age.py`) is not taken at all, as the
    ledger may have forgotten it. The original record is retried whatever its age: the operator asked.
    A request taken twice all the same (a crash between the outcome and the ledger's write) finds its
    delivery `sent` and says so. Dismissals and outcomes need nothing from the worker.

    With `authors` (the worker always has them), a record the notifier did not sign is refused before
    anything else: logged with what it claims, counted once (the ledger remembers `operator-refused/
    <partition>@<offset>`, so the reconciler's re-reading counts it no more), and nothing done for it."""

    def __init__(self, service: Notifier, handlers: Mapping[str, Handle], fetch: Fetch, publish: Publish,
                 clock: Clock, authors: AuthorCheck | None = None) -> None:  # fmt: skip
        self.service = service
        self.handlers = handlers
        self.fetch = fetch
        self.publish = publish
        self.clock = clock
        self.authors = authors

    async def take(self, message: WireMessage, origin: Origin) -> None:
        if self.authors is not None:
            found = operator_record(self.authors, f"{origin.partition}@{origin.offset}", message)
            if isinstance(found, RefusedRecord):
                await self._refuse(found, origin)
                return
        try:
            record = read_record(message.value)
        except ValidationError:
            log.warning("%s-%d@%d is no operator record: skipped", origin.topic, origin.partition, origin.offset)
            return
        if not isinstance(record, RetryRequested):
            return
        if not self.service.age_rule.acts_on(origin.appended_at, self.service.wall()):
            # older than the age rule's window: its `operator-retry/` entry may be forgotten already
            self.service.counts.stale += 1
            return
        key = f"operator-retry/{record.request_id}"
        if self.service.ledger.outcome(key) is not None:
            return
        outcome = await self._retry(record)
        log.info(
            "retry %s of dead letter %s (asked by %s): %s", record.request_id, record.letter_id, record.by, outcome
        )
        finished = RetryFinished(letter_id=record.letter_id, request_id=record.request_id, outcome=outcome,
                                 at=self.clock())  # fmt: skip
        await self.publish(finished, origin.partition)
        await self.service.ledger.record(key, "taken", origin.partition)  # a failure stops the worker

    async def _refuse(self, refused: RefusedRecord, origin: Origin) -> None:
        key = f"operator-refused/{refused.where}"
        if self.service.ledger.outcome(key) is not None:
            return  # refused (and counted) before
        self.service.counts.operator_refused += 1
        log.warning("%s: %s (nothing done)", origin.topic, refused.describe())
        await self.service.ledger.record(key, "refused", origin.partition)

    async def _retry(self, request: RetryRequested) -> str:
        handle = self.handlers.get(request.origin_topic)
        if handle is None:
            original, why = None, f"not retried: this worker does not read {request.origin_topic} (receipts off?)"
        else:
            original, why = await self._original(request)
        if handle is None or original is None:
            self.service.counts.retries_failed += 1
            return why
        origin = Origin(request.origin_topic, request.origin_partition, request.origin_offset)
        return await self.service.retry(original, origin, request.letter_id, handle)

    async def _original(self, request: RetryRequested) -> tuple[WireMessage | None, str]:
        """The original record, or None and why not."""
        try:
            original = await self.fetch(request.origin_topic, request.origin_partition, request.origin_offset)
        except Exception as error:  # the broker away: the operator may ask again
            return None, f"not retried: the original record could not be read ({type(error).__name__}: {error})"
        where = f"{request.origin_topic}[{request.origin_partition}]@{request.origin_offset}"
        return original, f"not retried: {where} is no longer on the topic"
