"""Follow-up's HTTP API (FastAPI): reply, return visits, close; read a case.

Run: `uvicorn services.followup.entrypoints.http:create_app --factory --port 8005`
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import FastAPI, Request, status
from pydantic import BaseModel, Field, model_validator

from shared.clock import Clock, utc_now
from shared.web import (
    PROBLEM_RESPONSES,
    CurrentPrincipal,
    FilledIn,
    Problem,
    reading_office,
    refused,
    require_office,
    require_roles,
    service_api,
)

from .. import bootstrap
from ..application import FollowupApplication
from ..domain.errors import CaseNotFound, OutOfOrder
from ..settings import FollowupSettings

AGREEING_ROLES = ("supervisor", "manager")
VISITING_ROLES = ("receptionist", "department-staff", "supervisor", "manager")
CLOSING_ROLES = ("supervisor", "manager")
RESPONSES = {
    404: {"model": Problem, "description": "No such complaint for your key."},
    409: {"model": Problem, "description": "Out of order for the case now; nothing recorded."},
    **PROBLEM_RESPONSES,
}


class ReplyIn(BaseModel):
    channel: FilledIn = Field(min_length=1, max_length=50, examples=["phone"])
    summary: FilledIn = Field(min_length=1, max_length=4000, description="What the customer was told.")


class VisitIn(BaseModel):
    outcome: Literal["satisfied", "dissatisfied", "unreachable"]
    satisfaction: int | None = Field(default=None, ge=1, le=5, description="1-5; required if reached.")
    acknowledged: bool = Field(default=False, description="The customer acknowledged (signed) the result.")
    remarks: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _score_when_reached(self) -> VisitIn:
        if self.outcome != "unreachable" and self.satisfaction is None:
            raise ValueError("a reached customer gives a satisfaction score (1-5)")
        if self.outcome == "unreachable" and (self.satisfaction is not None or self.acknowledged):
            raise ValueError("an unreachable customer gives no score and acknowledges nothing")
        return self


class VisitOut(BaseModel):
    attempt: int
    outcome: str
    final: bool
    remarks: str | None


class WaiverIn(BaseModel):
    step: Literal["return-visit"] = "return-visit"
    reason: FilledIn = Field(min_length=1, max_length=2000, description="Why the person waives it (who: the key).")


class WithdrawalIn(BaseModel):
    reason: FilledIn = Field(min_length=1, max_length=2000)


class CloseIn(BaseModel):
    cause: FilledIn = Field(min_length=1, max_length=4000)
    lessons: FilledIn = Field(min_length=1, max_length=4000)
    improvement: FilledIn = Field(min_length=1, max_length=4000)
    responsibility: FilledIn = Field(min_length=1, max_length=4000)


class CaseOut(BaseModel):
    complaint_id: UUID
    office_id: str
    cycle: int
    validity: str | None
    results: list[dict[str, Any]]
    replies: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    waivers: dict[str, dict[str, Any]]
    closed: dict[str, Any] | None
    reopened_closings: list[dict[str, Any]] = Field(
        default_factory=list, description="Closings undone when a person judged the complaint valid after all."
    )
    steps: dict[str, Problem | None] = Field(
        default_factory=dict,
        description="Each step a person can ask of follow-up (reply, visit, close, waiver: a person waives the "
        "return visit): null if the case takes it now, else the refusal its command would answer (409), before "
        "the step's own input is read.",
    )


def create_app(
    settings: FollowupSettings | None = None,
    app_instance: FollowupApplication | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    settings = settings or FollowupSettings()
    if clock is utc_now:  # a demo on accelerated time (<SERVICE>_TIME_FACTOR)
        clock = settings.clock()

    api = service_api(
        settings,
        title="Complaint follow-up",
        description="Reply to the customer, return visits, and closing. Authenticate with your office's key.",
        state_name="followup",
        open_app=lambda: bootstrap.application(settings),
        app_instance=app_instance,
        max_body_bytes=settings.max_body_bytes,
    )

    def followup(request: Request) -> FollowupApplication:
        return request.app.state.followup  # type: ignore[no-any-return]

    def run(action: Any) -> Any:
        try:
            return action()
        except CaseNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        except OutOfOrder as error:
            raise refused(status.HTTP_409_CONFLICT, error) from None

    @api.post("/complaints/{complaint_id}/reply", status_code=status.HTTP_201_CREATED, responses=RESPONSES)
    def reply(complaint_id: UUID, body: ReplyIn, principal: CurrentPrincipal, request: Request) -> dict[str, str]:
        """A supervisor or manager agrees the result and records the reply (the time is recorded)."""
        require_roles(principal, *AGREEING_ROLES)
        office_id = require_office(principal)
        run(lambda: followup(request).reply(office_id, complaint_id, principal, body.channel, body.summary, clock()))
        return {"status": "replied"}

    @api.post("/complaints/{complaint_id}/return-visits", status_code=status.HTTP_201_CREATED,
              response_model=VisitOut, responses=RESPONSES)  # fmt: skip
    def visit(complaint_id: UUID, body: VisitIn, principal: CurrentPrincipal, request: Request) -> VisitOut:
        """Record a return visit (or an attempt to reach the customer)."""
        require_roles(principal, *VISITING_ROLES)
        office_id = require_office(principal)
        made = run(
            lambda: followup(request).record_visit(
                office_id, complaint_id, principal, body.outcome, body.satisfaction, body.acknowledged,
                body.remarks, clock(),
            )
        )  # fmt: skip
        return VisitOut(attempt=made["attempt"], outcome=made["outcome"], final=made["final"], remarks=made["remarks"])

    @api.post("/complaints/{complaint_id}/close", responses=RESPONSES)
    def close(complaint_id: UUID, body: CloseIn, principal: CurrentPrincipal, request: Request) -> dict[str, str]:
        """Close the case with its summary: cause, lessons, improvement, responsibility."""
        require_roles(principal, *CLOSING_ROLES)
        office_id = require_office(principal)
        run(
            lambda: followup(request).close_case(
                office_id, complaint_id, principal, body.cause, body.lessons, body.improvement,
                body.responsibility, clock(),
            )
        )  # fmt: skip
        return {"status": "closed"}

    @api.post("/complaints/{complaint_id}/waivers", status_code=status.HTTP_201_CREATED, responses=RESPONSES)
    def waive(complaint_id: UUID, body: WaiverIn, principal: CurrentPrincipal, request: Request) -> dict[str, str]:
        """A supervisor or manager waives the return visit, with why (a person's override of the policy)."""
        require_roles(principal, *AGREEING_ROLES)
        office_id = require_office(principal)
        run(lambda: followup(request).waive(office_id, complaint_id, principal, body.step, body.reason, clock()))
        return {"status": "waived"}

    @api.post("/complaints/{complaint_id}/waivers/{step}/withdrawal", responses=RESPONSES)
    def withdraw(
        complaint_id: UUID, step: Literal["return-visit"], body: WithdrawalIn, principal: CurrentPrincipal,
        request: Request,
    ) -> dict[str, str]:  # fmt: skip
        """A supervisor or manager withdraws a waiver: the step is owed again."""
        require_roles(principal, *AGREEING_ROLES)
        office_id = require_office(principal)
        run(lambda: followup(request).withdraw_waiver(office_id, complaint_id, principal, step, body.reason, clock()))
        return {"status": "withdrawn"}

    @api.get("/complaints/{complaint_id}", response_model=CaseOut, responses=RESPONSES)
    def case(complaint_id: UUID, principal: CurrentPrincipal, request: Request) -> CaseOut:
        """A complaint's follow-up: results heard, replies, visits, waivers, closing."""
        office_id = reading_office(principal)
        view = run(lambda: followup(request).case(office_id, complaint_id))
        return CaseOut.model_validate(view, from_attributes=True)

    return api
