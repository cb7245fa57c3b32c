"""Handling on the real broker: a worker killed mid-stream opens every case exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from services.handling import bootstrap
from services.handling.domain.case import Case
from services.handling.settings import HandlingSettings
from tests.handling.support import triaged
from tests.triage.kafka_helpers import publish

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def start_worker(settings: HandlingSettings) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "HANDLING_STORE": "sqlite",
        "HANDLING_STATE_DIR": str(settings.state_dir),
        "HANDLING_CONSUMER_GROUP": settings.consumer_group,
        "HANDLING_CONSUMER_BATCH_SIZE": "5",
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.handling.entrypoints.worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def opened(app, ids: list) -> int:
    uow = app.unit_of_work()
    return sum(1 for i in ids if uow.find(Case.create_id(i)) is not None)


async def test_a_worker_killed_mid_stream_opens_every_case_once(kafka_bootstrap, tmp_path) -> None:
    tag = uuid.uuid4().hex[:8]
    settings = HandlingSettings(
        store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap, consumer_group=f"handling-{tag}"
    )
    # Enough that the kill lands mid-stream even when the worker is fast (80 were sometimes all done
    # between two looks at the store).
    messages = [triaged(office_id=("hk-central", "kln-east")[n % 2]) for n in range(300)]
    ids = [m.complaint_id for m in messages]
    watcher = bootstrap.application(settings)
    await publish(kafka_bootstrap, messages, source="/triage")

    worker = start_worker(settings)
    try:
        while opened(watcher, ids) < 20:
            assert worker.poll() is None, "the worker died by itself"
            await asyncio.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed_at = opened(watcher, ids)
        worker = start_worker(settings)
        while opened(watcher, ids) < len(ids):
            assert worker.poll() is None, "the restarted worker died"
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # a duplicate would land now
    finally:
        worker.terminate()
        worker.wait(30)

    assert killed_at < len(ids)
    events = [watcher.mapper.to_domain_event(n) for n in watcher.process_recorder.select_notifications(1, 10_000)]
    # The topic is shared by the session's tests: count only this test's complaints.
    opened_ids = [e.originator_id for e in events if isinstance(e, Case.Opened) and e.originator_id in set(ids)]
    assert sorted(opened_ids) == sorted(ids)  # each case opened exactly once
    watcher.close()
