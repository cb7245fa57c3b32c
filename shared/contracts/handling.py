"""Contracts handling publishes: the responsible department's work on a case, step by step."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from .common import Explanation
from .envelope import Contract, IntegrationEvent


class SolutionKind(StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    DISCOUNT = "discount"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    EXPLANATION = "explanation"
    OTHER = "other"


class CaseOpenedPayload(Contract):
    department: str
    first_responsible: str
    explanation: Explanation | None = Field(
        default=None, description="Why the case went to this department: triage's routing decision."
    )


class CaseOpened(IntegrationEvent):
    """Triage routed the complaint: the department's case awaits acceptance."""

    type: Literal["complaints.handling.CaseOpened"] = "complaints.handling.CaseOpened"
    schema_version: Literal[1] = 1
    payload: CaseOpenedPayload


class CaseAcceptedPayload(Contract):
    department: str


class CaseAccepted(IntegrationEvent):
    """The department took the case (the hand-over clock stops)."""

    type: Literal["complaints.handling.CaseAccepted"] = "complaints.handling.CaseAccepted"
    schema_version: Literal[1] = 1
    payload: CaseAcceptedPayload


class HandOverRequestedPayload(Contract):
    from_department: str
    to_department: str
    reason: str = Field(min_length=1)


class HandOverRequested(IntegrationEvent):
    type: Literal["complaints.handling.HandOverRequested"] = "complaints.handling.HandOverRequested"
    schema_version: Literal[1] = 1
    payload: HandOverRequestedPayload


class HandOverAcceptedPayload(Contract):
    department: str


class HandOverAccepted(IntegrationEvent):
    type: Literal["complaints.handling.HandOverAccepted"] = "complaints.handling.HandOverAccepted"
    schema_version: Literal[1] = 1
    payload: HandOverAcceptedPayload


class CauseRecordedPayload(Contract):
    cause: str = Field(min_length=1)
    responsible_person: str = Field(min_length=1)


class CauseRecorded(IntegrationEvent):
    type: Literal["complaints.handling.CauseRecorded"] = "complaints.handling.CauseRecorded"
    schema_version: Literal[1] = 1
    payload: CauseRecordedPayload


class SolutionProposedPayload(Contract):
    kind: SolutionKind
    description: str = Field(min_length=1)


class SolutionProposed(IntegrationEvent):
    type: Literal["complaints.handling.SolutionProposed"] = "complaints.handling.SolutionProposed"
    schema_version: Literal[1] = 1
    payload: SolutionProposedPayload


class SolutionApprovedPayload(Contract):
    note: str | None = None


class SolutionApproved(IntegrationEvent):
    """A leader approved the proposed solution."""

    type: Literal["complaints.handling.SolutionApproved"] = "complaints.handling.SolutionApproved"
    schema_version: Literal[1] = 1
    payload: SolutionApprovedPayload


class SolutionRejectedPayload(Contract):
    instructions: str = Field(min_length=1, description="What the department must do instead.")


class SolutionRejected(IntegrationEvent):
    type: Literal["complaints.handling.SolutionRejected"] = "complaints.handling.SolutionRejected"
    schema_version: Literal[1] = 1
    payload: SolutionRejectedPayload


class SolutionCarriedOutPayload(Contract):
    notes: str = Field(min_length=1)


class SolutionCarriedOut(IntegrationEvent):
    type: Literal["complaints.handling.SolutionCarriedOut"] = "complaints.handling.SolutionCarriedOut"
    schema_version: Literal[1] = 1
    payload: SolutionCarriedOutPayload


class ResultRecordedPayload(Contract):
    result: str = Field(min_length=1, description="What was done and how it ended.")
    resolved: bool = Field(description="Whether the customer's problem is solved.")


class ResultRecorded(IntegrationEvent):
    """The case has a result: 'everything has a result'. Follow-up replies and visits from here."""

    type: Literal["complaints.handling.ResultRecorded"] = "complaints.handling.ResultRecorded"
    schema_version: Literal[1] = 1
    payload: ResultRecordedPayload


class ProgressReportedPayload(Contract):
    message: str = Field(min_length=1, description="What the customer was told.")


class ProgressReported(IntegrationEvent):
    type: Literal["complaints.handling.ProgressReported"] = "complaints.handling.ProgressReported"
    schema_version: Literal[1] = 1
    payload: ProgressReportedPayload


class CommitmentMadePayload(Contract):
    promise: str = Field(min_length=1)
    due_at: AwareDatetime = Field(description="The time promised to the customer: the SLA service watches it.")


class CommitmentMade(IntegrationEvent):
    type: Literal["complaints.handling.CommitmentMade"] = "complaints.handling.CommitmentMade"
    schema_version: Literal[1] = 1
    payload: CommitmentMadePayload


class CommitmentKeptPayload(Contract):
    number: int = Field(ge=0, description="Which promise of the case: 0 for the first (the SLA's `commitment#n`).")
    promise: str = Field(min_length=1, description="The promise as it was made.")
    note: str = Field(min_length=1, description="How it was kept, in the department's words.")


class CommitmentKept(IntegrationEvent):
    """The department says a time promised to the customer was kept (a progress note is not): the SLA
    stops the commitment's clock here, met or breached against the promised time."""

    type: Literal["complaints.handling.CommitmentKept"] = "complaints.handling.CommitmentKept"
    schema_version: Literal[1] = 1
    payload: CommitmentKeptPayload


class CaseReopenedPayload(Contract):
    reason: str = Field(min_length=1)


class CaseReopened(IntegrationEvent):
    """The customer was dissatisfied at the return visit: the case is worked again."""

    type: Literal["complaints.handling.CaseReopened"] = "complaints.handling.CaseReopened"
    schema_version: Literal[1] = 1
    payload: CaseReopenedPayload
