"""Publishing contract events to a topic as their owning service's relay would, and reading them back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.bus import kafka
from shared.contracts import IntegrationEvent, WireMessage, decode_message, encode
from shared.contracts.topics import topic_for_event_type
from tests.kafka_support import keyed_by, read_topic
from tests.support import as_author


async def publish(servers: str, events: Iterable[IntegrationEvent], source: str = "/test") -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for event in events:
            wire = encode(event, key=event.key, source=source, event_id=str(event.event_id), time=event.occurred_at)
            topic = topic_for_event_type(event.type).name
            wire = as_author(topic, wire)
            await producer.send_and_wait(topic, wire.value, key=wire.key, headers=wire.headers)
    finally:
        await producer.stop()


async def events_on(
    servers: str, topic: str, keys: set[str], expect: int | None = None, timeout: float = 60
) -> list[Any]:
    records = await read_topic(servers, topic, keep=keyed_by(keys), expect=expect, timeout=timeout)
    return [decode_message(WireMessage(r.key, r.value or b"", list(r.headers))) for r in records]
