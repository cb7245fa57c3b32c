"""What the projection's read side spends writing one event's rows (issue 10: the latency at half load).

The read side writes each batch's rows and rewrites every touched complaint's summary, statistics and
search rows. This measures that write alone, in one process, without a broker: a store is filled with
`--complaints` told complaints (the test scenario's stories with their SLA clock events, arriving
interleaved as a pipeline delivers them: each event after its cause, the complaints `--every` seconds
apart), then the read side's rows are deleted and written again from the store by `catch_up` in
batches of each `--batches` size, timed by the process's CPU clock: the whole write, and the part of
it spent in the touched complaints' summary, statistics and search rows (`ReadSide._summaries` and
`_write_summaries`), and how long each write transaction held the store's write lock (wall clock, from
its start to its commit: the worker's commit waits for it on SQLite); with `--profile FILE`, under
cProfile too (the first batch size only).

    .venv/bin/python -m bench.readside_fold                          # 1,000 complaints, batches 1 and 100
    .venv/bin/python -m bench.readside_fold --complaints 3000 --batches 1,100 --profile /tmp/fold.prof
    .venv/bin/python -m bench.readside_fold --complaints 1000 --store postgres   # a fresh database on the
                                                              # local test server (bench.system's), dropped after
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.system import postgres_databases
from services.projection import bootstrap
from services.projection.adapters.readside import ReadSide
from services.projection.adapters.tables import POSITION_NAME
from services.projection.settings import ProjectionSettings
from shared.contracts import IntegrationEvent
from shared.contracts.topics import topic_for_event_type
from tests.projection.scenario import EXTENDED, LATE_REPLY, MISSING_VISIT, START, WAIVED, Story
from tests.projection.support import feed

FAULTS = (None, None, None, LATE_REPLY, MISSING_VISIT, WAIVED, EXTENDED)
OFFICES = ("hk-central", "kln-east", "sz-futian", "tm-north")
# Seconds after its cause that an event of each topic arrives (a service's hop).
LAG = {"intake": 0.0, "triage": 0.3, "handling": 0.2, "sla": 0.5, "followup": 0.2, "notifications": 0.4}


def arriving(complaints: int, every: float) -> list[IntegrationEvent]:
    """Every complaint's events, in the order a pipeline would deliver them: each at its business time
    or after its cause's arrival, whichever is later, plus its service's hop."""
    timed: list[tuple[float, int, IntegrationEvent]] = []
    for n in range(complaints):
        received = START + timedelta(seconds=every * n)
        story = Story("fold", OFFICES[n % len(OFFICES)], n // len(OFFICES) + 1, received, fault=FAULTS[n % 7])
        if story.fault == WAIVED:
            story.validity = "invalid"
        arrival: dict[uuid.UUID, float] = {}
        for event in story.tell():
            own = (event.occurred_at - START).total_seconds()
            cause = arrival.get(event.causation_id) if event.causation_id else None
            service = topic_for_event_type(event.type).name.split(".")[1]
            at = max(own, cause if cause is not None else own) + LAG.get(service, 0.1)
            arrival[event.event_id] = at
            timed.append((at, len(timed), event))
    return [event for _, _, event in sorted(timed, key=lambda x: (x[0], x[1]))]


READ_SIDE_TABLES = [
    *("projection_subjects", "projection_timeline", "projection_chain", "projection_hotline"),
    *("projection_changes", "projection_search", "projection_unreadable", "projection_statistics"),
    *("projection_statistics_clocks", "projection_statistics_visits"),
]


def empty_read_side(app: object) -> None:
    """Every row of the read side gone and its position back at the start (the tables are kept:
    dropping them spoils the prepared statements of PostgreSQL's pooled connections)."""
    read = app.read  # type: ignore[attr-defined]
    with read.db.transaction(write=True) as cursor:
        for table in READ_SIDE_TABLES:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("UPDATE projection_position SET notification_id = 0 WHERE name = ?", (POSITION_NAME,))


def summaries_timed(read: ReadSide) -> list[float]:
    """Time the read side's summaries (the touched complaints' summary, statistics and search rows:
    `ReadSide._summaries` computing them and `_write_summaries` writing them; a tree from before that
    split: `_summarise`) by the CPU clock; the list holds the seconds so far."""
    spent = [0.0]
    names = ("_summaries", "_write_summaries") if hasattr(read, "_write_summaries") else ("_summarise",)
    for name in names:
        method = getattr(read, name)

        def timed(*args: object, _method: Any = method, **kwargs: object) -> Any:
            started = time.process_time()
            try:
                return _method(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - started

        setattr(read, name, timed)
    return spent


def lock_held(read: ReadSide) -> tuple[list[float], list[float]]:
    """Time each write transaction of the read side, from its start to its commit, by the wall clock
    and by the thread's CPU clock (steadier on a shared machine): on SQLite, how long it holds the
    store's one write lock (the worker's commit waits for it); the lists hold each one's seconds."""
    held: tuple[list[float], list[float]] = ([], [])
    transaction = read.db.transaction

    @contextlib.contextmanager
    def timed(*, write: bool, **kwargs: Any) -> Iterator[Any]:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            with transaction(write=write, **kwargs) as cursor:
                yield cursor
        finally:
            if write:
                held[0].append(time.perf_counter() - started)
                held[1].append(time.thread_time() - cpu)

    read.db.transaction = timed  # type: ignore[method-assign]
    return held


def _spread(seconds: list[float]) -> str:
    """p50 / p99 in ms, then the total in s."""
    return f"{_quantile(seconds, 0.5) * 1e3:.2f} / {_quantile(seconds, 0.99) * 1e3:.2f} / {sum(seconds):.1f}"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=1000)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between two complaints' receipts")
    parser.add_argument("--batches", default="1,100", help="read-side batch sizes, comma-separated")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--profile", type=Path, help="cProfile stats file of the first batch size's write")
    args = parser.parse_args()
    events = arriving(args.complaints, args.every)
    with tempfile.TemporaryDirectory() as tmp, postgres_databases(args.store == "postgres") as pg:
        where = (
            {}
            if pg is None
            else {
                "postgres_host": pg.host,
                "postgres_port": pg.port,
                "postgres_user": pg.user,
                "postgres_password": pg.password,
                "postgres_dbname": f"{pg.dbname}_projection",  # one of the databases made for the services
            }
        )
        app = bootstrap.application(ProjectionSettings(store=args.store, state_dir=Path(tmp), **where))
        try:
            started = time.perf_counter()
            feed(app, events, batch=500)
            print(f"{args.complaints} complaints, {len(events)} events stored in {time.perf_counter() - started:.1f} s")
            print(
                "| store | batch size | events | CPU s | CPU µs an event | of which summaries | wall s "
                "| summaries carried / refolded | write transaction held, wall ms p50 / p99 / total s "
                "| its CPU, ms p50 / p99 / total s |"
            )
            print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            for index, size in enumerate(int(x) for x in args.batches.split(",")):
                empty_read_side(app)
                read = ReadSide(app, app.policy, batch_size=size)
                spent = summaries_timed(read)
                held = lock_held(read)
                profile = cProfile.Profile() if args.profile and index == 0 else None
                cpu, wall = time.process_time(), time.perf_counter()
                if profile:
                    profile.enable()
                applied = read.catch_up()
                if profile:
                    profile.disable()
                    profile.dump_stats(args.profile)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                folds = getattr(read, "folds", {})  # (before this change: no such count)
                read.close()
                print(
                    f"| {args.store} | {size} | {applied} | {cpu:.1f} | {cpu / applied * 1e6:,.0f} | "
                    f"{spent[0] / applied * 1e6:,.0f} | {wall:.1f} | "
                    f"{folds.get('carried', '-')} / {folds.get('refolded', '-')} | "
                    f"{_spread(held[0])} | {_spread(held[1])} |"
                )
        finally:
            app.close()


if __name__ == "__main__":
    main()
