"""Statistics over a set of complaint views: counts, category Pareto, compliance, visits, satisfaction."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .policy import Policy
from .view import ComplaintView


def complainant_key(view: ComplaintView) -> str | None:
    """The same person across complaints: the keyring's person id (sealed data: an erasure changes
    nothing here), or for old clear events their contact, normalised (digits of a phone, lower-case mail)."""
    if view.personal and not view.personal.get("legacy_clear"):
        return "person:" + str(view.personal["person_id"])
    if not view.complainant:
        return None
    contact = view.complainant.get("contact", "").strip().lower()
    digits = re.sub(r"\D", "", contact)
    return contact if "@" in contact else (digits or contact)


def period_key(view: ComplaintView, policy: Policy, period: str) -> str | None:
    instant = view.received_at or view.first_event_at
    if instant is None:
        return None
    return policy.week_of(instant) if period == "week" else policy.month_of(instant)


@dataclass
class Tallies:
    """What the statistics are shaped from (`shaped`): counted over views here, summed by SQL in the
    read side (adapters/statistics_tables.py) — one shape and one rounding for both."""

    complaints: int = 0
    validity: Counter[str] = field(default_factory=Counter)  # "untriaged" when not judged yet
    areas: Counter[str] = field(default_factory=Counter)  # valid complaints by business area
    contents: Counter[str] = field(default_factory=Counter)  # valid complaints by content category
    severities: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    compliance: Counter[str | None] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # every return visit's outcome (not per complaint)
    visits_due: int = 0
    visits_made: int = 0
    violations: int = 0
    rated: int = 0  # return visits with a rating
    rating: float = 0  # the satisfaction ratings' sum, over every rated visit
    repeat_complainants: int = 0
    repeat_complaints: int = 0


def shaped(t: Tallies, units_served: int | None) -> dict[str, Any]:
    """The statistics as every reader gets them: counts, the areas' Pareto with the cumulative share,
    compliance, return-visit rate, satisfaction, repeat complainants, complaints per million units."""
    valid = t.validity["valid"]
    categories = []
    cumulative = 0
    for category, count in sorted(t.areas.items(), key=lambda item: (-item[1], item[0])):
        cumulative += count
        categories.append(
            {
                "category": category,
                "count": count,
                "share": round(count / valid, 4),
                "cumulative_share": round(cumulative / valid, 4),
            }
        )
    due, made = t.visits_due, t.visits_made
    return {
        "complaints": t.complaints,
        "valid": valid,
        "assisted": t.validity["assisted"],
        "invalid": t.validity["invalid"],
        "untriaged": t.validity["untriaged"],
        "states": dict(sorted(t.states.items())),
        "categories": categories,
        "content_categories": dict(sorted(t.contents.items())),
        "severities": dict(sorted(t.severities.items())),
        "compliance": {
            "met": t.compliance["met"],
            "met_under_extension": t.compliance["met-under-extension"],
            "breached": t.compliance["breached"],
        },
        "return_visits": {"due": due, "made": made, "rate": round(made / due, 4) if due else None},
        "satisfaction": {
            "rated": t.rated,
            "average": round(t.rating / t.rated, 3) if t.rated else None,
            "satisfied": t.outcomes["satisfied"],
            "dissatisfied": t.outcomes["dissatisfied"],
            "unreachable": t.outcomes["unreachable"],
        },
        "repeat_complainants": t.repeat_complainants,
        "repeat_complaints": t.repeat_complaints,
        "violations": t.violations,
        "units_served": units_served,
        "per_million_units": round(t.complaints / units_served * 1_000_000, 2) if units_served else None,
    }


def statistics(
    views: Iterable[ComplaintView], now: datetime, policy: Policy, units_served: int | None = None
) -> dict[str, Any]:
    views = [v for v in views if v.registered]
    valid = [v for v in views if v.validity == "valid"]
    t = Tallies(
        complaints=len(views),
        validity=Counter(v.validity or "untriaged" for v in views),
        areas=Counter(v.business_area or "unknown" for v in valid),
        contents=Counter(v.content_category for v in valid if v.content_category),
        severities=Counter(v.severity for v in views if v.severity),
        states=Counter(v.state for v in views),
        compliance=Counter(v.compliance(now, policy) for v in views),
        # every return visit made counts, a reopened complaint's earlier ones too (not only its latest)
        outcomes=Counter(visit["outcome"] for v in views for visit in v.visits),
    )
    for view in views:
        checks = {c.step: c for c in view.checks(now, policy)}
        visit = checks["return-visit"]
        if visit.status in ("done", "done-under-extension", "late", "overdue"):
            t.visits_due += 1
            t.visits_made += visit.status != "overdue"
        t.violations += sum(c.violation for c in checks.values())
    rated = [visit["satisfaction"] for v in views for visit in v.visits if visit["satisfaction"] is not None]
    t.rated, t.rating = len(rated), sum(rated)
    by_person = Counter(k for k in (complainant_key(v) for v in views) if k)
    repeaters = {k: n for k, n in by_person.items() if n > 1}
    t.repeat_complainants, t.repeat_complaints = len(repeaters), sum(repeaters.values())
    return shaped(t, units_served)


def office_statistics(
    views: list[ComplaintView], now: datetime, policy: Policy, units_served: int | None = None
) -> dict[str, Any]:
    """All time, and per week and month (by the office's receipt time)."""
    weeks: dict[str, list[ComplaintView]] = {}
    months: dict[str, list[ComplaintView]] = {}
    for view in views:
        if not view.registered:
            continue
        weeks.setdefault(period_key(view, policy, "week") or "?", []).append(view)
        months.setdefault(period_key(view, policy, "month") or "?", []).append(view)
    return {
        "all_time": statistics(views, now, policy, units_served),
        "by_week": {k: statistics(v, now, policy) for k, v in sorted(weeks.items())},
        "by_month": {k: statistics(v, now, policy) for k, v in sorted(months.items())},
        "judged_at": now.isoformat(),
    }
