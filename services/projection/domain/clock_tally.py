"""Each SLA time limit's outcomes, as the SLA service recorded them: a tally for reports.

The SLA service decides whether a clock was met, met under an extension or breached (`ClockStopped`'s
outcome) and when a running clock's deadline passed (`DeadlineBreached`); this module only counts
those facts per clock kind (hand-over, resolution, clear-answer, settlement, reply, return-visit,
commitment). A clock still running is `pending`, or `breached` once its breach was published.
"""

from __future__ import annotations

from collections.abc import Iterable

from .view import ComplaintView

OUTCOMES = {"met": "met", "met-under-extension": "met_under_extension", "breached": "breached"}


def clock_outcomes(views: Iterable[ComplaintView]) -> dict[str, dict[str, int]]:
    """{clock kind: {met, met_under_extension, breached, pending}} over the complaints' clocks."""
    tally: dict[str, dict[str, int]] = {}
    for view in views:
        running: dict[str, int] = {}  # clocks of a kind started and not yet stopped
        overdue: dict[str, int] = {}  # of those, how many were published as breached
        for event in view.events:
            kind = event.short_type
            if kind not in ("ClockStarted", "ClockStopped", "DeadlineBreached"):
                continue
            clock = str(event.payload.get("clock"))
            counts = tally.setdefault(clock, {"met": 0, "met_under_extension": 0, "breached": 0, "pending": 0})
            if kind == "ClockStarted":
                running[clock] = running.get(clock, 0) + 1
            elif kind == "DeadlineBreached":
                # the first escalation of a running clock is its breach; later levels repeat it
                if event.payload.get("escalation_level") == 1 and overdue.get(clock, 0) < running.get(clock, 0):
                    overdue[clock] = overdue.get(clock, 0) + 1
            else:
                outcome = OUTCOMES.get(str(event.payload.get("outcome")), "breached")
                counts[outcome] += 1
                running[clock] = max(running.get(clock, 0) - 1, 0)
                if outcome == "breached" and overdue.get(clock, 0) > 0:
                    overdue[clock] -= 1
                overdue[clock] = min(overdue.get(clock, 0), running[clock])
        for clock, open_clocks in running.items():
            late = overdue.get(clock, 0)
            tally[clock]["breached"] += late
            tally[clock]["pending"] += open_clocks - late
    return dict(sorted(tally.items()))
