"""Each SLA time limit's outcomes, as the SLA service recorded them: a tally for reports.

The SLA service decides whether a clock was met, met under an extension or breached (`ClockStopped`'s
outcome) and when a running clock's deadline passed (`DeadlineBreached`); this module only counts
those facts per clock kind (hand-over, resolution, clear-answer, settlement, reply, return-visit,
commitment). A clock still running is `pending`, or `breached` once its breach was published.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .view import ComplaintView

OUTCOMES = {"met": "met", "met-under-extension": "met_under_extension", "breached": "breached"}


def clock_outcomes(views: Iterable[ComplaintView]) -> dict[str, dict[str, int]]:
    """{clock kind: {met, met_under_extension, breached, pending}} over the complaints' clocks."""
    tally: dict[str, dict[str, int]] = {}
    for view in views:
        # the clocks of each kind started and not yet stopped, in start order: [deadline, breached]
        running: dict[str, list[list[Any]]] = {}
        for event in view.events:
            kind = event.short_type
            if kind not in ("ClockStarted", "ClockStopped", "DeadlineBreached"):
                continue
            clock = str(event.payload.get("clock"))
            deadline = _instant(event.payload.get("deadline"))
            counts = tally.setdefault(clock, {"met": 0, "met_under_extension": 0, "breached": 0, "pending": 0})
            clocks = running.setdefault(clock, [])
            if kind == "ClockStarted":
                clocks.append([deadline, False])
                continue
            # A clock is known by its kind and original deadline; if none matches (an extended
            # deadline), the oldest one that fits is meant.
            same = [c for c in clocks if c[0] == deadline]
            if kind == "DeadlineBreached":
                late = same or [c for c in clocks if not c[1]] or clocks
                if late:
                    late[0][1] = True  # later escalations repeat the same breach
                continue
            counts[OUTCOMES.get(str(event.payload.get("outcome")), "breached")] += 1
            stopped = same or clocks
            if stopped:
                clocks.remove(stopped[0])
        for clock, clocks in running.items():
            for _, breached in clocks:
                tally[clock]["breached" if breached else "pending"] += 1
    return dict(sorted(tally.items()))


def _instant(value: Any) -> datetime | None:
    """A deadline as an instant, so `...+08:00` and the same moment in UTC are one clock."""
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
