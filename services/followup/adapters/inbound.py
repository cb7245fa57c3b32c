"""What follow-up hears: triage's judgement and a person's overrides of it (invalid => an explanation is
owed; waivers), handling's results and reopenings, and the SLA's return-visit clocks (when a visit is
due). One handler for the three topics; each fact is idempotent by its event id."""

from __future__ import annotations

from typing import Any

from shared.bus.consumer import Delivery
from shared.contracts.handling import CaseReopened, ResultRecorded
from shared.contracts.sla import ClockStarted
from shared.contracts.topics import HANDLING_EVENTS, SLA_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged, TriageDecisionOverridden
from shared.eventstore import UnitOfWork

from ..application import FollowupApplication

TOPICS = (TRIAGE_EVENTS.name, HANDLING_EVENTS.name, SLA_EVENTS.name)


class CaseFacts:
    """The TrackedConsumer's handler: `handler(uow, delivery)`."""

    def __init__(self, app: FollowupApplication) -> None:
        self.app = app

    def __call__(self, uow: UnitOfWork, delivery: Delivery) -> None:
        message: Any = delivery.message
        if isinstance(message, TriageDecisionOverridden | ClockStarted):
            self.judgement_or_deadline(uow, message)
            return
        if not isinstance(message, ComplaintTriaged | ResultRecorded | CaseReopened):
            return
        case = self.app.case_in(uow, message.complaint_id, message.office_id)
        cause = str(message.event_id)
        policy = self.app.policy
        if isinstance(message, ComplaintTriaged):
            p = message.payload
            kind = p.communication_kind.value if p.communication_kind else None
            case.note_triaged(p.validity.value, p.nature.value, kind, message.occurred_at, cause, policy)
        elif isinstance(message, ResultRecorded):
            p = message.payload
            case.note_result(message.occurred_at, p.resolved, p.result, cause, policy)
        else:
            case.note_reopened(message.occurred_at, message.payload.reason, cause)

    def judgement_or_deadline(self, uow: UnitOfWork, message: TriageDecisionOverridden | ClockStarted) -> None:
        """A person's override of validity or nature; the SLA's return-visit clock (the visit's deadline)."""
        cause = str(message.event_id)
        if isinstance(message, TriageDecisionOverridden):
            if message.payload.aspect not in ("validity", "nature"):
                return
            case = self.app.case_in(uow, message.complaint_id, message.office_id)
            p = message.payload
            case.note_overridden(p.aspect, p.value, message.occurred_at, cause, self.app.policy)
        elif message.payload.clock.value == "return-visit":
            case = self.app.case_in(uow, message.complaint_id, message.office_id)
            p = message.payload
            case.note_clock_started(p.clock.value, p.key, p.deadline, message.occurred_at, cause)
