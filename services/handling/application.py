"""Handling's commands and queries. People's commands take `now`; automatic ones take the time of
the event that caused them. Nothing here reads the wall clock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from shared.auth import Principal
from shared.contracts.common import Validity
from shared.contracts.followup import ReturnVisitMade, VisitOutcome
from shared.contracts.triage import ComplaintTriaged, SeverityRegraded, TriageDecisionOverridden
from shared.eventstore import ServiceApplication, UnitOfWork
from shared.refusals import steps_answer

from .domain.case import Case, CaseStep, Proposal
from .domain.errors import CaseNotFound, OutOfOrder
from .domain.routing import KeptRouting

log = logging.getLogger(__name__)

SERVICE = "handling"
SYSTEM_ID, SYSTEM_ROLE = f"system:{SERVICE}", "system"


@dataclass(frozen=True)
class CaseView:
    complaint_id: str
    office_id: str
    department: str
    first_responsible: str
    severity: str
    stage: str
    cause: str | None
    responsible_person: str | None
    proposal: dict[str, Any] | None
    result: dict[str, Any] | None  # this cycle's result: {"result", "resolved", "at"}
    # The cycles a dissatisfied return visit reopened, oldest first: each one's cause, responsible person,
    # proposal and result (the fields above are the current cycle's, null until recorded anew), with
    # `reopened_at` and the reopening's `reason`.
    earlier: list[dict[str, Any]]
    hand_over_to: str | None
    commitments: list[dict[str, Any]]
    progress: list[str]
    steps: dict[str, dict[str, Any] | None]  # each step: None if the case takes it now, else its refusal


class HandlingApplication(ServiceApplication):
    name = "handling"

    # -- facts from other services (inside the tracked consumer's unit of work) ----------------------

    def open_case(self, uow: UnitOfWork, triaged: ComplaintTriaged) -> None:
        if uow.find(Case.create_id(triaged.complaint_id)) is not None:
            return  # opened already (a re-publication)
        routing = triaged.payload.explanations.get("routing")
        # What the case is opened with, whether now or once a person judges the complaint valid.
        routed: dict[str, Any] = {
            "complaint_id": str(triaged.complaint_id),
            "office_id": triaged.office_id,
            "department": triaged.payload.department,
            "first_responsible": triaged.payload.first_responsible,
            "severity": triaged.payload.severity.value,
            "causation_id": str(triaged.event_id),
            "routing_reason": routing.reason if routing else None,
            "routing_rule": routing.rule if routing else None,
            "departments": list(triaged.payload.departments),
        }
        if triaged.payload.validity is Validity.INVALID:
            # Not established: follow-up explains it to the customer; no department handles it. The
            # routing is kept in case a person judges it valid after all.
            if uow.find(KeptRouting.create_id(triaged.complaint_id)) is None:
                uow.add(KeptRouting(**routed, judged_at=triaged.occurred_at))
            return
        uow.add(Case(**routed, opened_at=triaged.occurred_at))

    def keep_severity(self, uow: UnitOfWork, regraded: SeverityRegraded) -> None:
        # Same topic and key as ComplaintTriaged, so the case exists unless triage never routed it.
        case: Case | None = uow.find(Case.create_id(regraded.complaint_id))
        if case is not None:
            uow.add(case)
            case.keep_severity(regraded.payload.severity.value, str(regraded.event_id), regraded.occurred_at)

    def reroute(self, uow: UnitOfWork, overridden: TriageDecisionOverridden) -> None:
        """A person overrode triage's routing: the case is handed over on their request, and the new
        department accepts it as any hand-over (an explicit request, then an acceptance)."""
        if overridden.payload.aspect != "routing":
            return
        case: Case | None = uow.find(Case.create_id(overridden.complaint_id))
        if case is None or overridden.payload.value in (case.department, case.hand_over_to):
            return
        try:
            case.request_hand_over(
                overridden.payload.value,
                f"routing overridden in triage: {overridden.payload.reason}",
                overridden.actor.id,
                overridden.actor.role,
                overridden.occurred_at,
                causation_id=str(overridden.event_id),
                routed=True,
            )
        except OutOfOrder as error:  # worked on too far, or another hand-over pending: a person decides
            log.warning("routing override for %s not applied: %s", overridden.complaint_id, error)
            return
        uow.add(case)

    def honour_validity(self, uow: UnitOfWork, overridden: TriageDecisionOverridden) -> None:
        """A person judged the complaint invalid: the department's case is not required any more (it
        stands down, recorded with who and why). A case with a result keeps it. Judged valid after all:
        the case opens to the department triage routed it to (a case that stood down stands up, to be
        accepted anew)."""
        if overridden.payload.aspect != "validity":
            return
        case: Case | None = uow.find(Case.create_id(overridden.complaint_id))
        if overridden.payload.value != Validity.INVALID.value:
            if case is not None and case.stand_up(
                f"judged {overridden.payload.value} by {overridden.actor.id}: {overridden.payload.reason}",
                str(overridden.event_id),
                overridden.actor.id,
                overridden.actor.role,
                overridden.occurred_at,
            ):
                uow.add(case)  # stood down, now owed again: the department accepts it anew
            self._open_kept(uow, overridden)
            return
        if case is None:
            return
        if case.stand_down(
            f"judged invalid by {overridden.actor.id}: {overridden.payload.reason}",
            str(overridden.event_id),
            overridden.actor.id,
            overridden.actor.role,
            overridden.occurred_at,
        ):
            uow.add(case)

    def _open_kept(self, uow: UnitOfWork, overridden: TriageDecisionOverridden) -> None:
        kept: KeptRouting | None = uow.find(KeptRouting.create_id(overridden.complaint_id))
        if kept is None or kept.used or uow.find(Case.create_id(overridden.complaint_id)) is not None:
            return
        kept.use(overridden.occurred_at, str(overridden.event_id))
        uow.add(kept)
        uow.add(
            Case(
                complaint_id=kept.complaint_id,
                office_id=kept.office_id,
                department=kept.department,
                first_responsible=kept.first_responsible,
                severity=kept.severity,
                causation_id=str(overridden.event_id),
                opened_at=overridden.occurred_at,
                routing_reason=f"judged valid by {overridden.actor.id}: {overridden.payload.reason}; "
                f"{kept.routing_reason or 'routed by triage'}",
                routing_rule=kept.routing_rule,
                departments=kept.departments,
            )
        )

    def return_visit(self, uow: UnitOfWork, visit: ReturnVisitMade) -> None:
        if visit.payload.outcome is not VisitOutcome.DISSATISFIED:
            return
        case: Case | None = uow.find(Case.create_id(visit.complaint_id))
        if case is None:
            return
        uow.add(case)
        remarks = f": {visit.payload.remarks}" if visit.payload.remarks else ""
        case.reopen(
            f"the customer was dissatisfied at return visit {visit.payload.attempt}{remarks}",
            str(visit.event_id),
            SYSTEM_ID,
            SYSTEM_ROLE,
            visit.occurred_at,
        )

    # -- people's commands ------------------------------------------------------------------------------

    def act(self, office_id: str | None, complaint_id: UUID, action: Callable[[Case], None]) -> None:
        """Apply one person's action to a case and save it; a step out of order raises before saving."""
        for _ in range(10):
            uow = self.unit_of_work()
            case = self._visible(uow, office_id, complaint_id)
            action(case)
            try:
                self.commit(uow)
                return
            except IntegrityError:  # the consumer changed the case meanwhile: act on the new state
                continue
        raise RuntimeError("the case is too contended; try again")

    def accept(self, office_id: str | None, complaint_id: UUID, actor: Principal, now: datetime) -> None:
        self.act(office_id, complaint_id, lambda c: c.accept(actor.actor_id, actor.role, now))

    def _visible(self, uow: UnitOfWork, office_id: str | None, complaint_id: UUID) -> Case:
        case: Case | None = uow.find(Case.create_id(complaint_id))
        if case is None or (office_id is not None and case.office_id != office_id):
            raise CaseNotFound(complaint_id)  # another office's case: not even its existence
        uow.add(case)
        return case

    # -- queries ------------------------------------------------------------------------------------------

    def case(self, office_id: str | None, complaint_id: UUID) -> CaseView:
        try:
            case: Case = self.repository.get(Case.create_id(complaint_id))
        except AggregateNotFoundError:
            raise CaseNotFound(complaint_id) from None
        if office_id is not None and case.office_id != office_id:
            raise CaseNotFound(complaint_id)
        return CaseView(
            complaint_id=case.complaint_id,
            office_id=case.office_id,
            department=case.department,
            first_responsible=case.first_responsible,
            severity=case.severity.value,
            stage=case.stage.value,
            cause=case.cause,
            responsible_person=case.responsible_person,
            proposal=_proposal(case.proposal),
            result=_result(case.result),
            earlier=[_earlier(e) for e in case.earlier],
            hand_over_to=case.hand_over_to,
            commitments=[
                {"promise": c.promise, "due_at": c.due_at.isoformat(), "kept_at": c.kept_at and c.kept_at.isoformat()}
                for c in case.commitments
            ],
            progress=list(case.progress),
            steps=steps_answer({step.value: case.refusal_of(step) for step in CaseStep}),
        )


def _proposal(proposal: Proposal | None) -> dict[str, Any] | None:
    return None if proposal is None else {"kind": proposal.kind, "description": proposal.description}


def _result(result: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if result is None else {**result, "at": result["at"].isoformat()}


def _earlier(cycle: dict[str, Any]) -> dict[str, Any]:
    """A cycle a reopening ended, as the case's answer carries it."""
    return {
        "cause": cycle["cause"],
        "responsible_person": cycle["responsible_person"],
        "proposal": _proposal(cycle["proposal"]),
        "result": _result(cycle["result"]),
        "reopened_at": cycle["reopened_at"].isoformat(),
        "reason": cycle["reason"],
    }
