"""The projection's own readings: how soon a registration must follow its receipt, the concealment
thresholds, and the calendar weeks and months of the statistics.

No handling time limit lives here: hand-over, resolution, settlement, reply ("the same day") and
return-visit deadlines are the SLA service's alone, read from its clock events (`view.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    # Weeks and months of the statistics are the office's.
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

    def week_of(self, instant: datetime) -> str:
        year, week, _ = self.local(instant).isocalendar()
        return f"{year}-W{week:02d}"

    def month_of(self, instant: datetime) -> str:
        return self.local(instant).strftime("%Y-%m")
