"""A report's figures: one scope (an office, or the group) over one week, month or year.

Everything here is read from the projection application's queries (`period_figures`, which gives the
statistics exactly as `GET /statistics` computes them, plus validity per area and each time limit's
tally); nothing is re-decided. The figures are aggregates of the period's complaints only, so a
report's size does not grow with the store, and it holds no personal data (it may be mailed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from ..domain.errors import UnknownPeriod
from ..domain.office_names import OfficeName, name_of
from ..domain.policy import Policy

# The URL's word for a period -> the statistics' word for it.
PERIODS = {"weekly": "week", "monthly": "month", "yearly": "year"}
_KEY_FORMS = {"week": r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$", "month": r"^\d{4}-(0[1-9]|1[0-2])$", "year": r"^\d{4}$"}

# A record-rule step's status -> the column it is counted in.
STATUS_COLUMNS = {
    "done": "met",
    "done-under-extension": "met_under_extension",
    "late": "breached",
    "overdue": "breached",
    "pending": "pending",
    "waiting": "pending",
    "waived": "other",
    "not-applicable": "other",
}
LIMIT_COLUMNS = ("met", "met_under_extension", "breached", "pending", "other")
CLOCK_COLUMNS = ("met", "met_under_extension", "breached", "pending")
STEPS = ("recorded", "handled", "result", "reply", "return-visit")
# The SLA's clock kinds (shared/contracts/sla.py ClockKind) in the order a complaint meets them.
CLOCKS = ("hand-over", "resolution", "clear-answer", "settlement", "reply", "return-visit", "commitment")
VALIDITIES = ("valid", "assisted", "invalid", "untriaged")


def safe_name(text: str) -> str:
    """`text` as a file-name part: letters, digits, `_` and `-` (an office id already is)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:80] or "_"


class FiguresSource(Protocol):
    """What a report reads: the projection application's queries."""

    def period_figures(self, office_id: str | None, now: datetime, period: str, key: str) -> dict[str, Any]: ...

    def period_statistics_by_office(self, now: datetime, period: str, key: str) -> dict[str, dict[str, Any]]: ...

    def offices(self) -> list[str]: ...

    def office_names(self) -> dict[str, OfficeName]: ...  # the directory's names of the offices

    @property
    def policy(self) -> Policy: ...  # its calendar's zone: the offices' time, the weeks' and a report's

    def first_week(self) -> str | None: ...


@dataclass(frozen=True)
class Period:
    kind: str  # week | month | year
    key: str  # 2026-W45 | 2026-11 | 2026

    @classmethod
    def of(cls, kind: str, key: str | None) -> Period:
        if kind not in _KEY_FORMS or key is None or not re.match(_KEY_FORMS[kind], key):
            raise UnknownPeriod(f"{kind} {key!r}")
        period = cls(kind, key)
        period.days()  # 2026-W53 does not exist: refuse it here
        return period

    @property
    def adjective(self) -> str:
        return {"week": "weekly", "month": "monthly", "year": "yearly"}[self.kind]

    def days(self) -> tuple[date, date]:
        """The first and last day of the period (in the offices' calendar)."""
        try:
            if self.kind == "week":
                year, week = self.key.split("-W")
                first = date.fromisocalendar(int(year), int(week), 1)
                return first, first + timedelta(days=6)
            if self.kind == "month":
                first = date.fromisoformat(f"{self.key}-01")
                following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
                return first, following - timedelta(days=1)
            return date(int(self.key), 1, 1), date(int(self.key), 12, 31)
        except ValueError:
            raise UnknownPeriod(f"{self.kind} {self.key!r}") from None


@dataclass(frozen=True)
class Row:
    """One figure in the long form every format shares (the CSV is exactly these rows)."""

    section: str
    item: str
    measure: str
    value: Any


@dataclass(frozen=True)
class Report:
    scope: str  # an office id, or "group"
    period: Period
    judged_at: datetime
    statistics: dict[str, Any]
    validity_by_area: dict[str, dict[str, int]]
    limits: dict[str, dict[str, int]]  # record-rule step -> status -> complaints
    clocks: dict[str, dict[str, int]]  # SLA clock kind -> outcome -> clocks
    offices: dict[str, dict[str, Any]] = field(default_factory=dict)  # the group's: each office's statistics
    zone: str = "UTC"  # the offices' time zone (the statistics' calendar): the time people read it in
    names: dict[str, OfficeName] = field(default_factory=dict)  # the offices' names, as the directory says them

    def office_name(self, office_id: str, lang: str) -> str:
        """What a reader of `lang` calls the office: the directory's name, its id where it named none."""
        return name_of(self.names, office_id, lang)

    def judged_locally(self) -> str:
        """When it was judged, in the offices' time as the mails write a time: 2026-11-09 09:30 (UTC+08:00)."""
        local = self.judged_at.astimezone(ZoneInfo(self.zone))
        offset = local.strftime("%z")
        return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"

    def filename(self, lang: str, fmt: str) -> str:
        return f"complaints-{self.period.adjective}-{safe_name(self.scope)}-{self.period.key}-{lang}.{fmt}"

    @property
    def top_three_share(self) -> float | None:
        categories = self.statistics["categories"]
        return categories[min(2, len(categories) - 1)]["cumulative_share"] if categories else None

    def area_rows(self) -> list[tuple[str, dict[str, int]]]:
        """Areas by their valid complaints, most first (as the Pareto), then the others by name."""
        order = {c["category"]: i for i, c in enumerate(self.statistics["categories"])}
        return sorted(
            ((area, {v: counts.get(v, 0) for v in VALIDITIES}) for area, counts in self.validity_by_area.items()),
            key=lambda item: (order.get(item[0], len(order)), item[0]),
        )

    def clock_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """Each SLA time limit (clock kind), as the SLA judged it: met, met under extension, breached,
        pending, and the compliance rate of those decided. Kinds no complaint of the period ran are left out."""
        kinds = [k for k in CLOCKS if k in self.clocks] + sorted(set(self.clocks) - set(CLOCKS))
        rows = []
        for kind in kinds:
            counts = {c: self.clocks[kind].get(c, 0) for c in CLOCK_COLUMNS}
            decided = counts["met"] + counts["met_under_extension"] + counts["breached"]
            rate = round((counts["met"] + counts["met_under_extension"]) / decided, 4) if decided else None
            rows.append((kind, {**counts, "compliance_rate": rate}))
        return rows

    def limit_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """Each record-rule step's limit as the projection judges it: met, met under extension,
        breached, pending, other (waived, not applicable), rate. Steps beyond the five are kept."""
        rows = []
        for step in [*STEPS, *sorted(set(self.limits) - set(STEPS))]:
            counts = dict.fromkeys(LIMIT_COLUMNS, 0)
            for status, n in self.limits.get(step, {}).items():
                counts[STATUS_COLUMNS.get(status, "other")] += n
            judged = counts["met"] + counts["met_under_extension"] + counts["breached"]
            rate = round((counts["met"] + counts["met_under_extension"]) / judged, 4) if judged else None
            rows.append((step, {**counts, "compliance_rate": rate}))
        return rows

    def summary(self) -> list[tuple[str, Any]]:
        s = self.statistics
        return [
            ("complaints", s["complaints"]),
            ("valid", s["valid"]),
            ("assisted", s["assisted"]),
            ("invalid", s["invalid"]),
            ("untriaged", s["untriaged"]),
            ("top_three_share", self.top_three_share),
            ("resolution_met", s["compliance"]["met"]),
            ("resolution_met_under_extension", s["compliance"]["met_under_extension"]),
            ("resolution_breached", s["compliance"]["breached"]),
            ("visits_due", s["return_visits"]["due"]),
            ("visits_made", s["return_visits"]["made"]),
            ("return_visit_rate", s["return_visits"]["rate"]),
            ("satisfaction", s["satisfaction"]["average"]),
            ("satisfied", s["satisfaction"]["satisfied"]),
            ("dissatisfied", s["satisfaction"]["dissatisfied"]),
            ("unreachable", s["satisfaction"]["unreachable"]),
            ("repeat_complainants", s["repeat_complainants"]),
            ("repeat_complaints", s["repeat_complaints"]),
            ("violations", s["violations"]),
            ("units_served", s["units_served"]),
            ("per_million_units", s["per_million_units"]),
        ]

    def office_rows(self) -> list[tuple[str, dict[str, Any]]]:
        return [
            (
                office,
                {
                    "complaints": s["complaints"],
                    "valid": s["valid"],
                    "assisted": s["assisted"],
                    "invalid": s["invalid"],
                    "breached": s["compliance"]["breached"],
                    "return_visit_rate": s["return_visits"]["rate"],
                    "satisfaction": s["satisfaction"]["average"],
                    "per_million_units": s["per_million_units"],
                },
            )
            for office, s in sorted(self.offices.items())
        ]

    def rows(self) -> list[Row]:
        first, last = self.period.days()
        rows = [
            Row("report", "", "scope", self.scope),
            Row("report", "", "period", self.period.key),
            Row("report", "", "from", first.isoformat()),
            Row("report", "", "to", last.isoformat()),
            Row("report", "", "judged_at", self.judged_at.isoformat()),
        ]
        rows += [Row("summary", "", measure, value) for measure, value in self.summary()]
        for area, counts in self.area_rows():
            rows += [Row("area", area, v, counts[v]) for v in VALIDITIES]
        for c in self.statistics["categories"]:
            rows += [Row("pareto", c["category"], m, c[m]) for m in ("count", "share", "cumulative_share")]
        for kind, counts in self.clock_rows():
            rows += [Row("limit", kind, m, v) for m, v in counts.items()]
        for step, counts in self.limit_rows():
            rows += [Row("step", step, m, v) for m, v in counts.items()]
        for office, figures in self.office_rows():
            rows += [Row("office", office, m, v) for m, v in figures.items()]
        return rows


def build_report(source: FiguresSource, office_id: str | None, period: Period, now: datetime) -> Report:
    """The report of `office_id` (None: the group, with each office beside it), judged at `now`."""
    figures = source.period_figures(office_id, now, period.kind, period.key)
    offices = {}
    if office_id is None:
        offices = source.period_statistics_by_office(now, period.kind, period.key)
    return Report(
        scope=office_id or "group",
        period=period,
        judged_at=now,
        statistics=figures["statistics"],
        validity_by_area=figures["validity_by_area"],
        limits=figures["limits"],
        clocks=figures["clocks"],
        offices=offices,
        zone=source.policy.timezone,
        names=source.office_names(),
    )
