"""What follow-up hears: triage's judgement (invalid => an explanation is owed; waivers), handling's
results and reopenings. One handler for both topics; each fact is idempotent by its event id."""

from __future__ import annotations

from shared.bus.consumer import Delivery
from shared.bus.dispatch import Inbound
from shared.contracts.handling import CaseReopened, ResultRecorded
from shared.contracts.topics import HANDLING_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged
from shared.eventstore import UnitOfWork

from ..application import FollowupApplication
from ..domain.case import FollowUpCase


class CaseFacts(Inbound):
    """The TrackedConsumer's handler: `handler(uow, delivery)`."""

    def __init__(self, app: FollowupApplication) -> None:
        self.app = app

    def _case(self, uow: UnitOfWork, message: ComplaintTriaged | ResultRecorded | CaseReopened) -> FollowUpCase:
        return self.app.case_in(uow, message.complaint_id, message.office_id)

    def triaged(self, uow: UnitOfWork, message: ComplaintTriaged, delivery: Delivery) -> None:
        p = message.payload
        kind = p.communication_kind.value if p.communication_kind else None
        self._case(uow, message).note_triaged(
            p.validity.value, p.nature.value, kind, message.occurred_at, str(message.event_id), self.app.policy
        )

    def result(self, uow: UnitOfWork, message: ResultRecorded, delivery: Delivery) -> None:
        p = message.payload
        self._case(uow, message).note_result(
            message.occurred_at, p.resolved, p.result, str(message.event_id), self.app.policy
        )

    def reopened(self, uow: UnitOfWork, message: CaseReopened, delivery: Delivery) -> None:
        self._case(uow, message).note_reopened(message.occurred_at, message.payload.reason, str(message.event_id))

    TOPICS = (TRIAGE_EVENTS, HANDLING_EVENTS)
    HANDLERS = {
        ComplaintTriaged: triaged,
        ResultRecorded: result,
        CaseReopened: reopened,
    }
