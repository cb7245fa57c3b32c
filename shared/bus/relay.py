"""The outbox relay: publishes a service's notification log to Kafka, exactly once.

Each batch of notifications is published in one Kafka transaction together with the relay's new
position (a record on the compacted positions topic). A crash anywhere leaves either the whole
batch and its position, or neither: on restart the relay reads its committed position and goes on
from there. Readers use `read_committed`, so an aborted batch is never seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import TopicPartition
from eventsourcing.persistence import Notification
from pydantic import BaseModel

from shared.contracts import IntegrationEvent, encode
from shared.contracts.topics import RELAY_POSITIONS, topic_for_event_type
from shared.eventstore import ServiceApplication
from shared.settings import ServiceSettings

from . import kafka
from .deadletters import DeadLetterRecord, publishable

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
    ) -> None:
        self.service = service
        self.app = app
        self.translate = translate
        self.bootstrap_servers = bootstrap_servers
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.progress = RelayProgress()
        self._producer: Any = None
        self._position_key = b""

    @classmethod
    def from_settings(cls, settings: ServiceSettings, app: ServiceApplication, translate: Translator) -> OutboxRelay:
        return cls(
            service=settings.service_name,
            app=app,
            translate=translate,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
        )

    async def start(self) -> None:
        instance = await asyncio.to_thread(self.app.store_instance)
        self._position_key = f"{self.service}/{instance}".encode()
        # One transactional id per store: starting fences any older relay of the same store and
        # aborts its open batch, so the position read next is final.
        self._producer = kafka.producer(self.bootstrap_servers, transactional_id=f"{self.service}-relay-{instance}")
        await self._producer.start()
        self.progress = RelayProgress(position=await self._committed_position(), started=time.monotonic())
        log.info("%s relay starts after notification %s", self.service, self.progress.position)

    async def stop(self) -> None:
        await self._producer.stop()

    async def run(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            while not stop.is_set():
                self.progress.last_beat = time.monotonic()
                if await self.publish_next_batch() == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.poll_seconds)
        finally:
            await self.stop()

    async def publish_next_batch(self) -> int:
        """Publish the next batch of notifications; return how many notifications it held."""
        start = (self.progress.position or 0) + 1
        notifications: Sequence[Notification] = await asyncio.to_thread(
            self.app.process_recorder.select_notifications, start, self.batch_size
        )
        if not notifications:
            return 0
        publications = [p for n in notifications for p in self._publications(n)]
        last_id = notifications[-1].id
        async with self._producer.transaction():
            for publication in publications:
                wire = encode(
                    publication.message,
                    key=publication.key,
                    source=f"/{self.service}",
                    event_id=publication.event_id,
                    time=publication.time,
                )
                await self._producer.send(publication.topic, value=wire.value, key=wire.key, headers=wire.headers)
            await self._producer.send(RELAY_POSITIONS.name, key=self._position_key, value=str(last_id).encode())
        self.progress.position = last_id
        self.progress.published_events += len(notifications)
        self.progress.published_messages += len(publications)
        self.progress.batches += 1
        self.progress.last_batch = time.monotonic()
        return len(notifications)

    def _publications(self, notification: Notification) -> Iterable[Publication]:
        domain_event = self.app.mapper.to_domain_event(notification)
        yield from translate_dead_letters(domain_event)
        yield from self.translate(domain_event)

    async def _committed_position(self) -> int | None:
        """The last position this service's relay committed, read from the positions topic."""
        consumer = kafka.consumer(self.bootstrap_servers, group_id=None)
        partition = TopicPartition(RELAY_POSITIONS.name, 0)
        await consumer.start()
        try:
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            end = (await consumer.end_offsets([partition]))[partition]
            position: int | None = None
            while await consumer.position(partition) < end:
                batches = await consumer.getmany(partition, timeout_ms=500)
                for record in batches.get(partition, []):
                    if record.key == self._position_key and record.value is not None:
                        position = int(record.value)
            return position
        finally:
            await consumer.stop()
