"""Versioned data: the SLA policy book, each office's calendar, and each office's time zone as the
directory said it. A change is a recorded event."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from pydantic import ValidationError

from shared.contracts import derived_id

from .calendar import OfficeCalendar
from .office_time import HeardZone, supersedes
from .policy import DEFAULT_POLICY, SlaPolicy


class PolicyBook(Aggregate):
    """Every version of the SLA policy ever adopted, with who adopted it and when."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return derived_id("sla-policy-book")

    @event("Opened")
    def __init__(self, first: dict[str, Any], at: datetime, actor_id: str) -> None:
        self.versions: list[dict[str, Any]] = [first]

    @classmethod
    def with_default(cls, at: datetime) -> PolicyBook:
        return cls(first=DEFAULT_POLICY.model_dump(mode="json"), at=at, actor_id="system:sla")

    @property
    def current(self) -> SlaPolicy:
        # The newest version this code can read: one stored before its shape was checked (an unknown
        # time zone) must not stop every clock; the one before it, or the default, applies instead.
        for stored in reversed(self.versions):
            try:
                return SlaPolicy.model_validate(stored)
            except ValidationError:
                continue
        return DEFAULT_POLICY

    def adopt(self, policy: SlaPolicy, actor_id: str, at: datetime) -> SlaPolicy:
        adopted = policy.model_copy(update={"version": self.current.version + 1})
        self._adopted(policy=adopted.model_dump(mode="json"), at=at, actor_id=actor_id)
        return adopted

    @event("PolicyAdopted")
    def _adopted(self, policy: dict[str, Any], at: datetime, actor_id: str) -> None:
        self.versions.append(policy)


class CalendarRegister(Aggregate):
    """One office's working calendar, version by version. No register: calendar time."""

    @staticmethod
    def create_id(office_id: str, **_: Any) -> UUID:
        return derived_id("sla-calendar", office_id)

    @event("Opened")
    def __init__(self, office_id: str) -> None:
        self.office_id = office_id
        self.history: list[dict[str, Any] | None] = []

    @property
    def current(self) -> OfficeCalendar | None:
        for stored in reversed(self.history):  # the newest readable version, as for the policy
            if stored is None:
                return None
            try:
                return OfficeCalendar.model_validate(stored)
            except ValidationError:
                continue
        return None

    def set(self, calendar: OfficeCalendar | None, actor_id: str, at: datetime) -> OfficeCalendar | None:
        """Adopt a calendar (a new version), or None to go back to calendar time."""
        if calendar is not None:
            calendar = calendar.model_copy(update={"version": len(self.history) + 1})
        self._set(calendar=calendar.model_dump(mode="json") if calendar else None, at=at, actor_id=actor_id)
        return calendar

    @event("CalendarSet")
    def _set(self, calendar: dict[str, Any] | None, at: datetime, actor_id: str) -> None:
        self.history.append(calendar)


class OfficeZone(Aggregate):
    """An office's time zone as the directory last said it (its `OfficeChanged` events), with the
    event that said it and who made the change: the SLA never decides a zone (office_time.py)."""

    @staticmethod
    def create_id(office_id: str, **_: Any) -> UUID:
        return derived_id("sla-office-zone", office_id)

    @event("Opened")
    def __init__(self, office_id: str) -> None:
        self.office_id = office_id
        self.heard: HeardZone | None = None

    def hear(self, heard: HeardZone, actor_id: str) -> bool:
        """Keep `heard` if it is the directory's latest word (True); an older one changes nothing."""
        if not supersedes(heard, self.heard):
            return False
        self._heard(time_zone=heard.time_zone, said_at=heard.said_at, event_id=heard.event_id, actor_id=actor_id)
        return True

    @event("ZoneHeard")
    def _heard(self, time_zone: str, said_at: datetime, event_id: str, actor_id: str) -> None:
        self.heard = HeardZone(time_zone, said_at, event_id)
