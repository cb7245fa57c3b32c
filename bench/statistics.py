"""The projection's statistics at size: time and memory of a statistics request over N complaints,
read from SQL (now) beside the in-memory reading it replaced (every view of the scope folded and
judged in Python), over the same store.

`python -m bench.statistics --complaints 50000 [--offices 20] [--store postgres]` (SQLite in a temporary
folder; PostgreSQL: the `PROJECTION_POSTGRES_*` settings name a server, a fresh database is made and
dropped).
The store is filled directly: a few dozen told complaints (every fault of the test scenario, with
re-grades, overrides and reopenings) are folded once, then copied with new ids, offices and receipt
times spread over a year, into the summary and statistics rows the read side writes. Each request is
then measured in a new process (a restart, nothing cached): its wall time and how far the process's
peak memory grew while it ran.
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
from typing import Any

import typer

from services.projection import bootstrap
from services.projection.adapters.readside import SUMMARY_UPDATE, ReadSide, summary_row
from services.projection.adapters.statistics_tables import write_shares
from services.projection.adapters.tables import folded_json, stored_view
from services.projection.domain.records import COMPLAINT
from services.projection.settings import ProjectionSettings

ROOT = Path(bootstrap.__file__).resolve().parents[2]
cli = typer.Typer(add_completion=False)

# One request, in a fresh process: `sql` asks the application (grouped sums), `memory` does what the
# application did before (every view of the scope read and judged by the domain functions).
_REQUEST = """
import json, sys, time
from datetime import datetime
def peak_mib():  # this process's own high-water mark
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
from services.projection import bootstrap
from services.projection.settings import ProjectionSettings
from services.projection.domain.statistics import office_statistics, statistics
overrides, mode, request, office, now = json.loads(sys.argv[1])
app = bootstrap.application(ProjectionSettings(**overrides))
now = datetime.fromisoformat(now)
before, started = peak_mib(), time.perf_counter()
units = sum(app.units.values()) or None
if mode == "sql":
    if request == "group":
        result = app.statistics(None, now)
    elif request == "offices":
        result = app.statistics_by_office(now)
    else:
        result = app.office_statistics(office, now)
else:
    if request == "group":
        result = statistics(app.complaints(None, now), now, app.policy, units)
    elif request == "offices":
        result = {o: statistics(app.complaints(o, now), now, app.policy, app.units.get(o)) for o in app.offices()}
    else:
        result = office_statistics(app.complaints(office, now), now, app.policy, app.units.get(office))
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "growth_mib": peak_mib() - before, "result": result}))
"""


VARIANTS = (  # (events known, re-grade, override, reopened)
    (12, None, None, False),
    (5, (600, "major"), None, False),
    (12, None, (40, "category", "service-attitude/staff"), True),
)


def templates() -> list[Any]:
    """Folded views of told complaints: every fault, validity, a re-grade, an override, a reopening."""
    from tests.projection.scenario import EXTENDED, LATE_REPLY, MISSING_RESULT, MISSING_VISIT, WAIVED, Story
    from tests.projection.test_statistics_sql import BASE, History

    views = []
    faults = [None, MISSING_RESULT, MISSING_VISIT, LATE_REPLY, WAIVED, EXTENDED]
    areas = ["sanitation", "parking", "safety", "electromechanical", "customer-service", "finance"]
    n = 0
    for validity in ("valid", "valid", "assisted", "invalid"):
        for fault in faults:
            for cut, regrade, override, reopen in VARIANTS:
                n += 1
                story = Story("bench", "hk-central", n, BASE, validity=validity, area=areas[n % len(areas)],
                              severity=["minor", "important", "major"][n % 3], fault=fault,
                              contact=f"+852 9000 {n % 7:04d}")  # fmt: skip
                views.append(History(story, cut, regrade, override, reopen).view())
    return views


def _shifted(value: Any, delta: timedelta) -> Any:
    """A folded view's JSON with every instant moved by `delta`."""
    if isinstance(value, dict):
        if set(value) == {"$t"}:
            from datetime import datetime

            return {"$t": (datetime.fromisoformat(value["$t"]) + delta).isoformat()}
        return {k: _shifted(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [_shifted(v, delta) for v in value]
    return value


def fill(settings: ProjectionSettings, complaints: int, offices: int, batch: int = 2000) -> float:
    """`complaints` summary rows and their statistics rows, as the read side writes them."""
    app = bootstrap.application(settings)
    read: ReadSide = app.read
    folded = [json.loads(folded_json(v)) for v in templates()]
    started = time.perf_counter()
    for start in range(0, complaints, batch):
        views = []
        for i in range(start, min(start + batch, complaints)):
            data = _shifted(folded[i % len(folded)], timedelta(hours=(i * 7919) % (24 * 365)))
            data["sequence_number"] = i + 1
            view = stored_view(str(uuid.uuid4()), f"office-{i % offices:03d}", json.dumps(data))
            views.append(view)
        with read.db.transaction(write=True) as cursor:
            cursor.executemany(
                "INSERT INTO projection_subjects (subject_id, kind, office_id) VALUES (?, ?, ?)",
                [(str(v.complaint_id), COMPLAINT, v.office_id) for v in views],
            )
            # the read side's own summary row of each (as `ReadSide._summarise`)
            cursor.executemany(SUMMARY_UPDATE, [summary_row(v, 0, read.policy, seal=read._seal) for v in views])
            write_shares(cursor, views, read.policy, read.secret)
    app.close()
    return time.perf_counter() - started


def request(overrides: dict[str, Any], mode: str, name: str, office: str, now: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _REQUEST, json.dumps([overrides, mode, name, office, now])],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


@cli.command()
def main(complaints: int = 50_000, offices: int = 20, store: str = "sqlite") -> None:
    with tempfile.TemporaryDirectory() as state:
        overrides: dict[str, Any] = {"store": store, "state_dir": state}
        dbname = None
        if store == "postgres":
            dbname = f"bench_stats_{uuid.uuid4().hex[:8]}"
            _database(ProjectionSettings(), dbname, create=True)
            overrides["postgres_dbname"] = dbname
        try:
            filled = fill(ProjectionSettings(**overrides), complaints, offices)
            typer.echo(f"{store}: {complaints} complaints in {offices} offices written in {filled:.1f} s")
            now = "2027-01-15T00:00:00+00:00"
            for name in ("group", "offices", "office"):
                measured = {mode: request(overrides, mode, name, "office-000", now) for mode in ("memory", "sql")}
                same = measured["memory"]["result"] == measured["sql"]["result"]
                memory, sql = measured["memory"], measured["sql"]
                typer.echo(
                    f"{name:8s} in memory {memory['seconds']:6.2f} s, +{memory['growth_mib']:5.0f} MiB"
                    f" | SQL {sql['seconds']:6.2f} s, +{sql['growth_mib']:5.0f} MiB | equal: {'yes' if same else 'NO'}"
                )
        finally:
            if dbname:
                _database(ProjectionSettings(), dbname, create=False)


def _database(settings: ProjectionSettings, name: str, create: bool) -> None:
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
