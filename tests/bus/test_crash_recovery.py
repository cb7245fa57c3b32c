"""Crashes between any two steps lose nothing and duplicate no effect (real broker, real processes)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import TopicPartition

from services.intake import bootstrap
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.bus.consumer import TrackedConsumer
from shared.contracts import RegistrationForm
from shared.contracts.topics import INTAKE_EVENTS
from shared.eventstore import store_environment
from tests.kafka_support import TallyApplication, keyed_by, read_topic, run_until, tally_handler
from tests.support import T0, form

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CLERK = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))


def start_relay(settings: IntakeSettings) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "INTAKE_STORE": "sqlite",
        "INTAKE_STATE_DIR": str(settings.state_dir),
        "INTAKE_RELAY_BATCH_SIZE": "20",
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.intake.entrypoints.relay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def tally_consumer(servers: str, tally: TallyApplication, group: str) -> TrackedConsumer:
    return TrackedConsumer(
        group_id=group,
        topics=[INTAKE_EVENTS.name],
        app=tally,
        handle=tally_handler,
        bootstrap_servers=servers,
    )


async def test_relay_killed_mid_stream_loses_nothing_and_publishes_nothing_twice(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    intake = bootstrap.application(settings)
    batch = uuid.uuid4().hex[:6]

    def register(n: int) -> str:
        reference = f"{batch}-{n:04d}"
        return str(intake.register("hk-central", CLERK, RegistrationForm(**form(reference)), T0).complaint_id)

    relay = start_relay(settings)
    ids = [await asyncio.to_thread(register, n) for n in range(400)]
    relay.send_signal(signal.SIGKILL)  # mid-stream: registrations go on while no relay runs
    relay.wait()
    ids += [await asyncio.to_thread(register, n) for n in range(400, 1000)]
    relay = start_relay(settings)
    try:
        records = await read_topic(
            kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by(set(ids)), expect=1000, timeout=120
        )
    finally:
        relay.terminate()
        relay.wait(30)
    intake.close()

    assert len(records) == 1000
    assert {r.key.decode() for r in records} == set(ids)

    # A tracked consumer reading the topic applies each complaint's event exactly once.
    tally = TallyApplication(env=store_environment(settings.model_copy(update={"service_name": "tally"})))
    consumer = tally_consumer(kafka_bootstrap, tally, f"tally-{batch}")
    await run_until(lambda: all(tally.count_of(i) for i in ids), consumer.run, timeout=120)
    assert [tally.count_of(i) for i in ids] == [1] * 1000
    tally.close()


class CrashBeforeOffsetCommit(Exception):
    pass


class CrashingConsumer(TrackedConsumer):
    """Dies after its first database commit, before Kafka hears of the offset."""

    async def _commit_kafka_offsets(self, offsets: dict[TopicPartition, int]) -> None:
        raise CrashBeforeOffsetCommit


async def test_consumer_killed_between_db_commit_and_offset_commit_applies_nothing_twice(
    kafka_bootstrap: str, store_settings: dict[str, Any]
) -> None:
    settings = IntakeSettings(**store_settings, kafka_bootstrap_servers=kafka_bootstrap)
    intake = bootstrap.application(settings)
    batch = uuid.uuid4().hex[:6]
    ids = [
        str(intake.register("hk-central", CLERK, RegistrationForm(**form(f"{batch}-{n}")), T0).complaint_id)
        for n in range(50)
    ]
    relay = bootstrap.relay(settings, intake)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    intake.close()

    tally = TallyApplication(env=store_environment(settings.model_copy(update={"service_name": "tally"})))
    group = f"tally-{batch}"
    crashing = CrashingConsumer(
        group_id=group,
        topics=[INTAKE_EVENTS.name],
        app=tally,
        handle=tally_handler,
        bootstrap_servers=kafka_bootstrap,
    )
    with pytest.raises(CrashBeforeOffsetCommit):
        await crashing.run(asyncio.Event())
    applied_before_crash = sum(1 for i in ids if tally.count_of(i))
    assert applied_before_crash > 0  # the crash came after a database commit

    restarted = tally_consumer(kafka_bootstrap, tally, group)
    await run_until(lambda: all(tally.count_of(i) for i in ids), restarted.run)
    assert [tally.count_of(i) for i in ids] == [1] * 50
    tally.close()
