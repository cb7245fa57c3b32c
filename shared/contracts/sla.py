"""Contracts the SLA service publishes: clocks, warnings, breaches, extensions and re-grade requests."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from .common import Explanation, Severity
from .envelope import Contract, IntegrationEvent


class ClockKind(StrEnum):
    HAND_OVER = "hand-over"  # to the responsible department within 10 minutes
    RESOLUTION = "resolution"  # minor: half a day; important: 1 day
    CLEAR_ANSWER = "clear-answer"  # major: a clear answer within 2 days
    SETTLEMENT = "settlement"  # major: settled within 15 days
    REPLY = "reply"  # reply to the customer the same day once there is a result
    RETURN_VISIT = "return-visit"  # within 1 day after handling
    COMMITMENT = "commitment"  # a time promised to the customer


class ClockOutcome(StrEnum):
    MET = "met"
    MET_UNDER_EXTENSION = "met-under-extension"
    BREACHED = "breached"


class ClockStartedPayload(Contract):
    clock: ClockKind
    key: str | None = Field(
        default=None,
        description="The clock's key, e.g. 'resolution#0' (kind#cycle, '.n' for a later generation); "
        "absent on events published before keys travelled.",
    )
    started_at: AwareDatetime
    deadline: AwareDatetime
    policy_version: int = Field(ge=1)
    calendar: str = Field(description="'calendar-time' or the office calendar's name.")
    explanation: Explanation


class ClockStarted(IntegrationEvent):
    type: Literal["complaints.sla.ClockStarted"] = "complaints.sla.ClockStarted"
    schema_version: Literal[1] = 1
    payload: ClockStartedPayload


class DeadlineWarningPayload(Contract):
    clock: ClockKind
    key: str | None = Field(
        default=None,
        description="The clock's key, e.g. 'resolution#0' (kind#cycle, '.n' for a later generation); "
        "absent on events published before keys travelled.",
    )
    fraction: float = Field(gt=0, lt=1, description="Share of the allowed time used, e.g. 0.5 or 0.8.")
    deadline: AwareDatetime
    explanation: Explanation | None = Field(
        default=None,
        description="Why: the share of the allowed time used and the deadline, under the clock's rule, caused "
        "by the clock's start. None on events published before it travelled.",
    )


class DeadlineWarning(IntegrationEvent):
    type: Literal["complaints.sla.DeadlineWarning"] = "complaints.sla.DeadlineWarning"
    schema_version: Literal[1] = 1
    payload: DeadlineWarningPayload


class DeadlineBreachedPayload(Contract):
    clock: ClockKind
    key: str | None = Field(
        default=None,
        description="The clock's key, e.g. 'resolution#0' (kind#cycle, '.n' for a later generation); "
        "absent on events published before keys travelled.",
    )
    deadline: AwareDatetime
    escalation_level: int = Field(ge=1)
    explanation: Explanation | None = Field(
        default=None,
        description="Why: the deadline in force passed and this level of the escalation ladder was reached, "
        "under the clock's rule, caused by the clock's start. None on events published before it travelled.",
    )


class DeadlineBreached(IntegrationEvent):
    type: Literal["complaints.sla.DeadlineBreached"] = "complaints.sla.DeadlineBreached"
    schema_version: Literal[1] = 1
    payload: DeadlineBreachedPayload


class ClockStoppedPayload(Contract):
    clock: ClockKind
    key: str | None = Field(
        default=None,
        description="The clock's key, e.g. 'resolution#0' (kind#cycle, '.n' for a later generation); "
        "absent on events published before keys travelled.",
    )
    stopped_at: AwareDatetime
    deadline: AwareDatetime = Field(description="The original deadline, kept even when extended.")
    extended_deadline: AwareDatetime | None
    outcome: ClockOutcome


class ClockStopped(IntegrationEvent):
    """The fact a clock waited for happened: met, met under an approved extension, or breached."""

    type: Literal["complaints.sla.ClockStopped"] = "complaints.sla.ClockStopped"
    schema_version: Literal[1] = 1
    payload: ClockStoppedPayload


class ClockSupersededPayload(Contract):
    clock: ClockKind
    key: str = Field(description="The clock's key, e.g. 'resolution#0'.")
    started_at: AwareDatetime
    superseded_at: AwareDatetime
    deadline: AwareDatetime = Field(description="The deadline it ran against (the original one).")
    extended_deadline: AwareDatetime | None
    breached: bool = Field(
        description="Its deadline in force had passed when it was superseded: the breach stays on record."
    )
    explanation: Explanation = Field(description="Why it no longer applies (re-grade, override, waiver, close).")


class ClockSuperseded(IntegrationEvent):
    """A clock no longer applies: a re-grade, a person's override, a waiver or the case's closing
    replaced it (the clock that now applies starts beside it). Never silently dropped; a breach stays."""

    type: Literal["complaints.sla.ClockSuperseded"] = "complaints.sla.ClockSuperseded"
    schema_version: Literal[1] = 1
    payload: ClockSupersededPayload


class ExtensionRequestedPayload(Contract):
    clock: ClockKind
    key: str | None = Field(
        default=None,
        description="The clock's key, e.g. 'resolution#0' (kind#cycle, '.n' for a later generation); "
        "absent on events published before keys travelled.",
    )
    until: AwareDatetime
    reason: str = Field(min_length=1)


class ExtensionRequested(IntegrationEvent):
    type: Literal["complaints.sla.ExtensionRequested"] = "complaints.sla.ExtensionRequested"
    schema_version: Literal[1] = 1
    payload: ExtensionRequestedPayload


class ExtensionDecidedPayload(Contract):
    clock: ClockKind
    key: str | None = Field(
        default=None,
        description="The clock's key, e.g. 'resolution#0' (kind#cycle, '.n' for a later generation); "
        "absent on events published before keys travelled.",
    )
    approved: bool
    until: AwareDatetime
    reason: str = Field(min_length=1)


class ExtensionDecided(IntegrationEvent):
    """A manager approved or rejected overtime (the actor's role is checked)."""

    type: Literal["complaints.sla.ExtensionDecided"] = "complaints.sla.ExtensionDecided"
    schema_version: Literal[1] = 1
    payload: ExtensionDecidedPayload


class RegradeRequestedPayload(Contract):
    severity: Severity
    criterion: str = Field(description="e.g. 'major.unresolved-week'.")
    explanation: Explanation


class RegradeRequested(IntegrationEvent):
    """A valid complaint still unresolved after 7 days: triage is asked to grade it major."""

    type: Literal["complaints.sla.RegradeRequested"] = "complaints.sla.RegradeRequested"
    schema_version: Literal[1] = 1
    payload: RegradeRequestedPayload
