"""What a page of the complaint list costs in a busy office, and what the list's indexes cost at start.

`projection_subjects` is filled with `--rows` summary rows straight in SQL (four offices, one in seven
still open, a violation instant on a third of them; no folded facts are parsed by the queries timed
but the page's own), then: the start of a read side over it without the list's indexes (they are built
once), and a second start (they are there: a catalogue look-up); and one office's list read the ways
its readers read it — its newest page, its open queue overdue first, and the page 50 pages deep, by
the cursor (`after`) and by OFFSET. Each query the median of `--repeat` runs.

    .venv/bin/python -m bench.list_pages                   # 200,000 rows, SQLite
    .venv/bin/python -m bench.list_pages --rows 50000 --store postgres   # a fresh database on the local test server
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.system import postgres_databases
from services.projection import bootstrap
from services.projection.adapters.readside_queries import Filters
from services.projection.adapters.tables import LIST_INDEXES, folded_json, instant_key
from services.projection.domain.view import ComplaintView
from services.projection.settings import ProjectionSettings

OFFICES = ("hk-central", "kln-east", "sz-futian", "tm-north")
STATES = ("closed",) * 6 + ("in-handling",)  # one in seven open


def fill(app: object, rows: int) -> None:
    db = app.read.db  # type: ignore[attr-defined]
    folded = folded_json(ComplaintView(complaint_id=uuid.uuid4(), office_id="hk-central"))
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with db.transaction(write=True) as cursor:
        for name in LIST_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        batch = []
        for n in range(rows):
            received = start + timedelta(minutes=3 * n)
            violating = instant_key(received + timedelta(hours=12)) if n % 3 == 0 else None
            batch.append(
                (str(uuid.UUID(int=n)), "complaint", OFFICES[n % 4], 1, STATES[n % 7], n // 4 + 1,
                 instant_key(received), violating, folded)
            )  # fmt: skip
            if len(batch) == 5000 or n == rows - 1:
                cursor.executemany(
                    "INSERT INTO projection_subjects (subject_id, kind, office_id, registered, state, "
                    "sequence_number, received_key, violating_from, folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                batch = []


def timed(call: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


@contextmanager
def projection_settings(store: str) -> Iterator[ProjectionSettings]:
    """A projection's settings on an empty store of its own: SQLite in a temporary folder, or one of the
    PostgreSQL databases bench.system makes for the services."""
    with tempfile.TemporaryDirectory() as folder, postgres_databases(store == "postgres") as pg:
        where = {}
        if pg is not None:  # one of the databases made for the services
            where = {"postgres_host": pg.host, "postgres_port": pg.port, "postgres_user": pg.user,
                     "postgres_password": pg.password, "postgres_dbname": f"{pg.dbname}_projection"}  # fmt: skip
        yield ProjectionSettings(store=store, state_dir=Path(folder), **where)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with projection_settings(args.store) as settings:
        app = bootstrap.application(settings)
        fill(app, args.rows)
        app.close()
        for label in ("start, building the list's indexes", "start again, the indexes there"):
            began = time.perf_counter()
            app = bootstrap.application(settings)
            print(f"{label}: {(time.perf_counter() - began) * 1000:.0f} ms")
            if (builder := app.read.index_builder) is not None:  # PostgreSQL: concurrently, after start-up
                builder.join()
                print(f"  the concurrent build, done after: {(time.perf_counter() - began) * 1000:.0f} ms")
            if "again" not in label:
                app.close()
        read, office = app.read, Filters("hk-central")
        now = datetime(2030, 1, 1, tzinfo=UTC)
        _, token = read.page(office, now, "newest", 50)
        for _ in range(48):
            _, token = read.page(office, now, "newest", 50, token)
        queries = {
            "newest page": lambda: read.page(office, now, "newest", 50),
            "open queue, overdue first": lambda: read.page(Filters("hk-central", open=True), now, "overdue", 100),
            "open queue's total": lambda: read.count(Filters("hk-central", open=True), now),
            "50th newest page by cursor": lambda: read.page(office, now, "newest", 50, token),
            "50th newest page by OFFSET": lambda: read.page(office, now, "newest", 50, offset=49 * 50),
            "the desk's 3rd queue page (OFFSET)": lambda: read.page(
                Filters("hk-central", open=True), now, "overdue", 100, offset=200
            ),
            "first page in office order (the default)": lambda: read.page(office, now, "office", 50),
        }
        for label, query in queries.items():
            print(f"{label}: {timed(query, args.repeat):.1f} ms")
        app.close()


if __name__ == "__main__":
    main()
