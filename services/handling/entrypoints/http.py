"""Handling's HTTP API (FastAPI): the department's steps on a case. Routes parse, check roles, call
the application, and map domain errors: another office's case is 404, a step out of order is 409.

Run: `uvicorn services.handling.entrypoints.http:create_app --factory --port 8003`
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request, status
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Principal
from shared.clock import Clock, utc_now
from shared.contracts.bounds import Instant, OutOfBounds, check_horizon
from shared.contracts.common import BUSINESS_AREA_MAX_LENGTH
from shared.contracts.handling import SolutionKind
from shared.web import (
    PROBLEM_RESPONSES,
    CurrentPrincipal,
    FilledIn,
    Problem,
    refused,
    require_office,
    require_roles,
    service_api,
    unprocessable,
)

from .. import bootstrap
from ..application import CaseView, HandlingApplication
from ..domain.case import Case
from ..domain.errors import CaseNotFound, OutOfOrder, UnknownDepartment
from ..settings import HandlingSettings

DEPARTMENT_ROLES = ("department-staff", "supervisor", "leader")
APPROVING_ROLES = ("leader",)
READING_ROLES = ("department-staff", "supervisor", "leader", "manager", "receptionist", "group", "auditor")

CASE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such case for your key (another office's case is not shown)."},
    409: {"model": Problem, "description": "The step is out of order; nothing was recorded."},
    **PROBLEM_RESPONSES,
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HandOverIn(Body):
    # A department routing knows for the office (triage's routing table, carried by its decision): 'Engineering
    # Dept' typed at the desk was accepted, and the case waited for a department nobody is in. The case reads
    # it (Case.department_named) as triage reads a routing override, and records the code.
    to_department: FilledIn = Field(
        min_length=1,
        max_length=BUSINESS_AREA_MAX_LENGTH,
        description="A department routing knows for the office (triage's `GET /departments`): its code, e.g. "
        "'engineering', or its word in English, Traditional or Simplified Chinese ('工程部'); recorded as the code. "
        "Another is 422 `handling.unknown_department` with the codes.",
        examples=["engineering", "security", "customer-service", "工程部"],
    )
    reason: FilledIn = Field(min_length=1, max_length=2000)


class CauseIn(Body):
    cause: FilledIn = Field(min_length=1, max_length=4000)
    responsible_person: FilledIn = Field(min_length=1, max_length=200)


class ProposalIn(Body):
    kind: SolutionKind
    description: FilledIn = Field(min_length=1, max_length=4000)


class ApprovalIn(Body):
    note: str | None = Field(default=None, max_length=2000)


class RejectionIn(Body):
    instructions: FilledIn = Field(min_length=1, max_length=4000)


class ExecutionIn(Body):
    notes: FilledIn = Field(min_length=1, max_length=4000)


class ResultIn(Body):
    result: FilledIn = Field(min_length=1, max_length=4000)
    resolved: bool


class ProgressIn(Body):
    message: FilledIn = Field(min_length=1, max_length=2000)


class CommitmentKeptIn(Body):
    note: FilledIn = Field(min_length=1, max_length=4000, description="How the promise was kept.")


class CommitmentIn(Body):
    promise: FilledIn = Field(min_length=1, max_length=2000)
    due_at: Instant = Field(description="In the future, at most HANDLING_COMMITMENT_HORIZON_DAYS (90) days ahead.")


class CaseOut(BaseModel):
    complaint_id: UUID
    office_id: str
    department: str
    first_responsible: str
    severity: str
    stage: str
    cause: str | None
    responsible_person: str | None
    proposal: dict[str, Any] | None
    result: dict[str, Any] | None = Field(default=None, description="This cycle's result: result, resolved, at.")
    earlier: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The cycles a dissatisfied return visit reopened, oldest first: each one's cause, "
        "responsible_person, proposal and result, with reopened_at and reason. cause, responsible_person, "
        "proposal and result above are the current cycle's: null until recorded anew.",
    )
    hand_over_to: str | None
    commitments: list[dict[str, Any]]
    progress: list[str]
    steps: dict[str, Problem | None] = Field(
        default_factory=dict,
        description="Each step a person can ask of the case (accept, hand-over, accept-hand-over, cause, proposal, "
        "approval, rejection, execution, result, progress, commitment, commitment-kept): null if the case takes it "
        "now, else the refusal its command would answer (409), before the step's own input is read.",
    )


def create_app(
    settings: HandlingSettings | None = None,
    app_instance: HandlingApplication | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    settings = settings or HandlingSettings()
    if clock is utc_now:  # a demo on accelerated time (<SERVICE>_TIME_FACTOR)
        clock = settings.clock()

    api = service_api(
        settings,
        title="Complaint handling",
        description="The responsible department's work on a case. Authenticate with your office's key.",
        state_name="handling",
        open_app=lambda: bootstrap.application(settings),
        app_instance=app_instance,
        max_body_bytes=settings.max_body_bytes,
    )

    def perform(
        request: Request,
        principal: Principal,
        complaint_id: UUID,
        roles: tuple[str, ...],
        step: Callable[[Case, Principal], None],
    ) -> CaseOut:
        require_roles(principal, *roles)
        office_id = require_office(principal)
        handling: HandlingApplication = request.app.state.handling
        try:
            handling.act(office_id, complaint_id, lambda case: step(case, principal))
            view = handling.case(office_id, complaint_id)
        except CaseNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        except OutOfOrder as error:
            raise refused(status.HTTP_409_CONFLICT, error) from None
        except UnknownDepartment as error:
            raise unprocessable("to_department", str(error), error.code, "value_error", **error.params) from None
        return _out(view)

    @api.get("/cases/{complaint_id}", response_model=CaseOut, responses=CASE_RESPONSES)
    def case(complaint_id: UUID, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """A case as it stands. An office's key sees only its own office's cases."""
        require_roles(principal, *READING_ROLES)
        handling: HandlingApplication = request.app.state.handling
        try:
            return _out(handling.case(principal.office_id, complaint_id))
        except CaseNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None

    @api.post("/cases/{complaint_id}/acceptance", response_model=CaseOut, responses=CASE_RESPONSES)
    def accept(complaint_id: UUID, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """The department takes the case."""
        now = clock()
        return perform(
            request, principal, complaint_id, DEPARTMENT_ROLES, lambda c, p: c.accept(p.actor_id, p.role, now)
        )

    @api.post("/cases/{complaint_id}/hand-over", response_model=CaseOut, responses=CASE_RESPONSES)
    def hand_over(complaint_id: UUID, body: HandOverIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """Ask another department to take the case (it must accept)."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            DEPARTMENT_ROLES,
            lambda c, p: c.request_hand_over(body.to_department, body.reason, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/hand-over/acceptance", response_model=CaseOut, responses=CASE_RESPONSES)
    def accept_hand_over(complaint_id: UUID, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """The receiving department accepts the hand-over and takes the case."""
        now = clock()
        return perform(
            request, principal, complaint_id, DEPARTMENT_ROLES, lambda c, p: c.accept_hand_over(p.actor_id, p.role, now)
        )

    @api.post("/cases/{complaint_id}/cause", response_model=CaseOut, responses=CASE_RESPONSES)
    def cause(complaint_id: UUID, body: CauseIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """Record the cause and the responsible person."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            DEPARTMENT_ROLES,
            lambda c, p: c.record_cause(body.cause, body.responsible_person, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/proposal", response_model=CaseOut, responses=CASE_RESPONSES)
    def propose(complaint_id: UUID, body: ProposalIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """Propose a solution for a leader to approve."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            DEPARTMENT_ROLES,
            lambda c, p: c.propose(body.kind.value, body.description, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/approval", response_model=CaseOut, responses=CASE_RESPONSES)
    def approve(complaint_id: UUID, body: ApprovalIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """A leader approves the proposed solution."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            APPROVING_ROLES,
            lambda c, p: c.approve(body.note, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/rejection", response_model=CaseOut, responses=CASE_RESPONSES)
    def reject(complaint_id: UUID, body: RejectionIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """A leader rejects the proposed solution, with instructions."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            APPROVING_ROLES,
            lambda c, p: c.reject(body.instructions, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/execution", response_model=CaseOut, responses=CASE_RESPONSES)
    def carry_out(complaint_id: UUID, body: ExecutionIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """The approved solution was carried out."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            DEPARTMENT_ROLES,
            lambda c, p: c.carry_out(body.notes, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/result", response_model=CaseOut, responses=CASE_RESPONSES)
    def result(complaint_id: UUID, body: ResultIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """Record the result: the case is handled (follow-up replies and visits from here)."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            DEPARTMENT_ROLES,
            lambda c, p: c.record_result(body.result, body.resolved, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/progress", response_model=CaseOut, responses=CASE_RESPONSES)
    def progress(complaint_id: UUID, body: ProgressIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """Record what the customer was told about progress."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            DEPARTMENT_ROLES,
            lambda c, p: c.report_progress(body.message, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/commitments", response_model=CaseOut, responses=CASE_RESPONSES)
    def commit(complaint_id: UUID, body: CommitmentIn, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """Record a time promised to the customer (the SLA service watches it): after now and at most
        `HANDLING_COMMITMENT_HORIZON_DAYS` (90) days ahead, else 422 naming `due_at` and the reason."""
        now = clock()
        try:  # a promise in the past, or years ahead, is refused before it reaches the case or the SLA
            check_horizon("due_at", body.due_at, now, timedelta(days=settings.commitment_horizon_days))
        except OutOfBounds as error:
            raise unprocessable(error.field, error.reason, error.code, "out_of_bounds", **error.params) from None
        return perform(
            request,
            principal,
            complaint_id,
            DEPARTMENT_ROLES,
            lambda c, p: c.commit_to(body.promise, body.due_at, p.actor_id, p.role, now),
        )

    @api.post("/cases/{complaint_id}/commitments/{number}/kept", response_model=CaseOut, responses=CASE_RESPONSES)
    def keep_commitment(
        complaint_id: UUID, number: int, body: CommitmentKeptIn, principal: CurrentPrincipal, request: Request
    ) -> CaseOut:
        """The department says promise `number` (0: the first) was kept, with how: the SLA stops its clock
        (met, or breached if after the promised time). A progress note does not keep a promise. 409 when
        there is no such promise or it was kept already."""
        now = clock()
        return perform(
            request,
            principal,
            complaint_id,
            DEPARTMENT_ROLES,
            lambda c, p: c.keep_commitment(number, body.note, p.actor_id, p.role, now),
        )

    return api


def _out(view: CaseView) -> CaseOut:
    return CaseOut.model_validate(view, from_attributes=True)
