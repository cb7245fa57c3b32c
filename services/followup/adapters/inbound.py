"""What follow-up hears: triage's judgement and a person's overrides of it (invalid => an explanation is
owed; waivers), handling's results and reopenings, and the SLA's return-visit clocks (when a visit is
due). One handler for the three topics; each fact is idempotent by its event id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from shared.bus.consumer import Delivery
from shared.bus.dispatch import Inbound
from shared.contracts.handling import CaseReopened, ResultRecorded
from shared.contracts.sla import ClockStarted
from shared.contracts.topics import HANDLING_EVENTS, SLA_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged, TriageDecisionOverridden
from shared.eventstore import UnitOfWork

from ..application import FollowupApplication
from ..domain.case import FollowUpCase


class CaseFacts(Inbound):
    """The TrackedConsumer's handler: `handler(uow, delivery)`."""

    def __init__(self, app: FollowupApplication) -> None:
        self.app = app

    def _case(
        self,
        uow: UnitOfWork,
        message: ComplaintTriaged | ResultRecorded | CaseReopened | TriageDecisionOverridden | ClockStarted,
    ) -> FollowUpCase:
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

    def overridden(self, uow: UnitOfWork, message: TriageDecisionOverridden, delivery: Delivery) -> None:
        """A person's override of validity or nature re-decides what the customer is owed (and opens a
        case closed as invalid that is now judged valid)."""
        p = message.payload
        if p.aspect in ("validity", "nature"):
            self._case(uow, message).note_overridden(
                p.aspect, p.value, message.occurred_at, str(message.event_id), self.app.policy,
                actor_id=message.actor.id, actor_role=message.actor.role, reason=p.reason,
            )  # fmt: skip

    def clock_started(self, uow: UnitOfWork, message: ClockStarted, delivery: Delivery) -> None:
        """The SLA's return-visit clock: the visit's deadline (the SLA decides it, follow-up schedules by it)."""
        p = message.payload
        if p.clock.value == "return-visit":
            self._case(uow, message).note_clock_started(
                p.clock.value, p.key, p.deadline, message.occurred_at, str(message.event_id)
            )

    def wanted(self, message: Any) -> Iterable[UUID]:
        return [FollowUpCase.create_id(message.complaint_id)]  # every message here is about one case

    TOPICS = (TRIAGE_EVENTS, HANDLING_EVENTS, SLA_EVENTS)
    HANDLERS = {
        ComplaintTriaged: triaged,
        TriageDecisionOverridden: overridden,
        ResultRecorded: result,
        CaseReopened: reopened,
        ClockStarted: clock_started,
    }
