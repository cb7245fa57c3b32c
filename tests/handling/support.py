"""Triage's and follow-up's events as handling receives them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from shared.contracts import Actor, derived_id
from shared.contracts.common import Explanation
from shared.contracts.followup import ReturnVisitMade, ReturnVisitMadePayload, VisitOutcome
from shared.contracts.triage import ComplainantHistory, ComplaintTriaged, ComplaintTriagedPayload
from tests.support import T0

# The departments the bundled routing knows for hk-central (triage's GET /departments), as triage publishes them.
ROUTING_DEPARTMENTS = ("club", "customer-service", "engineering", "finance", "parking", "sanitation", "security")


def triaged(
    office_id: str = "hk-central",
    severity: str = "important",
    at: datetime = T0,
    validity: str = "valid",
    departments: tuple[str, ...] = ROUTING_DEPARTMENTS,
) -> ComplaintTriaged:
    complaint_id = uuid.uuid4()
    why = Explanation(reason="test", rule="test@v1", caused_by=[])
    return ComplaintTriaged(
        event_id=derived_id("event", "triaged", complaint_id),
        complaint_id=complaint_id,
        office_id=office_id,
        occurred_at=at,
        actor=Actor.system("triage"),
        causation_id=uuid.uuid4(),
        correlation_id=complaint_id,
        payload=ComplaintTriagedPayload(
            validity=validity,
            nature="effective",
            communication_kind=None,
            content_category="equipment",
            business_area="electromechanical",
            severity=severity,
            severity_criteria=[f"{severity}.x"],
            department="engineering",
            first_responsible="engineering duty officer",
            rules_version=1,
            explanations={k: why for k in ("validity", "nature", "category", "severity", "routing")},
            history=ComplainantHistory(
                earlier_complaints=0, recent_complaint_ids=[], invalid_complaints=0, flagged_for_review=False
            ),
            departments=list(departments),
        ),
    )


def visit(complaint_id: uuid.UUID, outcome: VisitOutcome, office_id: str = "hk-central") -> ReturnVisitMade:
    return ReturnVisitMade(
        event_id=uuid.uuid4(),
        complaint_id=complaint_id,
        office_id=office_id,
        occurred_at=T0 + timedelta(days=1),
        actor=Actor(id=f"{office_id}/reception", role="receptionist"),
        correlation_id=complaint_id,
        payload=ReturnVisitMadePayload(
            outcome=outcome, attempt=1, satisfaction=2, acknowledged=False, remarks="still noisy", final=True
        ),
    )
