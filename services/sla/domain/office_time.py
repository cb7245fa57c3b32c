"""Which time zone an office's clocks run in: the directory's, one author.

The office's time zone is the directory's fact (`OfficeChanged.payload.time_zone`); the SLA hears it
and keeps the latest it heard per office (`OfficeZone`, registers.py). The SLA's own calendar keeps
what only the SLA decides — working hours, holidays, the length of a policy day — and its `timezone`
is a **fallback only**: it applies until the directory has spoken about the office (a deployment
without the directory service, or the moments before its first event arrives), and so does the
policy's `timezone` for an office without a calendar. Once the directory has spoken, its zone is the
one every later clock of the office runs in, with or without a calendar; each clock records the
calendar (zone included) it started under, so a change moves the next deadlines, never past ones.

Pure: no store, no Kafka (the application reads the register and calls these).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .calendar import OfficeCalendar
from .policy import SlaPolicy


class ZoneSource(StrEnum):
    DIRECTORY = "directory"  # the office's time zone as the directory published it
    CALENDAR = "calendar"  # the SLA calendar's own zone: a fallback before the directory spoke
    POLICY = "policy"  # the group policy's zone: the fallback for an office without either


@dataclass(frozen=True)
class HeardZone:
    """What the directory last said of an office's time zone, and which event said it."""

    time_zone: str
    said_at: datetime  # the directory event's `occurred_at`
    event_id: str


def supersedes(heard: HeardZone, kept: HeardZone | None) -> bool:
    """Does `heard` replace what is kept? The latest word wins, whatever order the words arrive in
    (a redelivery, a replay): by the directory's own time, then the event id (a total order)."""
    return kept is None or (heard.said_at, heard.event_id) > (kept.said_at, kept.event_id)


@dataclass(frozen=True)
class OfficeTime:
    """What an office's clocks run under: its calendar (None: calendar time) in the office's zone, the
    zone where 'the same day' ends in calendar time, and where that zone came from."""

    calendar: OfficeCalendar | None
    time_zone: str
    source: ZoneSource

    def policy(self, policy: SlaPolicy) -> SlaPolicy:
        """The policy with 'the same day' ending in this office's zone (its version unchanged)."""
        return policy if policy.timezone == self.time_zone else policy.model_copy(update={"timezone": self.time_zone})


def office_time(calendar: OfficeCalendar | None, heard: HeardZone | None, policy: SlaPolicy) -> OfficeTime:
    """The directory's zone when it has spoken, else the calendar's, else the policy's."""
    if heard is not None:
        zone, source = heard.time_zone, ZoneSource.DIRECTORY
    elif calendar is not None:
        zone, source = calendar.timezone, ZoneSource.CALENDAR
    else:
        zone, source = policy.timezone, ZoneSource.POLICY
    if calendar is not None and calendar.timezone != zone:
        calendar = calendar.model_copy(update={"timezone": zone})
    return OfficeTime(calendar, zone, source)
