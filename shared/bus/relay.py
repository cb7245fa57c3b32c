"""The outbox relay: publishes a service's notification log to Kafka, exactly once.

Each batch of notifications is published in one Kafka transaction together with the relay's new
position (a record on the compacted positions topic). A crash anywhere leaves either the whole
batch and its position, or neither: on restart the relay reads its committed position and goes on
from there. Readers use `read_committed`, so an aborted batch is never seen. A record that cannot be
published is quarantined in the service's store with its reason, and the relay goes on
(`shared.bus.quarantine`); retriable broker errors are retried with back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Notification
from pydantic import BaseModel

from shared.clock import utc_now
from shared.contracts import IntegrationEvent, WireMessage, encode
from shared.contracts.deadletter import cut
from shared.contracts.topics import RELAY_POSITIONS, topic_for_event_type
from shared.eventstore import ServiceApplication
from shared.metrics import RelayMetrics, process_registry
from shared.settings import ServiceSettings
from shared.signing import ServiceSigner, ServiceSigningKeys
from shared.tracing import extensions_for, last_read_trace

from . import kafka
from .authors import signed, signer_from_settings
from .deadletters import DeadLetterRecord, publishable, reason_of
from .kafka import MAX_RECORD_BYTES, RECORD_ERRORS, is_transient, record_size
from .quarantine import WHOLE, QuarantinedRecord, Stage
from .wakeup import StoreChanges

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publication:
    """One message to publish: what, under which key, with which stable id."""

    message: BaseModel
    key: str | None
    event_id: str
    time: datetime | None

    @classmethod
    def of(cls, event: IntegrationEvent) -> Publication:
        return cls(event, event.key, str(event.event_id), event.occurred_at)

    @property
    def topic(self) -> str:
        return topic_for_event_type(self.message.model_dump(include={"type"})["type"]).name


# A service's translation of one stored domain event into what it publishes (often nothing).
Translator = Callable[[Any], Iterable[Publication]]


def translate_dead_letters(domain_event: Any) -> Iterable[Publication]:
    if isinstance(domain_event, DeadLetterRecord.Recorded):
        letter = publishable(domain_event.mutate(None).letter)
        yield Publication(letter, letter.key, str(domain_event.originator_id), letter.dead_lettered_at)


@dataclass
class RelayProgress:
    position: int | None = None
    published_events: int = 0
    published_messages: int = 0
    batches: int = 0
    started: float = 0.0
    last_beat: float | None = None  # monotonic: the loop's last turn (shared/health.py)
    last_batch: float | None = None  # monotonic: the last batch published

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.published_events / elapsed if elapsed > 0 else 0.0


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        app: ServiceApplication,
        translate: Translator,
        bootstrap_servers: str,
        batch_size: int = 500,
        poll_seconds: float = 0.05,
        idle_seconds: float = 1.0,
        signer: ServiceSigner | None = None,
        keys: ServiceSigningKeys | None = None,
    ) -> None:
        self.service = service
        self.app = app
        self.translate = translate
        self.bootstrap_servers = bootstrap_servers
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.idle_seconds = idle_seconds  # an idle relay reads its store at least this often (a safety net)
        # The service's own key signs every record it publishes (shared/signing.py), its position too;
        # `keys` (every service's public keys) tells which position records are its own on start-up.
        self.signer = signer
        self.keys = keys
        self.progress = RelayProgress()
        self.metrics = RelayMetrics(process_registry(service, "relay"))  # the relay's /metrics (shared/health.py)
        self._producer: Any = None
        self._changes: StoreChanges | None = None  # wakes the idle relay when its store changed
        self._position_key = b""
        self._alone_until: int | None = None  # one notification per transaction up to this id
        self._trace: str | None = None  # the trace of the notification being translated (shared/tracing.py)

    @classmethod
    def from_settings(cls, settings: ServiceSettings, app: ServiceApplication, translate: Translator) -> OutboxRelay:
        return cls(
            service=settings.service_name,
            app=app,
            translate=translate,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
            **cls.signing(settings),
        )

    @staticmethod
    def signing(settings: ServiceSettings) -> dict[str, Any]:
        """The relay's signing arguments from its service's settings: its own private key and every
        service's public keys (for relays made without `from_settings`, e.g. the projection's)."""
        return {
            "signer": signer_from_settings(settings),
            "keys": ServiceSigningKeys.load(settings.event_signing_keys_file),
        }

    async def start(self) -> None:
        self._changes = StoreChanges.of(self.app, self.poll_seconds, idle_seconds=self.idle_seconds)
        await self._changes.open()  # before the first read: no commit after it goes unnoticed
        instance = await asyncio.to_thread(self.app.store_instance)
        self._position_key = f"{self.service}/{instance}".encode()
        # One transactional id per store: starting fences any older relay of the same store and
        # aborts its open batch, so the position read next is final.
        self._producer = kafka.producer(self.bootstrap_servers, transactional_id=f"{self.service}-relay-{instance}")
        await self._producer.start()
        self.progress = RelayProgress(position=await self._committed_position(), started=time.monotonic())
        log.info("%s relay starts after notification %s", self.service, self.progress.position)

    async def stop(self) -> None:
        if self._changes is not None:
            await self._changes.aclose()
        await self._producer.stop()

    async def restart(self) -> None:
        """Start afresh from the committed position (after a transaction that did not commit); the
        progress counted so far is kept."""
        counted = self.progress
        with contextlib.suppress(Exception):
            await self.stop()
        await self.start()
        self.progress = dataclasses.replace(counted, position=self.progress.position)

    async def run(self, stop: asyncio.Event) -> None:
        await self.start()
        failures = 0
        try:
            while not stop.is_set():
                self.progress.last_beat = time.monotonic()
                try:
                    published = await self.publish_next_batch()
                    failures = 0
                except KafkaError as error:
                    if not is_transient(error):
                        raise
                    # The broker is away or busy: the batch was not committed. Start afresh (a new
                    # producer, the committed position, a rebuilt translator) and try it again, later.
                    failures += 1
                    log.warning("%s relay: broker unavailable (attempt %d): %s", self.service, failures, error)
                    published = 0
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), min(0.2 * 2**failures, 10.0))
                    await self.restart()
                if published == 0:  # nothing new: wait until the store holds more (or poll_seconds)
                    assert self._changes is not None
                    # Not woken by commits that add no notification (the worker's positions)
                    await self._changes.wait(stop, after=self.progress.position or 0)
        finally:
            await self.stop()

    async def publish_next_batch(self) -> int:
        """Publish the next batch of notifications; return how many notifications it held.

        What cannot be published (see `shared.bus.quarantine`) is quarantined in the store first, then
        the rest and the new position commit in one Kafka transaction. A broker error that retrying
        cannot fix sends the relay through the batch one notification at a time, to find the one."""
        start = (self.progress.position or 0) + 1
        notifications: Sequence[Notification] = await asyncio.to_thread(
            self.app.process_recorder.select_notifications, start, self.batch_size
        )
        if not notifications:
            return 0
        if self._alone_until is not None and notifications[0].id <= self._alone_until:
            notifications = notifications[:1]
        outgoing, stored = self._prepare(notifications)
        await asyncio.to_thread(self._store, stored)
        last_id = notifications[-1].id
        try:
            with self.metrics.commit_seconds.time():
                await self._publish(outgoing, last_id)
        except RECORD_ERRORS as error:
            await self.restart()  # the transaction was aborted: what the batch translated is forgotten
            if len(notifications) > 1:
                log.warning("%s relay: broker refused a record (%s); going one by one", self.service, error)
                self._alone_until = last_id
                return await self.publish_next_batch()
            # Translated again (the restart forgot it), so a stateful translator stays in step.
            self._prepare(notifications)
            refused = self._quarantine(last_id, WHOLE, Stage.BROKER, error)
            await asyncio.to_thread(self._store, [refused])
            await self._publish([], last_id)
            outgoing = []
        self.metrics.published(outgoing)  # counted once the transaction committed
        self.metrics.notifications.inc(len(notifications))
        self.metrics.batch_size.observe(len(notifications))
        self.progress.position = last_id
        self.progress.published_events += len(notifications)
        self.progress.published_messages += len(outgoing)
        self.progress.batches += 1
        self.progress.last_batch = time.monotonic()
        return len(notifications)

    async def _publish(self, outgoing: Sequence[tuple[str, WireMessage]], last_id: int) -> None:
        async with self._producer.transaction():
            sent = [
                await self._producer.send(topic, value=wire.value, key=wire.key, headers=wire.headers)
                for topic, wire in outgoing
            ]
            position = signed(
                self.signer, RELAY_POSITIONS.name, WireMessage(self._position_key, str(last_id).encode(), [])
            )
            sent.append(
                await self._producer.send(
                    RELAY_POSITIONS.name, key=position.key, value=position.value, headers=position.headers or None
                )
            )
            # Every record acknowledged before the commit: one the broker refused aborts the whole
            # transaction (aiokafka would otherwise commit the others and leave the error in a future).
            await asyncio.gather(*sent)

    # -- what a batch publishes, and what it quarantines ---------------------------------------

    def _prepare(self, notifications: Sequence[Notification]) -> tuple[list[tuple[str, WireMessage]], list[Aggregate]]:
        """The batch's messages, encoded and checked; the quarantines and redrive outcomes to store."""
        outgoing: list[tuple[str, WireMessage]] = []
        stored: list[Aggregate] = []
        for notification in notifications:
            try:
                domain_event = self.app.mapper.to_domain_event(notification)
                if isinstance(domain_event, QuarantinedRecord.RedriveRequested):
                    self._redrive(domain_event, outgoing, stored)
                    continue
                trace = last_read_trace()
                publications = list(self._publications(domain_event))
            except Exception as error:
                stored.append(self._quarantine(notification.id, WHOLE, Stage.TRANSLATE, error))
                continue
            self._trace = trace
            for index, publication in enumerate(publications):
                self._encode_into(outgoing, stored, notification.id, str(index), publication)
            self._trace = None
        last_id = notifications[-1].id
        for slot, make in self._batch_publications():
            try:
                publications = list(make())
            except Exception as error:
                stored.append(self._quarantine(last_id, slot, Stage.TRANSLATE, error))
                continue
            for index, publication in enumerate(publications):
                self._encode_into(outgoing, stored, last_id, f"{slot}/{index}", publication)
        return outgoing, stored

    def _publications(self, domain_event: Any) -> Iterable[Publication]:
        yield from translate_dead_letters(domain_event)
        if isinstance(domain_event, QuarantinedRecord.Event):
            return  # the relay's own records publish nothing (and a translator never meets them)
        yield from self.translate(domain_event)

    def _batch_publications(self) -> Iterable[tuple[str, Callable[[], Iterable[Publication]]]]:
        """What a batch publishes beyond its notifications' own messages (after them), by slot."""
        return ()

    def _encode_into(
        self,
        outgoing: list[tuple[str, WireMessage]],
        stored: list[Aggregate],
        notification_id: int,
        slot: str,
        publication: Publication,
    ) -> None:
        try:
            topic, wire = self._encoded(publication)
        except Exception as error:
            stored.append(self._quarantine(notification_id, slot, Stage.ENCODE, error))
            return
        size = record_size(wire)
        if size > MAX_RECORD_BYTES:
            reason = f"{size} bytes, over the {MAX_RECORD_BYTES} a Kafka record may have"
            stored.append(self._quarantine(notification_id, slot, Stage.SIZE, reason, topic, wire, size))
            return
        outgoing.append((topic, wire))

    def _encoded(self, publication: Publication) -> tuple[str, WireMessage]:
        wire = encode(
            publication.message,
            key=publication.key,
            source=f"/{self.service}",
            event_id=publication.event_id,
            time=publication.time,
            extensions=extensions_for(self._trace),
        )
        return publication.topic, signed(self.signer, publication.topic, wire)

    def _quarantine(
        self,
        notification_id: int,
        slot: str,
        stage: Stage,
        error: BaseException | str,
        topic: str | None = None,
        wire: WireMessage | None = None,
        size: int | None = None,
    ) -> QuarantinedRecord:
        reason = error if isinstance(error, str) else reason_of(error)
        log.error(
            "%s relay: notification %d (%s) quarantined at %s: %s", self.service, notification_id, slot, stage, reason
        )
        key = wire.key.decode("utf-8", "replace")[:200] if wire is not None and wire.key is not None else None
        self.metrics.quarantines.labels(stage.value).inc()
        return QuarantinedRecord(
            service=self.service,
            notification_id=notification_id,
            slot=slot,
            stage=stage.value,
            reason=cut(reason),
            topic=topic,
            key=key,
            size=size,
            at=utc_now(),
        )

    def _store(self, aggregates: Sequence[Aggregate]) -> None:
        """Save quarantines and redrive outcomes, each once: a relay that restarts before its
        transaction committed meets the same ones again and finds them recorded."""
        for aggregate in aggregates:
            if isinstance(aggregate, QuarantinedRecord) and aggregate.version == 1:
                try:
                    self.app.repository.get(aggregate.id)
                    continue  # recorded by an earlier attempt at this batch
                except AggregateNotFoundError:
                    pass
            with contextlib.suppress(IntegrityError):  # recorded meanwhile
                self.app.save(aggregate)

    # -- redrives: an operator asked for a quarantined record to be published again ------------

    def _redrive(self, request: Any, outgoing: list[tuple[str, WireMessage]], stored: list[Aggregate]) -> None:
        """Publish the record again (in this batch's transaction, so once) and note the outcome."""
        asked: QuarantinedRecord = self.app.repository.get(request.originator_id, version=request.originator_version)
        index = len(asked.redrives) - 1
        try:
            original = self.app.process_recorder.select_notifications(asked.notification_id, 1)[0]
            domain_event = self.app.mapper.to_domain_event(original)
            wires = [self._encoded(p) for p in self._retranslate(domain_event, asked.slot)]
            too_large = [size for size in map(record_size, (w for _, w in wires)) if size > MAX_RECORD_BYTES]
            if too_large:
                raise ValueError(f"{too_large[0]} bytes, over the {MAX_RECORD_BYTES} a Kafka record may have")
            outcome = "published"
        except Exception as error:
            wires, outcome = [], f"failed again: {cut(reason_of(error))}"
        outgoing.extend(wires)
        current: QuarantinedRecord = self.app.repository.get(asked.id)
        if current.redrives[index].outcome is None:  # not noted by an earlier attempt at this batch
            current.record_redrive(outcome, utc_now())
            stored.append(current)

    def _retranslate(self, domain_event: Any, slot: str) -> list[Publication]:
        """What the quarantined slot of a notification publishes now (the cause being fixed)."""
        publications = list(self._publications(domain_event))
        if slot == WHOLE:
            return publications
        return [publications[int(slot)]] if slot.isdigit() and int(slot) < len(publications) else []

    def _own(self, record: Any) -> bool:
        """A position record this service's relay signed (with any of its keys: they rotate). Another's
        would make the relay skip notifications it never published, so it is passed over. Without a
        signer (development without keys) every record of the key counts, as before signing."""
        if self.signer is None:
            return True
        keys = ServiceSigningKeys([*(self.keys.records if self.keys else []), self.signer.record])
        try:
            keys.verify(
                RELAY_POSITIONS.name, (self.service,), record.key, record.value, list(record.headers), utc_now()
            )
            return True
        except ValueError as refused:
            log.error("%s relay: position record at offset %d passed over: %s", self.service, record.offset, refused)
            return False

    async def _committed_position(self) -> int | None:
        """The last position this service's relay committed, read from the positions topic: its last
        own record, looked for from the end backwards in growing windows. Every relay writes a record
        per batch to this one partition and the log cleaner leaves the active segment (up to
        `segment.ms`, 7 days) uncompacted, so reading it from the beginning made a start read and
        check the signature of every record since — millions after a busy year."""
        consumer = kafka.consumer(self.bootstrap_servers, group_id=None)
        partition = TopicPartition(RELAY_POSITIONS.name, 0)
        await consumer.start()
        try:
            consumer.assign([partition])
            beginning = (await consumer.beginning_offsets([partition]))[partition]
            upper = (await consumer.end_offsets([partition]))[partition]
            window = 1000
            while upper > beginning:
                lower = max(beginning, upper - window)
                consumer.seek(partition, lower)
                candidates = []  # this relay's key: only the last one it signed is checked (signatures cost)
                while await consumer.position(partition) < upper:
                    batches = await consumer.getmany(partition, timeout_ms=500)
                    for record in batches.get(partition, []):
                        if record.offset >= upper:
                            break
                        if record.key == self._position_key and record.value is not None:
                            candidates.append(record)
                for record in reversed(candidates):
                    if self._own(record):
                        return int(record.value)
                upper, window = lower, window * 4
            return None
        finally:
            await consumer.stop()
