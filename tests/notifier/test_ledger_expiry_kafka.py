"""The ledger's age rule on the real broker, the worker as its own process (services/notifier/domain/
ledger_age.py): a delivered notification's entries are tombstoned on the changelog once past the rule,
and no redelivery sends it twice, inside the rule (the ledger) or after (the record is stale); a value
written before entries carried their time reads as what it says, is dated at first sight and forgotten
in its turn. The rule shrunk to seconds: keep 30 s, margin 5 s, a sweep and a reconciler's round (which
hands every message over again) every 2 s. Also: an existing deliveries changelog gets the registry's
compaction settings."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
import uuid
from pathlib import Path

import pytest
from aiokafka.partitioner import DefaultPartitioner

from services.notifier.domain.ledger_age import Entry
from services.notifier.domain.messages import delivery_key
from shared.bus import kafka
from shared.bus.kafka import create_topics
from shared.contracts.topics import NOTIFICATIONS, NOTIFIER_DELIVERIES
from tests.bus.test_replication_settings import _describe
from tests.kafka_support import keyed_by, read_to_end

from .support import SmtpSink, directory, major, write_directory
from .test_worker_kafka import WorkerProcess, publish, wait_for_mail

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.flaky(reruns=1, reruns_delay=2)]
KEEP_SECONDS, MARGIN_SECONDS = 30.0, 5.0
LEADERS = ("office-a/leader-1", "office-a/leader-2")


def _partition_of(complaint_id: uuid.UUID) -> int:
    """The partition the producer puts a notification in (keyed by complaint id), so its ledger's."""
    every = list(range(NOTIFICATIONS.partitions))
    return DefaultPartitioner()(str(complaint_id).encode(), every, every)


async def _write_old_entries(servers: str, keys: list[str], partition: int) -> None:
    """Entries as a worker before this change wrote them: the outcome alone, no time, no partition."""
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for key in keys:
            await producer.send_and_wait(NOTIFIER_DELIVERIES.name, b"sent", key=key.encode(), partition=partition)
    finally:
        await producer.stop()


async def _history(servers: str, keys: list[str]) -> dict[str, list[bytes | None]]:
    """Each key's values on the deliveries changelog, in order (None: a tombstone), up to its end now."""
    found: dict[str, list[bytes | None]] = {key: [] for key in keys}
    for record in await read_to_end(servers, NOTIFIER_DELIVERIES.name, keep=keyed_by(set(keys))):
        found[record.key.decode()].append(record.value)
    return found


async def test_entries_past_the_rule_are_tombstoned_and_nothing_is_ever_sent_twice(
    kafka_bootstrap: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    book = directory()
    for person in book["staff"]:
        person.pop("webhook", None)  # email only: one delivery per leader
    directory_file = write_directory(tmp_path / "directory.json", book)
    old, fresh = major("office-a", roles=("leader",)), major("office-a", roles=("leader",))
    old_keys = [delivery_key(old.event_id, leader, "email") for leader in LEADERS]
    fresh_keys = [delivery_key(fresh.event_id, leader, "email") for leader in LEADERS]
    # `old` was delivered by a worker before entries carried their time: its entries say `sent` alone.
    await _write_old_entries(kafka_bootstrap, old_keys, _partition_of(old.complaint_id))

    logs = tmp_path / "w.log"
    worker = WorkerProcess(kafka_bootstrap, f"notifier-{uuid.uuid4().hex[:8]}", directory_file, smtp, logs)
    worker.env |= {
        "NOTIFIER_LEDGER_KEEP_DAYS": str(KEEP_SECONDS / 86400),
        "NOTIFIER_LEDGER_MARGIN_SECONDS": str(MARGIN_SECONDS),
        "NOTIFIER_LEDGER_EXPIRE_SECONDS": "2",
        "NOTIFIER_RECONCILE_SECONDS": "2",
        "NOTIFIER_RECONCILE_GRACE_SECONDS": "0",
    }
    worker.start()
    try:
        warm_up = major("office-b", roles=("leader",))
        await publish(kafka_bootstrap, [warm_up])
        assert len(await wait_for_mail(smtp, 2, 60, str(warm_up.event_id))) == 2, logs.read_text()[-3000:]

        published = time.monotonic()
        await publish(kafka_bootstrap, [old, fresh])
        assert len(await wait_for_mail(smtp, 2, 10, str(fresh.event_id))) == 2, logs.read_text()[-3000:]
        # Inside the rule: the reconciler hands both over every 2 s, the ledger knows them. The old
        # entries read as `sent`, so `old` is not sent although this worker never delivered it.
        await asyncio.sleep(6)
        assert len(await wait_for_mail(smtp, 99, 0, str(fresh.event_id))) == 2
        assert await wait_for_mail(smtp, 1, 0, str(old.event_id)) == []
        dated = await _history(kafka_bootstrap, old_keys)
        for key in old_keys:  # dated at first sight, in its own partition, still `sent`
            entry = Entry.decode(dated[key][-1] or b"")
            assert dated[key][0] == b"sent" and entry.outcome == "sent" and entry.written_at is not None, dated
            assert entry.partition == _partition_of(old.complaint_id)
        assert time.monotonic() - published < KEEP_SECONDS - MARGIN_SECONDS, "too slow to test inside the rule"

        # Past the rule: every entry of both is tombstoned on the changelog (what a restore applies last).
        deadline = time.monotonic() + KEEP_SECONDS + 60
        while time.monotonic() < deadline:
            history = await _history(kafka_bootstrap, old_keys + fresh_keys)
            if all(values and values[-1] is None for values in history.values()):
                break
            await asyncio.sleep(1)
        else:
            raise AssertionError(f"not tombstoned: {history}\n" + logs.read_text()[-3000:])
        assert all(Entry.decode(values[0] or b"").outcome == "sent" for values in history.values())
        # ... and the reconciler's rounds go on handing both over: stale now, nothing sent again.
        await asyncio.sleep(6)
        assert len(await wait_for_mail(smtp, 99, 0, str(fresh.event_id))) == 2
        assert await wait_for_mail(smtp, 1, 0, str(old.event_id)) == []
        text = logs.read_text()
        assert re.search(r"ledger: [1-9]\d* entries past the age rule forgotten", text), text[-3000:]
        stale = [int(n) for n in re.findall(r"'stale': (\d+)", text)]
        assert stale and max(stale) > 0, text[-3000:]  # handed over again, and not acted on
    finally:
        worker.stop()


@pytest.mark.kafka
async def test_an_existing_deliveries_changelog_gets_the_registry_s_compaction_settings(kafka_bootstrap: str) -> None:
    """A deployment made before the age rule has the changelog compacted with Kafka's defaults (a week's
    segment, never compacted while active): `topics create` alters it, keeping the rest."""
    name = f"test.notifier.deliveries.{uuid.uuid4().hex[:8]}"
    before = dataclasses.replace(NOTIFIER_DELIVERIES, name=name, extra_config={})
    assert await create_topics(kafka_bootstrap, [before]) == [name]
    assert (await _describe(kafka_bootstrap, [name]))[name]["segment.ms"] == str(7 * 24 * 3600 * 1000)

    assert await create_topics(kafka_bootstrap, [dataclasses.replace(NOTIFIER_DELIVERIES, name=name)]) == []
    described = (await _describe(kafka_bootstrap, [name]))[name]
    for setting, value in NOTIFIER_DELIVERIES.extra_config.items():
        assert described[setting] == value, setting
    assert described["cleanup.policy"] == "compact" and described["message.timestamp.type"] == "LogAppendTime"
