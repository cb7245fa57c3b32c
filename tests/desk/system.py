"""The whole system for the desk's tests, in this process, on the real broker: every service's HTTP app
under uvicorn on its own free port (the desk calls them over real HTTP, as under `make up`), every
relay, consumer and the SLA's scheduler on one background event loop, and the desk itself. Wall-clock
time, as people use it. Stores are SQLite files in the test's folder."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from services.desk.entrypoints.http import create_app as desk_http
from services.desk.settings import DeskSettings
from services.followup import bootstrap as followup_boot
from services.followup.entrypoints.http import create_app as followup_http
from services.followup.settings import FollowupSettings
from services.handling import bootstrap as handling_boot
from services.handling.entrypoints.http import create_app as handling_http
from services.handling.settings import HandlingSettings
from services.intake import bootstrap as intake_boot
from services.intake.entrypoints.http import create_app as intake_http
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_boot
from services.projection.entrypoints.http import create_app as projection_http
from services.projection.settings import ProjectionSettings
from services.sla import bootstrap as sla_boot
from services.sla.entrypoints.http import create_app as sla_http
from services.sla.settings import SlaSettings
from services.triage import bootstrap as triage_boot
from services.triage.entrypoints.http import create_app as triage_http
from services.triage.settings import TriageSettings
from shared.clock import utc_now
from shared.contracts.topics import ALL_TOPICS
from tests.support import write_keys

STATUS_SECRET = "a-test-status-link-secret-of-enough-length"


@dataclass
class Served:
    server: uvicorn.Server
    thread: threading.Thread
    sock: socket.socket

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def serve(app: FastAPI, name: str, sock: socket.socket | None = None) -> Served:
    """`app` under uvicorn in a thread, on `sock` (bound already) or a free port."""
    sock = sock or bound_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"{name}-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{name}'s HTTP app did not start")
        time.sleep(0.05)
    return Served(server, thread, sock)


@dataclass
class System:
    keys: dict[str, str]
    desk_url: str
    urls: dict[str, str]
    settings: DeskSettings
    apps: dict[str, Any] = field(default_factory=dict)

    def key(self, actor: str) -> str:
        return self.keys[actor]


async def _topics_visible(servers: str, timeout: float = 60) -> None:
    """Every registry topic has its partitions in the broker's metadata. Right after the fixture recreated
    the topics a consumer may join without seeing them, be given none of their partitions, and wait for
    its next metadata refresh (5 minutes) before it reads them: so the services start only after this."""
    names = {topic.name for topic in ALL_TOPICS}
    consumer = AIOKafkaConsumer(bootstrap_servers=servers)
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            await consumer._client.force_metadata_update()  # a fresh answer, not a cached one
            if all(consumer.partitions_for_topic(name) for name in names):
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the registry's topics never showed their partitions")
            await asyncio.sleep(0.5)
    finally:
        await consumer.stop()


@contextmanager
def running_system(kafka_bootstrap: str, folder: Path) -> Iterator[System]:
    asyncio.run(_topics_visible(kafka_bootstrap))
    run = uuid.uuid4().hex[:8]
    keys_file = folder / "keys.json"
    keys = write_keys(keys_file)

    def common(name: str, group: bool = True) -> dict[str, Any]:
        base: dict[str, Any] = {"store": "sqlite", "state_dir": folder / name,
                                "kafka_bootstrap_servers": kafka_bootstrap, "keys_file": keys_file}  # fmt: skip
        return base | ({"consumer_group": f"{name}-{run}"} if group else {})

    intake_s = IntakeSettings(**common("intake", group=False))
    triage_s = TriageSettings(**common("triage"))
    handling_s = HandlingSettings(**common("handling"))
    sla_s = SlaSettings(**common("sla"))
    # The walk tries an unreachable customer three times in seconds: the retry spacing (hours, tested in
    # tests/followup) is set to none here.
    followup_s = FollowupSettings(**common("followup"), visit_retry_hours=0)
    projection_s = ProjectionSettings(**common("projection"), index_poll_seconds=0.2)

    intake = intake_boot.application(intake_s)
    triage = triage_boot.application(triage_s)
    handling = handling_boot.application(handling_s)
    sla = sla_boot.application(sla_s)
    followup = followup_boot.application(followup_s)
    projection = projection_boot.application(projection_s)
    apps = {"intake": intake, "triage": triage, "handling": handling, "sla": sla, "followup": followup,
            "projection": projection}  # fmt: skip

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    loops = [
        intake_boot.relay(intake_s, intake).run,
        triage_boot.consumer(triage_s, triage).run,
        triage_boot.relay(triage_s, triage).run,
        handling_boot.consumer(handling_s, handling).run,
        handling_boot.relay(handling_s, handling).run,
        sla_boot.consumer(sla_s, sla).run,
        sla_boot.Scheduler(sla, utc_now, tick_seconds=0.5).run,
        sla_boot.relay(sla_s, sla).run,
        followup_boot.consumer(followup_s, followup).run,
        followup_boot.relay(followup_s, followup).run,
        projection_boot.consumer(projection_s, projection).run,
    ]

    async def background() -> None:
        tasks = [asyncio.create_task(run_loop(stop)) for run_loop in loops]
        await stop.wait()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)

    worker = threading.Thread(target=loop.run_until_complete, args=(background(),), name="loops", daemon=True)
    worker.start()
    served: dict[str, Served] = {}
    try:
        served["intake"] = serve(intake_http(intake_s, intake), "intake")
        served["triage"] = serve(triage_http(triage_s, triage), "triage")
        served["handling"] = serve(handling_http(handling_s, handling), "handling")
        served["sla"] = serve(sla_http(sla_s, sla), "sla")
        served["followup"] = serve(followup_http(followup_s, followup), "followup")
        served["projection"] = serve(projection_http(projection_s, projection), "projection")
        urls = {name: s.url for name, s in served.items()}
        desk_settings = DeskSettings(
            keys_file=keys_file,
            **{f"{name}_url": url for name, url in urls.items()},
            status_link_secret=STATUS_SECRET,
            status_reader_key=keys["group/dashboard"],
            session_secret="a-test-session-secret-of-enough-length",
        )
        served["desk"] = serve(desk_http(desk_settings), "desk")
        yield System(keys, served["desk"].url, urls, desk_settings, apps)
    finally:
        for s in served.values():
            s.server.should_exit = True
        for s in served.values():
            s.thread.join(timeout=15)
            s.sock.close()
        loop.call_soon_threadsafe(stop.set)
        worker.join(timeout=90)
        for app in apps.values():
            app.close()
