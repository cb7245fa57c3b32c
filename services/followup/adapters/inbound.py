"""What follow-up hears: triage's judgement (invalid => an explanation is owed; waivers), handling's
results and reopenings. One handler for both topics; each fact is idempotent by its event id."""

from __future__ import annotations

from typing import Any

from shared.bus.consumer import Delivery
from shared.contracts.handling import CaseReopened, ResultRecorded
from shared.contracts.topics import HANDLING_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged
from shared.eventstore import UnitOfWork

from ..application import FollowupApplication

TOPICS = (TRIAGE_EVENTS.name, HANDLING_EVENTS.name)


class CaseFacts:
    """The TrackedConsumer's handler: `handler(uow, delivery)`."""

    def __init__(self, app: FollowupApplication) -> None:
        self.app = app

    def __call__(self, uow: UnitOfWork, delivery: Delivery) -> None:
        message: Any = delivery.message
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
