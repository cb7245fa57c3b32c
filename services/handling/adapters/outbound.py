"""Stored domain events -> integration events: the relay's translator."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.bus.relay import Publication
from shared.contracts import Actor, IntegrationEvent, stored_event_id
from shared.contracts import handling as contracts
from shared.contracts.common import Explanation
from shared.eventstore import ServiceApplication

from ..domain.case import Case

# Stored event -> (integration event, how to build its payload from the stored event).
_SIMPLE: dict[type, tuple[type[IntegrationEvent], Any]] = {
    Case.Accepted: (contracts.CaseAccepted, lambda e: contracts.CaseAcceptedPayload(department=e.department)),
    Case.HandOverRequested: (
        contracts.HandOverRequested,
        lambda e: contracts.HandOverRequestedPayload(
            from_department=e.from_department, to_department=e.to_department, reason=e.reason
        ),
    ),
    Case.HandOverAccepted: (
        contracts.HandOverAccepted,
        lambda e: contracts.HandOverAcceptedPayload(department=e.department),
    ),
    Case.CauseRecorded: (
        contracts.CauseRecorded,
        lambda e: contracts.CauseRecordedPayload(cause=e.cause, responsible_person=e.responsible_person),
    ),
    Case.SolutionProposed: (
        contracts.SolutionProposed,
        lambda e: contracts.SolutionProposedPayload(kind=e.kind, description=e.description),
    ),
    Case.SolutionApproved: (contracts.SolutionApproved, lambda e: contracts.SolutionApprovedPayload(note=e.note)),
    Case.SolutionRejected: (
        contracts.SolutionRejected,
        lambda e: contracts.SolutionRejectedPayload(instructions=e.instructions),
    ),
    Case.SolutionCarriedOut: (
        contracts.SolutionCarriedOut,
        lambda e: contracts.SolutionCarriedOutPayload(notes=e.notes),
    ),
    Case.ResultRecorded: (
        contracts.ResultRecorded,
        lambda e: contracts.ResultRecordedPayload(result=e.result, resolved=e.resolved),
    ),
    Case.ProgressReported: (
        contracts.ProgressReported,
        lambda e: contracts.ProgressReportedPayload(message=e.message),
    ),
    Case.CommitmentMade: (
        contracts.CommitmentMade,
        lambda e: contracts.CommitmentMadePayload(promise=e.promise, due_at=e.due_at),
    ),
    Case.CommitmentKept: (
        contracts.CommitmentKept,
        lambda e: contracts.CommitmentKeptPayload(number=e.number, promise=e.promise, note=e.note),
    ),
    Case.Reopened: (contracts.CaseReopened, lambda e: contracts.CaseReopenedPayload(reason=e.reason)),
}


class CaseTranslator:
    """Translates a case's stored events. Only `Opened` names the office; later events find it here
    (cached; a case never changes office)."""

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app
        self._offices: dict[UUID, str] = {}

    def _office(self, case_id: UUID) -> str:
        if case_id not in self._offices:
            self._offices[case_id] = self.app.repository.get(case_id, version=1).office_id
        return self._offices[case_id]

    def __call__(self, domain_event: Any) -> Iterable[Publication]:
        if isinstance(domain_event, Case.Opened):
            self._offices[domain_event.originator_id] = domain_event.office_id
            yield Publication.of(
                contracts.CaseOpened(
                    **self._envelope(domain_event, Actor.system("handling"), domain_event.opened_at),
                    causation_id=UUID(domain_event.causation_id),
                    payload=contracts.CaseOpenedPayload(
                        department=domain_event.department,
                        first_responsible=domain_event.first_responsible,
                        explanation=Explanation(
                            reason=f"routed by triage: {domain_event.routing_reason}",
                            rule=domain_event.routing_rule,
                            caused_by=[UUID(domain_event.causation_id)],
                        )
                        if domain_event.routing_reason and domain_event.routing_rule
                        else None,
                    ),
                )
            )
            return
        entry = _SIMPLE.get(type(domain_event))
        if entry is None:
            return  # SeverityChanged, StoodDown and StoodUp stay private: triage published the re-grade or override
        model, payload = entry
        causation = getattr(domain_event, "causation_id", None)
        message: BaseModel = model(
            **self._envelope(
                domain_event, Actor(id=domain_event.actor_id, role=domain_event.actor_role), domain_event.at
            ),
            causation_id=UUID(causation) if causation else None,
            payload=payload(domain_event),
        )
        yield Publication.of(message)  # type: ignore[arg-type]

    def _envelope(self, event: Any, actor: Actor, at: Any) -> dict[str, Any]:
        complaint_id: UUID = event.originator_id
        return {
            "event_id": stored_event_id("handling", complaint_id, event.originator_version),
            "complaint_id": complaint_id,
            "office_id": self._office(complaint_id),
            "occurred_at": at,
            "actor": actor,
            "correlation_id": complaint_id,
        }
