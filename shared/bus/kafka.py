"""Kafka clients with the settings this system relies on, topic creation from the registry, and
what the broker accepts (the record size limit; which errors are worth retrying).

aiokafka's defaults are unsafe for us (acks=1, no idempotence, auto-commit, read_uncommitted):
every client is built here, so no service can forget.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import (
    InvalidMessageError,
    InvalidTimestampError,
    InvalidTopicError,
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAlreadyExistsError,
    for_code,
)
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from shared.contracts import WireMessage
from shared.contracts.topics import ALL_TOPICS, Topic

log = logging.getLogger(__name__)

# A record larger than this is quarantined, not sent: below the producer's max_request_size (1 MiB)
# and the broker's message.max.bytes (1 MiB + 12), whatever the batch around it.
MAX_RECORD_BYTES = 1_000_000
# Broker errors about one record, that retrying cannot fix: the record is quarantined.
RECORD_ERRORS = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    InvalidMessageError,
    InvalidTimestampError,
    InvalidTopicError,
)


def is_transient(error: KafkaError) -> bool:
    """The broker is away, busy or slow: try again later (never quarantine for it). Anything else
    that is not about one record (a fenced producer, no authorisation) stops the relay."""
    return bool(error.retriable) or isinstance(error, KafkaTimeoutError | KafkaConnectionError)


def record_size(wire: WireMessage) -> int:
    """The record's size as the producer counts it against max_request_size."""
    return int(DefaultRecordBatchBuilder.estimate_size_in_bytes(wire.key, wire.value, wire.headers))


def producer(bootstrap_servers: str, *, transactional_id: str | None = None) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        transactional_id=transactional_id,
        # A relay's batch is all sent before its transaction commits: lingering only delays the commit
        # (paired runs here: a transaction visible to a read_committed reader ~4-8 ms sooner at p50).
        linger_ms=0 if transactional_id else 5,
        max_batch_size=256 * 1024,
    )


def consumer(
    bootstrap_servers: str, *, group_id: str | None, topics: Iterable[str] = (), fetch: dict[str, Any] | None = None
) -> AIOKafkaConsumer:
    """`fetch`: aiokafka's fetch settings to override (the auditors' replay reads in large fetches)."""
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers,
        "group_id": group_id,
        "enable_auto_commit": False,
        # Relays publish in transactions: never read what an aborted transaction left behind.
        "isolation_level": "read_committed",
        "auto_offset_reset": "earliest",
        "max_poll_records": 1000,
    }
    return AIOKafkaConsumer(*topics, **(options | (fetch or {})))


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


async def create_topics(
    bootstrap_servers: str,
    topics: Iterable[Topic] = ALL_TOPICS,
    *,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Create every topic of the registry that does not exist yet, with `replication_factor` copies
    and `min.insync.replicas` (KafkaSettings); return the names created. A topic the broker refuses
    (a factor larger than the cluster, say) raises: a missing topic is no state to start in.

    `overrides` are a deployment's settings for a topic's configuration (the office topic's retention,
    KafkaSettings): applied when the topic is created, and to a topic that exists already, so a changed
    setting reaches the broker at the next `topics create` (the Helm chart's hook Job runs it on upgrade);
    so is a registry entry's own `extra_config` (a deployment made before it was added gets it too)."""
    if min_insync_replicas > replication_factor:
        raise ValueError(f"min.insync.replicas {min_insync_replicas} > replication factor {replication_factor}")
    overrides = overrides or {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        for topic in topics:  # a topic's own configuration (the registry's extra_config) reaches it too
            if topic.name in existing and (topic.name in overrides or topic.extra_config):
                await _reconfigure(admin, topic, min_insync_replicas, overrides.get(topic.name, {}))
        for topic in missing:
            config = (
                topic.config() | {"min.insync.replicas": str(min_insync_replicas)} | dict(overrides.get(topic.name, {}))
            )
            # Another process may create it concurrently: same registry, same topic.
            with contextlib.suppress(TopicAlreadyExistsError):
                answer = await admin.create_topics(
                    [NewTopic(topic.name, topic.partitions, replication_factor, topic_configs=config)]
                )
                for name, code, *message in answer.topic_errors:
                    if code:
                        raise for_code(code)(f"cannot create {name}: {message[0] if message else ''}".strip())
        return [t.name for t in missing]
    finally:
        await admin.close()


async def _reconfigure(
    admin: AIOKafkaAdminClient, topic: Topic, min_insync_replicas: int, override: Mapping[str, str]
) -> None:
    """Set an existing topic's configuration to the registry's with the deployment's `override`. The
    whole set is sent: Kafka's AlterConfigs resets every dynamic setting it is not given."""
    config = topic.config() | {"min.insync.replicas": str(min_insync_replicas)} | dict(override)
    answers = await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic.name, configs=config)])
    for answer in answers:
        for code, message, _kind, name in answer.resources:
            if code:
                raise for_code(code)(f"cannot configure {name}: {message or ''}".strip())


async def delete_records_before(
    bootstrap_servers: str, topic: str, before: dict[int, int], timeout: float = 15.0
) -> dict[int, int]:
    """Delete each partition's records before the given offset (Kafka DeleteRecords); return each
    partition's first offset kept (its new low watermark). What is gone is gone for every reader."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        await asyncio.wait_for(admin.start(), timeout)
        wanted = {TopicPartition(topic, p): RecordsToDelete(before_offset=o) for p, o in before.items()}
        deleted = await asyncio.wait_for(admin.delete_records(wanted, timeout_ms=int(timeout * 1000)), timeout)
        return {tp.partition: low for tp, low in deleted.items()}
    finally:
        await admin.close()
