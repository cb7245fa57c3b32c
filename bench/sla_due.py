"""The SLA service at size: start-up time and memory over a store of N complaints' clocks, and how
fast the scheduler fires due clocks, on SQLite or PostgreSQL.

`python -m bench.sla_due --clocks 10000 [--store postgres]` (PostgreSQL: the `SLA_POSTGRES_*`
settings name a server; a fresh database is made and dropped). Start-up is measured in a new process
(a restart): open the store and run the first scheduler tick, with nothing due, and its peak memory.
The fire rate is every complaint's first warning recorded by one scheduler, in ticks of 200.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import typer

from services.sla import bootstrap
from services.sla.adapters.inbound import ClockFacts
from services.sla.settings import SlaSettings
from tests.sla.contract_events import delivery, registered, triaged
from tests.sla.scenario import T0

ROOT = Path(bootstrap.__file__).resolve().parents[2]
cli = typer.Typer(add_completion=False)

_RESTART = """
import json, sys, time
from eventsourcing.application import Repository
from services.sla import bootstrap
from services.sla.settings import SlaSettings
from tests.sla.scenario import T0
reads = {"notifications": 0, "aggregates": 0}
def counting(cls, name, key, size):
    original = getattr(cls, name)
    def counted(*args, **kwargs):
        result = original(*args, **kwargs)
        reads[key] += size(result)
        return result
    setattr(cls, name, counted)
def peak_mib():  # this process's own high-water mark (ru_maxrss would carry the parent's over fork)
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
started = time.perf_counter()
before = peak_mib()
settings = SlaSettings(**json.loads(sys.argv[1]))
counting(Repository, "get", "aggregates", lambda _: 1)
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
counting(SQLiteApplicationRecorder, "select_notifications", "notifications", len)
counting(PostgresApplicationRecorder, "select_notifications", "notifications", len)
app = bootstrap.application(settings)
app.tick(T0)
print(json.dumps({"seconds": time.perf_counter() - started, **reads,
                  "peak_rss_mib": peak_mib(), "rss_growth_mib": peak_mib() - before}))
"""


def fill(settings: SlaSettings, clocks: int, batch: int = 500) -> float:
    """`clocks` minor complaints (each a hand-over and a resolution clock), `batch` per commit."""
    app = bootstrap.application(settings)
    handler = ClockFacts(app)
    started = time.perf_counter()
    for start in range(0, clocks, batch):
        uow = app.unit_of_work()
        for _ in range(min(batch, clocks - start)):
            complaint = uuid.uuid4()
            handler(uow, delivery(registered(complaint, T0)))
            handler(uow, delivery(triaged(complaint, T0 + timedelta(minutes=1), "minor")))
        app.commit(uow)
    app.close()
    return time.perf_counter() - started


def restart(overrides: dict[str, str]) -> dict[str, float]:
    """A new process over the same store (the rest of its settings from the same environment)."""
    out = subprocess.run(
        [sys.executable, "-c", _RESTART, json.dumps(overrides)], cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _restarted(figures: dict[str, float]) -> str:
    return (
        f"first tick after {figures['seconds']:.2f} s; read {figures['notifications']:.0f} notifications and "
        f"{figures['aggregates']:.0f} aggregates; peak RSS {figures['peak_rss_mib']:.0f} MiB "
        f"({figures['rss_growth_mib']:.0f} MiB of it after the imports)"
    )


def fire_rate(settings: SlaSettings, clocks: int) -> tuple[float, float]:
    """Fired complaints per wall second and per CPU second of this process (a loaded machine's wall
    time is mostly waiting; the database server's CPU is not counted)."""
    app = bootstrap.application(settings)
    now = T0 + timedelta(minutes=6)  # each complaint's hand-over 50% warning is due
    started, cpu, fired = time.perf_counter(), time.process_time(), 0
    while step := app.tick(now, 200):
        fired += step
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    app.close()
    assert fired == clocks, (fired, clocks)
    return fired / elapsed, fired / cpu


@cli.command()
def main(clocks: int = 10_000, store: str = "sqlite") -> None:
    with tempfile.TemporaryDirectory() as state:
        overrides = {"store": store, "state_dir": state}
        dbname = None
        if store == "postgres":
            dbname = f"bench_sla_{uuid.uuid4().hex[:8]}"
            _database(SlaSettings(), dbname, create=True)
            overrides["postgres_dbname"] = dbname
        settings = SlaSettings(**overrides)  # type: ignore[arg-type]
        try:
            filled = fill(settings, clocks)
            typer.echo(f"{store}: {clocks} complaints' clocks written in {filled:.1f} s")
            first = restart(overrides)
            typer.echo(f"restart: {_restarted(first)}")
            wall, cpu = fire_rate(settings, clocks)
            typer.echo(f"fire rate (one scheduler): {wall:.0f} complaints/s wall, {cpu:.0f} per CPU second")
            again = restart(overrides)
            typer.echo(f"restart after firing: {_restarted(again)}")
        finally:
            if dbname:
                _database(SlaSettings(), dbname, create=False)


def _database(settings: SlaSettings, name: str, create: bool) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=settings.postgres_host, port=settings.postgres_port, user=settings.postgres_user,
        password=settings.postgres_password.get_secret_value(), dbname=settings.postgres_dbname, autocommit=True,
    ) as conn:  # fmt: skip
        verb = "CREATE DATABASE {}" if create else "DROP DATABASE IF EXISTS {} WITH (FORCE)"
        conn.execute(sql.SQL(verb).format(sql.Identifier(name)))


if __name__ == "__main__":
    cli()
