"""Kafka clients with the settings this system relies on, and topic creation from the registry.

aiokafka's defaults are unsafe for us (acks=1, no idempotence, auto-commit, read_uncommitted):
every client is built here, so no service can forget.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from shared.contracts.topics import ALL_TOPICS, Topic

log = logging.getLogger(__name__)


def producer(bootstrap_servers: str, *, transactional_id: str | None = None) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        transactional_id=transactional_id,
        linger_ms=5,
        max_batch_size=256 * 1024,
    )


def consumer(bootstrap_servers: str, *, group_id: str | None, topics: Iterable[str] = ()) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        # Relays publish in transactions: never read what an aborted transaction left behind.
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        max_poll_records=1000,
    )


async def wait_for_broker(bootstrap_servers: str, timeout: float = 60.0) -> None:
    """Return once the broker answers metadata requests."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except KafkaConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()


async def create_topics(bootstrap_servers: str, topics: Iterable[Topic] = ALL_TOPICS) -> list[str]:
    """Create every topic of the registry that does not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        for topic in missing:
            # Another process may create it concurrently: same registry, same topic.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([NewTopic(topic.name, topic.partitions, 1, topic_configs=topic.config())])
        return [t.name for t in missing]
    finally:
        await admin.close()
