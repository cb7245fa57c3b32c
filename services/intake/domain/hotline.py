"""A call record of a channel outside the office (the group hotline): what the customer told the
group about an office. Intake records it, as it records registrations, so the office's duty to
register the complaint can be checked against a fact written in one place.

The id is derived from the hotline's own reference: the same call sent twice is recorded once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id
from shared.contracts.hotline import HotlineComplaintReportedPayload, upcast_reported_v1_v2

from .complaint import form_fingerprint


class HotlineCall(Aggregate):
    @staticmethod
    def create_id(hotline_reference: str, **_: Any) -> UUID:
        # The id the hotline report carries as its `complaint_id` (see shared/contracts/hotline.py).
        return derived_id("hotline", hotline_reference)

    @event("Recorded")
    def __init__(
        self,
        hotline_reference: str,
        office_id: str,
        report: dict[str, Any],
        recorded_at: datetime,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.hotline_reference = hotline_reference
        self.office_id = office_id
        # The stored event keeps the report's JSON, the caller sealed; the state holds it typed.
        self.report = stored_report(report)
        self.fingerprint = call_fingerprint(office_id, report)
        self.recorded_at = recorded_at
        self.actor_id = actor_id
        self.actor_role = actor_role


def call_fingerprint(office_id: str, report: dict[str, Any]) -> str:
    """Same office and report, same fingerprint: tells a re-sent call from a reused reference. A sealed
    caller differs at every sealing: the person (as the keyring recognised them) stands for them."""
    personal = report.get("personal")
    if personal is not None:
        report = {k: v for k, v in report.items() if k != "personal"} | {"person": personal["person_id"]}
    return form_fingerprint({"office_id": office_id, "report": report})


def stored_report(report: dict[str, Any]) -> HotlineComplaintReportedPayload:
    """A stored report: the caller sealed, or (recorded before sealing) in clear, read as its v1 event."""
    if "personal" not in report:
        report = upcast_reported_v1_v2({"payload": report})["payload"]
    return HotlineComplaintReportedPayload.model_validate(report)
