"""Shared helpers for the SLA tests: a complaint's clocks driven by facts and a simulated clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from services.sla.domain.calendar import OfficeCalendar, WorkingHours
from services.sla.domain.clocks import ComplaintClocks
from services.sla.domain.policy import DEFAULT_POLICY, SlaPolicy

# Monday 2 November 2026, 09:30 UTC.
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def office_calendar(**overrides: Any) -> OfficeCalendar:
    """Mon-Fri 09:00-18:00 UTC, an 8-hour policy day (lunch is inside the window)."""
    hours = WorkingHours(start=time(9), end=time(18))
    base: dict[str, Any] = {
        "name": "weekdays-9-18",
        "timezone": "UTC",
        "hours": dict.fromkeys(range(5), hours),
        "working_day_hours": 8,
    }
    return OfficeCalendar(**(base | overrides))


class Story:
    """One complaint's clocks, told fact by fact; `events` are the stored events so far."""

    def __init__(self, policy: SlaPolicy = DEFAULT_POLICY, calendar: OfficeCalendar | None = None) -> None:
        self.complaint_id = uuid.uuid4()
        self.policy = policy
        self.calendar = calendar
        self.clocks = ComplaintClocks(self.complaint_id, "hk-central")
        self.events: list[Any] = list(self.clocks.collect_events())

    def fact(self, fact: str, at: datetime, **data: Any) -> list[Any]:
        self.clocks.note(fact, at, str(uuid.uuid4()), self.policy, self.calendar, **data)
        return self._new()

    def registered(self, at: datetime = T0) -> list[Any]:
        return self.fact("registered", at)

    def triaged(self, severity: str, at: datetime | None = None, validity: str = "valid") -> list[Any]:
        return self.fact("triaged", at or T0 + timedelta(minutes=1), severity=severity, validity=validity)

    def tick(self, now: datetime) -> list[Any]:
        self.clocks.fire_due(now)
        return self._new()

    def _new(self) -> list[Any]:
        new = list(self.clocks.collect_events())
        self.events += new
        return new

    def of(self, kind: type, key: str | None = None) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind) and (key is None or e.key == key)]

    def clock(self, key: str) -> dict[str, Any]:
        return self.clocks.clocks[key]
