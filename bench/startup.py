"""Start-up time and memory of every service at a history's size: `python -m bench.startup --sizes 10000,100000`
(`make bench-startup SIZES=10000,100000`).

Issue 10 asks that every service be ready within seconds and use the same memory whatever its
history. Feeding a million complaints through the six services takes days on a small machine (the
system's sustained rate, docs/performance.md), so the stores are filled the cheap way, and the fill
is made as faithful as it can be for what is measured here:

1. **Seed**: every Procfile process of the six services (bench/processes.py, as `make up` runs them,
   SQLite stores) takes `--seed` complaints through its real inputs (signed registrations on the
   office topic, bench/history.py) until every worker's lag is 0 and every relay has published all.
   So every table of every store holds rows the services wrote themselves, with their real shapes,
   sizes, encryption and indexes, and Kafka holds every topic and position they wrote.
2. **Measure** on the seed: each service alone (its HTTP app, relay and worker started together, the
   others stopped), from spawn until ready — an HTTP app answers `/health/live`, a relay or worker
   `/health/ready` (its position read, partitions owned) — then `--settle` seconds more (the first
   polls, the first scheduler tick, the read side's first refresh: whatever a start does just after
   it says it is ready); then each process's peak resident memory (VmHWM), its CPU seconds, and the
   service's store size.
3. **Grow** every store to the next size: each table's seed rows copied again and again in SQL with
   new ids (each id-like column — a UUID, with or without dashes — gets the copy's number in its 4th
   group, consistently in every table and store, so a complaint's rows still join; a unique key
   without an id gets its number offset or its text suffixed; copy k of notification n is notification
   n + k x the seed's last, and a store position column moves with it). The copies are real rows of real
   complaints under new ids, so any start that reads history (rows, an index it builds, an
   aggregate it loads) reads N complaints' worth. What the copies are not: new business facts (they
   repeat the seed's texts, numbers and times), so this measures start-up and memory, not
   correctness. Positions are moved so a restart has nothing to catch up: the projection's read
   side to the store's last notification, each relay's position to its store's last notification
   (a signed position record on `complaints.relay.positions`, after as many as one per complaint
   per service, which a relay's start reads); each worker's redrive scan kept as far behind as a live
   worker leaves it (`keep_redrive_scans`); the clones' SLA due clocks are due in 2999 (in the
   due index, never fired), the Kafka tracking records untouched (nothing new on the topics).
4. Measure again at each size; print a table of every process: ready seconds, peak MiB and CPU
   seconds beside the size.

No figure is asserted (docs/performance.md, "Start-up and memory at size", has the figures).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import typer
from aiokafka import TopicPartition
from rich.table import Table

from shared.auth import make_dev_keys
from shared.bus import kafka
from shared.bus.authors import signed
from shared.bus.consumer import REDRIVE_SCAN_KEPT_EVERY
from shared.contracts import WireMessage
from shared.contracts.topics import RELAY_POSITIONS, signing_services
from shared.signing import ensure_service_keys

from . import history
from .processes import SERVICES, System, peak_rss_mib
from .run import broker
from .system import drain, publish
from .traffic import console

cli = typer.Typer(add_completion=False)
UUID_DASHED = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID_HEX = re.compile(r"^[0-9a-f]{32}$")
KEPT = {
    "sqlite_sequence",
    "tracking",
    "projection_position",
    "keyring_secrets",
}  # positions, master secrets: never copied
FAR = "2999-01-01T00:00:00.000000"


# --- measuring one service's start ------------------------------------------------------------------


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def store_mib(workdir: Path, service: str) -> float:
    path = workdir / "stores" / f"{service}.sqlite"
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20 if path.exists() else 0.0


def measure(system: System, settle: float, services: tuple[str, ...] = SERVICES) -> dict[str, dict[str, Any]]:
    """Each service alone: start its three processes, time them to ready, settle, read /proc, stop."""
    found: dict[str, dict[str, Any]] = {}
    for service in services:
        names = [f"{service}-{kind}" for kind in ("http", "relay", "worker")]
        system.start(names)
        try:
            ready = system.wait_ready(names)
            time.sleep(settle)
            for name in names:
                pid = system.procs[name].pid
                found[name] = {"ready_s": ready[name], "peak_mib": peak_rss_mib(pid), "cpu_s": cpu_seconds(pid)}
        finally:
            system.stop()
        found[name]["store_mib"] = store_mib(system.workdir, service)
    return found


# --- growing the stores ----------------------------------------------------------------------------


def _id_columns(db: sqlite3.Connection, table: str, columns: list[str]) -> dict[str, str]:
    """The columns of `table` that hold ids: 'dashed' or 'hex' UUIDs (judged on a sample of rows)."""
    kinds: dict[str, str] = {}
    for column in columns:
        sample = [
            r[0] for r in db.execute(f'SELECT "{column}" FROM seed."{table}" WHERE "{column}" IS NOT NULL LIMIT 50')
        ]
        texts = [v for v in sample if isinstance(v, str)]
        if texts and all(UUID_DASHED.match(v) for v in texts):
            kinds[column] = "dashed"
        elif texts and all(UUID_HEX.match(v) for v in texts):
            kinds[column] = "hex"
    return kinds


def _unique_keys(db: sqlite3.Connection, table: str, info: list[Any]) -> list[list[str]]:
    keys = []
    primary = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
    if primary:
        keys.append(primary)
    for index in db.execute(f'PRAGMA main.index_list("{table}")'):
        if index[2]:  # unique
            keys.append([r[2] for r in db.execute(f'PRAGMA main.index_info("{index[1]}")')])
    return keys


def _seed_notifications(db: sqlite3.Connection) -> int:
    """The seed store's last notification id (its stored events' rowids run 1..this, no gaps)."""
    if not db.execute("SELECT 1 FROM seed.sqlite_master WHERE name = 'stored_events'").fetchone():
        return 0
    return int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM seed.stored_events").fetchone()[0])


def copy_plan(db: sqlite3.Connection, table: str) -> tuple[list[str], list[str]]:
    """The columns to insert and, for each, the SQL expression of copy `:k` of a seed row."""
    info = list(db.execute(f'PRAGMA main.table_info("{table}")'))
    columns = [r[1] for r in info]
    types = {r[1]: (r[2] or "").upper() for r in info}
    ids = _id_columns(db, table, columns)
    notifications = _seed_notifications(db)
    rowid = [r[1] for r in info if r[5] == 1 and types[r[1]] == "INTEGER" and sum(1 for x in info if x[5]) == 1]
    offset: set[str] = set()
    suffix: set[str] = set()
    for key in _unique_keys(db, table, info):
        if any(c in ids for c in key) or key == rowid:
            continue
        numbers = [c for c in key if "INT" in types[c]]
        (offset if numbers else suffix).add((numbers or key)[-1])
    expressions = []
    for column in columns:
        quoted = f'"{column}"'
        if column in rowid:
            expressions.append("NULL")  # a new rowid (a store's notification id: after every other)
        elif ids.get(column) == "dashed":
            expressions.append(
                f"CASE WHEN length({quoted}) = 36 THEN substr({quoted}, 1, 19) || printf('%04x', 32768 + :k) "
                f"|| substr({quoted}, 24) ELSE {quoted} END"
            )
        elif ids.get(column) == "hex":
            expressions.append(
                f"CASE WHEN length({quoted}) = 32 THEN substr({quoted}, 1, 16) || printf('%04x', 32768 + :k) "
                f"|| substr({quoted}, 21) ELSE {quoted} END"
            )
        elif column in offset:
            (top,) = db.execute(f'SELECT COALESCE(MAX({quoted}), 0) + 1 FROM seed."{table}"').fetchone()
            if notifications and top - 1 <= notifications:
                # A store position (the notification an SSE change or a timeline row came from): copy k
                # of it is where copy k of its stored event lands (the copies' rowids follow the seed's,
                # `notifications` a copy), so the events recorded after the growth come after it too.
                top = notifications
            expressions.append(f"{quoted} + :k * {int(top)}")
        elif column in suffix:
            expressions.append(f"{quoted} || '~' || :k")
        elif table == "due_clocks" and column == "due_at":
            expressions.append(f"CASE WHEN due_at IS NULL THEN NULL ELSE '{FAR}' END")
        elif table == "due_clocks" and column.startswith("lease_"):
            expressions.append("NULL")
        else:
            expressions.append(quoted)
    if table == "stored_events" and notifications:
        # Copy k of notification n is notification n + k * (the seed's last): a copy the table refuses
        # (two seed ids made one by the renaming) leaves a gap, never shifts the copies after it.
        columns, expressions = ["rowid", *columns], [f"rowid + :k * {notifications}", *expressions]
    return columns, expressions


def grow(store: Path, seed: Path, copies: range) -> int:
    """Add copies `copies` of every seed row of every table of `store` (its seed kept in `seed`)."""
    db = sqlite3.connect(store, timeout=60, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(f"ATTACH DATABASE '{seed}' AS seed")
        tables = [
            r[0]
            for r in db.execute("SELECT name FROM seed.sqlite_master WHERE type = 'table' ORDER BY name")
            if r[0] not in KEPT and not r[0].startswith("sqlite_")
        ]
        plans = {t: copy_plan(db, t) for t in tables}
        added = 0
        for k in copies:
            db.execute("BEGIN")
            for table, (columns, expressions) in plans.items():
                names = ", ".join(f'"{c}"' for c in columns)
                cursor = db.execute(
                    f'INSERT OR IGNORE INTO main."{table}" ({names}) SELECT {", ".join(expressions)} '
                    f'FROM seed."{table}"',
                    {"k": k},
                )
                added += max(0, cursor.rowcount)
            db.execute("COMMIT")
        tables_here = {r[0] for r in db.execute("SELECT name FROM main.sqlite_master")}
        if "tracking" in tables_here:
            keep_redrive_scans(db)
        if "projection_position" in tables_here:
            db.execute(
                "UPDATE projection_position SET notification_id = (SELECT MAX(rowid) FROM stored_events) "
                "WHERE name = 'read-side'"
            )
        return added
    finally:
        db.close()


def keep_redrive_scans(db: sqlite3.Connection) -> None:
    """Each worker's redrive scan position as a live store of this size would hold it: the worker
    keeps it in a tracking record once it is `REDRIVE_SCAN_KEPT_EVERY` notifications behind the log
    (shared/bus/consumer.py), so a live store's record is at most that far behind its last
    notification. The worst case is written: the start scans that many, not the copies' whole log."""
    (last,) = db.execute("SELECT COALESCE(MAX(rowid), 0) FROM stored_events").fetchone()
    kept = max(0, int(last) - REDRIVE_SCAN_KEPT_EVERY + 1)
    names = [r[0] for r in db.execute("SELECT DISTINCT application_name FROM tracking")]
    groups = {name.rsplit("/", 2)[0] for name in names if name.count("/") >= 2 and not name.endswith("/redrives")}
    for group in sorted(groups):
        (held,) = db.execute(
            "SELECT COALESCE(MAX(notification_id), 0) FROM tracking WHERE application_name = ?", (f"{group}/redrives",)
        ).fetchone()
        if held < kept:
            db.execute("DELETE FROM tracking WHERE application_name = ?", (f"{group}/redrives",))
            db.execute(
                "INSERT INTO tracking (application_name, notification_id) VALUES (?, ?)", (f"{group}/redrives", kept)
            )


def last_notification(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM stored_events").fetchone()[0])


def snapshot_seed(workdir: Path) -> dict[Path, Path]:
    """A copy of every store as the seed left it (the rows every later copy is made from)."""
    seeds = {}
    (workdir / "seed").mkdir(exist_ok=True)
    for store in sorted((workdir / "stores").glob("*.sqlite")):
        target = workdir / "seed" / store.name
        with sqlite3.connect(store) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        seeds[store] = target
    return seeds


async def move_relay_positions(
    servers: str, workdir: Path, filler_per_service: int, services: tuple[str, ...] = SERVICES
) -> None:
    """Each relay's committed position moved to its store's last notification: `filler_per_service`
    signed records of each relay's current position first, the relays taking turns as they do live
    (what a year of small batches leaves on the topic where the log cleaner has not compacted it),
    then the new ones."""
    signers = ensure_service_keys(workdir / "dev.env", workdir / "event-signing-keys.json", signing_services())
    keys = await relay_keys(servers)
    fillers, finals = [], []
    for service in services:
        key, current = keys[service]
        fillers.append(signed(signers[service], RELAY_POSITIONS.name, WireMessage(key, str(current).encode(), [])))
        last = last_notification(workdir / "stores" / f"{service}.sqlite")
        finals.append(signed(signers[service], RELAY_POSITIONS.name, WireMessage(key, str(last).encode(), [])))
    producer = kafka.producer(servers)
    await producer.start()
    try:
        futures = []
        for record in [*(f for _ in range(filler_per_service) for f in fillers), *finals]:
            futures.append(
                await producer.send(RELAY_POSITIONS.name, record.value, key=record.key, headers=record.headers)
            )
            if len(futures) >= 5000:
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def relay_keys(servers: str) -> dict[str, tuple[bytes, int]]:
    """Each service's relay position key (`service/store instance`) and its last value on the topic."""
    consumer = kafka.consumer(servers, group_id=None)
    partition = TopicPartition(RELAY_POSITIONS.name, 0)
    await consumer.start()
    found: dict[str, tuple[bytes, int]] = {}
    try:
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        end = (await consumer.end_offsets([partition]))[partition]
        while await consumer.position(partition) < end:
            for record in (await consumer.getmany(partition, timeout_ms=500)).get(partition, []):
                if record.key and record.value is not None:
                    found[record.key.decode().split("/", 1)[0]] = (record.key, int(record.value))
    finally:
        await consumer.stop()
    return found


def position_records(servers: str) -> int:
    async def count() -> int:
        consumer = kafka.consumer(servers, group_id=None)
        await consumer.start()
        try:
            partition = TopicPartition(RELAY_POSITIONS.name, 0)
            return int((await consumer.end_offsets([partition]))[partition])
        finally:
            await consumer.stop()

    return asyncio.run(count())


# --- the run -----------------------------------------------------------------------------------------


def run(
    servers: str,
    workdir: Path,
    seed_count: int,
    sizes: list[int],
    offices: int,
    settle: float,
    services: tuple[str, ...] = SERVICES,
) -> dict[str, Any]:
    asyncio.run(kafka.wait_for_broker(servers))
    asyncio.run(kafka.create_topics(servers))
    records, keys = make_dev_keys()
    (workdir / "keys.json").write_text("[" + ",".join(r.model_dump_json() for r in records) + "]")
    office_list = history.office_ids(offices)
    signers = history.signing_keys(office_list, workdir / "office-signing-keys.json")
    system = System(workdir, servers, "sqlite")
    results: dict[str, Any] = {"seed": seed_count, "sizes": {}}
    try:
        console.print(f"[bold]seed[/]: {seed_count:,} complaints through the six services (state {workdir})")
        system.start()
        system.wait_ready(list(system.procs))
        asyncio.run(publish(servers, history.history(seed_count, office_list), seed_count, signers, "publishing"))
        drain(system, keys["group/dashboard"], seed_count, "seed", 3600)
        system.stop()
        time.sleep(1)
        seeds = snapshot_seed(workdir)
        console.print("[bold]measure[/] on the seed")
        results["sizes"][seed_count] = {
            "processes": measure(system, settle, services),
            "position_records": position_records(servers),
        }
        copies_made = 1  # the seed itself
        for size in sizes:
            wanted = max(1, -(-size // seed_count))
            started = time.perf_counter()
            grown = {store: seed for store, seed in seeds.items() if store.stem in (*services, "keyring")}
            added = sum(grow(store, seed, range(copies_made, wanted)) for store, seed in grown.items())
            filler = (wanted - copies_made) * seed_count  # one position record per complaint per service
            asyncio.run(move_relay_positions(servers, workdir, filler, services))
            fill_seconds = time.perf_counter() - started
            copies_made = max(copies_made, wanted)
            total = copies_made * seed_count
            console.print(f"[bold]grown[/] to {total:,} complaints: {added:,} rows in {fill_seconds:.0f} s; measure")
            results["sizes"][total] = {
                "fill_seconds": fill_seconds,
                "rows_added": added,
                "position_records": position_records(servers),
                "processes": measure(system, settle, services),
            }
    finally:
        system.stop()
    return results


def print_results(results: dict[str, Any]) -> None:
    sizes = sorted(results["sizes"], key=int)
    table = Table(title="start-up (spawn -> ready, s) / peak RSS (MiB) / CPU s to ready + settle, each service alone")
    table.add_column("process")
    for size in sizes:
        table.add_column(f"{int(size):,} complaints", justify="right")
    names = list(results["sizes"][sizes[0]]["processes"])
    for name in names:
        cells = []
        for size in sizes:
            p = results["sizes"][size]["processes"].get(name, {})
            cells.append(f"{p.get('ready_s', 0):.1f} s / {p.get('peak_mib') or 0:.0f} / {p.get('cpu_s') or 0:.1f}")
        table.add_row(name, *cells)
    table.add_row("stores (MiB, all six)", *[f"{_stores(results, s):.0f}" for s in sizes])
    table.add_row("relay position records", *[f"{results['sizes'][s].get('position_records', 0):,}" for s in sizes])
    table.add_row("fill (s)", *[f"{results['sizes'][s].get('fill_seconds', 0):.0f}" for s in sizes])
    console.print(table)


def _stores(results: dict[str, Any], size: Any) -> float:
    return sum(p.get("store_mib", 0) for p in results["sizes"][size]["processes"].values())


@cli.command()
def main(
    sizes: str = typer.Option("10000,100000", help="Complaints to grow the stores to, in order (comma separated)."),
    seed: int = typer.Option(500, help="Complaints taken through the six services first (copied to each size)."),
    offices: int = typer.Option(24, help="Offices in the group."),
    settle: float = typer.Option(5.0, help="Seconds after ready before memory and CPU are read."),
    port: int = typer.Option(int(os.environ.get("TEST_KAFKA_PORT", 19594)), help="Port of the bench broker."),
    services: str = typer.Option(",".join(SERVICES), help="The services whose stores grow and are measured."),
    json_out: Path = typer.Option(None, help="Also write the figures as JSON here."),
    keep: Path = typer.Option(None, help="Work in this folder and keep it (default: a temporary one)."),
) -> None:
    """Every service's start-up time and peak memory at each size of history."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wanted = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    with (
        broker(port) as servers,
        tempfile.TemporaryDirectory(prefix="bench-startup-", ignore_cleanup_errors=True) as tmp,
    ):
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        chosen = tuple(s.strip() for s in services.split(",") if s.strip())
        results = run(servers, folder, seed, wanted, offices, settle, chosen)
    print_results(results)
    if json_out:
        json_out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    cli()
