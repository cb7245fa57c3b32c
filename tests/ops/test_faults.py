"""Issue 11, item 5: faults of the parts we run. Each service stays up or restarts cleanly, loses
nothing, and says what happened.

- PostgreSQL restarted under load (a throwaway cluster of its own: the suite's shared server is never
  restarted): intake keeps registering, its relay (its own process) rides through, every
  acknowledged registration is on the topic exactly once.
- A full disk under a service's store (a 1 MiB tmpfs under intake's SQLite store): registrations are
  refused while it is full — never half-written — and the HTTP app answers an error, logs it and
  counts it; once there is room again the same process goes on, and the relay publishes every
  acknowledged registration exactly once.
- A relay's clock skewed against the broker (hours behind, half an hour ahead): records carry the
  skewed time, nothing else changes; the broker's own limit for a clock far ahead is documented.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.intake import bootstrap
from services.intake.settings import IntakeSettings
from shared.contracts import RegistrationForm
from shared.contracts.topics import INTAKE_EVENTS
from tests.kafka_support import keyed_by, read_topic
from tests.ops.brokerloss import CLERK, Supervised
from tests.ops.history import Ack, Seen, check_history
from tests.ops.throwaway_postgres import ThrowawayPostgres
from tests.support import T0, form, write_keys

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

BASE = int(os.environ.get("TEST_KAFKA_PORT", "19092"))


def relay_process(name: str, settings: IntakeSettings, logs: Path, http_port: int, **extra: str) -> Supervised:
    env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "LOG_FORMAT": "json",
        "INTAKE_STORE": settings.store.value,
        "INTAKE_STATE_DIR": str(settings.state_dir),
        "INTAKE_HTTP_PORT": str(http_port),
        "INTAKE_POSTGRES_HOST": settings.postgres_host,
        "INTAKE_POSTGRES_PORT": str(settings.postgres_port),
        "INTAKE_POSTGRES_USER": settings.postgres_user,
        "INTAKE_POSTGRES_PASSWORD": settings.postgres_password.get_secret_value(),
        "INTAKE_POSTGRES_DBNAME": settings.postgres_dbname,
        **extra,
    }
    logs.mkdir(parents=True, exist_ok=True)
    return Supervised(name, "services.intake.entrypoints.relay", env, logs)


def metric_values(exposition: str) -> dict[str, float]:
    """Unlabelled samples of a Prometheus text exposition, by name."""
    values = {}
    for line in exposition.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, _, value = line.partition(" ")
            values[name] = float(value)
    return values


def topic_history(records: list) -> list[Seen]:  # type: ignore[type-arg]
    return [Seen(r.key.decode(), r.key.decode(), r.partition, r.offset) for r in records]


@pytest.mark.postgres
async def test_postgres_restarted_under_load_loses_nothing_and_the_relay_rides_through(
    kafka_bootstrap: str, tmp_path: Path, postgres_server: Any
) -> None:
    """`postgres_server` only makes sure PostgreSQL is installed (deploy/postgres/local.sh); the test
    restarts a cluster of its own, never that one."""
    reason = ThrowawayPostgres.unavailable()
    if reason:
        pytest.skip(reason)
    pg = ThrowawayPostgres(BASE + 16)
    pg.start()
    relay: Supervised | None = None
    try:
        settings = IntakeSettings(**pg.settings(), state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
        intake = bootstrap.application(settings)
        acknowledged: list[Ack] = []
        refused: list[str] = []
        batch = uuid.uuid4().hex[:6]
        stop = threading.Event()

        def write() -> None:
            n = 0
            while not stop.is_set():
                try:
                    registered = intake.register("hk-central", CLERK, RegistrationForm(**form(f"{batch}-{n}")), T0)
                    acknowledged.append(Ack(str(registered.complaint_id), str(registered.complaint_id)))
                except Exception as error:  # the database went away under this registration: not acknowledged
                    refused.append(type(error).__name__)
                    time.sleep(0.2)
                n += 1
                time.sleep(0.01)

        relay = relay_process("intake-relay", settings, tmp_path / "logs", BASE + 30)
        relay.start()
        writer = threading.Thread(target=write)
        writer.start()
        while len(acknowledged) < 100:
            relay.keep_alive()
            await asyncio.sleep(0.1)
        restart_s = await asyncio.to_thread(pg.restart, 5.0)  # away for 5 s
        at_restart = len(acknowledged)
        while len(acknowledged) < at_restart + 100:  # registrations go on after the restart
            relay.keep_alive()
            assert writer.is_alive()
            await asyncio.sleep(0.1)
        stop.set()
        writer.join(30)
        intake.close()

        ids = {ack.key for ack in acknowledged}
        records = await read_topic(
            kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by(ids), expect=len(ids), timeout=120, settle=2.0
        )
        verdict = check_history(acknowledged, topic_history(records))
        assert verdict.ok, verdict.summary()
        assert verdict.observed == len(acknowledged)
        # The relay is up (the same process, or restarted cleanly by its supervisor) and answers.
        relay.keep_alive()
        await asyncio.sleep(1)
        assert relay.process is not None and relay.process.poll() is None
        live = httpx.get(f"http://127.0.0.1:{BASE + 130}/health/live", timeout=10)
        assert live.status_code == 200
        # Its metrics tell the same: nothing behind, every notification published (a restarted relay
        # counts from zero, so only the same process is held to the total).
        metrics = metric_values(httpx.get(f"http://127.0.0.1:{BASE + 130}/metrics", timeout=10).text)
        assert metrics["relay_notifications_behind"] == 0
        if not relay.exit_codes:
            assert metrics["relay_notifications_published_total"] >= len(acknowledged)
        log = relay.log()
        said = [line for line in log.splitlines() if '"level": "error"' in line or '"level": "warning"' in line]
        print(
            f"postgres restart took {restart_s:.1f} s; {len(acknowledged)} acknowledged, {len(refused)} refused"
            f" ({sorted(set(refused))}); relay exits {relay.exit_codes}; relay said: {said[:2]}"
        )
        # eventsourcing's PostgreSQL recorder retries a read cut by the restart (psycopg's pool
        # reconnects), so the relay may have nothing to say; a registration cut by it was refused to
        # its caller (`refused`), never half-stored.
    finally:
        if relay is not None:
            relay.stop()
        pg.stop()


@pytest.fixture
def tiny_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 1 MiB tmpfs (root only); `grow()` gives it 32 MiB without unmounting."""
    mount = tmp_path / "disk"
    mount.mkdir()
    answer = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if answer.returncode:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {answer.stderr.decode().strip()}")

    class Disk:
        path = mount

        @staticmethod
        def grow() -> None:
            subprocess.run(["mount", "-o", "remount,size=32m", str(mount)], check=True)

    try:
        yield Disk
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


async def test_a_full_disk_under_a_store_refuses_registrations_loses_none_and_recovers_in_place(
    kafka_bootstrap: str, tmp_path: Path, tiny_disk: Any
) -> None:
    """intake's HTTP app (uvicorn, its own process, as deployed) with its SQLite store on a 1 MiB disk."""
    keys = write_keys(tmp_path / "keys.json")
    port = BASE + 32
    settings = IntakeSettings(store="sqlite", state_dir=tiny_disk.path, kafka_bootstrap_servers=kafka_bootstrap)
    env = os.environ | {
        "INTAKE_STORE": "sqlite",
        "INTAKE_STATE_DIR": str(tiny_disk.path),
        "INTAKE_KEYS_FILE": str(tmp_path / "keys.json"),
        "LOG_FORMAT": "json",
    }
    args = ("services.intake.entrypoints.http:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port))
    http = Supervised("intake-http", "uvicorn", env, tmp_path / "logs", (*args, "--log-config", "deploy/logging.json"))
    (tmp_path / "logs").mkdir(exist_ok=True)
    http.start()
    headers = {"X-Office-Key": keys["hk-central/reception"]}
    batch = uuid.uuid4().hex[:6]
    acknowledged: list[Ack] = []
    answers: list[int] = []

    def a_form(n: int) -> dict[str, Any]:
        now = datetime.now(UTC)
        return form(f"{batch}-{n}", occurred_at=(now - timedelta(hours=2)).isoformat(), received_at=now.isoformat())

    try:
        # No keep-alive: uvicorn closes a connection after an unhandled error's 500.
        no_keepalive = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30, limits=no_keepalive) as client:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/health/live")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
            n = 0
            while n < 20000:  # until the disk is full
                answer = await client.post("/complaints", json=a_form(n), headers=headers)
                n += 1
                answers.append(answer.status_code)
                if answer.status_code != 201:
                    break
                acknowledged.append(Ack(answer.json()["complaint_id"], answer.json()["complaint_id"]))
            full_at = len(acknowledged)
            assert answers[-1] >= 500, f"the disk never filled ({full_at} registrations): {answers[-1]}"
            # Still full: refused again; the process stays up and answers. A refused transaction's rollback
            # can give back a page or two, so one more small registration may still fit: whatever is
            # acknowledged must be kept, and the disk must refuse again within a few tries.
            refused_again = False
            for _ in range(10):
                answer = await client.post("/complaints", json=a_form(n), headers=headers)
                n += 1
                if answer.status_code == 201:
                    acknowledged.append(Ack(answer.json()["complaint_id"], answer.json()["complaint_id"]))
                    continue
                assert answer.status_code >= 500, answer.text
                refused_again = True
                break
            assert refused_again, "a full disk stopped refusing registrations before it had room again"
            assert (await client.get("/health/live")).status_code == 200
            metrics = (await client.get("/metrics")).text
            assert 'route="/complaints",status="500"' in metrics, "the refusal is not counted"

            tiny_disk.grow()  # room again: the same process goes on
            for m in range(n + 1, n + 51):
                answer = await client.post("/complaints", json=a_form(m), headers=headers)
                assert answer.status_code == 201, answer.text
                acknowledged.append(Ack(answer.json()["complaint_id"], answer.json()["complaint_id"]))
        assert http.process is not None and http.process.poll() is None and not http.exit_codes
    finally:
        http.stop()
    log = http.log()
    assert "database or disk is full" in log, "the app did not log what happened"

    intake = bootstrap.application(settings)
    relay = bootstrap.relay(settings, intake)
    await relay.start()
    try:
        while await relay.publish_next_batch():
            pass
    finally:
        await relay.stop()
        intake.close()
    ids = {ack.key for ack in acknowledged}
    records = await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by(ids), expect=len(ids), timeout=60)
    verdict = check_history(acknowledged, topic_history(records))
    print(f"disk full after {full_at} registrations (answered {answers[-1]}); {verdict.summary()}")
    assert verdict.ok, verdict.summary()
    assert verdict.observed == len(acknowledged) >= full_at + 50


SKEWED_CLOCK = Path(__file__).parent / "skewed_clock"


@pytest.mark.parametrize("skew_seconds", [-3 * 3600, 30 * 60, 2 * 3600], ids=["3h-behind", "30min-ahead", "2h-ahead"])
async def test_a_relay_with_a_skewed_clock_publishes_everything_once_stamped_with_the_brokers_time(
    kafka_bootstrap: str, tmp_path: Path, skew_seconds: int
) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    intake = bootstrap.application(settings)
    batch = uuid.uuid4().hex[:6]
    acknowledged = []
    for n in range(60):
        registered = intake.register("hk-central", CLERK, RegistrationForm(**form(f"{batch}-{n}")), T0)
        acknowledged.append(Ack(str(registered.complaint_id), str(registered.complaint_id)))
    intake.close()
    relay = relay_process(
        "intake-relay",
        settings,
        tmp_path / "logs",
        BASE + 31,
        PYTHONPATH=os.pathsep.join([str(SKEWED_CLOCK), os.environ.get("PYTHONPATH", "")]),
        CLOCK_SKEW_SECONDS=str(skew_seconds),
    )
    started = datetime.now(UTC)
    relay.start()
    try:
        ids = {ack.key for ack in acknowledged}
        records = await read_topic(
            kafka_bootstrap,
            INTAKE_EVENTS.name,
            keep=keyed_by(ids),
            expect=60,
            timeout=90,
        )
        assert relay.process is not None and relay.process.poll() is None, "the relay exited"
    finally:
        relay.stop()
    verdict = check_history(acknowledged, topic_history(records))
    assert verdict.ok and verdict.observed == 60, verdict.summary()
    # The broker stamps the records (LogAppendTime), so a relay's clock, even over the broker's
    # one-hour limit ahead, neither has its records refused nor leaks into their timestamps.
    now_ms = time.time() * 1000
    offsets = [r.timestamp - now_ms for r in records]
    assert all(abs(o) < 300_000 for o in offsets), (min(offsets), max(offsets))
    # Its log lines are stamped with its own (skewed) time too, so a reader comparing logs sees it.
    first = json.loads(relay.log().splitlines()[0])
    stamped = datetime.fromisoformat(first["timestamp"].replace("Z", "+00:00"))
    assert abs((stamped - started).total_seconds() - skew_seconds) < 120, (stamped, started)
