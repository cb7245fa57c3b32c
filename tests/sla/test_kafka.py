"""The SLA service on the real broker: a week-old valid complaint is re-graded major; a worker SIGKILLed
while warnings and breaches are due records and publishes each exactly once after its restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.sla import bootstrap
from services.sla.domain.clocks import ComplaintClocks
from services.sla.settings import SlaSettings
from shared.bus import kafka
from shared.clock import SimulatedClock
from shared.contracts import IntegrationEvent, decode_message, encode
from shared.contracts.sla import DeadlineBreached, DeadlineWarning, RegradeRequested
from shared.contracts.topics import SLA_EVENTS, topic_for_event_type
from shared.contracts.wire import WireMessage
from tests.fixtures.ports import free_ports
from tests.kafka_support import keyed_by, read_topic, run_until
from tests.sla.contract_events import registered, triaged
from tests.sla.scenario import T0
from tests.sla.test_application import feed
from tests.support import as_author

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[2]


async def publish(servers: str, *messages: IntegrationEvent) -> None:
    """Publish contract events as their owning services would (CloudEvents, keyed by complaint)."""
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for message in messages:
            wire = encode(message, key=message.key, source="/tests", event_id=str(message.event_id),
                          time=message.occurred_at)  # fmt: skip
            topic = topic_for_event_type(message.type).name
            wire = as_author(topic, wire)
            await (await producer.send(topic, value=wire.value, key=wire.key, headers=wire.headers))
    finally:
        await producer.stop()


def decoded(records: list[Any]) -> list[Any]:
    return [decode_message(WireMessage(r.key, r.value, list(r.headers))) for r in records]


async def test_valid_and_unresolved_at_day_seven_is_regraded_major_on_the_broker(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = SlaSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap,
                           consumer_group=f"sla-{uuid.uuid4().hex[:8]}")  # fmt: skip
    app = bootstrap.application(settings)
    complaint = uuid.uuid4()
    await publish(
        kafka_bootstrap, registered(complaint, T0), triaged(complaint, T0 + timedelta(minutes=2), "important")
    )

    clock = SimulatedClock(T0 + timedelta(days=6, hours=23))
    consumer = bootstrap.consumer(settings, app, clock)
    scheduler = bootstrap.Scheduler(app, clock, tick_seconds=0.05)
    clocks_id = ComplaintClocks.create_id(complaint)

    async def both(stop: asyncio.Event) -> None:
        await asyncio.gather(consumer.run(stop), scheduler.run(stop))

    seen_before_day_seven: list[bool] = []

    def regraded() -> bool:
        """Once the facts are in (still day 6), note the request is not made yet, then jump to day 7."""
        try:
            watch = app.repository.get(clocks_id).regrade
        except Exception:
            return False
        if watch is None:
            return False
        if not seen_before_day_seven:
            seen_before_day_seven.append(watch["requested"])
            clock.set(T0 + timedelta(days=7))
        return bool(watch["requested"])

    await run_until(regraded, both)
    assert seen_before_day_seven == [False]  # day 6, 23:00: not yet

    relay = bootstrap.relay(settings, app)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    key = str(complaint).encode()

    def regrade_request(record: Any) -> bool:
        return record.key == key and (RegradeRequested.type_name().encode(),) == tuple(
            v for k, v in record.headers if k == "ce_type"
        )

    # Stops at the first one, then listens 2 s more: a second request would be seen.
    records = await read_topic(kafka_bootstrap, SLA_EVENTS.name, keep=regrade_request, expect=1, settle=2)
    regrades = [m for m in decoded(records) if isinstance(m, RegradeRequested)]
    assert len(regrades) == 1
    (regrade,) = regrades
    assert regrade.payload.severity == "major" and regrade.payload.criterion == "major.unresolved-week"
    assert "unresolved 7 days" in regrade.payload.explanation.reason
    assert regrade.occurred_at == T0 + timedelta(days=7)
    assert regrade.actor.id == "system:sla"
    app.close()


def start_worker(settings: SlaSettings, epoch: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "SLA_STORE": "sqlite",
        "SLA_STATE_DIR": str(settings.state_dir),
        "SLA_CONSUMER_GROUP": settings.consumer_group,
        "SLA_CLOCK_EPOCH": epoch,
        "SLA_TICK_SECONDS": "0.05",
        "SLA_SCHEDULER_LEASE_SECONDS": "2",  # the killed worker's claims are taken over after 2 s
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
    }
    return subprocess.Popen([sys.executable, "-m", "services.sla.entrypoints.worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


@pytest.mark.slow
async def test_worker_killed_while_warnings_and_breaches_are_due_records_each_once(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = SlaSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap,
                           consumer_group=f"sla-{uuid.uuid4().hex[:8]}")  # fmt: skip
    app = bootstrap.application(settings)
    complaints = [uuid.uuid4() for _ in range(300)]
    for complaint in complaints:  # each: hand-over (never accepted) and an important resolution clock
        feed(app, registered(complaint, T0), triaged(complaint, T0 + timedelta(minutes=1), "important"))
    before = app.process_recorder.max_notification_id()
    per_complaint = 10  # 2 warnings + 3 breach levels, on each of the two clocks, all due at day 3
    # (on the SLA topic each complaint also has its 2 ClockStarted; the notifications go elsewhere)
    epoch = (T0 + timedelta(days=3)).isoformat()

    day_three = T0 + timedelta(days=3)

    def issued() -> list[int]:
        """How many warnings and breach levels each complaint has recorded (state replays every event)."""
        counts = []
        for complaint in complaints:
            clocks = app.repository.get(ComplaintClocks.create_id(complaint)).clocks.values()
            counts.append(sum(len(c["warned"]) + len(c["breached"]) for c in clocks))
        return counts

    worker = start_worker(settings, epoch)
    deadline = time.monotonic() + 60
    while app.process_recorder.max_notification_id() - before < 50:  # some recorded, far from all
        assert worker.poll() is None and time.monotonic() < deadline
        await asyncio.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert sum(issued()) < len(complaints) * per_complaint  # killed with work still due

    worker = start_worker(settings, epoch)
    try:
        deadline = time.monotonic() + 120
        while sum(issued()) < len(complaints) * per_complaint:
            assert worker.poll() is None and time.monotonic() < deadline
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)  # a duplicate, were there one, would show up here
    finally:
        worker.terminate()
        worker.wait(30)
    assert issued() == [per_complaint] * len(complaints)
    assert all(
        not [d for d in app.repository.get(ComplaintClocks.create_id(c)).pending() if d.at <= day_three]
        for c in complaints
    )

    relay = bootstrap.relay(settings, app)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    keys = {str(c) for c in complaints}
    records = await read_topic(kafka_bootstrap, SLA_EVENTS.name, keep=keyed_by(keys),
                               expect=len(complaints) * (per_complaint + 2), timeout=120)  # fmt: skip
    due = [m for m in decoded(records) if isinstance(m, DeadlineWarning | DeadlineBreached)]
    identities = Counter(
        (m.complaint_id, m.type, m.payload.clock, getattr(m.payload, "fraction", None),
         getattr(m.payload, "escalation_level", None))
        for m in due
    )  # fmt: skip
    assert len(identities) == len(complaints) * per_complaint
    assert set(identities.values()) == {1}
    app.close()


def start_postgres_worker(settings: SlaSettings, epoch: str, health_port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "SLA_STORE": "postgres",
        "SLA_STATE_DIR": str(settings.state_dir),
        "SLA_POSTGRES_HOST": settings.postgres_host,
        "SLA_POSTGRES_PORT": str(settings.postgres_port),
        "SLA_POSTGRES_USER": settings.postgres_user,
        "SLA_POSTGRES_PASSWORD": settings.postgres_password.get_secret_value(),
        "SLA_POSTGRES_DBNAME": settings.postgres_dbname,
        "SLA_CONSUMER_GROUP": settings.consumer_group,
        "SLA_CLOCK_EPOCH": epoch,
        "SLA_TICK_SECONDS": "0.05",
        "SLA_SCHEDULER_LEASE_SECONDS": "2",
        "SLA_WORKER_HEALTH_PORT": str(health_port),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
    }
    log = worker_log(settings, health_port).open("ab")  # a worker that dies says why (the assertions quote it)
    return subprocess.Popen([sys.executable, "-m", "services.sla.entrypoints.worker"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


def worker_log(settings: SlaSettings, health_port: int) -> Path:
    return Path(settings.state_dir) / f"worker-{health_port}.log"


def dead_workers(settings: SlaSettings, workers: list[subprocess.Popen[bytes]], ports: list[int]) -> str:
    """The end of each dead worker's log (empty while all run)."""
    return "\n".join(
        f"worker on {port} exited {w.returncode}:\n{worker_log(settings, port).read_text(errors='replace')[-3000:]}"
        for w, port in zip(workers, ports, strict=True)
        if w.poll() is not None
    )


def assigned(port: int) -> list[str]:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()["assigned_partitions"]
    except (httpx.HTTPError, ValueError, KeyError):
        return []


@pytest.mark.slow
@pytest.mark.postgres
async def test_two_workers_in_one_group_on_postgres_one_killed_record_every_clock_and_due_once(
    kafka_bootstrap: str, postgres_database: Any, tmp_path: Path
) -> None:
    """Two SLA workers (consumer + scheduler each) in one consumer group over one PostgreSQL store:
    each owns some partitions of every topic, one is SIGKILLed mid-stream and restarted; every
    complaint still gets its clocks once and each warning and breach due is recorded once."""
    settings = SlaSettings(
        store="postgres", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"sla-{uuid.uuid4().hex[:8]}", postgres_host=postgres_database.host,
        postgres_port=postgres_database.port, postgres_user=postgres_database.user,
        postgres_password=postgres_database.password, postgres_dbname=postgres_database.dbname,
    )  # fmt: skip
    app = bootstrap.application(settings)
    complaints = [uuid.uuid4() for _ in range(120)]
    # Minor, never accepted, long past: 2 warnings + 3 breach levels on the hand-over and on the
    # resolution clock (the epoch is a real instant, so SLA time is now, weeks after T0).
    per_complaint = 10
    epoch = (T0 + timedelta(days=3)).isoformat()
    ports = free_ports(2)
    workers = [start_postgres_worker(settings, epoch, port) for port in ports]
    try:
        deadline = time.monotonic() + 240  # two processes joining one group on a loaded machine
        shares: list[set[str]] = [set(), set()]
        while not (all(shares) and not shares[0] & shares[1]):
            # both in the group, each with its own share of the partitions (after the rebalance)
            assert all(w.poll() is None for w in workers) and time.monotonic() < deadline, (
                shares,
                dead_workers(settings, workers, ports),
            )
            await asyncio.sleep(0.2)
            shares = [set(assigned(port)) for port in ports]
        await publish(
            kafka_bootstrap,
            *[m for c in complaints for m in (registered(c, T0), triaged(c, T0 + timedelta(minutes=1), "minor"))],
        )

        def issued() -> list[int]:
            counts = []
            for complaint in complaints:
                try:
                    clocks = app.repository.get(ComplaintClocks.create_id(complaint)).clocks.values()
                except Exception:
                    counts.append(0)
                    continue
                counts.append(sum(len(c["warned"]) + len(c["breached"]) for c in clocks))
            return counts

        deadline = time.monotonic() + 120
        while sum(issued()) < len(complaints) * per_complaint // 4:  # under way, far from done
            assert time.monotonic() < deadline, Counter(issued())
            await asyncio.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        workers[0] = start_postgres_worker(settings, epoch, ports[0])
        while issued() != [per_complaint] * len(complaints):
            assert all(w.poll() is None for w in workers), dead_workers(settings, workers, ports)
            assert time.monotonic() < deadline + 120, Counter(issued())
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # a duplicate, were there one, would show up here
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
    assert issued() == [per_complaint] * len(complaints)
    started: Counter[Any] = Counter()
    fired: Counter[Any] = Counter()
    ours = {ComplaintClocks.create_id(c) for c in complaints}
    position = 0
    while notifications := app.process_recorder.select_notifications(position + 1, 1000):
        for n in notifications:
            if n.originator_id not in ours:
                continue  # the topics are the session's: earlier tests' complaints get clocks here too
            event = app.mapper.to_domain_event(n)
            name = type(event).__name__
            if name == "ClockStarted":
                started[(n.originator_id, event.key)] += 1
            elif name in ("WarningIssued", "BreachRecorded"):
                fired[(n.originator_id, event.key, getattr(event, "fraction", getattr(event, "level", None)))] += 1
        position = notifications[-1].id
    assert len(started) == 2 * len(complaints) and set(started.values()) == {1}
    assert len(fired) == per_complaint * len(complaints) and set(fired.values()) == {1}
    app.close()
