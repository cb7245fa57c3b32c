"""Statistics over a set of complaint views: counts, category Pareto, compliance, visits, satisfaction."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
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


def statistics(
    views: Iterable[ComplaintView], now: datetime, policy: Policy, units_served: int | None = None
) -> dict[str, Any]:
    views = [v for v in views if v.registered]
    validity = Counter(v.validity or "untriaged" for v in views)
    valid = [v for v in views if v.validity == "valid"]
    areas = Counter(v.business_area or "unknown" for v in valid)
    categories = []
    cumulative = 0
    for category, count in sorted(areas.items(), key=lambda item: (-item[1], item[0])):
        cumulative += count
        categories.append(
            {
                "category": category,
                "count": count,
                "share": round(count / len(valid), 4),
                "cumulative_share": round(cumulative / len(valid), 4),
            }
        )
    compliance = Counter(v.compliance(now, policy) for v in views)
    visits_due = visits_made = 0
    violations = 0
    for view in views:
        checks = {c.step: c for c in view.checks(now, policy)}
        visit = checks["return-visit"]
        if visit.status in ("done", "done-under-extension", "late", "overdue"):
            visits_due += 1
            visits_made += visit.status != "overdue"
        violations += sum(c.violation for c in checks.values())
    rated = [v.satisfaction for v in views if v.satisfaction is not None]
    outcomes = Counter(v.visit_outcome for v in views if v.visit_outcome)
    by_person = Counter(k for k in (complainant_key(v) for v in views) if k)
    repeaters = {k: n for k, n in by_person.items() if n > 1}
    return {
        "complaints": len(views),
        "valid": validity["valid"],
        "assisted": validity["assisted"],
        "invalid": validity["invalid"],
        "untriaged": validity["untriaged"],
        "states": dict(sorted(Counter(v.state for v in views).items())),
        "categories": categories,
        "content_categories": dict(sorted(Counter(v.content_category for v in valid if v.content_category).items())),
        "severities": dict(sorted(Counter(v.severity for v in views if v.severity).items())),
        "compliance": {
            "met": compliance["met"],
            "met_under_extension": compliance["met-under-extension"],
            "breached": compliance["breached"],
        },
        "return_visits": {
            "due": visits_due,
            "made": visits_made,
            "rate": round(visits_made / visits_due, 4) if visits_due else None,
        },
        "satisfaction": {
            "rated": len(rated),
            "average": round(sum(rated) / len(rated), 3) if rated else None,
            "satisfied": outcomes["satisfied"],
            "dissatisfied": outcomes["dissatisfied"],
            "unreachable": outcomes["unreachable"],
        },
        "repeat_complainants": len(repeaters),
        "repeat_complaints": sum(repeaters.values()),
        "violations": violations,
        "units_served": units_served,
        "per_million_units": round(len(views) / units_served * 1_000_000, 2) if units_served else None,
    }


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
