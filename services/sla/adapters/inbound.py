"""What the SLA service hears: facts from intake, triage, handling and follow-up start and stop clocks.

One handler for every topic it reads. Each message becomes a *fact* on the complaint's clocks; the
clocks reconcile over the set of facts, so messages of different topics may arrive in any order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.bus.consumer import Delivery
from shared.bus.dispatch import Inbound
from shared.contracts import IntegrationEvent
from shared.contracts.followup import CustomerReplied, ReturnVisitMade, VisitOutcome
from shared.contracts.handling import (
    CaseAccepted,
    CaseReopened,
    CommitmentMade,
    ProgressReported,
    ResultRecorded,
)
from shared.contracts.intake import ComplaintRegistered
from shared.contracts.topics import FOLLOWUP_EVENTS, HANDLING_EVENTS, INTAKE_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged, SeverityRegraded
from shared.eventstore import UnitOfWork

from ..application import SlaApplication


class ClockFacts(Inbound):
    """The TrackedConsumer's handler: `handler(uow, delivery)`. Each entry notes one fact, at its
    business time, with the data the clocks need."""

    def __init__(self, app: SlaApplication) -> None:
        self.app = app

    def _note(self, uow: UnitOfWork, message: IntegrationEvent, fact: str, at: datetime, **data: Any) -> None:
        self.app.note_fact(uow, message.complaint_id, message.office_id, fact, at, str(message.event_id), **data)

    def registered(self, uow: UnitOfWork, message: ComplaintRegistered, delivery: Delivery) -> None:
        self._note(uow, message, "registered", message.payload.form.received_at)

    def triaged(self, uow: UnitOfWork, message: ComplaintTriaged, delivery: Delivery) -> None:
        p = message.payload
        self._note(uow, message, "triaged", message.occurred_at, severity=p.severity.value, validity=p.validity.value)

    def regraded(self, uow: UnitOfWork, message: SeverityRegraded, delivery: Delivery) -> None:
        self._note(uow, message, "regraded", message.occurred_at, severity=message.payload.severity.value)

    def accepted(self, uow: UnitOfWork, message: CaseAccepted, delivery: Delivery) -> None:
        self._note(uow, message, "accepted", message.occurred_at)

    def result(self, uow: UnitOfWork, message: ResultRecorded, delivery: Delivery) -> None:
        self._note(uow, message, "result", message.occurred_at, resolved=message.payload.resolved)

    def progress(self, uow: UnitOfWork, message: ProgressReported, delivery: Delivery) -> None:
        self._note(uow, message, "progress", message.occurred_at)

    def commitment(self, uow: UnitOfWork, message: CommitmentMade, delivery: Delivery) -> None:
        p = message.payload
        self._note(uow, message, "commitment", message.occurred_at, due_at=p.due_at, promise=p.promise)

    def reopened(self, uow: UnitOfWork, message: CaseReopened, delivery: Delivery) -> None:
        self._note(uow, message, "reopened", message.occurred_at)

    def replied(self, uow: UnitOfWork, message: CustomerReplied, delivery: Delivery) -> None:
        self._note(uow, message, "replied", message.payload.replied_at)

    def visited(self, uow: UnitOfWork, message: ReturnVisitMade, delivery: Delivery) -> None:
        p = message.payload
        if p.outcome is VisitOutcome.UNREACHABLE and not p.final:
            return  # an attempt, not yet a visit: the clock keeps running
        self._note(uow, message, "visited", message.occurred_at, outcome=p.outcome.value)

    # Every other message on these topics leaves the clocks as they are.
    TOPICS = (INTAKE_EVENTS, TRIAGE_EVENTS, HANDLING_EVENTS, FOLLOWUP_EVENTS)
    HANDLERS = {
        ComplaintRegistered: registered,
        ComplaintTriaged: triaged,
        SeverityRegraded: regraded,
        CaseAccepted: accepted,
        ResultRecorded: result,
        ProgressReported: progress,
        CommitmentMade: commitment,
        CaseReopened: reopened,
        CustomerReplied: replied,
        ReturnVisitMade: visited,
    }
