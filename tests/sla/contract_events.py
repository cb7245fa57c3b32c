"""Contract events as the other services publish them, for feeding the SLA and follow-up services."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.bus.consumer import Delivery
from shared.contracts import Actor, ComplaintRegistered, ComplaintRegisteredPayload, RegistrationForm
from shared.contracts.common import (
    BusinessArea,
    CommunicationKind,
    ContentCategory,
    Explanation,
    Nature,
    Severity,
    Validity,
)
from shared.contracts.handling import (
    CaseAccepted,
    CaseAcceptedPayload,
    CaseReopened,
    CaseReopenedPayload,
    ResultRecorded,
    ResultRecordedPayload,
)
from shared.contracts.sla import ClockKind, ClockStarted, ClockStartedPayload
from shared.contracts.triage import (
    ComplainantHistory,
    ComplaintTriaged,
    ComplaintTriagedPayload,
    TriageDecisionOverridden,
    TriageDecisionOverriddenPayload,
)
from shared.personal import clear_form
from tests.support import form

STAFF = Actor(id="hk-central/staff", role="department-staff")


def _base(complaint_id: UUID, at: datetime, office_id: str = "hk-central") -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4(),
        "complaint_id": complaint_id,
        "office_id": office_id,
        "occurred_at": at,
        "correlation_id": complaint_id,
    }


def registered(complaint_id: UUID, received_at: datetime, office_id: str = "hk-central") -> ComplaintRegistered:
    data = form(f"SLA-{complaint_id.hex[:10]}", received_at=received_at.isoformat())
    return ComplaintRegistered(
        **_base(complaint_id, received_at, office_id),
        actor=Actor(id=f"{office_id}/reception", role="receptionist"),
        payload=ComplaintRegisteredPayload(
            sequence_number=1, form=clear_form(RegistrationForm(**data)), registered_at=received_at
        ),
    )


def triaged(
    complaint_id: UUID,
    at: datetime,
    severity: str = "important",
    validity: str = "valid",
    nature: str = "effective",
    communication_kind: str | None = None,
    office_id: str = "hk-central",
) -> ComplaintTriaged:
    why = Explanation(reason="test", rule="triage.test@v1")
    return ComplaintTriaged(
        **_base(complaint_id, at, office_id),
        actor=Actor.system("triage"),
        payload=ComplaintTriagedPayload(
            validity=Validity(validity),
            nature=Nature(nature),
            communication_kind=CommunicationKind(communication_kind) if communication_kind else None,
            content_category=ContentCategory.EQUIPMENT,
            business_area=BusinessArea.ELECTROMECHANICAL,
            severity=Severity(severity),
            severity_criteria=[f"{severity}.test"],
            department="engineering",
            first_responsible="Lee Ka Ho",
            rules_version=1,
            explanations={"severity": why},
            history=ComplainantHistory(
                earlier_complaints=0, recent_complaint_ids=[], invalid_complaints=0, flagged_for_review=False
            ),
        ),
    )


def accepted(complaint_id: UUID, at: datetime, office_id: str = "hk-central") -> CaseAccepted:
    return CaseAccepted(
        **_base(complaint_id, at, office_id), actor=STAFF, payload=CaseAcceptedPayload(department="engineering")
    )


def result(complaint_id: UUID, at: datetime, resolved: bool = True, office_id: str = "hk-central") -> ResultRecorded:
    return ResultRecorded(
        **_base(complaint_id, at, office_id),
        actor=STAFF,
        payload=ResultRecordedPayload(result="Lift repaired; alarm line fixed.", resolved=resolved),
    )


def reopened(complaint_id: UUID, at: datetime, office_id: str = "hk-central") -> CaseReopened:
    return CaseReopened(
        **_base(complaint_id, at, office_id),
        actor=STAFF,
        payload=CaseReopenedPayload(reason="the customer was dissatisfied at the return visit"),
    )


_offsets = iter(range(10**9))


def delivery(message: Any, topic: str = "test") -> Delivery:
    return Delivery(message=message, topic=topic, partition=0, offset=next(_offsets), key=str(message.complaint_id))


def overridden(
    complaint_id: UUID, at: datetime, aspect: str, value: str, previous: str = "", office_id: str = "hk-central"
) -> TriageDecisionOverridden:
    """A supervisor's override, as triage publishes it (a category carries its typed parts)."""
    typed: dict[str, Any] = {}
    if aspect == "category":
        content, area = value.split("/")
        typed = {"content_category": ContentCategory(content), "business_area": BusinessArea(area)}
    return TriageDecisionOverridden(
        **_base(complaint_id, at, office_id),
        actor=Actor(id=f"{office_id}/supervisor", role="supervisor"),
        payload=TriageDecisionOverriddenPayload(
            aspect=aspect, previous=previous or "?", value=value, reason="seen on site", **typed
        ),
    )


def clock_started(
    complaint_id: UUID, at: datetime, clock: str, deadline: datetime, key: str | None = None,
    office_id: str = "hk-central",
) -> ClockStarted:  # fmt: skip
    """A clock as the SLA service publishes it."""
    return ClockStarted(
        **_base(complaint_id, at, office_id),
        actor=Actor.system("sla"),
        payload=ClockStartedPayload(
            clock=ClockKind(clock), key=key or f"{clock}#0", started_at=at, deadline=deadline, policy_version=1,
            calendar="calendar-time", explanation=Explanation(reason="test", rule="sla.test@v1"),
        ),
    )  # fmt: skip
