"""Building intake's and the SLA service's events as triage receives them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.contracts import Actor, ComplaintRegistered, ComplaintRegisteredPayload, RegistrationForm, derived_id
from shared.contracts.common import Explanation, Severity
from shared.contracts.sla import RegradeRequested, RegradeRequestedPayload
from shared.personal import clear_form
from tests.support import T0, form


def registered(
    description: str,
    *,
    office_id: str = "hk-central",
    contact: str | None = None,
    address: str = "Flat B, 12/F, Block 3, Harbour View Gardens",
    at: datetime = T0,
    reference: str | None = None,
    obj: str = "Block 3",
    name: str = "Resident",
) -> ComplaintRegistered:
    reference = reference or f"T-{uuid.uuid4().hex[:10]}"
    complaint_id = derived_id("complaint", office_id, reference)
    filled: dict[str, Any] = form(
        reference,
        description=description,
        unit_address=address,
        object=obj,
        customer_request="Please sort it out.",
        occurred_at=(at - timedelta(minutes=5)).isoformat(),
        received_at=at.isoformat(),
    )
    filled["complainant"] = {"name": name, "contact": contact or f"+852 {uuid.uuid4().int % 10**8:08d}"}
    return ComplaintRegistered(
        event_id=derived_id("event", complaint_id, 1),
        complaint_id=complaint_id,
        office_id=office_id,
        occurred_at=at,
        actor=Actor(id=f"{office_id}/reception", role="receptionist"),
        correlation_id=complaint_id,
        payload=ComplaintRegisteredPayload(
            sequence_number=1, form=clear_form(RegistrationForm(**filled)), registered_at=at
        ),
    )


def regrade_requested(complaint_id: uuid.UUID, office_id: str = "hk-central", at: datetime = T0) -> RegradeRequested:
    return RegradeRequested(
        event_id=uuid.uuid4(),
        complaint_id=complaint_id,
        office_id=office_id,
        occurred_at=at + timedelta(days=7),
        actor=Actor.system("sla"),
        correlation_id=complaint_id,
        payload=RegradeRequestedPayload(
            severity=Severity.MAJOR,
            criterion="major.unresolved-week",
            explanation=Explanation(
                reason="valid and not resolved within one week", rule="sla.unresolved-week@v1", caused_by=[]
            ),
        ),
    )
