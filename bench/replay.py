"""The auditors' replay beside raw aiokafka consume of the same topics, in one run, at a size.

    .venv/bin/python -m bench.replay --complaints 3000                  # ~50k events, SQLite
    .venv/bin/python -m bench.replay --complaints 3000 --store postgres # the same on PostgreSQL

A group's history told as the services' contract events (the projection tests' scenario: offices,
faults, waivers, reopenings, hotline reports) is written straight to the projection's topics; the
live projection consumes it (its tracked consumer, the production batch path: its rate is printed
too), then `audit replay` rebuilds it into a fresh store exactly as an auditor runs it (its raw
aiokafka read, its replay, its comparison of canonical exports). Nothing is asserted: the figures
are printed beside their baselines, as `bench.system` does for the whole system.
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from services.projection import bootstrap
from services.projection.adapters.replay import targets
from services.projection.settings import ProjectionSettings
from shared.bus import kafka
from shared.bus.authors import signed
from shared.bus.kafka import create_topics, wait_for_broker
from shared.contracts import encode
from shared.contracts.topics import signing_services, topic_for_event_type
from shared.signing import ServiceSigner, ensure_service_keys

from .processes import ROOT
from .run import broker

console = Console()
cli = typer.Typer(add_completion=False)


async def publish(servers: str, events: list, signers: dict[str, ServiceSigner]) -> float:
    """Every event on its topic, signed as its service's relay signs it (consumers refuse the unsigned)."""
    await wait_for_broker(servers)
    await create_topics(servers, replication_factor=1, min_insync_replicas=1)
    producer = kafka.producer(servers)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = []
        for event in events:
            wire = encode(event, key=event.key, source="/bench", event_id=str(event.event_id), time=event.occurred_at)
            registered = topic_for_event_type(event.type)
            topic = registered.name
            if registered.authors:
                wire = signed(signers[registered.authors[0]], topic, wire)
            futures.append(await producer.send(topic, wire.value, key=wire.key, headers=wire.headers))
        await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()


async def consume_live(settings: ProjectionSettings, timeout: float) -> float:
    """The live projection's tracked consumer until its recorded positions reach every partition's
    end; its seconds."""
    topics = [t.name for t in bootstrap.CONSUMED_TOPICS]
    ends = await targets(settings.kafka_bootstrap_servers, topics, settings.consumer_group, None)
    app = bootstrap.application(settings)

    def done() -> bool:
        group = settings.consumer_group
        positions = (app.position(f"{group}/{p.topic}/{p.partition}") for p in ends)
        return all(at is not None and at >= end for at, end in zip(positions, ends.values(), strict=True) if end >= 0)

    try:
        consumer = bootstrap.consumer(settings, app)
        stop = asyncio.Event()
        start = time.perf_counter()
        task = asyncio.create_task(consumer.run(stop))
        deadline = start + timeout
        while not done():
            if task.done():
                task.result()
                raise RuntimeError("the live consumer stopped")
            if time.perf_counter() > deadline:
                raise RuntimeError("the live consumer did not finish in time")
            await asyncio.sleep(0.5)
        seconds = time.perf_counter() - start
        stop.set()
        await asyncio.wait_for(task, 60)
        return seconds
    finally:
        app.close()


def _postgres_database(settings: ProjectionSettings, name: str, drop: bool = False) -> None:
    import psycopg

    conninfo = (
        f"host={settings.postgres_host} port={settings.postgres_port} user={settings.postgres_user} "
        f"password={settings.postgres_password.get_secret_value()} dbname={settings.postgres_dbname}"
    )
    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"' if drop else f'CREATE DATABASE "{name}"')


@cli.command()
def main(
    complaints: int = typer.Option(3000, help="Complaints in the history (about 17 events each)."),
    offices: int = typer.Option(12, help="Offices the complaints are spread over."),
    store: str = typer.Option("sqlite", help="sqlite | postgres: the live store and the replay's."),
    port: int = typer.Option(int(os.environ.get("TEST_KAFKA_PORT", "19596")), help="Broker port (own broker)."),
    live_timeout: float = typer.Option(3600, help="Seconds the live consumer may take."),
    keep: bool = typer.Option(False, help="Keep the stores (and PostgreSQL databases) for a look afterwards."),
) -> None:
    from tests.projection.scenario import build

    run = uuid.uuid4().hex[:6]
    workdir = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    names = tuple(f"office-{run}-{n:02d}" for n in range(offices))
    started = time.perf_counter()
    scenario = build(run, offices=names, per_office=max(4, complaints // offices))
    events = scenario.events()
    console.print(f"{len(events):,} events of {complaints:,} complaints built in {time.perf_counter() - started:.0f} s")
    # The services' development signing keys, as `make up` makes them: the records are signed, and
    # the live consumer and the replay check every signature (their cost is in their rates).
    signers = ensure_service_keys(workdir / "dev.env", workdir / "event-signing-keys.json", signing_services())
    with broker(port) as servers:
        settings = ProjectionSettings(
            store=store,
            state_dir=workdir / "live",
            kafka_bootstrap_servers=servers,
            consumer_group=f"projection-{run}",
            keys_file=workdir / "keys.json",
            event_signing_keys_file=workdir / "event-signing-keys.json",
            **({"postgres_dbname": f"bench_replay_{run}"} if store == "postgres" else {}),
        )
        databases = [f"bench_replay_{run}", f"bench_replay_{run}_into"] if store == "postgres" else []
        for name in databases:
            _postgres_database(ProjectionSettings(), name)
        try:
            published = asyncio.run(publish(servers, events, signers))
            console.print(f"published in {published:.1f} s ({len(events) / published:,.0f}/s)")
            live_seconds = asyncio.run(consume_live(settings, live_timeout))
            console.print(f"live consumer: {live_seconds:.1f} s ({len(events) / live_seconds:,.0f} events/s)")
            console.print(f"live store: {settings.state_dir} (group {settings.consumer_group}, {store})")
            replayed = audit_replay(settings, workdir / "replay", scenario.now, databases[1] if databases else None)
        finally:
            for name in databases if not keep else []:
                _postgres_database(ProjectionSettings(), name, drop=True)
    rate, raw_rate = replayed["rate"], replayed["raw_rate"]
    table = Table(title=f"audit replay, {store}, {replayed['events']:,.0f} events")
    table.add_column("figure")
    table.add_column("measured", justify="right")
    table.add_column("raw aiokafka consume, same run", justify="right")
    table.add_column("ratio", justify="right")
    table.add_row("audit replay events/s", f"{rate:,.0f}", f"{raw_rate:,.0f}", f"{rate / raw_rate:.3f}")
    live_rate = len(events) / live_seconds
    table.add_row(
        "live tracked consumer events/s", f"{live_rate:,.0f}", f"{raw_rate:,.0f}", f"{live_rate / raw_rate:.3f}"
    )
    if found := replayed["cpu"]:
        cpu, raw_cpu = float(found[1].replace(",", "")), float(found[2].replace(",", ""))
        table.add_row("CPU seconds (replay / raw)", f"{cpu:,.2f}", f"{raw_cpu:,.2f}", f"{raw_cpu / cpu:.3f}")
    table.add_row("audit replay wall time (comparison included)", f"{replayed['wall_seconds']:,.1f} s", "", "")
    table.add_row("audit replay peak RSS, by the end of the replay", f"{replayed['replay_rss_mib']:,.0f} MiB", "", "")
    table.add_row("audit replay peak RSS, comparison included", f"{replayed['peak_rss_mib']:,.0f} MiB", "", "")
    table.add_row("replay byte-equal to live", "yes" if replayed["equal"] else "NO", "", "")
    console.print(table)


def audit_replay(settings: ProjectionSettings, into: Path, now: datetime, into_database: str | None) -> dict[str, Any]:
    """`python -m services.projection.entrypoints.audit replay`, a process of its own as an auditor
    runs it; its figures parsed from its table, its wall time and peak RSS measured here."""
    env = dict(os.environ) | {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "PROJECTION_STORE": str(settings.store),
        "PROJECTION_STATE_DIR": str(settings.state_dir),
        "PROJECTION_CONSUMER_GROUP": settings.consumer_group,
        "PROJECTION_KEYS_FILE": str(settings.keys_file),
        "PROJECTION_EVENT_SIGNING_KEYS_FILE": str(settings.event_signing_keys_file),
        "PROJECTION_POSTGRES_DBNAME": settings.postgres_dbname,
        "COLUMNS": "200",
    }
    command = [sys.executable, "-m", "services.projection.entrypoints.audit", "replay", "--into", str(into)]
    command += ["--at", now.isoformat()] + (["--into-database", into_database] if into_database else [])
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    out = done.stdout + done.stderr
    (into.parent / "audit-replay.log").write_text(out)

    def figure(label: str) -> float:
        match = re.search(re.escape(label) + r"[^\d]*([\d,\.]+)", out)
        if match is None:
            raise RuntimeError(f"audit replay printed no {label!r}:\n{out[-3000:]}")
        return float(match[1].replace(",", ""))

    return {
        "wall_seconds": wall,
        "exit": done.returncode,
        "events": figure("events replayed"),
        "rate": figure("replay events/s"),
        "raw_rate": figure("raw aiokafka records/s"),
        "cpu": re.search(r"CPU seconds: replay / raw aiokafka\W+([\d,\.]+) / ([\d,\.]+)", out),
        "replay_rss_mib": figure("peak RSS MiB by the end of the replay"),
        "equal": re.search(r"equal byte for byte\W+yes", out) is not None,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    cli()
