"""A clock's warnings when a manager's approved extension moves its deadline.

Warnings come at the policy's fractions (50% and 80%) of the allowed time, so that people hear a
deadline is near *before* it passes. An approved extension moves the deadline; the warnings the clock
armed for the old one would then either have fired already (and say nothing of the new deadline) or
fire later against a deadline no longer in force. So the approval re-arms them: the same fractions of
the extended time (from the clock's start to `until`, in the clock's own calendar).

A re-armed point already behind the approval is not back-dated (nobody could have been warned of a
deadline that did not exist yet); the latest such fraction is due at the approval itself, once, so a
short extension still warns before its deadline, and earlier fractions are not fired in a burst.
Each (deadline, fraction) is warned once: the old deadline's warnings stay on record, the new
deadline's are new (and there is at most one extension per clock).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .calendar import OfficeCalendar, point


def rearmed(
    started_at: datetime,
    until: datetime,
    fractions: list[float],
    calendar: OfficeCalendar | None,
    decided_at: datetime,
) -> list[dict[str, Any]]:
    """The warnings of a clock extended to `until` by an approval at `decided_at`, soonest first."""
    points = sorted((fraction, point(started_at, until, fraction, calendar)) for fraction in set(fractions))
    behind = [fraction for fraction, at in points if at <= decided_at]
    warnings = [{"fraction": max(behind), "at": decided_at}] if behind else []
    return warnings + [{"fraction": fraction, "at": at} for fraction, at in points if at > decided_at]
