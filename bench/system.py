"""The whole system's benchmark: `python -m bench.system --complaints 10000 [--store postgres]`.

Starts the six services as `make up` does (every deploy/Procfile process, see bench/processes.py) on a
broker of its own, feeds them a realistic group history (bench/history.py) and prints each figure
beside its raw baseline measured in the same run:

- sustained complaints/s through all six services (from the first registration published until every
  worker's lag is 0, every relay has published all, and the projection lists every complaint), beside
  the slowest service's raw batched commit rate: as many rows of the same size per complaint as that
  service's worker handled messages, inserted in batches of 500 with a position row, into the same store;
- intake -> projection latency p50/p95/p99: complaints POSTed to intake at half the sustained rate, each
  timed until the projection's Server-Sent Events stream names it (first fact; triage decision);
- the time to drain a surge: `--surge` complaints (10,000) arriving evenly within `--surge-window` s (60);
- replay: the auditors' `audit replay` (a process) beside raw aiokafka consume of the same topics;
- each process's start-up time (spawn -> ready) and peak memory (VmHWM), after a restart on the history.

Absolute numbers depend on the machine; the ratios say where the time goes. No figure is asserted.
Here: the feeding, the waiting until done, the run and its options; the raw baselines and the replay
are in bench/baselines.py, the HTTP traffic (latency, worked cases) in bench/traffic.py, the tables in
bench/report.py. docs/performance.md says what each figure means and what was measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import typer

from shared.auth import make_dev_keys
from shared.bus import kafka
from shared.contracts.topics import OFFICE_REGISTRATIONS

from . import history
from .baselines import audit_replay, projection_topics, raw_batched_commit, raw_consume
from .processes import ROOT, SERVICES, Postgres, System, handled, quiet
from .report import print_table
from .run import broker
from .traffic import console, latency, lifecycle, percentiles, progress

cli = typer.Typer(add_completion=False)


# --- feeding -------------------------------------------------------------------------------------


async def publish(
    servers: str,
    planned: Iterator[history.Planned],
    count: int,
    signers: dict[str, Any],
    what: str,
    window: float = 0.0,
) -> float:
    """Sign and publish `count` office submissions (acks=all), made as they go (a million do not fit in
    memory); spread evenly over `window` seconds when given. Returns when the first was sent (perf_counter)."""
    producer = kafka.producer(servers)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = []
        with progress() as bar:
            task = bar.add_task(what, total=count, note="")
            for n, message in enumerate(history.submissions(planned, signers)):
                if window:
                    delay = start + window * n / count - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                futures.append(
                    await producer.send(
                        OFFICE_REGISTRATIONS.name, message.value, key=message.key, headers=message.headers
                    )
                )
                if len(futures) >= 2000:
                    await asyncio.gather(*futures)
                    futures.clear()
                if n % 500 == 0:
                    bar.update(task, completed=n)
            await asyncio.gather(*futures)
            bar.update(task, completed=count)
        return start
    finally:
        await producer.stop()


def projection_total(client: httpx.Client, system: System, key: str) -> int | None:
    """How many complaints the projection lists (its public `GET /complaints`), None if it cannot say."""
    try:
        response = client.get(
            system.url("projection-http") + "/complaints", params={"limit": 1}, headers={"X-Office-Key": key}
        )
        return int(response.json()["total"]) if response.status_code == 200 else None
    except (httpx.TransportError, ValueError, KeyError, TypeError):
        return None


def drain(system: System, key: str, expected: int, what: str, timeout: float) -> dict[str, Any]:
    """Wait until everything is done: every worker's lag 0 and every relay published all, three polls
    in a row, and the projection lists `expected` complaints. Returns when each worker last moved."""
    last_moved: dict[str, float] = {}
    counts: dict[str, int] = {}
    calm = 0
    said = time.perf_counter()
    deadline = time.monotonic() + timeout
    with httpx.Client() as client, progress() as bar:
        task = bar.add_task(what, total=expected, note="")
        while True:
            if dead := system.dead():
                tails = "\n".join(f"--- {name}:\n{system.log_tail(name)}" for name in dead)
                raise RuntimeError(f"process(es) exited during {what}: {dead}\n{tails}")
            snap = system.snapshot(client)
            now = time.perf_counter()
            for service, count in handled(snap).items():
                if count != counts.get(service):
                    counts[service], last_moved[service] = count, now
            total = projection_total(client, system, key)
            lag = sum(int(d.get("lag") or 0) for n, d in snap.items() if n.endswith("-worker"))
            bar.update(task, completed=min(total or 0, expected), note=f"lag {lag}")
            if not console.is_terminal and now - said > 30:  # a log file gets a line every 30 s
                said = now
                console.print(f"{what}: the projection lists {total} of {expected}, lag {lag}", highlight=False)
            calm = calm + 1 if quiet(snap) and (total is None or total >= expected) else 0
            if calm >= 3:
                return {"last_moved": last_moved, "handled": counts, "snapshot": snap}
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not drained after {timeout} s (projection lists {total})")
            time.sleep(0.5)


# --- the run ---------------------------------------------------------------------------------------


@contextmanager
def postgres_databases(enabled: bool):
    """A fresh database per service (and one for the raw baseline) on the local test server."""
    if not enabled:
        yield None
        return
    import psycopg

    user = os.environ.get("POSTGRES_USER", "complaints")
    password = os.environ.get("POSTGRES_PASSWORD", "complaints")
    if host := os.environ.get("POSTGRES_HOST"):
        port = int(os.environ.get("POSTGRES_PORT", "5432"))
    else:
        done = subprocess.run(
            ["bash", str(ROOT / "deploy/postgres/local.sh"), "ensure"], capture_output=True, text=True, check=True
        )
        announced = dict(item.split("=", 1) for item in done.stdout.strip().splitlines()[-1].split())
        host, port = announced["POSTGRES_HOST"], int(announced["POSTGRES_PORT"])
    base = f"bench_{uuid.uuid4().hex[:8]}"
    names = [f"{base}_{s}" for s in (*SERVICES, "raw")]
    admin = (
        f"host={host} port={port} user={user} password={password} dbname={os.environ.get('POSTGRES_DB', 'complaints')}"
    )
    with psycopg.connect(admin, autocommit=True) as db:
        for name in names:
            db.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Postgres(host, port, user, password, base)
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            for name in names:
                for attempt in range(30):
                    try:
                        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                        break
                    except psycopg.errors.InsufficientPrivilege:  # autovacuum at work there: not ours to stop
                        if attempt == 29:
                            raise
                        time.sleep(1)


def run(
    servers: str,
    workdir: Path,
    complaints: int,
    store: str,
    offices: int,
    latency_count: int,
    surge: int,
    surge_window: float,
    lifecycle_count: int,
    skip_replay: bool,
    timeout: float,
    restart: bool = True,
    service_env: dict[str, str] | None = None,
    profile: Path | None = None,
    latency_rate: float | None = None,
) -> dict[str, Any]:
    if profile is not None:  # py-spy cannot write its profile into a folder that does not exist
        if not (Path(sys.executable).parent / "py-spy").exists():  # a profiler, not a dependency of the system
            raise SystemExit("--profile needs py-spy beside this Python: .venv/bin/pip install py-spy==0.4.1")
        profile.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"complaints": complaints, "store": store, "offices": offices, "env": service_env}
    asyncio.run(kafka.wait_for_broker(servers))
    asyncio.run(kafka.create_topics(servers))
    records, keys = make_dev_keys()
    (workdir / "keys.json").write_text("[" + ",".join(r.model_dump_json() for r in records) + "]")
    office_list = history.office_ids(offices)
    signers = history.signing_keys(office_list, workdir / "office-signing-keys.json")

    with postgres_databases(store == "postgres") as pg:
        system = System(workdir, servers, store, pg, extra_env=dict(service_env or {}), profile_dir=profile)
        if pg is not None:  # each service its own database; few connections: the server is shared
            for service in SERVICES:
                system.extra_env.setdefault(f"{service.upper()}_POSTGRES_POOL_SIZE", "1")
                system.extra_env[f"{service.upper()}_POSTGRES_DBNAME"] = f"{pg.dbname}_{service}"
        console.print(f"[bold]starting the six services[/] ({store}, broker {servers}, state {workdir})")
        system.start()
        try:
            results["startup_empty"] = system.wait_ready(list(system.procs))

            console.print(f"[bold]sustained[/]: {complaints:,} complaints of {offices} offices on the office topic")
            planned = history.history(complaints, office_list)
            cpu_before = system.cpu()
            t0 = asyncio.run(publish(servers, planned, complaints, signers, "publishing"))
            drained = drain(system, keys["group/dashboard"], complaints, "sustained", timeout)
            cpu = {n: (c or 0.0) - (cpu_before.get(n) or 0.0) for n, c in system.cpu().items()}
            t_end = max(drained["last_moved"].values())
            seconds = t_end - t0
            per_service = {
                s: {
                    "messages": n,
                    "per_complaint": n / complaints,
                    "rate": n / max(1e-9, drained["last_moved"][s] - t0),
                    # CPU seconds of the service's worker and relay during the phase (the health polls'
                    # small share included): what a message costs, whatever the machine's load.
                    "worker_cpu": cpu.get(f"{s}-worker"),
                    "relay_cpu": cpu.get(f"{s}-relay"),
                }
                for s, n in drained["handled"].items()
            }
            # The raw ceiling is set by the service with the most work per complaint (rows to write).
            slowest = max(per_service, key=lambda s: per_service[s]["per_complaint"])
            results["sustained"] = {
                "seconds": seconds,
                "rate": complaints / seconds,
                "services": per_service,
                "cpu_seconds": sum(cpu.values()),
            }
            results["slowest"] = slowest
            results["peak_rss_load"] = system.peak_rss()

            console.print(f"[bold]raw batched commit[/] into {store} ({slowest}'s messages per complaint)")
            m = max(1.0, per_service[slowest]["per_complaint"])
            rows = max(2000, int(complaints * m))
            raw_rows = raw_batched_commit(store, workdir, rows, pg)
            results["raw_commit"] = {"rows_per_s": raw_rows, "per_complaint": m, "complaints_per_s": raw_rows / m}

            if lifecycle_count:
                console.print(f"[bold]lifecycle[/]: {lifecycle_count} cases re-graded, handled, half reopened (HTTP)")
                results["lifecycle"] = lifecycle(system, keys, lifecycle_count)

            if latency_count:
                rate = latency_rate or max(1.0, results["sustained"]["rate"] / 2)
                lat = asyncio.run(latency(system, keys, latency_count, rate))
                results["latency"] = {"rate": rate, "count": latency_count} | {
                    k: percentiles(v) for k, v in lat.items()
                }
                drain(system, keys["group/dashboard"], 0, "settling", timeout)

            if surge:
                console.print(f"[bold]surge[/]: {surge:,} complaints within {surge_window:g} s on the office topic")
                total_before = complaints + latency_count
                planned = history.history(surge, office_list, seed=13)
                t0 = asyncio.run(publish(servers, planned, surge, signers, "surge arriving", surge_window))
                arrived = time.perf_counter() - t0
                drained = drain(system, keys["group/dashboard"], total_before + surge, "surge", timeout)
                results["surge"] = {
                    "count": surge,
                    "window": surge_window,
                    "arrived_seconds": arrived,
                    "drain_seconds": max(drained["last_moved"].values()) - t0,
                }

            if restart:
                console.print("[bold]restart[/]: every service on its history, one service at a time")
                system.stop()
                startup: dict[str, float] = {}
                for service in SERVICES:
                    names = [f"{service}-{kind}" for kind in ("http", "relay", "worker")]
                    system.start(names)
                    startup |= system.wait_ready(names)
                results["startup"] = startup
                drain(system, keys["group/dashboard"], 0, "after restart", timeout)
                results["peak_rss_restart"] = system.peak_rss()
        finally:
            system.stop()

        if not skip_replay:
            topics = projection_topics()
            console.print(f"[bold]raw aiokafka consume[/] of the projection's {len(topics)} topics, then the replay")
            count, seconds = asyncio.run(raw_consume(servers, topics))
            results["raw_consume"] = {"records": count, "seconds": seconds, "rate": count / seconds}
            results["replay"] = audit_replay(system)
    return results


SIZES: dict[str, tuple[int, int, float, int]] = {
    "tiny": (40, 60, 10.0, 10),
    "small": (200, 500, 30.0, 30),
    "10k": (10_000, 10_000, 60.0, 100),
    "100k": (100_000, 10_000, 60.0, 500),
    "1m": (1_000_000, 10_000, 60.0, 500),
}


@cli.command()
def main(
    complaints: int = typer.Option(None, help="Complaints in the history (default 10,000; 100k and 1M run long)."),
    size: str = typer.Option("10k", help=f"A named size: {', '.join(SIZES)} (options given override it)."),
    store: str = typer.Option("sqlite", help="sqlite or postgres (the local test server, a database per service)."),
    offices: int = typer.Option(24, help="Offices in the group."),
    latency_count: int = typer.Option(None, help="Complaints POSTed to time the latency (10k: 100)."),
    surge: int = typer.Option(None, help="Complaints of the surge (10k: 10,000; 0: none)."),
    surge_window: float = typer.Option(None, help="Seconds the surge arrives within (10k: 60)."),
    lifecycle_count: int = typer.Option(6, help="Cases worked to the end over HTTP (re-grade, handle, reopen)."),
    skip_replay: bool = typer.Option(False, help="Leave out the auditors' replay."),
    restart: bool = typer.Option(True, help="Restart every service on its history (start-up, memory)."),
    service_env: list[str] = typer.Option(
        [],
        "--env",
        help="NAME=VALUE given to every process (a setting to compare, e.g. PROJECTION_INDEX_POLL_SECONDS=0.1).",
    ),
    port: int = typer.Option(int(os.environ.get("TEST_KAFKA_PORT", 19594)), help="Port of the bench broker."),
    timeout: float = typer.Option(3600.0, help="Give up a phase after this many seconds."),
    json_out: Path = typer.Option(None, help="Also write the figures as JSON here."),
    profile: Path = typer.Option(
        None, help="py-spy records every relay and worker into this folder (raw format; py-spy in the venv)."
    ),
    latency_rate: float = typer.Option(
        None, help="POSTs/s while timing the latency (default: half the sustained rate; fixed, runs compare)."
    ),
    show: Path = typer.Option(None, help="Only print the tables of an earlier run's --json-out file."),
) -> None:
    """Print each whole-system figure beside its raw baseline of the same run."""
    if show:
        print_table(json.loads(show.read_text()))
        return
    # A run in the background (SIGINT ignored) or stopped by SIGTERM still stops its processes and broker.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if size.lower() not in SIZES:
        raise typer.BadParameter(f"--size is one of {', '.join(SIZES)}")
    preset = SIZES[size.lower()]
    complaints = preset[0] if complaints is None else complaints
    surge = preset[1] if surge is None else surge
    surge_window = preset[2] if surge_window is None else surge_window
    latency_count = preset[3] if latency_count is None else latency_count
    with (
        broker(port) as servers,
        tempfile.TemporaryDirectory(prefix="bench-system-", ignore_cleanup_errors=True) as tmp,
    ):
        results = run(
            servers, Path(tmp), complaints, store, offices, latency_count, surge, surge_window,
            lifecycle_count, skip_replay, timeout, restart, dict(e.split("=", 1) for e in service_env),
            profile, latency_rate,
        )  # fmt: skip
    print_table(results)
    if json_out:
        json_out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    cli()
