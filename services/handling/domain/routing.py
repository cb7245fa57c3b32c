"""Triage's routing of a complaint judged invalid, kept aside: no department's case is opened for it
(follow-up explains it to the customer), but a person may judge it valid after all, and then the case
opens to the department triage routed it to. Private: nothing here is published."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id


class KeptRouting(Aggregate):
    @staticmethod
    def create_id(complaint_id: UUID | str, **_: Any) -> UUID:
        return derived_id("handling-kept-routing", str(complaint_id))

    @event("Kept")
    def __init__(
        self,
        complaint_id: str,
        office_id: str,
        department: str,
        first_responsible: str,
        severity: str,
        causation_id: str,
        judged_at: datetime,
        routing_reason: str | None = None,
        routing_rule: str | None = None,
        departments: list[str] | None = None,
    ) -> None:
        self.complaint_id = complaint_id
        self.office_id = office_id
        self.department = department
        self.first_responsible = first_responsible
        self.severity = severity
        self.causation_id = causation_id
        self.routing_reason = routing_reason
        self.routing_rule = routing_rule
        self.departments: list[str] = list(departments or [])
        self.used = False

    def use(self, at: datetime, causation_id: str) -> None:
        self._used(at=at, causation_id=causation_id)

    @event("Used")
    def _used(self, at: datetime, causation_id: str) -> None:
        self.used = True
