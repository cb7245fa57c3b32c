"""The raw baselines the whole-system figures stand beside, and the auditors' replay: a raw batched insert
into the store, a raw aiokafka read of the projection's topics, `audit replay` run as an auditor runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from shared.bus import kafka

from .processes import ROOT, Postgres, System


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
