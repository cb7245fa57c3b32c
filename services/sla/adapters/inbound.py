"""What the SLA service hears: facts from intake, triage, handling and follow-up start and stop clocks;
the directory's `OfficeChanged` says each office's time zone (the directory is its author).

One handler for every topic it reads. Each message becomes a *fact* on the complaint's clocks; the
clocks reconcile over the set of facts, so messages of different topics may arrive in any order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel

from shared.bus.consumer import Delivery
from shared.bus.dispatch import Inbound, MessageHandler
from shared.contracts import IntegrationEvent
from shared.contracts.directory import OfficeChanged
from shared.contracts.followup import (
    CaseClosed,
    ComplaintReopened,
    CustomerReplied,
    ReturnVisitMade,
    StepWaived,
    VisitOutcome,
    WaiverWithdrawn,
)
from shared.contracts.handling import (
    CaseAccepted,
    CaseReopened,
    CommitmentKept,
    CommitmentMade,
    HandOverAccepted,
    HandOverRequested,
    ProgressReported,
    ResultRecorded,
)
from shared.contracts.intake import ComplaintRegistered
from shared.contracts.topics import DIRECTORY_EVENTS, FOLLOWUP_EVENTS, HANDLING_EVENTS, INTAKE_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged, SeverityRegraded, TriageDecisionOverridden
from shared.eventstore import UnitOfWork

from ..application import SlaApplication
from ..domain.clocks import ComplaintClocks
from ..domain.office_time import HeardZone
from ..domain.registers import CalendarRegister, OfficeZone, PolicyBook


def clock_fact(message: Any) -> tuple[str, Any, dict[str, Any]] | None:
    """(fact, business time, data) for the messages that matter to a clock; None for the rest."""
    match message:
        case ComplaintRegistered():
            return "registered", message.payload.form.received_at, {}
        case ComplaintTriaged():
            return (
                "triaged",
                message.occurred_at,
                {"severity": message.payload.severity.value, "validity": message.payload.validity.value},
            )
        case SeverityRegraded():
            return "regraded", message.occurred_at, {"severity": message.payload.severity.value}
        case CaseAccepted():
            return "accepted", message.occurred_at, {}
        case ResultRecorded():
            return "result", message.occurred_at, {"resolved": message.payload.resolved}
        case ProgressReported():
            return "progress", message.occurred_at, {}
        case CommitmentMade():
            return (
                "commitment",
                message.occurred_at,
                {"due_at": message.payload.due_at, "promise": message.payload.promise},
            )
        case CommitmentKept():
            return "commitment-kept", message.occurred_at, {"number": message.payload.number}
        case CaseReopened():
            return "reopened", message.occurred_at, {}
        case CustomerReplied():
            return "replied", message.payload.replied_at, {}
        case ReturnVisitMade():
            if message.payload.outcome is VisitOutcome.UNREACHABLE and not message.payload.final:
                return None  # an attempt, not yet a visit: the clock keeps running
            return "visited", message.occurred_at, {"outcome": message.payload.outcome.value}
    return _judgement_or_hand_over_fact(message)


def _judgement_or_hand_over_fact(message: Any) -> tuple[str, Any, dict[str, Any]] | None:
    """Facts that supersede clocks or start a hop's own: a person's override of validity or severity,
    a hand-over requested and accepted, a waiver (or its withdrawal), the case closed (or opened again)."""
    match message:
        case TriageDecisionOverridden() if message.payload.aspect in ("validity", "severity"):
            return "overridden", message.occurred_at, {"aspect": message.payload.aspect, "value": message.payload.value}
        case HandOverRequested():
            return "handover-requested", message.occurred_at, {"to_department": message.payload.to_department}
        case HandOverAccepted():
            return "handover-accepted", message.occurred_at, {"department": message.payload.department}
        case StepWaived():
            return "waived", message.occurred_at, {"step": message.payload.step, "reason": message.payload.reason}
        case WaiverWithdrawn():
            return (
                "waived",
                message.occurred_at,
                {"step": message.payload.step, "reason": message.payload.reason, "withdrawn": True},
            )
        case CaseClosed():
            return "closed", message.occurred_at, {}
        case ComplaintReopened():
            return "unclosed", message.occurred_at, {}
    return None


class ClockFacts(Inbound):
    """The TrackedConsumer's handler: `handler(uow, delivery)`. Every type of the table becomes a fact
    (`clock_fact`); every other message on these topics leaves the clocks as they are."""

    def __init__(self, app: SlaApplication) -> None:
        self.app = app

    def note(self, uow: UnitOfWork, message: IntegrationEvent, delivery: Delivery) -> None:
        fact = clock_fact(message)
        if fact is None:
            return
        name, at, data = fact
        self.app.note_fact(uow, message.complaint_id, message.office_id, name, at, str(message.event_id), **data)

    def office_changed(self, uow: UnitOfWork, message: OfficeChanged, delivery: Delivery) -> None:
        """The office's time zone, as the directory says it: the zone its later clocks run in."""
        heard = HeardZone(message.payload.time_zone, message.occurred_at, str(message.event_id))
        self.app.hear_office_zone(uow, message.payload.office_id, heard, message.actor.id)

    def wanted(self, message: Any) -> Iterable[UUID]:
        """What handling `message` reads (the consumer loads a batch's together: on PostgreSQL two
        queries for the lot instead of up to four round trips a message): the complaint's clocks, its
        office's zone and calendar, the policy book."""
        if isinstance(message, OfficeChanged):
            return [OfficeZone.create_id(message.payload.office_id)]
        if clock_fact(message) is None:
            return []
        office_id = message.office_id
        return [
            ComplaintClocks.create_id(message.complaint_id),
            OfficeZone.create_id(office_id),
            CalendarRegister.create_id(office_id),
            PolicyBook.create_id(),
        ]

    TOPICS = (INTAKE_EVENTS, TRIAGE_EVENTS, HANDLING_EVENTS, FOLLOWUP_EVENTS, DIRECTORY_EVENTS)
    HANDLERS: ClassVar[Mapping[type[BaseModel], MessageHandler]] = {OfficeChanged: office_changed} | dict.fromkeys(
        (
            ComplaintRegistered,
            ComplaintTriaged,
            SeverityRegraded,
            TriageDecisionOverridden,
            CaseAccepted,
            HandOverRequested,
            HandOverAccepted,
            ProgressReported,
            CommitmentMade,
            CommitmentKept,
            ResultRecorded,
            CaseReopened,
            CustomerReplied,
            ReturnVisitMade,
            StepWaived,
            WaiverWithdrawn,
            CaseClosed,
            ComplaintReopened,
        ),
        note,
    )
