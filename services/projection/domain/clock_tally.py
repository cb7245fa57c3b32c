"""Each SLA time limit's outcomes, as the SLA service recorded them: a tally for reports.

The SLA service decides every deadline and whether a clock was met, met under an extension, breached
or superseded; the projection folds those events into each complaint's clocks (`sla_clocks.Clock`),
and this module only counts them per clock kind (hand-over, resolution, clear-answer, settlement,
reply, return-visit, commitment), with the same reading as the record-rule verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .view import ComplaintView

OUTCOMES = {"met": "met", "met-under-extension": "met_under_extension", "breached": "breached"}


def clock_outcomes(views: Iterable[ComplaintView], now: datetime) -> dict[str, dict[str, int]]:
    """{clock kind: {met, met_under_extension, breached, pending}} over the complaints' SLA clocks, read
    as the record-rule verdicts read them (`ComplaintView.clocks`): a stopped clock in the column of its
    recorded outcome; a running one breached once its deadline in force has passed, else pending; a
    superseded one (a re-grade, an override, a waiver, the case closed) only if it had breached by then
    — a breach stays on record, a limit that stopped applying is neither met nor missed."""
    tally: dict[str, dict[str, int]] = {}
    for view in views:
        for clock in view.clocks.values():
            if clock.withdrawn:
                continue
            counts = tally.setdefault(clock.kind, {"met": 0, "met_under_extension": 0, "breached": 0, "pending": 0})
            if clock.ended_at is None:
                counts["breached" if clock.breached(now) else "pending"] += 1
            elif clock.outcome in OUTCOMES:
                counts[OUTCOMES[clock.outcome]] += 1
            elif clock.breached(now):
                counts["breached"] += 1
    return dict(sorted(tally.items()))
