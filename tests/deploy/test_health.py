"""Health of a service's processes: a relay and a worker say how they are (alive, ready, partitions,
lag, commit age, position, backlog) on their own endpoints, and the HTTP app's `/health` is not ok
when one of them is gone or stale."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.intake import bootstrap
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.bus import kafka
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.health import relay_endpoint, relay_probe, serving, worker_endpoint
from shared.logs import RateLimit
from tests.fixtures.ports import free_port
from tests.support import form, write_keys

ROOT = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path, bootstrap_servers: str = "127.0.0.1:1") -> IntakeSettings:
    return IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        kafka_bootstrap_servers=bootstrap_servers,
        relay_health_port=free_port(),
        worker_health_port=free_port(),
    )


async def _until(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = await check()
        except httpx.TransportError:  # not serving yet
            value = None
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


def test_each_process_has_its_own_health_port_by_default() -> None:
    settings = IntakeSettings(http_port=8001)
    assert (settings.health_port("relay"), settings.health_port("worker")) == (8101, 8201)
    assert IntakeSettings(relay_health_port=9999).health_address("relay") == "127.0.0.1:9999"


async def test_a_relay_whose_loop_stopped_turning_is_not_alive(tmp_path: Path) -> None:
    write_keys(tmp_path / "keys.json")
    settings = _settings(tmp_path)
    relay = bootstrap.relay(settings, bootstrap.application(settings))
    probe = relay_probe(relay, stale_after=5)
    starting = await probe()  # alive (it is starting), not ready
    assert (starting.alive, starting.ready, starting.as_dict("relay")["status"]) == (True, False, "starting")
    relay.progress.started = relay.progress.last_beat = time.monotonic()
    assert (await probe()).ok
    relay.progress.last_beat = time.monotonic() - 6
    status = await probe()
    assert (status.alive, status.ready) == (False, True)
    assert status.as_dict("relay")["status"] == "stale"


async def test_the_http_health_says_which_background_process_is_missing(tmp_path: Path) -> None:
    write_keys(tmp_path / "keys.json")
    settings = _settings(tmp_path)
    api = create_app(settings, app_instance=bootstrap.application(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://intake") as client:
        answer = await client.get("/health")
        live = await client.get("/health/live")
    assert live.status_code == 200
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "degraded"
    assert {p: a["status"] for p, a in body["processes"].items()} == {"relay": "unreachable", "worker": "unreachable"}


@pytest.mark.kafka
async def test_relay_and_worker_report_their_progress_and_http_health_follows_them(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    keys = write_keys(tmp_path / "keys.json")
    settings = _settings(tmp_path, kafka_bootstrap)
    app = bootstrap.application(settings)
    with TestClient(create_app(settings, app_instance=app)) as client:
        for n in range(3):
            reception = {"X-Office-Key": keys["hk-central/reception"]}
            assert client.post("/complaints", json=form(f"HK-H-{n}"), headers=reception).status_code == 201
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    for _ in range(2):  # not CloudEvents: recorded as dead letters, with the partition's position
        await (await producer.send(OFFICE_REGISTRATIONS.name, value=b"not an event", key=b"x"))
    await producer.stop()

    relay = bootstrap.relay(settings, app)
    worker = bootstrap.office_topic_consumer(settings, app)
    relay_stop, worker_stop = asyncio.Event(), asyncio.Event()
    api = create_app(settings, app_instance=app)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://intake")
    probe = httpx.AsyncClient(timeout=2)
    relay_url = f"http://{settings.health_address('relay')}/health"
    worker_url = f"http://{settings.health_address('worker')}/health"

    async def run_relay() -> None:
        async with serving(relay_endpoint(settings, relay)):
            await relay.run(relay_stop)

    async def run_worker() -> None:
        async with serving(worker_endpoint(settings, worker)):
            await worker.run(worker_stop)

    tasks = [asyncio.create_task(run_relay()), asyncio.create_task(run_worker())]
    try:

        async def worker_caught_up() -> dict[str, Any] | None:
            answer = await probe.get(worker_url)
            body: dict[str, Any] = answer.json()
            done = answer.status_code == 200 and body["lag"] == 0 and body["last_commit_age_seconds"] is not None
            return body if done else None

        worker_health = await _until(worker_caught_up)
        assert worker_health, (await probe.get(worker_url)).text
        assert worker_health["ready"] and worker_health["alive"]
        assert worker_health["assigned_partitions"] == [
            f"{OFFICE_REGISTRATIONS.name}/{p}" for p in range(OFFICE_REGISTRATIONS.partitions)
        ]
        assert sum(p["position"] or 0 for p in worker_health["partitions"].values()) == 2
        assert worker_health["dead_lettered"] == 2
        assert 0 <= worker_health["last_commit_age_seconds"] < 30

        async def relay_caught_up() -> dict[str, Any] | None:
            body: dict[str, Any] = (await probe.get(relay_url)).json()
            return body if body["status"] == "ok" and body["notifications_behind"] == 0 else None

        relay_health = await _until(relay_caught_up)
        assert relay_health, (await probe.get(relay_url)).text
        assert relay_health["published_position"] == app.process_recorder.max_notification_id()
        assert relay_health["last_batch_age_seconds"] is not None

        healthy = await http.get("/health")
        assert healthy.status_code == 200, healthy.text
        assert healthy.json()["processes"]["worker"]["assigned_partitions"] == worker_health["assigned_partitions"]

        relay_stop.set()
        await tasks[0]
        await asyncio.sleep(1.1)  # the HTTP app remembers an answer for a second
        gone = await http.get("/health")
        assert gone.status_code == 503
        assert gone.json()["processes"]["relay"]["status"] == "unreachable"
        assert gone.json()["processes"]["worker"]["status"] == "ok"
    finally:
        relay_stop.set()
        worker_stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await http.aclose()
        await probe.aclose()
        app.close()


def test_the_log_rate_limit_holds_back_a_flood_and_says_how_much() -> None:
    limit = RateLimit(per_second=10, burst=10)
    records = [logging.LogRecord("flood", logging.WARNING, __file__, 1, "line %d", (n,), None) for n in range(10_000)]
    passed = [r for r in records if limit.filter(r)]
    assert len(passed) < 20
    time.sleep(0.15)
    last = logging.LogRecord("flood", logging.WARNING, __file__, 1, "line %d", (10_000,), None)
    assert limit.filter(last)
    assert "similar lines suppressed" in last.getMessage()
    other = logging.LogRecord("flood", logging.WARNING, __file__, 1, "another message", (), None)
    assert limit.filter(other)


def test_a_process_that_stays_not_alive_exits_to_be_restarted(tmp_path: Path) -> None:
    """The runner's watchdog: a loop stuck for good (here: one that never ends and a probe that says
    not alive) makes the process exit with 75, so its supervisor starts it afresh."""
    script = tmp_path / "stuck.py"
    script.write_text(
        "import asyncio\n"
        "from shared.bus.runner import run_until_signalled\n"
        "from shared.health import Endpoint, Status\n"
        "async def probe(): return Status(alive=False, ready=False)\n"
        "async def stuck(stop): await asyncio.Event().wait()\n"
        f"run_until_signalled('stuck', stuck, health=Endpoint('worker', '127.0.0.1', {free_port()}, probe, 1.0))\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert done.returncode == 75, done.stderr[-2000:]
    assert time.monotonic() - started < 20
    assert "not alive for 1 s; exiting to be restarted" in done.stderr


def test_a_taken_health_port_does_not_stop_the_process(tmp_path: Path) -> None:
    """A relay or worker whose health port is taken (another copy of it, a test beside `make up`)
    does its work without the endpoint, and says so."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        script = tmp_path / "busy.py"
        script.write_text(
            "import asyncio\n"
            "from shared.bus.runner import run_until_signalled\n"
            "from shared.health import Endpoint, Status\n"
            "async def probe(): return Status(alive=True, ready=True)\n"
            "async def work(stop):\n"
            "    await asyncio.sleep(1.5)\n"
            "    print('work done', flush=True)\n"
            f"run_until_signalled('busy', work, health=Endpoint('worker', '127.0.0.1', {port}, probe))\n"
        )
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "work done" in done.stdout
    assert f"cannot serve health on 127.0.0.1:{port}" in done.stderr
