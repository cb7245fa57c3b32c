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
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import statistics
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
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shared.auth import make_dev_keys
from shared.bus import kafka
from shared.contracts.topics import OFFICE_REGISTRATIONS

from . import history
from .processes import ROOT, SERVICES, Postgres, System, handled, quiet
from .run import broker

console = Console(width=max(Console().width, 150))  # the tables are wide; logs too
cli = typer.Typer(add_completion=False)
Row = tuple[str, str, str, str]  # what, figure, baseline, ratio


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
        console=console,
    )


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


# --- baselines -----------------------------------------------------------------------------------


def raw_batched_commit(store: str, workdir: Path, rows: int, pg: Postgres | None, size: int = 1600) -> float:
    """Rows/s of a raw batched insert into the store: batches of 500 rows of `size` bytes, each batch in
    one transaction with one position row (what a tracked consumer's unit of work writes, no framework)."""
    value = os.urandom(size)
    batch = 500
    if store == "sqlite":
        import sqlite3

        db = sqlite3.connect(workdir / f"raw-{uuid.uuid4().hex[:6]}.sqlite")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, topic TEXT, body BLOB)")
        db.execute("CREATE TABLE tracking (name TEXT PRIMARY KEY, position INTEGER)")
        start = time.perf_counter()
        for first in range(0, rows, batch):
            with db:
                db.executemany(
                    "INSERT INTO events (topic, body) VALUES (?, ?)",
                    [("t", value) for _ in range(min(batch, rows - first))],
                )
                db.execute("INSERT OR REPLACE INTO tracking VALUES ('t-0', ?)", (first,))
        elapsed = time.perf_counter() - start
        db.close()
        return rows / elapsed
    import psycopg

    assert pg is not None
    conninfo = f"host={pg.host} port={pg.port} user={pg.user} password={pg.password} dbname={pg.dbname}_raw"
    with psycopg.connect(conninfo) as db:
        db.execute("CREATE TABLE events (id BIGSERIAL PRIMARY KEY, topic TEXT, body BYTEA)")
        db.execute("CREATE TABLE tracking (name TEXT PRIMARY KEY, position BIGINT)")
        db.commit()
        start = time.perf_counter()
        for first in range(0, rows, batch):
            with db.transaction(), db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO events (topic, body) VALUES (%s, %s)",
                    [("t", value) for _ in range(min(batch, rows - first))],
                )
                cursor.execute(
                    "INSERT INTO tracking VALUES ('t-0', %s) ON CONFLICT (name) DO UPDATE SET position = %s",
                    (first, first),
                )
        return rows / (time.perf_counter() - start)


async def raw_consume(servers: str, topics: list[str]) -> tuple[int, float]:
    """Records and seconds of a raw aiokafka read of `topics` from offset 0 to their current ends."""
    from aiokafka import TopicPartition

    consumer = kafka.consumer(servers, group_id=None, topics=[])
    await consumer.start()
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or set())]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or set())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        goal = {tp: end for tp, end in ends.items() if end > 0}
        seen, start = 0, time.perf_counter()
        while goal:
            for tp, records in (await consumer.getmany(*goal, timeout_ms=500, max_records=5000)).items():
                seen += len(records)
                if records and records[-1].offset + 1 >= goal.get(tp, 0):
                    goal.pop(tp, None)
            for tp in list(goal):  # transaction markers hold offsets but no record
                if await consumer.position(tp) >= goal[tp]:
                    goal.pop(tp)
        return seen, time.perf_counter() - start
    finally:
        await consumer.stop()


def projection_topics() -> list[str]:
    """The topics the auditors' replay reads: the projection's own list (its bootstrap says so)."""
    try:
        from services.projection import bootstrap

        return sorted(t.name for t in bootstrap.CONSUMED_TOPICS)
    except (ImportError, AttributeError):  # renamed: the services' facts, as the replay reads them today
        from shared.contracts import topics

        facts = ("INTAKE_EVENTS", "TRIAGE_EVENTS", "HANDLING_EVENTS", "SLA_EVENTS", "FOLLOWUP_EVENTS")
        return sorted(getattr(topics, name).name for name in (*facts, "HOTLINE_REPORTS"))


def audit_replay(system: System) -> dict[str, Any]:
    """`python -m services.projection.entrypoints.audit replay` as an auditor runs it; its own figures
    parsed from its table, its wall time measured here."""
    env = system.env() | {"PROJECTION_HTTP_PORT": "0", "COLUMNS": "200"}
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.projection.entrypoints.audit",
            "replay",
            "--into",
            str(system.workdir / "replay"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    out = done.stdout + done.stderr
    (system.workdir / "logs" / "audit-replay.log").write_text(out)

    def figure(label: str) -> float | None:
        match = re.search(re.escape(label) + r"[^\d]*([\d,\.]+)", out)
        return float(match[1].replace(",", "")) if match else None

    return {
        "wall_seconds": wall,
        "exit": done.returncode,
        "events": figure("events replayed"),
        "rate": figure("replay events/s"),
        "raw_rate": figure("raw aiokafka records/s"),
        "equal": "equal byte for byte" in out and re.search(r"equal byte for byte\W+yes", out) is not None,
    }


# --- latency ---------------------------------------------------------------------------------------


async def latency(system: System, keys: dict[str, str], count: int, rate: float) -> dict[str, list[float]]:
    """POST `count` complaints to intake at `rate`/s; time each until the projection's SSE stream names
    it (its first fact) and names its triage decision."""
    sent: dict[str, float] = {}
    first: dict[str, float] = {}
    triaged: dict[str, float] = {}
    offices = [o for o in history.office_ids(3)]
    planned = list(history.history(count, offices, seed=11))

    async def watch(client: httpx.AsyncClient) -> None:
        headers = {"X-Office-Key": keys["group/dashboard"]}
        async with client.stream("GET", system.url("projection-http") + "/stream", headers=headers) as stream:
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "complaint":
                    data = json.loads(line.split(":", 1)[1])
                    now, subject = time.perf_counter(), str(data.get("subject_id"))
                    first.setdefault(subject, now)
                    if "Triaged" in str(data.get("event_type")):
                        triaged.setdefault(subject, now)

    async with httpx.AsyncClient(timeout=30) as client:
        watcher = asyncio.create_task(watch(client))
        await asyncio.sleep(1)  # the stream is open before the first complaint
        start = time.perf_counter()
        with progress() as bar:
            task = bar.add_task(f"latency: {count} POSTs at {rate:.1f}/s", total=count, note="")
            pending = set()

            async def post(p: history.Planned) -> None:
                key = keys[f"{p.office_id}/reception"]
                at = time.perf_counter()
                response = await client.post(
                    system.url("intake-http") + "/complaints",
                    content=p.form.model_dump_json(),
                    headers={"X-Office-Key": key, "Content-Type": "application/json"},
                )
                response.raise_for_status()
                sent[str(response.json()["complaint_id"])] = at
                bar.advance(task)

            for n, p in enumerate(planned):
                delay = start + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.add(asyncio.create_task(post(p)))
            await asyncio.gather(*pending)
        deadline = time.perf_counter() + max(60, count / rate * 3)
        while any(c not in triaged for c in sent) and time.perf_counter() < deadline and not watcher.done():
            await asyncio.sleep(0.1)
        if missing := len(set(sent) - set(triaged)):
            console.print(f"[yellow]latency: {missing} complaints not seen triaged on the stream in time[/]")
        watcher.cancel()
    return {
        "first": [first[c] - t for c, t in sent.items() if c in first],
        "triaged": [triaged[c] - t for c, t in sent.items() if c in triaged],
    }


def percentiles(values: list[float]) -> tuple[float, float, float] | None:
    if len(values) < 2:
        return None
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


# --- lifecycle -------------------------------------------------------------------------------------


def lifecycle(system: System, keys: dict[str, str], count: int) -> int:
    """Work `count` complaints of the development offices to the end over HTTP, as their people would:
    a supervisor re-grades each; half are reopened after a dissatisfied return visit. Returns how many
    got through (a step refused by a changed API is reported, not fatal: this is history, not a figure)."""
    done = 0
    with httpx.Client(timeout=20) as client:
        try:
            listed = client.get(
                system.url("projection-http") + "/complaints",
                params={"office": "hk-central", "limit": count},
                headers={"X-Office-Key": keys["group/dashboard"]},
            ).json()
            chosen = [(item["complaint_id"], item["office_id"]) for item in listed["items"][:count]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            console.print(f"[yellow]lifecycle skipped: the projection's complaint list did not answer ({error})[/]")
            return 0
        for n, (cid, office) in enumerate(chosen):

            def key(role: str, office: str = office) -> dict[str, str]:
                return {"X-Office-Key": keys[f"{office}/{role}"]}

            try:
                client.post(
                    f"{system.url('triage-http')}/complaints/{cid}/triage/severity",
                    json={"value": "major", "reason": "Re-graded by the supervisor after a second report."},
                    headers=key("supervisor"),
                ).raise_for_status()
                case = f"{system.url('handling-http')}/cases/{cid}"
                steps = [
                    ("acceptance", "staff", {}),
                    ("cause", "staff", {"cause": "Checked on site.", "responsible_person": "duty engineer"}),
                    ("proposal", "staff", {"kind": "repair", "description": "Repair it."}),
                    ("approval", "leader", {"note": "Approved."}),
                    ("execution", "staff", {"notes": "Done on site."}),
                    ("result", "staff", {"result": "Resolved.", "resolved": True}),
                ]
                for step, role, body in steps:
                    client.post(f"{case}/{step}", json=body, headers=key(role)).raise_for_status()
                follow = f"{system.url('followup-http')}/complaints/{cid}"
                for _ in range(100):  # follow-up hears of the result through Kafka
                    got = client.get(follow, headers=key("supervisor"))
                    if got.status_code == 200 and got.json().get("results"):
                        break
                    time.sleep(0.2)
                client.post(
                    f"{follow}/reply", json={"channel": "phone", "summary": "Explained."}, headers=key("supervisor")
                ).raise_for_status()
                visit = (
                    {"outcome": "dissatisfied", "satisfaction": 2, "remarks": "Still unhappy."}
                    if n % 2 == 0
                    else {"outcome": "satisfied", "satisfaction": 5, "acknowledged": True}
                )
                visited = client.post(f"{follow}/return-visits", json=visit, headers=key("reception"))
                if not (visited.status_code == 409 and "waived" in visited.text):  # a consultation needs none
                    visited.raise_for_status()
                done += 1
            except httpx.HTTPStatusError as error:
                detail = error.response.text[:300]
                console.print(f"[yellow]lifecycle of {cid} stopped: {error.request.url.path}: {detail}[/]")
            except httpx.HTTPError as error:
                console.print(f"[yellow]lifecycle of {cid} stopped: {error}[/]")
    return done


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
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
) -> dict[str, Any]:
    results: dict[str, Any] = {"complaints": complaints, "store": store, "offices": offices, "env": service_env}
    asyncio.run(kafka.wait_for_broker(servers))
    asyncio.run(kafka.create_topics(servers))
    records, keys = make_dev_keys()
    (workdir / "keys.json").write_text("[" + ",".join(r.model_dump_json() for r in records) + "]")
    office_list = history.office_ids(offices)
    signers = history.signing_keys(office_list, workdir / "office-signing-keys.json")

    with postgres_databases(store == "postgres") as pg:
        system = System(workdir, servers, store, pg, extra_env=dict(service_env or {}))
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
            t0 = asyncio.run(publish(servers, planned, complaints, signers, "publishing"))
            drained = drain(system, keys["group/dashboard"], complaints, "sustained", timeout)
            t_end = max(drained["last_moved"].values())
            seconds = t_end - t0
            per_service = {
                s: {
                    "messages": n,
                    "per_complaint": n / complaints,
                    "rate": n / max(1e-9, drained["last_moved"][s] - t0),
                }
                for s, n in drained["handled"].items()
            }
            # The raw ceiling is set by the service with the most work per complaint (rows to write).
            slowest = max(per_service, key=lambda s: per_service[s]["per_complaint"])
            results["sustained"] = {"seconds": seconds, "rate": complaints / seconds, "services": per_service}
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
                rate = max(1.0, results["sustained"]["rate"] / 2)
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


# --- the table -------------------------------------------------------------------------------------


def rows(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    s = r["sustained"]
    raw = r["raw_commit"]
    out.append(
        (
            f"sustained complaints/s, all six services ({r['store']})",
            f"{s['rate']:,.1f}",
            f"{raw['complaints_per_s']:,.1f}/s raw batched commit: {raw['rows_per_s']:,.0f} rows/s"
            f" / {raw['per_complaint']:.1f} rows a complaint ({r['slowest']})",
            f"{s['rate'] / raw['complaints_per_s']:.3f} (target 0.7)",
        )
    )
    for service, figures in s["services"].items():
        out.append(
            (
                f"  {service} worker: messages/s ({figures['per_complaint']:.1f} a complaint)",
                f"{figures['rate']:,.0f}",
                f"{raw['rows_per_s']:,.0f} raw rows/s",
                f"{figures['rate'] / raw['rows_per_s']:.3f}",
            )
        )
    if lat := r.get("latency"):
        for kind, label in (("first", "first fact"), ("triaged", "triage decision")):
            if cuts := lat.get(kind):
                out.append(
                    (
                        f"intake -> projection ({label}) at {lat['rate']:.1f}/s: p50 / p95 / p99 ms",
                        " / ".join(f"{c * 1000:,.0f}" for c in cuts),
                        "target: p99 <= 500 ms",
                        f"{cuts[2] * 1000 / 500:.2f} x target",
                    )
                )
    if surge := r.get("surge"):
        out.append(
            (
                f"surge of {surge['count']:,} within {surge['window']:g} s: drained after s",
                f"{surge['drain_seconds']:,.1f}",
                f"arrived over {surge['arrived_seconds']:,.1f} s",
                f"{surge['drain_seconds'] / surge['arrived_seconds']:.2f} x arrival",
            )
        )
    if replay := r.get("replay"):
        raw_rate = r["raw_consume"]["rate"]
        rate = replay.get("rate") or (r["raw_consume"]["records"] / replay["wall_seconds"])
        own_raw = f"; the replay's own raw read {replay['raw_rate']:,.0f}/s" if replay.get("raw_rate") else ""
        out.append(
            (
                "audit replay events/s" + ("" if replay.get("rate") else " (by wall time)"),
                f"{rate:,.0f}",
                f"{raw_rate:,.0f}/s raw aiokafka consume of {r['raw_consume']['records']:,} records{own_raw}",
                f"{rate / raw_rate:.3f} (target 0.5)",
            )
        )
        out.append(
            (
                "  audit replay: wall time s (byte-equal to live?)",
                f"{replay['wall_seconds']:,.1f}",
                "",
                "equal" if replay["equal"] else f"NOT equal (exit {replay['exit']})",
            )
        )
    return out


def print_table(r: dict[str, Any]) -> None:
    title = f"whole system: {r['complaints']:,} complaints, {r['offices']} offices, {r['store']}"
    table = Table(title=title)
    for column in ("what", "figure", "baseline (same run)", "ratio"):
        table.add_column(column, justify="right" if column in ("figure", "ratio") else "left")
    for row in rows(r):
        table.add_row(*row)
    console.print(table)
    table = Table(title=f"start-up and memory of every process ({r['complaints']:,} complaints of history)")
    for column in ("process", "start-up s, empty", "start-up s, on history", "peak RSS MiB, load", "after restart"):
        table.add_column(column, justify="left" if column == "process" else "right")
    for service in SERVICES:
        for kind in ("http", "relay", "worker"):
            name = f"{service}-{kind}"
            figures = [
                r.get(k, {}).get(name) for k in ("startup_empty", "startup", "peak_rss_load", "peak_rss_restart")
            ]
            table.add_row(name, *("-" if f is None else f"{f:,.1f}" for f in figures))
    console.print(table)
    console.print("targets: start-up <= 5 s and memory independent of history, for every service at 1M complaints")


# Named sizes: complaints of history, the surge (complaints, seconds) and the POSTs timed for latency.
# `small` is `make bench`'s (a few minutes here); 100k and 1m run for hours on a small machine.
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
        )  # fmt: skip
    print_table(results)
    if json_out:
        json_out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    cli()
