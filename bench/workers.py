"""Each service's worker alone, on SQLite and on PostgreSQL, over the same topics (issue 10, item 5:
"the PostgreSQL rate of every service at least its SQLite rate").

1. *Fill*: `--complaints` complaints of a group's history go through the whole system (SQLite, the
   Procfile's 18 processes, as `bench.system` runs them) until every worker and relay is done: every
   topic now holds what the services published for them.
2. *Each worker alone*: for each store, for each service, its worker process (the Procfile's command)
   starts on a fresh store (a new SQLite file / a new PostgreSQL database, pool size 1 as in
   `bench.system`) with nothing else running; a fresh store has no position, so it reads its topics from
   offset 0 and does all the work it did in the fill. Its rate: messages handled from ready until its lag
   is 0, over those seconds; and its CPU ms a message (`/proc`).
3. *Raw batched commit* into each store, in the same run: rows of 1.6 kB in batches of 500 with a
   position row per transaction (`bench.baselines.raw_batched_commit`).

    .venv/bin/python -m bench.workers --complaints 200 --port 19172
    .venv/bin/python -m bench.workers --services triage,projection --stores postgres
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import typer

from shared.auth import make_dev_keys
from shared.bus import kafka

from . import history
from .baselines import raw_batched_commit
from .processes import SERVICES, System
from .run import broker
from .system import drain, postgres_databases, publish
from .traffic import console

cli = typer.Typer(add_completion=False)
SHARED_FILES = ("keys.json", "office-signing-keys.json", "dev.env", "event-signing-keys.json")


def fill(servers: str, workdir: Path, complaints: int, offices: int, timeout: float) -> None:
    records, keys = make_dev_keys()
    (workdir / "keys.json").write_text("[" + ",".join(r.model_dump_json() for r in records) + "]")
    office_list = history.office_ids(offices)
    signers = history.signing_keys(office_list, workdir / "office-signing-keys.json")
    system = System(workdir, servers)
    system.start()
    try:
        system.wait_ready(list(system.procs))
        console.print(f"[bold]fill[/]: {complaints:,} complaints through the whole system (SQLite)")
        asyncio.run(publish(servers, history.history(complaints, office_list), complaints, signers, "publishing"))
        drain(system, keys["group/dashboard"], complaints, "fill", timeout)
    finally:
        system.stop()


def worker_alone(system: System, service: str, timeout: float) -> dict[str, Any]:
    """Start `service`'s worker alone; messages/s and CPU ms a message from ready until its lag is 0."""
    name = f"{service}-worker"
    system.start([name])
    system.wait_ready([name])
    # Ready = its partitions owned: it handles nothing before, so its count starts at 0 from here.
    t0, cpu0 = time.perf_counter(), system.cpu()[name] or 0.0
    with httpx.Client() as client:
        last, moved, calm, cpu_at_move = 0, t0, 0, cpu0
        deadline = time.monotonic() + timeout
        # Done when nothing moved for 4 s with its lag 0: a worker of several topics may be given a
        # late topic's partitions by a second rebalance, its lag 0 meanwhile (1 s stopped some early).
        while calm < 80:
            time.sleep(0.05)
            h = system.health(client, name) or {}
            count = int(h.get("handled") or 0) + int(h.get("dead_lettered") or 0)
            now = time.perf_counter()
            if count != last:  # its CPU read at its last move: the idle tail's health polls left out
                last, moved, calm, cpu_at_move = count, now, 0, system.cpu()[name] or 0.0
            elif h.get("lag") == 0 and count:
                calm += 1
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: not done after {timeout} s ({count} handled, lag {h.get('lag')})")
        cpu = cpu_at_move - cpu0
    system.stop()
    messages = last
    seconds = max(1e-9, moved - t0)
    return {
        "messages": messages,
        "seconds": seconds,
        "rate": messages / seconds,
        "cpu_ms": 1000 * cpu / max(1, messages),
    }


def run(
    servers: str, base: Path, complaints: int, offices: int, stores: list[str], services: list[str], timeout: float
) -> dict[str, Any]:
    asyncio.run(kafka.wait_for_broker(servers))
    asyncio.run(kafka.create_topics(servers))
    filled = base / "fill"
    filled.mkdir()
    fill(servers, filled, complaints, offices, timeout)
    results: dict[str, Any] = {"complaints": complaints, "workers": {}, "raw": {}, "load": {}}
    for store in stores:
        with postgres_databases(store == "postgres") as pg:
            results["load"][store] = os.getloadavg()
            for service in services:
                workdir = base / f"{store}-{service}"
                workdir.mkdir()
                for file in SHARED_FILES:
                    if (filled / file).exists():
                        shutil.copy2(filled / file, workdir / file)
                system = System(workdir, servers, store, pg)
                if pg is not None:
                    up = service.upper()
                    system.extra_env |= {
                        f"{up}_POSTGRES_POOL_SIZE": "1",
                        f"{up}_POSTGRES_DBNAME": f"{pg.dbname}_{service}",
                    }
                console.print(f"[bold]{service} worker alone[/] on {store}")
                results["workers"].setdefault(service, {})[store] = worker_alone(system, service, timeout)
            rows = 20_000
            results["raw"][store] = raw_batched_commit(store, base, rows, pg)
    return results


def table(results: dict[str, Any], stores: list[str]) -> str:
    head = " | ".join(f"{s} msgs/s (CPU ms a msg)" for s in stores)
    lines = [f"| worker | messages | {head} | postgres ÷ sqlite |", "| --- | --- |" + " --- |" * (len(stores) + 1)]
    for service, by_store in results["workers"].items():
        cells = " | ".join(
            f"{by_store[s]['rate']:,.0f} ({by_store[s]['cpu_ms']:.2f})" if s in by_store else "—" for s in stores
        )
        ratio = (
            f"{by_store['postgres']['rate'] / by_store['sqlite']['rate']:.2f}"
            if {"sqlite", "postgres"} <= set(by_store) and by_store["sqlite"]["rate"]
            else "—"
        )
        messages = max(v["messages"] for v in by_store.values())
        lines.append(f"| {service} | {messages:,} | {cells} | {ratio} |")
    raw = " | ".join(f"{results['raw'][s]:,.0f} rows/s" for s in stores if s in results["raw"])
    lines.append(f"| raw batched commit (500 rows of 1.6 kB + a position a transaction) | | {raw} | |")
    load = ", ".join(f"{s}: {' / '.join(f'{x:.1f}' for x in results['load'][s])}" for s in results["load"])
    lines.append(f"\nload average at the start of each store's runs: {load}")
    return "\n".join(lines)


@cli.command()
def main(
    complaints: int = typer.Option(200, help="Complaints of the history the workers read."),
    offices: int = typer.Option(24, help="Offices in the group."),
    stores: str = typer.Option("sqlite,postgres", help="Stores to measure, comma-separated."),
    services: str = typer.Option(",".join(SERVICES), help="Workers to measure, comma-separated."),
    port: int = typer.Option(int(os.environ.get("TEST_KAFKA_PORT", 19594)), help="Port of the bench broker."),
    timeout: float = typer.Option(1800.0, help="Give up a phase after this many seconds."),
    json_out: Path = typer.Option(None, help="Also write the figures as JSON here."),
) -> None:
    store_list, service_list = stores.split(","), services.split(",")
    with (
        broker(port) as servers,
        tempfile.TemporaryDirectory(prefix="bench-workers-", ignore_cleanup_errors=True) as tmp,
    ):
        results = run(servers, Path(tmp), complaints, offices, store_list, service_list, timeout)
    if json_out:
        json_out.write_text(json.dumps(results, indent=2))
    print(table(results, store_list))


if __name__ == "__main__":
    cli()
