"""Broker loss on a real three-node Kafka cluster, while complaints flow: the scenario that the test
(`tests/ops/test_broker_loss.py`) judges and the benchmark (`python -m bench.brokerloss`) times.

The parts are the real ones: intake's application registers complaints into its SQLite store (an
acknowledged registration is one intake returned), intake's relay and the projection's worker run as
their own processes, restarted when they exit as supervisord would. Meanwhile one broker is killed
(SIGKILL) and, later, another is paused (SIGSTOP) for a while, leaving one of three: writes must
stop rather than lose anything (min.insync.replicas 2) and resume when the paused one returns.

Two histories are read at the end and judged by `tests.ops.history.check_history`: the intake topic
as a `read_committed` consumer sees it, and the projection's store (each entry with the partition
and offset it came from).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.intake import bootstrap as intake_bootstrap
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_bootstrap
from services.projection.domain.records import Record
from services.projection.settings import ProjectionSettings
from shared.auth import Principal
from shared.bus.kafka import create_topics, wait_for_broker
from shared.contracts import RegistrationForm
from shared.contracts.topics import INTAKE_EVENTS
from tests.kafka_support import read_topic
from tests.ops.history import Ack, Seen, Verdict, check_history
from tests.support import T0, form

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "deploy" / "kafka" / "cluster.sh"
CLERK = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))


class Cluster:
    """`deploy/kafka/cluster.sh` on ports base+1..base+6, its state in `state`."""

    def __init__(self, base_port: int, state: Path) -> None:
        self.env = os.environ | {"KAFKA_CLUSTER_BASE_PORT": str(base_port), "KAFKA_STATE_DIR": str(state)}
        self.servers = ",".join(f"127.0.0.1:{base_port + n}" for n in (1, 2, 3))

    def __call__(self, *args: str) -> None:
        subprocess.run(["bash", str(CLUSTER), *args], env=self.env, check=True)


class Supervised:
    """A service process restarted whenever it exits (supervisord's `autorestart`); output to a log."""

    def __init__(self, name: str, module: str, env: dict[str, str], logs: Path, args: tuple[str, ...] = ()) -> None:
        self.name, self.module, self.env, self.args = name, module, env, args
        self.log_path = logs / f"{name}.log"
        self.restarts = 0
        self.exit_codes: list[int] = []
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as out:
            command = [sys.executable, "-m", self.module, *self.args]
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def keep_alive(self) -> None:
        if self.process is not None and (code := self.process.poll()) is not None:
            self.exit_codes.append(code)
            self.restarts += 1
            self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Outcome:
    complaints: int
    topic: Verdict
    projection: Verdict
    # Seconds from each fault until every registration acknowledged before it was in the projection
    # (for the pause: from the resume), and how long the projection stood still while paused.
    timings: dict[str, float] = field(default_factory=dict)
    restarts: dict[str, list[int]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)


def projected_count(store: Path) -> int:
    """Entries in the projection's store (one per received event), read without disturbing the worker."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            (count,) = db.execute("SELECT count(*) FROM stored_events WHERE topic LIKE '%Record.Received'").fetchone()
            return int(count)
    except sqlite3.OperationalError:  # not made yet, or busy for longer than the timeout
        return -1


async def wait_for(condition: Callable[[], bool], timeout: float, tick: Callable[[], None]) -> float:
    """Seconds until `condition()` held (checked every 0.2 s, running `tick` each time); raises on timeout."""
    began = time.monotonic()
    while not condition():
        tick()
        if time.monotonic() - began > timeout:
            raise TimeoutError(f"not within {timeout:.0f} s")
        await asyncio.sleep(0.2)
    return time.monotonic() - began


async def run(
    work: Path,
    base_port: int,
    complaints: int = 1000,
    rate: float = 40.0,
    pause_seconds: float = 12.0,
    note: Callable[[str], None] = print,
) -> Outcome:
    """Start the cluster, run the scenario, stop everything; return both histories' verdicts."""
    cluster = Cluster(base_port, work / "kafka-cluster")
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    await asyncio.to_thread(cluster, "start")
    note(f"cluster up in {time.monotonic() - began:.0f} s on {cluster.servers}")
    processes: list[Supervised] = []
    try:
        await wait_for_broker(cluster.servers)
        await create_topics(cluster.servers, replication_factor=3, min_insync_replicas=2)
        base_env = os.environ | {"KAFKA_BOOTSTRAP_SERVERS": cluster.servers, "LOG_FORMAT": "json"}
        intake_settings = IntakeSettings(
            store="sqlite", state_dir=work / "intake", kafka_bootstrap_servers=cluster.servers
        )
        projection_settings = ProjectionSettings(
            store="sqlite", state_dir=work / "projection", kafka_bootstrap_servers=cluster.servers
        )
        relay = Supervised(
            "intake-relay",
            "services.intake.entrypoints.relay",
            base_env
            | {
                "INTAKE_STORE": "sqlite",
                "INTAKE_STATE_DIR": str(intake_settings.state_dir),
                "INTAKE_HTTP_PORT": str(base_port + 20),
            },
            logs,
        )
        worker = Supervised(
            "projection-worker",
            "services.projection.entrypoints.worker",
            base_env
            | {
                "PROJECTION_STORE": "sqlite",
                "PROJECTION_STATE_DIR": str(projection_settings.state_dir),
                "PROJECTION_HTTP_PORT": str(base_port + 21),
                "PROJECTION_REPORTS_SCHEDULE": "false",
                "PROJECTION_CONSUMER_GROUP": f"projection-{uuid.uuid4().hex[:6]}",
            },
            logs,
        )
        processes = [relay, worker]
        intake = intake_bootstrap.application(intake_settings)
        for process in processes:
            process.start()

        acknowledged: list[Ack] = []
        writer_error: list[BaseException] = []

        def write() -> None:
            batch = uuid.uuid4().hex[:6]
            try:
                for n in range(complaints):
                    registered = intake.register("hk-central", CLERK, RegistrationForm(**form(f"{batch}-{n:05d}")), T0)
                    acknowledged.append(Ack(str(registered.complaint_id), str(registered.complaint_id)))
                    time.sleep(1 / rate)
            except BaseException as error:
                writer_error.append(error)

        store = projection_settings.sqlite_path

        def keep_alive() -> None:
            for process in processes:
                process.keep_alive()

        def caught_up_with(count: int) -> Callable[[], bool]:
            return lambda: projected_count(store) >= count

        timings: dict[str, float] = {}
        writer = threading.Thread(target=write, name="intake-writer")
        writer.start()

        await wait_for(lambda: len(acknowledged) >= complaints // 5, 300, keep_alive)
        await wait_for(caught_up_with(1), 120, keep_alive)  # the pipeline runs before any fault
        before_kill = len(acknowledged)
        await asyncio.to_thread(cluster, "kill", "1")
        note(f"node 1 killed after {before_kill} registrations")
        timings["kill_recovery_s"] = await wait_for(caught_up_with(before_kill), 180, keep_alive)
        note(f"everything registered before the kill projected {timings['kill_recovery_s']:.1f} s after it")

        at_pause = projected_count(store)
        await asyncio.to_thread(cluster, "pause", "2")
        note(f"node 2 paused for {pause_seconds:.0f} s (one of three left: writes must wait)")
        paused_at = time.monotonic()
        while time.monotonic() - paused_at < pause_seconds:
            keep_alive()
            await asyncio.sleep(0.2)
        progress_while_paused = projected_count(store) - at_pause
        before_resume = len(acknowledged)
        await asyncio.to_thread(cluster, "resume", "2")
        timings["pause_recovery_s"] = await wait_for(caught_up_with(before_resume), 180, keep_alive)
        note(
            f"node 2 resumed; everything registered before the resume projected {timings['pause_recovery_s']:.1f} s"
            f" later ({progress_while_paused} entries arrived while it was paused)"
        )
        await asyncio.to_thread(cluster, "restart", "1")
        note("node 1 restarted")

        await wait_for(lambda: not writer.is_alive(), 600, keep_alive)
        if writer_error:
            raise writer_error[0]
        timings["drain_s"] = await wait_for(caught_up_with(len(acknowledged)), 300, keep_alive)
        intake.close()

        records = await read_topic(
            cluster.servers,
            INTAKE_EVENTS.name,
            expect=len(acknowledged),
            timeout=120,
            settle=2.0,
        )
        topic_seen = [Seen(r.key.decode(), r.key.decode(), (r.topic, r.partition), r.offset) for r in records if r.key]
        for process in processes:
            process.stop()
        projection_seen = projection_history(projection_settings)
        return Outcome(
            complaints=len(acknowledged),
            topic=check_history(acknowledged, topic_seen),
            projection=check_history(acknowledged, projection_seen),
            timings=timings,
            restarts={p.name: p.exit_codes for p in processes},
            logs={p.name: p.log() for p in processes},
        )
    finally:
        for process in processes:
            process.stop()
        await asyncio.to_thread(cluster, "stop")


def projection_history(settings: ProjectionSettings) -> list[Seen]:
    """Every complaint entry in the projection's store, in store order, with where it was read from."""
    app = projection_bootstrap.application(settings)
    seen: list[Seen] = []
    try:
        position = 1
        while notifications := app.process_recorder.select_notifications(position, 1000):
            for notification in notifications:
                event: Any = app.mapper.to_domain_event(notification)
                if isinstance(event, Record.Received) and event.entry["topic"] == INTAKE_EVENTS.name:
                    complaint = str(event.originator_id)
                    entry = event.entry
                    seen.append(Seen(complaint, complaint, (entry["topic"], entry["partition"]), entry["offset"]))
            position = notifications[-1].id + 1
    finally:
        app.close()
    return seen
