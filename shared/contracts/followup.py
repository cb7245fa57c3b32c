"""Contracts follow-up publishes: reply, return visits, waivers and closing."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from .common import Validity
from .envelope import Contract, IntegrationEvent


class CustomerRepliedPayload(Contract):
    agreed_by: str = Field(description="The supervisor or manager who agreed the result.")
    replied_at: AwareDatetime
    channel: str
    summary: str = Field(min_length=1)
    explanation_only: bool = Field(description="True for an invalid complaint's explanation.")


class CustomerReplied(IntegrationEvent):
    """The agreed result (or, for an invalid complaint, the polite explanation) reached the customer."""

    type: Literal["complaints.followup.CustomerReplied"] = "complaints.followup.CustomerReplied"
    schema_version: Literal[1] = 1
    payload: CustomerRepliedPayload


class ReturnVisitScheduledPayload(Contract):
    due_at: AwareDatetime


class ReturnVisitScheduled(IntegrationEvent):
    """The return visit is due by the SLA service's return-visit deadline (follow-up computes none)."""

    type: Literal["complaints.followup.ReturnVisitScheduled"] = "complaints.followup.ReturnVisitScheduled"
    schema_version: Literal[1] = 1
    payload: ReturnVisitScheduledPayload


class VisitOutcome(StrEnum):
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"
    UNREACHABLE = "unreachable"


class ReturnVisitMadePayload(Contract):
    outcome: VisitOutcome
    attempt: int = Field(ge=1)
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    acknowledged: bool = Field(description="The customer acknowledged (signed) the result.")
    remarks: str | None = None
    final: bool = Field(description="No more attempts: unreachable after the allowed retries, or reached.")


class ReturnVisitMade(IntegrationEvent):
    """A return visit (or an attempt): satisfied, dissatisfied (the case reopens) or unreachable."""

    type: Literal["complaints.followup.ReturnVisitMade"] = "complaints.followup.ReturnVisitMade"
    schema_version: Literal[1] = 1
    payload: ReturnVisitMadePayload


class StepWaivedPayload(Contract):
    step: Literal["reply", "return-visit"]
    reason: str = Field(min_length=1)
    policy_rule: str


class StepWaived(IntegrationEvent):
    """The policy let this complaint skip a step: recorded, so an audit tells a waiver from an omission."""

    type: Literal["complaints.followup.StepWaived"] = "complaints.followup.StepWaived"
    schema_version: Literal[1] = 1
    payload: StepWaivedPayload


class WaiverWithdrawnPayload(Contract):
    step: Literal["reply", "return-visit"]
    reason: str = Field(min_length=1)
    policy_rule: str = Field(description="The rule of the waiver that no longer applies.")


class WaiverWithdrawn(IntegrationEvent):
    """A waiver no longer applies (a person judged the complaint differently): the step is owed again."""

    type: Literal["complaints.followup.WaiverWithdrawn"] = "complaints.followup.WaiverWithdrawn"
    schema_version: Literal[1] = 1
    payload: WaiverWithdrawnPayload


class ComplaintReopenedPayload(Contract):
    reason: str = Field(min_length=1, description="Why it is open again: who judged what, and their reason.")
    closed_at: AwareDatetime = Field(description="When the closing it undoes was recorded (kept on file).")
    validity: Validity = Field(description="The validity in force that owes the steps again (valid or assisted).")


class ComplaintReopened(IntegrationEvent):
    """A closed complaint is open again: a person judged it valid after it was closed as invalid, so it
    must now be handled, have a result and a return visit. Caused by the override (`causation_id`), with
    its who (`actor`) and why (`reason`). The closing stays on record; the SLA's clocks run again."""

    type: Literal["complaints.followup.ComplaintReopened"] = "complaints.followup.ComplaintReopened"
    schema_version: Literal[1] = 1
    payload: ComplaintReopenedPayload


class CaseClosedPayload(Contract):
    cause: str
    lessons: str
    improvement: str
    responsibility: str


class CaseClosed(IntegrationEvent):
    """Closed and on file: matter, handling and result, with the lessons learned."""

    type: Literal["complaints.followup.CaseClosed"] = "complaints.followup.CaseClosed"
    schema_version: Literal[1] = 1
    payload: CaseClosedPayload
