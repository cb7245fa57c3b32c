"""Office calendars (working hours, holidays) and the pure time arithmetic of deadlines.

Without a calendar, time is calendar time: a day is 24 hours. Under an office calendar the clock runs
only in working hours: a 'day' is the calendar's working day, and a clock started out of hours starts
at the next opening.

A calendar names a known IANA time zone and local working hours (its shape: refused when the body is
read), and is checked as a whole before it is set (`admission_problems`, called by the application): a
working week that leaves real working time — at least `MIN_WEEKLY_HOURS` hours and at least two of its
own working days (`working_day_hours`) — and at most `MAX_HOLIDAYS` holidays. With the policy's limits
(policy.py) every deadline then lies well within `_MAX_DAYS` of its start, so `add_time` always finds it
(a one-minute-a-week calendar once left clocks that could never be computed; tests/sla/test_bounds.py
keeps this true). The limits apply when a calendar is set, not when a stored one is read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts.bounds import TimeZoneName
from shared.refusals import Refusal

from .policy import Allowance, Problem

CALENDAR_TIME = "calendar-time"
_MAX_DAYS = 3700  # ten years of days without an opening means the calendar is broken
MIN_WEEKLY_HOURS = 8  # a working week shorter than one working day is not an office's
MAX_HOLIDAYS = 200  # more than ten years of public holidays
_ANY_DAY = date(2000, 1, 3)


class WorkingHours(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    start: time
    end: time

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("working hours are local times without an offset: the calendar's time zone applies")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.end <= self.start:
            raise ValueError("working hours end after they start")
        return self


class OfficeCalendar(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str = Field(min_length=1, max_length=100)
    version: int = Field(default=1, ge=1)
    timezone: TimeZoneName = Field(
        default="Asia/Hong_Kong",
        description="A fallback only: the directory's zone for the office applies once it has spoken (office_time.py).",
    )
    hours: dict[int, WorkingHours] = Field(description="Weekday (0 = Monday) -> working hours.")
    holidays: list[date] = Field(default_factory=list)
    working_day_hours: float = Field(default=8, gt=0, le=24, description="How long a 'day' of the policy is.")

    @model_validator(mode="after")
    def _valid(self) -> OfficeCalendar:
        if not self.hours or any(not 0 <= day <= 6 for day in self.hours):
            raise ValueError("hours name weekdays 0 (Monday) to 6 (Sunday)")
        return self

    def admission_problems(self) -> list[Problem]:
        """Why this calendar cannot be set (empty: it can)."""
        problems: list[Problem] = []
        week = sum(
            (datetime.combine(_ANY_DAY, h.end) - datetime.combine(_ANY_DAY, h.start) for h in self.hours.values()),
            timedelta(0),
        )
        needed = max(timedelta(hours=MIN_WEEKLY_HOURS), 2 * timedelta(hours=self.working_day_hours))
        if week < needed:
            reason = (
                f"the working week holds {week / timedelta(hours=1):.3g} working hours; a calendar must leave at "
                f"least {needed / timedelta(hours=1):g} (at least {MIN_WEEKLY_HOURS} hours and two working days "
                f"of {self.working_day_hours:g} hours)"
            )
            hours = float(f"{week / timedelta(hours=1):.3g}")
            problems.append((("hours",), Refusal("sla.calendar_too_few_hours", reason, hours=hours,
                                                 needed=needed / timedelta(hours=1))))  # fmt: skip
        if len(set(self.holidays)) > MAX_HOLIDAYS:
            count = len(set(self.holidays))
            why = Refusal("sla.too_many_holidays", f"at most {MAX_HOLIDAYS} holidays, not {count}",
                          limit=MAX_HOLIDAYS, count=count)  # fmt: skip
            problems.append((("holidays",), why))
        return problems

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's working window in UTC, or None on a day off."""
        hours = self.hours.get(day.weekday())
        if hours is None or day in self.holidays:
            return None
        zone = ZoneInfo(self.timezone)
        opens = datetime.combine(day, hours.start, zone).astimezone(UTC)
        closes = datetime.combine(day, hours.end, zone).astimezone(UTC)
        return opens, closes

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(ZoneInfo(self.timezone)).date()


def span_of(allowance: Allowance, calendar: OfficeCalendar | None) -> timedelta:
    """How much (working) time a minutes/days allowance allows."""
    if allowance.unit == "minutes":
        return timedelta(minutes=allowance.amount)
    if allowance.unit == "days":
        hours = 24 if calendar is None else calendar.working_day_hours
        return timedelta(hours=hours * allowance.amount)
    raise ValueError(f"{allowance.unit} allowances have no fixed span")


def add_time(start: datetime, span: timedelta, calendar: OfficeCalendar | None) -> datetime:
    """The instant `span` of (working) time after `start`."""
    start = start.astimezone(UTC)
    if calendar is None:
        return start + span
    remaining = span
    day = calendar.local_date(start) - timedelta(days=1)  # a window may open the day before in UTC
    for _ in range(_MAX_DAYS):
        window = calendar.window(day)
        day += timedelta(days=1)
        if window is None:
            continue
        begin, closes = max(window[0], start), window[1]
        if begin >= closes:
            continue
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise ValueError(f"calendar {calendar.name!r} has no working time for {span} after {start}")


def working_between(start: datetime, end: datetime, calendar: OfficeCalendar | None) -> timedelta:
    """How much (working) time lies between two instants."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return timedelta(0)
    if calendar is None:
        return end - start
    total = timedelta(0)
    day = calendar.local_date(start) - timedelta(days=1)
    while day <= calendar.local_date(end):
        window = calendar.window(day)
        day += timedelta(days=1)
        if window is not None:
            overlap = min(window[1], end) - max(window[0], start)
            total += max(overlap, timedelta(0))
    return total


def end_of_day(start: datetime, calendar: OfficeCalendar | None, timezone: str) -> datetime:
    """'The same day': midnight ending the local day in calendar time; under a calendar, the close of
    the working window `start` falls in, or of the next one if it falls out of hours."""
    if calendar is None:
        zone = ZoneInfo(timezone)
        local_day = start.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(local_day, time(0), zone).astimezone(UTC)
    opening = add_time(start, timedelta(0), calendar)  # now if in hours, else the next opening
    window = calendar.window(calendar.local_date(opening))
    assert window is not None
    return window[1]


def deadline(start: datetime, allowance: Allowance, calendar: OfficeCalendar | None, timezone: str = "UTC") -> datetime:
    """When a clock started at `start` with `allowance` runs out."""
    if allowance.unit == "same-day":
        return end_of_day(start, calendar, timezone)
    return add_time(start, span_of(allowance, calendar), calendar)


def point(start: datetime, end: datetime, fraction: float, calendar: OfficeCalendar | None) -> datetime:
    """The instant at which `fraction` of the (working) time from start to end has passed; fractions
    above 1 go on past the end by the same measure (escalation levels after the breach)."""
    span = working_between(start, end, calendar)
    if fraction <= 1:
        return add_time(start, span * fraction, calendar)
    return add_time(end, span * (fraction - 1), calendar)
