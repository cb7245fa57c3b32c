"""The SLA policy: how long each clock allows, when to warn, and who is told at each escalation level.

The policy is data with a version. A change is recorded as a new version (see `PolicyBook`), and every
clock records the version it started under, so an auditor can tell which rule judged it.

A policy is checked as a whole before it is adopted (`admission_problems`, called by the application),
against limits that keep every deadline it can produce computable (the constants below, and calendar.py):
allowances more than 0 and at most a week of minutes or `MAX_ALLOWANCE_DAYS` days, escalation at most
`MAX_ESCALATION_FRACTION` times the allowed time. A hand-over of 10^12 minutes once made every clock
overflow. The limits apply when a policy is adopted, not when a stored one is read: history stays readable.
The time zone is part of the shape: an unknown one is refused when the body is read.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.contracts.bounds import TimeZoneName
from shared.contracts.common import Severity
from shared.refusals import Refusal

MAX_ALLOWANCE_MINUTES = 7 * 24 * 60  # a minutes allowance is at most a week
MAX_ALLOWANCE_DAYS = 60  # the longest limit in the seeds is 15 days
MAX_ESCALATION_FRACTION = 5.0  # the last escalation comes at most 5x the allowed time after the start
MAX_EXTENSION_DAYS = 366
MAX_ESCALATION_LEVELS = 10
_Role = Field(min_length=1, max_length=50)

# A field as the caller sent it (e.g. ("resolution", "minor")) and why it cannot be adopted (its code,
# words and parameters).
Problem = tuple[tuple[str | int, ...], Refusal]


class Allowance(BaseModel):
    """`minutes` and `days` count working time under an office calendar (a day = its working day);
    `same-day` ends with the day the clock starts (or the next working day's close)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    unit: Literal["minutes", "days", "same-day"]
    amount: float = Field(default=0, ge=0)

    def problem(self) -> Refusal | None:
        """Why this allowance cannot be adopted, if it cannot."""
        limit = {"minutes": MAX_ALLOWANCE_MINUTES, "days": MAX_ALLOWANCE_DAYS}.get(self.unit)
        if limit is not None and not 0 < self.amount <= limit:
            return Refusal(
                "sla.allowance_out_of_limits",
                f"a {self.unit} allowance is more than 0 and at most {limit} {self.unit}, not {self.amount:g}",
                unit=self.unit, limit=limit, amount=self.amount,
            )  # fmt: skip
        return None

    def describe(self) -> str:
        if self.unit == "same-day":
            return "the same day"
        if self.unit == "minutes":
            return f"{self.amount:g} minutes"
        return "half a day" if self.amount == 0.5 else f"{self.amount:g} day(s)"


class EscalationLevel(BaseModel):
    """Level 1 is the breach itself (at 100% of the allowed time); later levels come later still."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    level: int = Field(ge=1)
    at_fraction: float = Field(ge=1, description="Share of the allowed time: 1.0 is the deadline.")
    recipients: list[Annotated[str, _Role]] = Field(
        min_length=1, max_length=20, description="Office roles told at this level."
    )
    group_recipients: list[Annotated[str, _Role]] = Field(
        default_factory=list, max_length=20, description="Group roles told as well."
    )


class SlaPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    version: int = Field(default=1, ge=1, le=1_000_000, description="Set by the service when adopted.")
    timezone: TimeZoneName = Field(default="Asia/Hong_Kong", description="Where 'the same day' ends in calendar time.")
    hand_over: Allowance = Allowance(unit="minutes", amount=10)
    resolution: dict[Severity, Allowance] = {
        Severity.MINOR: Allowance(unit="days", amount=0.5),
        Severity.IMPORTANT: Allowance(unit="days", amount=1),
    }
    clear_answer: Allowance = Allowance(unit="days", amount=2)  # major
    settlement: Allowance = Allowance(unit="days", amount=15)  # major
    reply: Allowance = Allowance(unit="same-day")
    return_visit: Allowance = Allowance(unit="days", amount=1)
    warnings: list[float] = Field(
        default=[0.5, 0.8], max_length=10, description="Warn at these shares of the allowed time."
    )
    escalation: list[EscalationLevel] = [
        EscalationLevel(level=1, at_fraction=1.0, recipients=["supervisor", "leader"]),
        EscalationLevel(level=2, at_fraction=1.5, recipients=["manager"]),
        EscalationLevel(level=3, at_fraction=2.0, recipients=["manager"], group_recipients=["company-leader"]),
    ]
    warning_recipients: list[Annotated[str, _Role]] = Field(default=["supervisor"], max_length=20)
    regrade_after_days: float = Field(default=7, gt=0, description="A valid complaint unresolved this long is major.")
    extension_horizon_days: float = Field(
        default=30,
        gt=0,
        le=MAX_EXTENSION_DAYS,
        description="Overtime may be asked for until at most this many days after the request.",
    )

    @field_validator("warnings")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0 < f < 1 for f in value):
            raise ValueError("warning fractions lie strictly between 0 and 1")
        return sorted(set(value))

    @field_validator("escalation")
    @classmethod
    def _ladder(cls, value: list[EscalationLevel]) -> list[EscalationLevel]:
        levels = sorted(value, key=lambda lv: lv.level)
        if not levels or levels[0].at_fraction != 1.0 or [lv.level for lv in levels] != list(range(1, len(levels) + 1)):
            raise ValueError("the ladder starts with level 1 at fraction 1.0 and numbers levels 1, 2, 3, ...")
        return levels

    def admission_problems(self) -> list[Problem]:
        """Why this policy cannot be adopted (empty: it can), field by field."""
        allowances: list[tuple[tuple[str | int, ...], Allowance]] = [
            (("hand_over",), self.hand_over),
            *((("resolution", severity.value), a) for severity, a in self.resolution.items()),
            (("clear_answer",), self.clear_answer),
            (("settlement",), self.settlement),
            (("reply",), self.reply),
            (("return_visit",), self.return_visit),
        ]
        problems: list[Problem] = [(path, why) for path, a in allowances if (why := a.problem())]
        if len(self.escalation) > MAX_ESCALATION_LEVELS:
            why = Refusal(
                "sla.too_many_escalation_levels", f"at most {MAX_ESCALATION_LEVELS} escalation levels",
                limit=MAX_ESCALATION_LEVELS,
            )  # fmt: skip
            problems.append((("escalation",), why))
        for index, level in enumerate(self.escalation):
            if level.at_fraction > MAX_ESCALATION_FRACTION:
                late = f"an escalation comes at most {MAX_ESCALATION_FRACTION:g}x the allowed time after the start"
                refusal = Refusal("sla.escalation_too_late", late, limit=MAX_ESCALATION_FRACTION)
                problems.append((("escalation", index, "at_fraction"), refusal))
        if self.regrade_after_days > MAX_ALLOWANCE_DAYS:
            problems.append(
                (("regrade_after_days",),
                 Refusal("sla.regrade_too_late", f"at most {MAX_ALLOWANCE_DAYS} days", limit=MAX_ALLOWANCE_DAYS))
            )  # fmt: skip
        return problems

    def rule(self, name: str) -> str:
        return f"sla.{name}@v{self.version}"


DEFAULT_POLICY = SlaPolicy()
