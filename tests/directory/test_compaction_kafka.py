"""issue 10: `complaints.directory.events` is compacted, so a start reads the live entities, not every
change ever made. On a real broker, with the log cleaner made to run now (a small segment and dirty
ratio): after compaction every reader of the topic — an HTTP app's table of live keys (a key the file
lists and the directory revoked stays refused), the notifier's staff and offices, intake's offices and
regions, the projection's units served, the SLA's latest zone of each office — ends in the state the
full history leads to. And `topics create` sets an existing deployment's topic compacted."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from bench.directory_catchup import change as directory_change
from bench.directory_catchup import compacting_now, entity_names, history, key_hash, records_on_topic
from services.followup.settings import FollowupSettings
from shared.auth import KeyRecord
from shared.bus import kafka
from shared.bus.authors import AuthorCheck
from shared.contracts.directory import DirectoryEvent
from shared.contracts.topics import DIRECTORY_EVENTS, Cleanup
from shared.contracts.wire import encode
from shared.directory_keys import DirectoryFeed, service_keys
from tests.bus.test_replication_settings import _describe
from tests.directory.directory_readers import Readers
from tests.support import as_author

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

ENTITIES = 60
CHANGES = 1500


async def _publish(servers: str, events: list[DirectoryEvent]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        sent = []
        for event in events:
            wire = encode(event, key=event.key, source="directory", event_id=str(event.event_id),
                          time=event.occurred_at)  # fmt: skip
            wire = as_author(DIRECTORY_EVENTS.name, wire)
            sent.append(await producer.send(DIRECTORY_EVENTS.name, wire.value, key=wire.key, headers=wire.headers))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def _feed_until(servers: str, readers: Readers, present: int, authors: AuthorCheck) -> DirectoryFeed:
    feed = DirectoryFeed(servers, readers.apply, None, authors).start()
    deadline = time.monotonic() + 60
    while feed.read < present:
        assert time.monotonic() < deadline, f"the feed read {feed.read} of {present}"
        time.sleep(0.05)
    feed.close()
    return feed


async def test_after_compaction_every_reader_ends_where_the_full_history_leads(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    await kafka.ensure_topics(kafka_bootstrap, [compacting_now()])  # the cleaner runs within seconds
    events = list(history(CHANGES, ENTITIES, seed=3))
    rng = random.Random(4)
    # one more change of every entity: rolls each partition's segment, so the history before is cleanable
    touched = [directory_change(name, CHANGES, CHANGES + n, rng) for n, name in enumerate(entity_names(ENTITIES))]
    watched = frozenset(key_hash(i) for i in range(ENTITIES))  # the file lists every key too
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps([
        KeyRecord(key_sha256=h, actor_id="file/someone", office_id="office-0", roles=["leader"]).model_dump()
        for h in sorted(watched)
    ]))  # fmt: skip

    await _publish(kafka_bootstrap, events)
    await asyncio.sleep(1.2)  # older than segment.ms: the next write rolls the segment
    await _publish(kafka_bootstrap, touched)
    full = Readers(watched, ENTITIES)
    for event in events + touched:
        full.apply(event)
    assert full.state()["withdrawn"], "some key the file lists is revoked at the end"

    deadline = time.monotonic() + 120
    present, _ = await records_on_topic(kafka_bootstrap)
    while present > 2 * ENTITIES:  # the cleaner keeps each entity's latest (and the active segments)
        assert time.monotonic() < deadline, f"not compacted: {present} of {CHANGES + ENTITIES} records left"
        await asyncio.sleep(0.5)  # the test broker's cleaner looks every second (server.properties.template)
        present, _ = await records_on_topic(kafka_bootstrap)

    settings = FollowupSettings(kafka_bootstrap_servers=kafka_bootstrap, keys_file=keys_file, directory_keys=True)
    authors = AuthorCheck.from_settings(settings)
    compacted = Readers(watched, ENTITIES)
    feed = await asyncio.to_thread(_feed_until, kafka_bootstrap, compacted, present, authors)
    assert feed.refused == 0 and feed.read == present < CHANGES
    assert compacted.state() == full.state()

    # An HTTP app's own key table (the file's keys and the directory's), started on the compacted topic.
    registry = service_keys(settings)
    try:
        deadline = time.monotonic() + 60
        while registry.feed.read < present:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        for raw_hash in (key_hash(i) for i in range(ENTITIES)):
            assert registry.live.principal(raw_hash) == full.keys.principal(raw_hash)
            assert registry.live.withdrawn(raw_hash) == full.keys.withdrawn(raw_hash)
    finally:
        registry.feed.close()


async def test_topics_create_makes_an_existing_directory_topic_compacted(kafka_bootstrap: str) -> None:
    name = f"test.directory.{uuid.uuid4().hex[:8]}"
    before = dataclasses.replace(DIRECTORY_EVENTS, name=name, cleanup=Cleanup.DELETE, extra_config={})
    now = dataclasses.replace(DIRECTORY_EVENTS, name=name)
    assert await kafka.ensure_topics(kafka_bootstrap, [before]) == ([name], [])
    assert (await _described_when(kafka_bootstrap, name, "delete"))["cleanup.policy"] == "delete"

    assert await kafka.ensure_topics(kafka_bootstrap, [now]) == ([], [name])  # the existing topic, altered
    described = await _described_when(kafka_bootstrap, name, "compact")
    assert described["cleanup.policy"] == "compact"
    for setting, value in DIRECTORY_EVENTS.extra_config.items():
        assert described[setting] == value, setting
    assert described["message.timestamp.type"] == "LogAppendTime" and described["min.insync.replicas"] == "1"
    assert await kafka.ensure_topics(kafka_bootstrap, [now]) == ([], [])  # as the registry says: left alone


async def test_every_registry_topic_as_the_registry_says_is_left_alone(kafka_bootstrap: str) -> None:
    """What the broker describes matches what the registry asks for, topic by topic: `topics create` at
    every `make up` alters nothing that is already so (the first call below may set the directory topic
    back from another test's settings)."""
    await kafka.ensure_topics(kafka_bootstrap)
    deadline = time.monotonic() + 30
    while (again := await kafka.ensure_topics(kafka_bootstrap)) != ([], []):  # the broker applies a change
        assert time.monotonic() < deadline, again  # a moment after accepting it: described as it was till then
        await asyncio.sleep(1)


async def _described_when(servers: str, name: str, cleanup: str) -> dict[str, Any]:
    """The topic's description once the broker answering shows `cleanup` (it applies the controller's
    configuration records a moment after the change is accepted)."""
    deadline = time.monotonic() + 30
    while True:
        described = (await _describe(servers, [name]))[name]
        if described["cleanup.policy"] == cleanup or time.monotonic() > deadline:
            return described
        await asyncio.sleep(0.3)
