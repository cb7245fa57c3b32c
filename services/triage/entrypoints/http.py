"""Triage's HTTP API (FastAPI): read a complaint's triage, confirm or override any automatic
decision (who and why are recorded), and read or change the versioned rules.

Run: `uvicorn services.triage.entrypoints.http:create_app --factory --port 8002`
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import FastAPI, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.clock import Clock, utc_now
from shared.web import (
    PROBLEM_RESPONSES,
    CurrentPrincipal,
    FilledIn,
    Problem,
    field_problem,
    invalid,
    refused,
    require_office,
    require_roles,
    service_api,
    unprocessable,
)

from .. import bootstrap
from ..application import TriageApplication
from ..domain.calibration import Calibration
from ..domain.engine import History, judge
from ..domain.errors import DecisionNotFound, InvalidOverride, NotYetTriaged
from ..domain.rules import Rules
from ..domain.vocabulary import RulesVocabularyError, all_departments, check_vocabulary, rule_departments
from ..settings import TriageSettings

DECIDING_ROLES = ("supervisor", "manager", "leader")
READING_ROLES = ("receptionist", "department-staff", "supervisor", "leader", "manager", "group", "auditor")
RULES_ROLES = ("group",)

DECISION_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such complaint for your key (another office's is not shown)."},
    **PROBLEM_RESPONSES,
}


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(
        min_length=1,
        max_length=100,
        description="The same value confirms; another overrides. Category as 'content/area'. Taken as a "
        "code: surrounding spaces dropped, lower case ('mInor ' is 'minor').",
        examples=["major", "equipment/electromechanical", "engineering"],
    )
    reason: FilledIn = Field(min_length=1, max_length=2000, description="Why: recorded with who decided.")

    @field_validator("value", mode="before")
    @classmethod
    def _as_a_code(cls, value: object) -> object:
        """Codes are lower case without spaces: 'mInor ' typed into a form is 'minor' (and only spaces: blank)."""
        return value.strip().lower() if isinstance(value, str) else value


class DecisionOut(BaseModel):
    complaint_id: UUID
    office_id: str
    triaged: bool
    severity: str
    criteria: list[str]
    decision: dict[str, Any]
    confirmations: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    incident: dict[str, Any] | None = Field(
        default=None,
        description="The mass incident it belongs to: cluster_id, incident_key (place|facility), window_start, "
        "and every member (complaint_id, office_id, received_at) by received time; null when in none.",
    )


class Decided(BaseModel):
    outcome: Literal["confirmed", "overridden"]
    triage: DecisionOut


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: dict[str, Any] = Field(description="The whole rules document (the shape of rules.toml).")
    reason: FilledIn = Field(min_length=1, max_length=2000)


class RulesOut(BaseModel):
    version: int
    rules: dict[str, Any]


class DepartmentsOut(BaseModel):
    version: int = Field(description="The version of the rules in force these departments are from.")
    departments: list[str] = Field(
        description="The departments' codes the rules route to for your office (a group key: every office's). "
        "A routing override and a hand-over name one of them, by its code or its word in English, "
        "Traditional or Simplified Chinese.",
        examples=[["customer-service", "engineering", "security"]],
    )


# The rules' numbers and their sane ranges: every triage does arithmetic with them (issue 12).
RULE_NUMBERS = {
    ("incidents", "window_minutes"): (1, 7 * 24 * 60),
    ("incidents", "more_than"): (1, 10_000),
    ("history", "recent"): (0, 100),
    ("history", "flag_invalid_at"): (1, 1_000),
}


def _number_problems(rules: dict[str, Any]) -> list[dict[str, Any]]:
    problems = []
    for (section, name), (low, high) in RULE_NUMBERS.items():
        value = rules.get(section, {}).get(name) if isinstance(rules.get(section), dict) else None
        if value is None:
            continue  # a missing number is the dry run's to refuse
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            reason = f"{section}.{name} is a whole number from {low} to {high}"
            problems.append(
                field_problem(
                    ["rules", section, name],
                    reason,
                    "triage.rules_number_out_of_range",
                    "out_of_bounds",
                    rule=f"{section}.{name}",
                    low=low,
                    high=high,
                )
            )
    return problems


def create_app(
    settings: TriageSettings | None = None,
    app_instance: TriageApplication | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    settings = settings or TriageSettings()
    if clock is utc_now:  # a demo on accelerated time (<SERVICE>_TIME_FACTOR)
        clock = settings.clock()

    api = service_api(
        settings,
        title="Complaint triage",
        description="Each complaint's validity, nature, category, severity and routing, each explained.",
        state_name="triage",
        open_app=lambda: bootstrap.deciding_application(settings, clock),
        app_instance=app_instance,
        max_body_bytes=settings.max_body_bytes,
    )

    @api.get("/complaints/{complaint_id}/triage", response_model=DecisionOut, responses=DECISION_RESPONSES)
    def decision(complaint_id: UUID, principal: CurrentPrincipal, request: Request) -> DecisionOut:
        """The complaint's triage, with every reason. An office's key sees only its own complaints."""
        require_roles(principal, *READING_ROLES)
        triage: TriageApplication = request.app.state.triage
        try:
            view = triage.decision(principal.office_id, complaint_id)
        except DecisionNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        return DecisionOut.model_validate(view, from_attributes=True)

    @api.post(
        "/complaints/{complaint_id}/triage/{aspect}",
        response_model=Decided,
        responses={
            409: {"model": Problem, "description": "Not triaged yet, or the value is not allowed; nothing recorded."},
            **DECISION_RESPONSES,
        },
    )
    def decide(
        complaint_id: UUID,
        aspect: Literal["validity", "nature", "category", "severity", "routing"],
        body: DecisionIn,
        principal: CurrentPrincipal,
        request: Request,
    ) -> Decided:
        """Confirm (same value) or override (another value) an automatic decision. Designating a
        severity re-grades the complaint; designating it major tells the leaders."""
        require_roles(principal, *DECIDING_ROLES)
        office_id = require_office(principal)
        triage: TriageApplication = request.app.state.triage
        try:
            outcome = triage.decide(office_id, complaint_id, aspect, body.value, body.reason, principal, clock())
        except DecisionNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        except NotYetTriaged as error:
            raise refused(status.HTTP_409_CONFLICT, error) from None
        except InvalidOverride as error:
            raise unprocessable("value", str(error), error.code, "value_error", **error.params) from None
        view = triage.decision(office_id, complaint_id)
        return Decided(outcome=outcome, triage=DecisionOut.model_validate(view, from_attributes=True))  # type: ignore[arg-type]

    @api.get("/rules", response_model=RulesOut, responses=PROBLEM_RESPONSES)
    def rules(principal: CurrentPrincipal, request: Request) -> RulesOut:
        """The rules in force and their version."""
        require_roles(principal, *READING_ROLES)
        current = request.app.state.triage.current_rules()
        return RulesOut(version=current.version, rules=current.data)

    @api.get("/departments", response_model=DepartmentsOut, responses=PROBLEM_RESPONSES)
    def departments(principal: CurrentPrincipal, request: Request) -> DepartmentsOut:
        """The departments routing knows: the one vocabulary of departments (README, "Departments")."""
        require_roles(principal, *READING_ROLES)
        current = request.app.state.triage.current_rules()
        office = principal.office_id
        found = rule_departments(current.data, office) if office else all_departments(current.data)
        return DepartmentsOut(version=current.version, departments=sorted(found))

    @api.put("/rules", response_model=RulesOut, responses=PROBLEM_RESPONSES)
    def change_rules(body: RulesIn, principal: CurrentPrincipal, request: Request) -> RulesOut:
        """Adopt new rules (group key): recorded as a new version with who and why."""
        require_roles(principal, *RULES_ROLES)
        if problems := _number_problems(body.rules):  # a window of 10^12 minutes would stop every triage
            raise invalid(problems)
        try:  # rules that cannot judge a complaint are refused before they are recorded
            judge({"object": "x", "description": "x", "customer_request": "x"}, "x", Rules(1, body.rules), History())
            Calibration.from_rules(body.rules)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise unprocessable(
                "rules", f"unusable rules: {error!r}", "triage.rules_unusable", error=repr(error)
            ) from None
        try:  # and rules that would make triage publish what no contract accepts
            check_vocabulary(body.rules)
        except RulesVocabularyError as error:
            raise invalid(
                [
                    field_problem("rules", problem, "triage.rules_vocabulary", problem=problem)
                    for problem in error.problems
                ]
            ) from None
        triage: TriageApplication = request.app.state.triage
        version = triage.adopt_rules(body.rules, principal.actor_id, principal.role, body.reason, clock())
        return RulesOut(version=version, rules=triage.current_rules().data)

    return api
