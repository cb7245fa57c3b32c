"""Kafka clients with the settings this system relies on, topic creation from the registry, and
what the broker accepts (the record size limit; which errors are worth retrying).

aiokafka's defaults are unsafe for us (acks=1, no idempotence, auto-commit, read_uncommitted):
every client is built here, so no service can forget.
"""

from __future__ import annotations

import asyncio
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
    UnknownTopicOrPartitionError,
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
    """Create every topic of the registry that does not exist yet (see `ensure_topics`); return the
    names created."""
    created, _ = await ensure_topics(
        bootstrap_servers,
        topics,
        replication_factor=replication_factor,
        min_insync_replicas=min_insync_replicas,
        overrides=overrides,
    )
    return created


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[Topic] = ALL_TOPICS,
    *,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[str], list[str]]:
    """Create every topic of the registry that does not exist yet, with `replication_factor` copies
    and `min.insync.replicas` (KafkaSettings), and set the registry's configuration again on every
    topic that exists with another (a topic made compacted, a new segment or retention setting, the
    deployment's `overrides`: the office topic's retention, KafkaSettings), so an existing deployment
    gets what a new one gets at its next `topics create` (`make up`, the compose `topics` job, the Helm
    chart's hook Job on upgrade). Returns (created, reconfigured). A topic the broker refuses (a factor
    larger than the cluster, say) raises: a missing topic is no state to start in."""
    if min_insync_replicas > replication_factor:
        raise ValueError(f"min.insync.replicas {min_insync_replicas} > replication factor {replication_factor}")
    topics = list(topics)
    overrides = overrides or {}
    wanted = {t.name: topic_config(t, min_insync_replicas, overrides.get(t.name, {})) for t in topics}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        reconfigured = await _reconfigure_changed(admin, {n: c for n, c in wanted.items() if n in existing})
        created, raced = [], []
        for topic in missing:
            try:
                answer = await admin.create_topics(
                    [NewTopic(topic.name, topic.partitions, replication_factor, topic_configs=wanted[topic.name])]
                )
                for name, code, *message in answer.topic_errors:
                    if code:
                        raise for_code(code)(f"cannot create {name}: {message[0] if message else ''}".strip())
                created.append(topic.name)
            except TopicAlreadyExistsError:
                # Another process created it meanwhile, or the broker's list lagged behind its controller
                # (a topic made a moment ago): same registry, same topic; its configuration is checked.
                raced.append(topic.name)
        reconfigured += await _reconfigure_changed(admin, {name: wanted[name] for name in raced})
        return created, sorted(reconfigured)
    finally:
        await admin.close()


def topic_config(topic: Topic, min_insync_replicas: int, override: Mapping[str, str]) -> dict[str, str]:
    """What the broker is told about a topic: the registry's configuration, the deployment's
    `min.insync.replicas` and its `override`."""
    return topic.config() | {"min.insync.replicas": str(min_insync_replicas)} | dict(override)


async def _reconfigure_changed(admin: AIOKafkaAdminClient, wanted: Mapping[str, dict[str, str]]) -> list[str]:
    """Set each existing topic's configuration to `wanted` where the broker describes another value for
    any of its settings; return the names set. The whole set is sent: Kafka's AlterConfigs resets every
    dynamic setting it is not given (a setting the registry does not name returns to the broker's
    default, so a hand-made change to a registry topic does not outlive the next `topics create`)."""
    if not wanted:
        return []
    changed: list[str] = []
    for name, current in (await _described(admin, list(wanted))).items():
        if any(current.get(setting) != value for setting, value in wanted[name].items()):
            changed.append(name)
    for name in sorted(changed):
        answers = await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=wanted[name])])
        for answer in answers:
            for code, message, _kind, resource in answer.resources:
                if code:
                    raise for_code(code)(f"cannot configure {resource}: {message or ''}".strip())
        log.info("topic %s set to the registry's configuration %s", name, wanted[name])
    return sorted(changed)


async def _described(admin: AIOKafkaAdminClient, names: list[str], timeout: float = 30.0) -> dict[str, dict[str, str]]:
    """Each topic's configuration as the broker describes it. A topic made a moment ago may be unknown
    to the broker answering for a while (its metadata lags the controller's): asked again until then."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        answers = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
        found: dict[str, dict[str, str]] = {}
        for answer in answers:
            for code, message, _kind, name, entries in answer.resources:
                if code == UnknownTopicOrPartitionError.errno and asyncio.get_running_loop().time() < deadline:
                    continue
                if code:
                    raise for_code(code)(f"cannot describe {name}: {message or ''}".strip())
                found[name] = {entry[0]: entry[1] for entry in entries}
        if len(found) == len(names):
            return found
        await asyncio.sleep(0.5)


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
