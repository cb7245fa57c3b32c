"""`make up` as in production: the whole system (every process of deploy/Procfile) under supervisord,
on this test's own ports and state folder. A SIGKILLed process of each kind (an HTTP app, a worker,
a relay) is restarted within seconds, comes back healthy, and no other process stops or restarts.
`make down` then stops every process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.sign_in import sign_in
from shared.status_link import status_link
from tests.fixtures.ports import free_port
from tests.fixtures.reading_model import keep_reading_model

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "triage", "handling", "sla", "followup", "projection")
RESTARTED_WITHIN = 15.0  # seconds; supervisord restarts at once, the rest is Python starting up

pytestmark = [pytest.mark.slow, pytest.mark.kafka, pytest.mark.timeout(420)]


class System:
    def __init__(self, state: Path, env: dict[str, str]) -> None:
        self.state = state
        self.env = env

    def ctl(self, *args: str) -> str:
        conf = str(self.state / "supervisord.conf")
        done = subprocess.run(
            [str(ROOT / ".venv/bin/supervisorctl"), "-c", conf, *args], capture_output=True, text=True, env=self.env
        )
        return done.stdout

    def processes(self) -> dict[str, tuple[str, int | None]]:
        """Each process: its state and pid (supervisorctl's `complaints:intake-http RUNNING pid 12, …`)."""
        found: dict[str, tuple[str, int | None]] = {}
        for line in self.ctl("status").splitlines():
            words = line.split()
            pid = int(words[3].rstrip(",")) if len(words) > 3 and words[2] == "pid" else None
            found[words[0].split(":")[-1]] = (words[1], pid)
        return found

    def port(self, service: str, process: str) -> int:
        return int(self.env[f"{service.upper()}_{process.upper()}_PORT"])


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    state = tmp_path_factory.mktemp("system")
    env = os.environ | {"STATE_DIR": str(state), "KAFKA_EXTERNAL": "1", "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                        "UP_WAIT_SECONDS": "180"}  # up.sh says what failed before the 240 s below  # fmt: skip
    for service in SERVICES:
        for process in ("HTTP", "RELAY_HEALTH", "WORKER_HEALTH"):
            env[f"{service.upper()}_{process}_PORT"] = str(free_port())
    env["DESK_HTTP_PORT"] = str(free_port())  # the desk (it has no relay or worker)
    for process in ("HTTP", "RELAY_HEALTH"):  # the directory (it has no worker)
        env[f"DIRECTORY_{process}_PORT"] = str(free_port())
    env["OIDC_PORT"] = str(free_port())  # the development sign-in issuer, where node is installed
    env["NOTIFIER_SMS_SINK_PORT"] = str(free_port())  # the development SMS gateway
    env["NOTIFIER_SMTP_PORT"] = str(free_port())  # the development mail server, and where the notifier sends
    keep_reading_model(state)  # triage's three processes read it rather than each train it at start
    running = System(state, env)
    try:  # a start that times out still gets its `make down`: no supervisord is left behind
        up = subprocess.run(
            ["bash", "deploy/local/up.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
        )
        assert up.returncode == 0, f"make up failed:\n{up.stdout[-3000:]}\n{up.stderr[-3000:]}"
        assert "The complaint system is up." in up.stdout
        yield running
    finally:
        down = subprocess.run(["bash", "deploy/local/down.sh"], cwd=ROOT, env=env, capture_output=True, text=True)
        print(down.stdout, down.stderr)


def _wait_restarted(system: System, name: str, old_pid: int) -> tuple[int, float]:
    started = time.monotonic()
    while time.monotonic() - started < RESTARTED_WITHIN:
        state, pid = system.processes().get(name, ("?", None))
        if state == "RUNNING" and pid not in (None, old_pid):
            return pid, time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{name} was not running again within {RESTARTED_WITHIN} s: {system.processes()[name]}")


def _healthy(url: str, seconds: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = httpx.get(url, timeout=2)
            if answer.status_code == 200 or time.monotonic() > deadline:
                return answer
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def _procfile_names(name: str = "Procfile") -> list[str]:
    """Every process of deploy/Procfile (or Procfile.dev: `make up`'s development-only ones), by name."""
    lines = (ROOT / "deploy" / name).read_text().splitlines()
    return [line.split(":", 1)[0] for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(
    ("victim", "health"),
    [
        ("triage-worker", ("triage", "worker_health")),
        ("projection-relay", ("projection", "relay_health")),
        ("intake-http", ("intake", "http")),
    ],
)
def test_a_killed_process_is_restarted_and_no_other_stops(system: System, victim: str, health: tuple[str, str]) -> None:
    before = system.processes()
    procfile = _procfile_names()
    # every deployed process, and the development ones `make up` adds (the issuer only where node is)
    assert set(before) - {"oidc-issuer"} == set(procfile) | {"notifier-sms-sink", "notifier-mail-sink"}, before
    assert set(_procfile_names("Procfile.dev")) == {"oidc-issuer", "notifier-sms-sink", "notifier-mail-sink"}
    assert {s for s, _ in before.values()} == {"RUNNING"}, before
    old_pid = before[victim][1]
    assert old_pid is not None

    os.kill(old_pid, signal.SIGKILL)
    new_pid, took = _wait_restarted(system, victim, old_pid)

    service, process = health
    answer = _healthy(f"http://127.0.0.1:{system.port(service, process)}/health")
    assert answer.status_code == 200, answer.text
    after = system.processes()
    others_before = {n: p for n, (_, p) in before.items() if n != victim}
    others_after = {n: p for n, (s, p) in after.items() if n != victim and s == "RUNNING"}
    assert others_after == others_before, "another process stopped or restarted"
    assert after[victim] == ("RUNNING", new_pid)
    print(f"{victim}: restarted in {took:.1f} s")


def test_the_http_health_reports_a_dead_relay_until_it_is_back(system: System) -> None:
    url = f"http://127.0.0.1:{system.port('sla', 'http')}/health"
    assert _healthy(url).status_code == 200
    system.ctl("stop", "complaints:sla-relay")
    time.sleep(1.2)  # the HTTP app remembers an answer for a second
    degraded = httpx.get(url, timeout=5)
    assert degraded.status_code == 503
    assert degraded.json()["processes"]["relay"]["status"] == "unreachable"
    system.ctl("start", "complaints:sla-relay")
    assert _healthy(url).status_code == 200


def test_a_person_signs_in_at_the_supervised_issuer_and_reads_with_the_token(system: System) -> None:
    """issue 13: `make up` runs the development OpenID Connect issuer; every service accepts its tokens."""
    if "[program:oidc-issuer]" not in (system.state / "supervisord.conf").read_text():
        pytest.skip("node is not installed: make up runs no sign-in issuer")
    secrets = dict(line.split("=", 1) for line in (system.state / "dev.env").read_text().splitlines() if "=" in line)
    issuer = f"http://127.0.0.1:{system.env['OIDC_PORT']}"
    token = sign_in(issuer, "kln-east/supervisor", secrets["OIDC_DEV_PASSWORD"])
    answer = httpx.get(
        f"http://127.0.0.1:{system.port('projection', 'http')}/complaints",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    refused = httpx.get(
        f"http://127.0.0.1:{system.port('intake', 'http')}/complaints/00000000-0000-0000-0000-000000000000",
        headers={"Authorization": f"Bearer {token}x"},
        timeout=10,
    )
    assert refused.status_code == 401


def test_people_sign_in_at_the_desk_with_a_development_key(system: System) -> None:
    """The desk under `make up`: it finds every service at its moved port, signs a development key in,
    and reads complainants' status pages with the key `make up` gave it (a link of no complaint: 404)."""
    desk = f"http://127.0.0.1:{system.port('desk', 'http')}"
    health = httpx.get(f"{desk}/health", timeout=10).json()
    assert set(health["services"].values()) == {"alive"}, health
    keys = dict(line.split("\t", 1) for line in (system.state / "dev-keys.txt").read_text().splitlines())
    with httpx.Client(base_url=desk, timeout=10, follow_redirects=True) as person:
        queue = person.post("/sign-in", data={"key": keys["hk-central/reception"].strip(), "next": "/queue"})
        assert queue.status_code == 200 and 'data-testid="who">hk-central/reception<' in queue.text, queue.text[:500]
    secrets = dict(line.split("=", 1) for line in (system.state / "dev.env").read_text().splitlines() if "=" in line)
    assert secrets["DESK_STATUS_LINK_SECRET"] == secrets["NOTIFIER_STATUS_LINK_SECRET"]
    link = status_link(desk, uuid.uuid4(), secrets["DESK_STATUS_LINK_SECRET"])
    assert httpx.get(link, timeout=10).status_code == 404  # read with the reader key: no such complaint (not 503)


def test_a_complainant_who_gave_a_phone_number_is_texted_and_the_development_sms_sink_records_it(
    system: System,
) -> None:
    """`make up` runs the development SMS gateway and points the notifier at it, with the secret both
    hold: the example complaint (its contact `+852 9123 4567`) recorded as try-it.sh records it, its
    receipt is a text in the sink's file and log (services/notifier/README.md, "Texts to complainants")."""
    assert "[program:notifier-sms-sink]" in (system.state / "supervisord.conf").read_text()
    done = subprocess.run(
        ["bash", "deploy/local/try-it.sh", "hk-central"], cwd=ROOT, env=system.env, capture_output=True, text=True
    )
    assert "(HTTP 20" in done.stdout, done.stdout + done.stderr
    outbox, log = system.state / "notifier" / "sms.jsonl", system.state / "logs" / "notifier-sms-sink.log"
    deadline = time.monotonic() + 120
    while not (outbox.exists() and outbox.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert outbox.exists(), (system.state / "logs" / "notifier-worker.log").read_text()[-3000:]
    [text] = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert text["kind"] == "receipt" and text["to"] == "+85291234567" and "/status/" in text["text"]
    assert text["language"] == "en" and text["segments"] <= 4  # no language on the form: written in English
    assert "SMS to +85291234567 (receipt" in log.read_text()


def _scrape(port: int) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """A process's metrics: each family by name, with its samples by sorted labels."""
    answer = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert answer.status_code == 200, (port, answer.text[:300])
    return {
        family.name: {tuple(sorted(sample.labels.items())): sample.value for sample in family.samples}
        for family in text_string_to_metric_families(answer.text)
    }


async def _send_unreadable(bootstrap_servers: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(OFFICE_REGISTRATIONS.name, b"not a cloud event", key=b"metrics-probe")
    finally:
        await producer.stop()


def test_every_process_serves_metrics_that_count_what_happened(system: System) -> None:
    """Scraped while the system runs: every HTTP app counts its requests, every relay its backlog
    and what it published (SLA's relay its clock events by kind), every worker its lag; a message
    nobody can read, sent on the office topic, is counted by intake's worker as a dead letter."""
    asyncio.run(_send_unreadable(system.env["KAFKA_BOOTSTRAP_SERVERS"]))
    for service in SERVICES:
        assert _healthy(f"http://127.0.0.1:{system.port(service, 'http')}/health").status_code == 200
        app = _scrape(system.port(service, "http"))
        assert "http_request_duration_seconds" in app, (service, sorted(app))
        relay = _scrape(system.port(service, "relay_health"))
        assert {"relay_notifications_behind", "relay_notifications_published"} <= set(relay), (service, sorted(relay))
        worker = _scrape(system.port(service, "worker_health"))
        assert {"consumer_lag", "consumer_records_handled", "consumer_dead_letters"} <= set(worker), service
    assert "sla_clock_events" in _scrape(system.port("sla", "relay_health"))
    assert _healthy(f"http://127.0.0.1:{system.port('directory', 'http')}/health").status_code == 200
    assert "http_request_duration_seconds" in _scrape(system.port("directory", "http"))
    assert "relay_notifications_published" in _scrape(system.port("directory", "relay_health"))
    assert "http_request_duration_seconds" in _scrape(int(system.env["DESK_HTTP_PORT"]))
    deadline = time.monotonic() + 60
    counted = 0.0
    while time.monotonic() < deadline and not counted:
        letters = _scrape(system.port("intake", "worker_health"))["consumer_dead_letters"]
        counted = sum(v for labels, v in letters.items() if ("reason", "decode") in labels)
        time.sleep(0.5)
    assert counted >= 1, letters


def test_make_down_stops_every_process(system: System) -> None:
    processes = system.processes()
    pids = [p for _, p in processes.values() if p is not None]
    supervisor = int((system.state / "services.pid").read_text())
    done = subprocess.run(["bash", "deploy/local/down.sh"], cwd=ROOT, env=system.env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    alive = []
    for pid in [*pids, supervisor]:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    assert alive == [], f"still running after make down: {alive}"
    assert all((system.state / "logs" / f"{name}.log").exists() for name in processes)
