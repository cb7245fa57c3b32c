"""The time limits the record rule is judged against (DOMAIN.md §5-9) and the concealment thresholds.

The SLA service's own clocks, when they arrive, take precedence over these defaults; these keep the
projection able to judge a complaint whose clocks never came.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

POLICY_VERSION = 1
# The last instant a datetime holds: a deadline past it is "never" (a date that arrived past validation,
# such as 9999-12-31T23:59Z, must be judged, not crash the judge).
NEVER = datetime.max.replace(tzinfo=UTC)


def later(instant: datetime, delta: timedelta) -> datetime:
    """`instant + delta`, or NEVER when that is past what a datetime holds."""
    try:
        return instant + delta
    except OverflowError:
        return NEVER


@dataclass(frozen=True)
class Policy:
    version: int = POLICY_VERSION
    # Recorded "at once": the registration may trail the receipt by at most this long.
    record_within: timedelta = timedelta(hours=1)
    hand_over_within: timedelta = timedelta(minutes=10)
    resolution_within: dict[str, timedelta] = field(
        default_factory=lambda: {
            "minor": timedelta(hours=12),
            "important": timedelta(days=1),
            "major": timedelta(days=15),
        }
    )
    return_visit_within: timedelta = timedelta(days=1)
    # Replies are due "the same day": the end of the result's day in the office's time zone.
    timezone: str = "Asia/Hong_Kong"
    # Concealment signals.
    hotline_registration_within: timedelta = timedelta(days=1)
    late_registration_after: timedelta = timedelta(days=7)
    sequence_gap_grace: timedelta = timedelta(hours=1)
    outlier_z: float = 3.5

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, instant: datetime) -> datetime:
        """`instant` in the office's zone; in UTC at the ends of time, where the zone's date would not exist."""
        for zone in (self.zone, UTC):
            try:
                return instant.astimezone(zone)
            except OverflowError:
                continue
        return instant

    def end_of_day(self, instant: datetime) -> datetime:
        local = self.local(instant)
        return datetime.combine(local.date(), time(23, 59, 59), tzinfo=local.tzinfo)

    def resolution_for(self, severity: str | None) -> timedelta:
        # Not yet graded: judge by the strictest limit (a grade that arrives later relaxes it).
        return self.resolution_within.get(severity or "minor", self.resolution_within["minor"])

    def week_of(self, instant: datetime) -> str:
        year, week, _ = self.local(instant).isocalendar()
        return f"{year}-W{week:02d}"

    def month_of(self, instant: datetime) -> str:
        return self.local(instant).strftime("%Y-%m")
