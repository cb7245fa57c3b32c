"""The statistics as SQL: each complaint's share in rows, summed by the database at any `now`.

- `projection_statistics`: one row per complaint and segment of time (`statistics_rows.schedule`):
  the complaint's standing facts (office, week, month, year, validity, areas, state, satisfaction, a
  keyed digest of the complainant) and what is judged of it for every `now` in `[since, until)`.
  Exactly one row of a complaint holds any `now`, so `since_key <= now < until_key` picks it.
- `projection_statistics_clocks`: one row per SLA clock of a registered complaint, with its outcome
  column, or the instant after which a running clock counts as breached.
- `projection_statistics_visits`: one row per return visit made of a registered complaint (every
  cycle's: a reopened complaint's first, dissatisfied visit still counts), its outcome and rating;
  the satisfaction figures are summed from these rows.

The read side rewrites a complaint's rows (old share out, new share in) whenever it refolds the
complaint, in the transaction that moves its position, so a re-grade, a reopening or an override
moves the counts at once. A query reads grouped sums — their size is bounded by the vocabularies
(validity x area x state ...), never by the history — and `assemble` shapes them exactly as
`domain.statistics.statistics` does; a property test holds the two equal.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore

from ..domain.policy import Policy
from ..domain.statistics import Tallies, shaped
from ..domain.statistics_rows import STEPS, Segment, clock_shares, schedule, standing
from ..domain.view import ComplaintView
from .sql import SQLITE, Cursor, Database
from .tables import instant_key

SINCE_EVER, UNTIL_EVER = "", "~"  # sort before and after every instant key
STEP_COLUMNS = tuple("step_" + s.replace("-", "_") for s in STEPS)
GROUPS = {None: "''", "office": "office_id", "week": "week", "month": "month"}
NO_PERIOD = "?"  # the group of complaints with no receipt time (as `domain.statistics.office_statistics`)


def schema(text: str) -> list[str]:
    steps = ", ".join(f"{c} {text}" for c in STEP_COLUMNS)
    return [
        f"""CREATE TABLE IF NOT EXISTS projection_statistics (
            subject_id {text} NOT NULL,
            since_key {text} NOT NULL,
            until_key {text} NOT NULL,
            office_id {text} NOT NULL,
            registered INTEGER NOT NULL,
            week {text},
            month {text},
            year {text},
            validity {text},
            business_area {text},
            content_category {text},
            severity {text},
            state {text} NOT NULL,
            satisfaction INTEGER,
            visit_outcome {text},
            person {text},
            last_event_at {text},
            last_key {text},
            compliance {text},
            visit_due INTEGER NOT NULL,
            visit_made INTEGER NOT NULL,
            violations INTEGER NOT NULL,
            {steps},
            PRIMARY KEY (subject_id, since_key)
        )""",
        "CREATE INDEX IF NOT EXISTS projection_statistics_office ON projection_statistics (office_id, until_key)",
        "CREATE INDEX IF NOT EXISTS projection_statistics_week ON projection_statistics (week, office_id)",
        "CREATE INDEX IF NOT EXISTS projection_statistics_month ON projection_statistics (month, office_id)",
        "CREATE INDEX IF NOT EXISTS projection_statistics_year ON projection_statistics (year, office_id)",
        f"""CREATE TABLE IF NOT EXISTS projection_statistics_clocks (
            subject_id {text} NOT NULL,
            office_id {text} NOT NULL,
            week {text},
            month {text},
            year {text},
            kind {text} NOT NULL,
            outcome {text},
            breached_after {text}
        )""",
        "CREATE INDEX IF NOT EXISTS projection_statistics_clocks_subject ON projection_statistics_clocks (subject_id)",
        "CREATE INDEX IF NOT EXISTS projection_statistics_clocks_period ON projection_statistics_clocks "
        "(office_id, year, month, week)",
        *visits_schema(text),
    ]


def visits_schema(text: str) -> list[str]:
    """The per-visit table (added after the others: a store from before gets it, and its rows, once at
    start: `ReadSide`)."""
    return [
        f"""CREATE TABLE IF NOT EXISTS projection_statistics_visits (
            subject_id {text} NOT NULL,
            visit INTEGER NOT NULL,
            office_id {text} NOT NULL,
            week {text},
            month {text},
            year {text},
            outcome {text} NOT NULL,
            satisfaction INTEGER,
            PRIMARY KEY (subject_id, visit)
        )""",
        "CREATE INDEX IF NOT EXISTS projection_statistics_visits_period ON projection_statistics_visits "
        "(office_id, year, month, week)",
    ]


# -- writing ------------------------------------------------------------------------------------

_COLUMNS = (
    "subject_id, since_key, until_key, office_id, registered, week, month, year, validity, business_area, "
    "content_category, severity, state, satisfaction, visit_outcome, person, last_event_at, last_key, "
    f"compliance, visit_due, visit_made, violations, {', '.join(STEP_COLUMNS)}"
)


def share_rows(
    views: Iterable[ComplaintView],
    policy: Policy,
    secret: bytes,
    schedules: Mapping[str, list[Segment]] | None = None,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of each complaint's share: its segments, its clocks and its return visits
    (`schedules`: a registered complaint's `schedule`, by its id, when the caller made it already)."""
    rows: list[tuple[Any, ...]] = []
    clocks: list[tuple[Any, ...]] = []
    visits: list[tuple[Any, ...]] = []
    made = schedules or {}
    for view in views:
        subject = str(view.complaint_id)
        facts = standing(view, policy, secret)
        year = facts.month[:4] if facts.month else None
        last = facts.last_event_at
        common = (
            view.office_id,
            int(facts.registered),
            facts.week,
            facts.month,
            year,
            facts.validity,
            facts.business_area,
            facts.content_category,
            facts.severity,
            facts.state,
            facts.satisfaction,
            facts.visit_outcome,
            facts.person,
            last.isoformat() if last else None,
            instant_key(last) if last else None,
        )
        segments = (made.get(subject) or schedule(view, policy)) if facts.registered else []
        keyed = {_key(s.since, SINCE_EVER): s.judged for s in segments}  # two instants of one key: the later
        since = list(keyed)
        for start, until in zip(since, [*since[1:], UNTIL_EVER][: len(since)], strict=True):
            j = keyed[start]
            rows.append(
                (subject, start, until, *common, j.compliance, j.visit_due, j.visit_made, j.violations, *j.steps)
            )
        if not facts.registered:  # not counted; kept for the last event an office heard of
            rows.append((subject, SINCE_EVER, UNTIL_EVER, *common, None, 0, 0, 0, *([None] * len(STEPS))))
            continue
        for share in clock_shares(view):
            after = instant_key(share.breached_after) if share.breached_after else None
            clocks.append((subject, view.office_id, facts.week, facts.month, year, share.kind, share.outcome, after))
        for number, (outcome, rating) in enumerate(facts.visits, start=1):
            visits.append((subject, number, view.office_id, facts.week, facts.month, year, outcome, rating))
    return rows, clocks, visits


def write_shares(
    cursor: Cursor,
    views: Sequence[ComplaintView],
    policy: Policy,
    secret: bytes,
    schedules: Mapping[str, list[Segment]] | None = None,
) -> None:
    """Replace the shares of these complaints (in the caller's transaction; `schedules` as `share_rows`)."""
    replace_shares(cursor, [str(v.complaint_id) for v in views], share_rows(views, policy, secret, schedules))


def replace_shares(
    cursor: Cursor,
    subject_ids: Sequence[str],
    shares: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]],
) -> None:
    """Replace these complaints' shares by rows `share_rows` made (computed before the caller's write
    transaction: only the statements run in it)."""
    ids = [(s,) for s in subject_ids]
    cursor.executemany("DELETE FROM projection_statistics WHERE subject_id = ?", ids)
    cursor.executemany("DELETE FROM projection_statistics_clocks WHERE subject_id = ?", ids)
    cursor.executemany("DELETE FROM projection_statistics_visits WHERE subject_id = ?", ids)
    rows, clocks, visits = shares
    marks = ", ".join("?" * (len(STEP_COLUMNS) + 22))
    cursor.executemany(f"INSERT INTO projection_statistics ({_COLUMNS}) VALUES ({marks})", rows)
    cursor.executemany(
        "INSERT INTO projection_statistics_clocks (subject_id, office_id, week, month, year, kind, outcome, "
        "breached_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        clocks,
    )
    cursor.executemany(
        "INSERT INTO projection_statistics_visits (subject_id, visit, office_id, week, month, year, outcome, "
        "satisfaction) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        visits,
    )


def _key(instant: datetime | None, unbounded: str) -> str:
    return unbounded if instant is None else instant_key(instant)


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which complaints: one office (None: the group) and at most one period."""

    office_id: str | None = None
    week: str | None = None
    month: str | None = None
    year: str | None = None

    def where(self, table: str = "") -> tuple[str, list[Any]]:
        clauses, params = [], []
        for column in ("office_id", "week", "month", "year"):
            value = getattr(self, column)
            if value:
                clauses.append(f"{table}{column} = ?")
                params.append(value)
        return " AND ".join(clauses) or "1 = 1", params


class StatisticsQueries:
    """Statistics read as grouped sums; each method opens its own read transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _current(self, scope: Scope, now: datetime) -> tuple[str, list[Any]]:
        where, params = scope.where()
        key = instant_key(now)
        return f"registered = 1 AND since_key <= ? AND ? < until_key AND {where}", [key, key, *params]

    def statistics(
        self, scope: Scope, now: datetime, group: str | None = None, units: Callable[[str], int | None] = lambda g: None
    ) -> dict[str, dict[str, Any]]:
        """{group: the statistics of its complaints at `now`} (group None: one, named '')."""
        g = GROUPS[group]
        by = f"{g}, " if group else ""  # PostgreSQL refuses a constant in GROUP BY
        where, params = self._current(scope, now)
        with self.db.transaction(write=False) as cursor:
            counts = cursor.all(
                f"SELECT {g} AS g, validity, business_area, content_category, severity, state, compliance, "
                "COUNT(*) AS n, SUM(visit_due) AS due, SUM(visit_made) AS made, SUM(violations) AS violations "
                f"FROM projection_statistics WHERE {where} GROUP BY {by}validity, business_area, content_category, "
                "severity, state, compliance",
                params,
            )
            visit_where, visit_params = scope.where()
            visits = cursor.all(  # every visit of the registered complaints (only they have visit rows)
                f"SELECT {g} AS g, outcome, COUNT(*) AS n, COUNT(satisfaction) AS rated, "
                f"SUM(satisfaction) AS rating FROM projection_statistics_visits WHERE {visit_where} "
                f"GROUP BY {by}outcome",
                visit_params,
            )
            repeats = cursor.all(
                "SELECT g, COUNT(*) AS people, SUM(n) AS complaints FROM ("
                f"SELECT {g} AS g, person, COUNT(*) AS n FROM projection_statistics WHERE {where} "
                f"AND person IS NOT NULL GROUP BY {by}person HAVING COUNT(*) > 1) AS repeaters GROUP BY g",
                params,
            )
        grouped: dict[str, list[Any]] = {}
        for row in counts:
            grouped.setdefault(_group(row["g"]), []).append(row)
        visited: dict[str, list[Any]] = {}
        for row in visits:
            visited.setdefault(_group(row["g"]), []).append(row)
        repeaters = {_group(r["g"]): (int(r["people"]), int(r["complaints"])) for r in repeats}
        keys = sorted(grouped) if group is not None else [""]
        return {k: assemble(grouped.get(k, []), repeaters.get(k, (0, 0)), units(k), visited.get(k, [])) for k in keys}

    def tallies(self, scope: Scope, now: datetime) -> dict[str, Any]:
        """What a report shows beside the statistics: validity per business area, each record-rule
        step's statuses, each SLA clock kind's outcomes (as `clock_tally.clock_outcomes`)."""
        where, params = self._current(scope, now)
        clock_where, clock_params = scope.where()
        steps = ", ".join(STEP_COLUMNS)
        with self.db.transaction(write=False) as cursor:
            areas = cursor.all(
                f"SELECT business_area, validity, COUNT(*) AS n FROM projection_statistics WHERE {where} "
                "GROUP BY business_area, validity",
                params,
            )
            statuses = cursor.all(
                f"SELECT {steps}, COUNT(*) AS n FROM projection_statistics WHERE {where} GROUP BY {steps}", params
            )
            clocks = cursor.all(
                "SELECT kind, CASE WHEN outcome IS NOT NULL THEN outcome "
                "WHEN breached_after IS NOT NULL AND breached_after < ? THEN 'breached' ELSE 'pending' END AS o, "
                f"COUNT(*) AS n FROM projection_statistics_clocks WHERE {clock_where} GROUP BY kind, o",
                [instant_key(now), *clock_params],
            )
        by_area: dict[str, Counter[str]] = {}
        for row in areas:
            by_area.setdefault(row["business_area"] or "unknown", Counter())[row["validity"] or "untriaged"] += int(
                row["n"]
            )
        limits: dict[str, Counter[str]] = {}
        for row in statuses:
            for step, column in zip(STEPS, STEP_COLUMNS, strict=True):
                limits.setdefault(step, Counter())[row[column]] += int(row["n"])
        tally: dict[str, dict[str, int]] = {}
        for row in clocks:
            counts = tally.setdefault(row["kind"], {"met": 0, "met_under_extension": 0, "breached": 0, "pending": 0})
            if row["o"] in counts:
                counts[row["o"]] += int(row["n"])
        return {
            "validity_by_area": {a: dict(sorted(c.items())) for a, c in sorted(by_area.items())},
            "limits": {s: dict(sorted(limits[s].items())) for s in STEPS if s in limits},
            "clocks": dict(sorted(tally.items())),
        }

    def last_event_at(self, office_id: str) -> datetime | None:
        """The latest instant of any event of the office's complaints (registered or not)."""
        with self.db.transaction(write=False) as cursor:
            row = cursor.one(
                "SELECT last_event_at FROM projection_statistics WHERE office_id = ? AND last_key IS NOT NULL "
                "ORDER BY last_key DESC LIMIT 1",
                (office_id,),
            )
        return datetime.fromisoformat(row["last_event_at"]) if row else None


def statistics_of(
    views: Iterable[ComplaintView], now: datetime, policy: Policy, units_served: int | None = None, chunk: int = 1000
) -> dict[str, Any]:
    """The statistics of views that are in no table (an auditor's "as of a past instant": each view
    rebuilt from the events known then), judged at `now` by the same rows and queries, in a scratch
    SQLite file: the views pass through a chunk at a time, so memory does not grow with them."""
    with tempfile.TemporaryDirectory(prefix="projection-statistics-") as folder:
        database = Database(SQLiteDatastore(str(Path(folder) / "statistics.sqlite")), SQLITE)
        database.owned = True
        try:
            with database.transaction(write=True) as cursor:
                for statement in schema("TEXT"):
                    cursor.execute(statement)
            batch: list[ComplaintView] = []
            for view in [*views, None]:
                if view is not None:
                    batch.append(view)
                if batch and (view is None or len(batch) == chunk):
                    with database.transaction(write=True) as cursor:
                        write_shares(cursor, batch, policy, b"")
                    batch = []
            return StatisticsQueries(database).statistics(Scope(), now, units=lambda _: units_served)[""]
        finally:
            database.close()


def _group(value: str | None) -> str:
    return NO_PERIOD if value is None else value


def assemble(
    rows: Iterable[Any], repeaters: tuple[int, int], units_served: int | None, visits: Iterable[Any] = ()
) -> dict[str, Any]:
    """Grouped counts (and the return visits' counts by outcome) -> the statistics, shaped and rounded
    by `domain.statistics.shaped`."""
    t = Tallies()
    for row in rows:
        n = int(row["n"])
        t.complaints += n
        t.validity[row["validity"] or "untriaged"] += n
        if row["validity"] == "valid":
            t.areas[row["business_area"] or "unknown"] += n
            if row["content_category"]:
                t.contents[row["content_category"]] += n
        if row["severity"]:
            t.severities[row["severity"]] += n
        t.states[row["state"]] += n
        t.compliance[row["compliance"]] += n
        t.visits_due += int(row["due"] or 0)
        t.visits_made += int(row["made"] or 0)
        t.violations += int(row["violations"] or 0)
    for row in visits:
        t.outcomes[row["outcome"]] += int(row["n"])
        t.rated += int(row["rated"] or 0)
        t.rating += int(row["rating"] or 0)
    t.repeat_complainants, t.repeat_complaints = repeaters
    return shaped(t, units_served)
