"""Replication is a setting: every registry topic is created with KAFKA_REPLICATION_FACTOR copies and
KAFKA_MIN_INSYNC_REPLICAS (checked on the broker's own description of the topics), and a factor the
cluster cannot give is an error, never a silently missing topic."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import InvalidReplicationFactorError

from shared.bus.kafka import create_topics
from shared.contracts.topics import ALL_TOPICS, INTAKE_EVENTS
from shared.settings import KafkaSettings


def test_settings_default_to_one_local_copy_and_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_REPLICATION_FACTOR", raising=False)
    monkeypatch.delenv("KAFKA_MIN_INSYNC_REPLICAS", raising=False)
    assert (KafkaSettings().replication_factor, KafkaSettings().min_insync_replicas) == (1, 1)
    monkeypatch.setenv("KAFKA_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("KAFKA_MIN_INSYNC_REPLICAS", "2")
    assert (KafkaSettings().replication_factor, KafkaSettings().min_insync_replicas) == (3, 2)


async def test_more_insync_replicas_than_copies_is_refused_before_the_broker_is_asked() -> None:
    with pytest.raises(ValueError, match=r"min.insync.replicas 2 > replication factor 1"):
        await create_topics("127.0.0.1:1", replication_factor=1, min_insync_replicas=2)


async def _describe(servers: str, names: list[str]) -> dict[str, dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        deadline = time.monotonic() + 30
        while True:  # a topic just made may show no partitions in the metadata for a moment
            topics = {t["topic"]: t for t in await admin.describe_topics(names)}
            if all(t["partitions"] for t in topics.values()) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        answers = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    finally:
        await admin.close()
    described: dict[str, dict[str, Any]] = {}
    for answer in answers:
        for _code, _message, _kind, name, entries in answer.resources:
            replicas = {len(p["replicas"]) for p in topics[name]["partitions"]}
            configs = {entry[0]: entry[1] for entry in entries}
            described[name] = {"replicas": replicas, "partitions": len(topics[name]["partitions"]), **configs}
    return described


@pytest.mark.kafka
async def test_every_registry_topic_has_the_configured_copies_and_min_insync_replicas(kafka_bootstrap: str) -> None:
    settings = KafkaSettings()
    described = await _describe(kafka_bootstrap, [t.name for t in ALL_TOPICS])
    for topic in ALL_TOPICS:
        found = described[topic.name]
        assert found["replicas"] == {settings.replication_factor}, topic.name
        assert found["min.insync.replicas"] == str(settings.min_insync_replicas), topic.name
        assert found["cleanup.policy"] == topic.cleanup.value
        assert found["partitions"] == topic.partitions


@pytest.mark.kafka
async def test_the_settings_reach_the_broker_and_an_impossible_factor_is_an_error(kafka_bootstrap: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    copy = dataclasses.replace(INTAKE_EVENTS, name=f"test.replication.{suffix}")
    assert await create_topics(kafka_bootstrap, [copy], replication_factor=1, min_insync_replicas=1) == [copy.name]
    assert (await _describe(kafka_bootstrap, [copy.name]))[copy.name]["min.insync.replicas"] == "1"

    three = dataclasses.replace(INTAKE_EVENTS, name=f"test.replication.three.{suffix}")
    with pytest.raises(InvalidReplicationFactorError, match=three.name):  # one broker cannot hold three copies
        await create_topics(kafka_bootstrap, [three], replication_factor=3, min_insync_replicas=2)
