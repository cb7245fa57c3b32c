"""The time limits the record rule is judged against (DOMAIN.md §5-9) and the concealment thresholds.

The SLA service's own clocks, when they arrive, take precedence over these defaults; these keep the
projection able to judge a complaint whose clocks never came.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

POLICY_VERSION = 1


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

    def end_of_day(self, instant: datetime) -> datetime:
        local = instant.astimezone(self.zone)
        return datetime.combine(local.date(), time(23, 59, 59), tzinfo=self.zone)

    def resolution_for(self, severity: str | None) -> timedelta:
        # Not yet graded: judge by the strictest limit (a grade that arrives later relaxes it).
        return self.resolution_within.get(severity or "minor", self.resolution_within["minor"])

    def week_of(self, instant: datetime) -> str:
        year, week, _ = instant.astimezone(self.zone).isocalendar()
        return f"{year}-W{week:02d}"

    def month_of(self, instant: datetime) -> str:
        return instant.astimezone(self.zone).strftime("%Y-%m")
