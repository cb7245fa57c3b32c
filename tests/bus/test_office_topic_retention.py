"""issue 13: the office-facing topic, where complainants travel in clear, is kept only as long as the
deployment says (KAFKA_OFFICE_TOPIC_RETENTION_HOURS, 3 days by default), in segments that roll hourly
so the broker can delete on time; a changed setting reaches a topic that exists already, and the rest
of its configuration is kept (checked on the broker's own description)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest

from shared.bus.kafka import create_topics
from shared.bus.topics import office_topic_overrides
from shared.contracts.topics import ALL_TOPICS, OFFICE_REGISTRATIONS
from shared.settings import KafkaSettings
from tests.bus.test_replication_settings import _describe

HOUR_MS = 3600 * 1000


async def _described_once_applied(bootstrap: str, topic: str, key: str, value: str) -> dict[str, Any]:
    """The topic's description once the broker shows `value` (an accepted change reaches the broker's
    configuration a moment after AlterConfigs answers), or the last one seen after 15 s."""
    for _ in range(150):
        described: dict[str, Any] = (await _describe(bootstrap, [topic]))[topic]
        if described[key] == value:
            break
        await asyncio.sleep(0.1)
    return described


def test_the_default_is_three_days_and_the_environment_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_OFFICE_TOPIC_RETENTION_HOURS", raising=False)
    assert KafkaSettings().office_topic_retention_hours == 72
    assert OFFICE_REGISTRATIONS.config()["retention.ms"] == str(72 * HOUR_MS)
    assert OFFICE_REGISTRATIONS.config()["segment.ms"] == str(HOUR_MS)
    monkeypatch.setenv("KAFKA_OFFICE_TOPIC_RETENTION_HOURS", "120")
    overrides = office_topic_overrides(KafkaSettings())
    assert overrides == {OFFICE_REGISTRATIONS.name: {"retention.ms": str(120 * HOUR_MS)}}
    monkeypatch.setenv("KAFKA_OFFICE_TOPIC_RETENTION_HOURS", "0")
    with pytest.raises(ValueError, match="office_topic_retention_hours"):
        KafkaSettings()


def test_no_other_topic_expires() -> None:
    """Every other topic is a log kept for ever (or compacted): only the clear office forms expire."""
    expiring = [t.name for t in ALL_TOPICS if t.config().get("retention.ms", "-1") != "-1"]
    assert expiring == [OFFICE_REGISTRATIONS.name]


@pytest.mark.kafka
async def test_the_setting_reaches_a_new_topic_and_one_that_exists(kafka_bootstrap: str) -> None:
    office = dataclasses.replace(OFFICE_REGISTRATIONS, name=f"test.office.retention.{uuid.uuid4().hex[:8]}")
    first = {office.name: {"retention.ms": str(48 * HOUR_MS)}}
    assert await create_topics(kafka_bootstrap, [office], overrides=first) == [office.name]
    described = (await _describe(kafka_bootstrap, [office.name]))[office.name]
    assert (described["retention.ms"], described["segment.ms"]) == (str(48 * HOUR_MS), str(HOUR_MS))

    later = {office.name: {"retention.ms": str(24 * HOUR_MS)}}
    assert await create_topics(kafka_bootstrap, [office], overrides=later) == []  # exists: reconfigured
    described = await _described_once_applied(kafka_bootstrap, office.name, "retention.ms", str(24 * HOUR_MS))
    assert described["retention.ms"] == str(24 * HOUR_MS)
    # the rest of the topic's configuration stays the registry's (AlterConfigs resets what it is not given)
    assert described["segment.ms"] == str(HOUR_MS)
    assert described["message.timestamp.type"] == "LogAppendTime"
    assert described["cleanup.policy"] == "delete" and described["min.insync.replicas"] == "1"
