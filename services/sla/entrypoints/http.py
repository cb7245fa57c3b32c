"""SLA's HTTP API (FastAPI): read a complaint's clocks; ask for overtime; a manager decides it; the
policy and office calendars. Run: `uvicorn services.sla.entrypoints.http:create_app --factory --port 8004`
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request, status
from pydantic import BaseModel, Field

from shared.clock import Clock, utc_now
from shared.contracts.bounds import Instant, OutOfBounds
from shared.web import (
    PROBLEM_RESPONSES,
    CurrentPrincipal,
    FilledIn,
    Problem,
    Refused,
    field_problem,
    invalid,
    reading_office,
    refused,
    require_office,
    require_roles,
    service_api,
    unprocessable,
)

from .. import bootstrap
from ..application import SlaApplication
from ..domain.calendar import OfficeCalendar
from ..domain.errors import ClocksNotFound, Inadmissible, OutOfOrder
from ..domain.office_time import HeardZone, OfficeTime, ZoneSource
from ..domain.policy import SlaPolicy
from ..settings import SlaSettings

REQUESTING_ROLES = ("department-staff", "supervisor", "leader", "manager")
DECIDING_ROLES = ("manager",)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "No such complaint for your key."}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "Out of order for the clock now; nothing recorded."}
}


class ClockOut(BaseModel):
    key: str
    kind: str
    started_at: datetime
    deadline: datetime
    deadline_in_force: datetime
    policy_version: int
    calendar: str
    warnings_issued: list[float]
    breach_levels_issued: list[int]
    extension: dict[str, Any] | None
    stopped_at: datetime | None
    outcome: str | None


class OfficeTimeView(BaseModel):
    """`GET /office/calendar`: what the office's manager set, and what its clocks run under now."""

    office_id: str
    calendar: OfficeCalendar | None = Field(description="As the office's manager set it (null: calendar time).")
    time_zone: str = Field(description="The zone the office's next clocks run in.")
    time_zone_from: ZoneSource = Field(
        description="directory (the office's author); calendar or policy: fallbacks before the directory spoke."
    )
    directory_event_id: str | None = Field(description="The directory's OfficeChanged that said the zone.")
    directory_said_at: datetime | None

    @classmethod
    def of(
        cls, office_id: str, now_in_force: OfficeTime, calendar: OfficeCalendar | None, heard: HeardZone | None
    ) -> OfficeTimeView:
        return cls(
            office_id=office_id,
            calendar=calendar,
            time_zone=now_in_force.time_zone,
            time_zone_from=now_in_force.source,
            directory_event_id=heard.event_id if heard else None,
            directory_said_at=heard.said_at if heard else None,
        )


class ClocksOut(BaseModel):
    complaint_id: UUID
    office_id: str
    severity: str | None
    clocks: list[ClockOut]
    regrade_requested: bool


class ExtensionRequest(BaseModel):
    until: Instant = Field(
        description="The new deadline asked for, after now and within the policy's `extension_horizon_days`; "
        "the original deadline is kept."
    )
    reason: FilledIn = Field(min_length=1, max_length=2000)


class ExtensionDecision(BaseModel):
    approved: bool
    reason: FilledIn = Field(min_length=1, max_length=2000)


def _inadmissible(error: Inadmissible) -> Refused:
    """422 in FastAPI's validation shape, one entry per field outside its limits, each with its code."""
    return invalid(
        [field_problem(list(path), str(why), why.code, "out_of_bounds", **why.params) for path, why in error.problems]
    )


def create_app(
    settings: SlaSettings | None = None,
    app_instance: SlaApplication | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    settings = settings or SlaSettings()
    if clock is utc_now:  # a demo on accelerated time (SLA_TIME_FACTOR): the API runs on the same time
        clock = settings.clock()

    api = service_api(
        settings,
        title="Complaint time limits (SLA)",
        description="Each complaint's clocks; overtime only with a manager's approval.",
        state_name="sla",
        open_app=lambda: bootstrap.application(settings),
        app_instance=app_instance,
        max_body_bytes=settings.max_body_bytes,
    )

    def sla(request: Request) -> SlaApplication:
        return request.app.state.sla  # type: ignore[no-any-return]

    @api.get("/complaints/{complaint_id}/clocks", response_model=ClocksOut,
             responses={**NOT_FOUND, **PROBLEM_RESPONSES})  # fmt: skip
    def clocks(complaint_id: UUID, principal: CurrentPrincipal, request: Request) -> ClocksOut:
        """A complaint's clocks: deadlines, warnings and breaches issued, extensions, outcomes."""
        try:
            view = sla(request).clocks(reading_office(principal), complaint_id)
        except ClocksNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        return ClocksOut.model_validate(view, from_attributes=True)

    @api.post("/complaints/{complaint_id}/clocks/{clock_key}/extension",
              status_code=status.HTTP_202_ACCEPTED,
              responses={**NOT_FOUND, **CONFLICT, **PROBLEM_RESPONSES})  # fmt: skip
    def request_extension(
        complaint_id: UUID, clock_key: str, body: ExtensionRequest, principal: CurrentPrincipal,
        request: Request,
    ) -> dict[str, str]:  # fmt: skip
        """Ask for overtime on a running clock (e.g. `resolution#0`). A manager decides."""
        require_roles(principal, *REQUESTING_ROLES)
        office_id = require_office(principal)
        try:
            sla(request).request_extension(
                office_id, complaint_id, clock_key, body.until, body.reason, principal, clock()
            )
        except ClocksNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        except OutOfOrder as error:
            raise refused(status.HTTP_409_CONFLICT, error) from None
        except OutOfBounds as error:
            raise unprocessable(error.field, error.reason, error.code, "out_of_bounds", **error.params) from None
        return {"status": "requested"}

    @api.post("/complaints/{complaint_id}/clocks/{clock_key}/extension/decision",
              responses={**NOT_FOUND, **CONFLICT, **PROBLEM_RESPONSES})  # fmt: skip
    def decide_extension(
        complaint_id: UUID, clock_key: str, body: ExtensionDecision, principal: CurrentPrincipal,
        request: Request,
    ) -> dict[str, str]:  # fmt: skip
        """A manager approves or rejects the overtime asked for."""
        require_roles(principal, *DECIDING_ROLES)
        office_id = require_office(principal)
        try:
            sla(request).decide_extension(
                office_id, complaint_id, clock_key, body.approved, body.reason, principal, clock()
            )
        except ClocksNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        except OutOfOrder as error:
            raise refused(status.HTTP_409_CONFLICT, error) from None
        return {"status": "approved" if body.approved else "rejected"}

    @api.get("/policy", response_model=SlaPolicy, responses=PROBLEM_RESPONSES)
    def policy(principal: CurrentPrincipal, request: Request) -> SlaPolicy:
        """The SLA policy in force (its version is on every clock)."""
        return sla(request).current_policy()

    @api.put("/policy", response_model=SlaPolicy, responses=PROBLEM_RESPONSES)
    def adopt_policy(body: SlaPolicy, principal: CurrentPrincipal, request: Request) -> SlaPolicy:
        """Adopt a new policy version (group keys only: the policy is the group's). The policy is validated
        as a whole: allowances more than 0 and at most a week of minutes or 60 days, escalation at most 5x the
        allowed time, a known IANA time zone; otherwise 422 with the field and the reason."""
        require_roles(principal, "group")
        try:
            return sla(request).adopt_policy(body, principal, clock())
        except Inadmissible as error:
            raise _inadmissible(error) from None

    @api.get("/office/calendar", response_model=OfficeTimeView, responses=PROBLEM_RESPONSES)
    def office_calendar(principal: CurrentPrincipal, request: Request, office_id: str | None = None) -> OfficeTimeView:
        """What an office's clocks run under: the calendar its manager set (null: calendar time) and the
        time zone in force, with where it came from (`directory`, else the calendar's or the policy's
        zone as a fallback until the directory has spoken) and the directory event that said it. An
        office's key reads its own office; a group key names one (`office_id`)."""
        wanted = office_id or principal.office_id
        if wanted is None:
            raise Refused(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "sla.office_id_needed", "office_id: a group key names the office"
            )
        if not principal.can_see_office(wanted):
            raise Refused(status.HTTP_404_NOT_FOUND, "sla.office_not_found", "no such office")
        return OfficeTimeView.of(wanted, sla(request).office_time_of(wanted), sla(request).office_calendar(wanted),
                                 sla(request).office_zone_heard(wanted))  # fmt: skip

    @api.put("/office/calendar", response_model=OfficeCalendar | None, responses=PROBLEM_RESPONSES)
    def set_calendar(
        body: OfficeCalendar | None, principal: CurrentPrincipal, request: Request
    ) -> OfficeCalendar | None:
        """Set your office's working calendar (null: calendar time). Applies to clocks started later. The
        calendar must name a known IANA time zone and leave real working time: a week of at least 8 working
        hours and two of its working days, at most 200 holidays; otherwise 422 with the reason. Its time
        zone is a fallback only: the directory's zone for the office applies once the directory has said
        it (`GET /office/calendar` shows which is in force)."""
        require_roles(principal, "manager")
        office_id = require_office(principal)
        try:
            return sla(request).set_calendar(office_id, body, principal, clock())
        except Inadmissible as error:
            raise _inadmissible(error) from None

    return api
