"""A complaint's follow-up: the reply, the return visit(s), waivers, and closing with a summary.

A case runs in *cycles*: cycle 0 ends with the first result; a dissatisfied customer reopens the case
(handling publishes CaseReopened) and cycle 1 needs its own result, reply and visit, and so on.
Every command checks the case's state first and raises `OutOfOrder` before recording anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

from .errors import OutOfOrder
from .policy import INVALID_WAIVER, FollowupPolicy, names


class FollowUpStep(StrEnum):
    """What a person can ask of follow-up; `FollowUpCase.refusal_of` says which it takes now."""

    REPLY = "reply"
    VISIT = "visit"
    CLOSE = "close"
    WAIVER = "waiver"  # a person waives the return visit
    WAIVER_WITHDRAWAL = "waiver-withdrawal"  # a person withdraws the return visit's waiver


class FollowUpCase(Aggregate):
    @staticmethod
    def create_id(complaint_id: UUID, **_: Any) -> UUID:
        return derived_id("followup-case", complaint_id)

    @event("Opened")
    def __init__(self, complaint_id: UUID, office_id: str) -> None:
        self.complaint_id = complaint_id
        self.office_id = office_id
        self.triage: dict[str, Any] | None = None
        self.results: list[dict[str, Any]] = []
        self.reopens: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []
        self.visits: list[dict[str, Any]] = []
        self.waivers: dict[str, dict[str, Any]] = {}
        self.closed: dict[str, Any] | None = None
        self.closings: list[dict[str, Any]] = []  # closings undone by a later judgement, kept on file
        self.heard: set[str] = set()

    # -- state ------------------------------------------------------------------------------------

    @property
    def cycle(self) -> int:
        return len(self.reopens)

    @property
    def invalid(self) -> bool:
        return self.triage is not None and self.triage["validity"] == "invalid"

    def result_of(self, cycle: int) -> dict[str, Any] | None:
        return self.results[cycle] if len(self.results) > cycle else None

    def reply_of(self, cycle: int) -> dict[str, Any] | None:
        """The cycle's reply that fits the judgement in force: a polite explanation answers an invalid
        complaint, not a valid one (judged valid later, it is owed the reply with its result)."""
        return next(
            (r for r in self.replies if r["cycle"] == cycle and (self.invalid or not r["explanation_only"])), None
        )

    def visits_of(self, cycle: int) -> list[dict[str, Any]]:
        return [v for v in self.visits if v["cycle"] == cycle]

    def final_visit_of(self, cycle: int) -> dict[str, Any] | None:
        return next((v for v in self.visits_of(cycle) if v["final"]), None)

    # -- what other services tell us ---------------------------------------------------------------

    def note_triaged(
        self, validity: str, nature: str, kind: str | None, at: datetime, cause_id: str, policy: FollowupPolicy
    ) -> None:
        if self.triage is not None or cause_id in self.heard:
            return  # triage's first judgement; a person's later judgement arrives as an override
        self._triaged(validity=validity, nature=nature, kind=kind, at=at, cause_id=cause_id)
        self._decide_waivers(at, cause_id, policy)

    def note_overridden(
        self, aspect: str, value: str, at: datetime, cause_id: str, policy: FollowupPolicy,
        actor_id: str | None = None, actor_role: str | None = None, reason: str = "",
    ) -> None:  # fmt: skip
        """A person's judgement of validity or nature replaces triage's: what is owed is decided again
        (an invalid complaint owes its explanation and no visit; a consultation no visit, ...). A case
        closed as invalid and now judged valid opens again: a valid complaint is handled, has a result
        and a return visit (the record rules), so its closing no longer holds."""
        if cause_id in self.heard or self.triage is None or aspect not in ("validity", "nature"):
            return
        was_invalid = self.invalid
        validity, nature, kind = self.triage["validity"], self.triage["nature"], self.triage["kind"]
        if aspect == "validity":
            validity = value
        else:  # one value per nature: 'effective', or the kind of communication complaint
            nature, kind = ("effective", None) if value == "effective" else ("communication", value)
        self._judgement_overridden(aspect=aspect, validity=validity, nature=nature, kind=kind, at=at, cause_id=cause_id)
        if self.closed is not None and was_invalid and not self.invalid:
            who = actor_id or "a person"
            self._reopened_by_judgement(
                reason=f"judged {validity} by {who} after it was closed as invalid: {reason or 'no reason given'}; "
                "a valid complaint is handled, has a result and a return visit",
                closed_at=self.closed["at"], validity=validity, at=at, cause_id=cause_id,
                actor_id=actor_id, actor_role=actor_role,
            )  # fmt: skip
        self._decide_waivers(at, cause_id, policy)

    @event("ReopenedByJudgement")
    def _reopened_by_judgement(
        self, reason: str, closed_at: datetime, validity: str, at: datetime, cause_id: str,
        actor_id: str | None, actor_role: str | None,
    ) -> None:  # fmt: skip
        """The closing stays on record (`closings`); the case is open for this cycle's steps again."""
        assert self.closed is not None
        self.closings.append(self.closed)
        self.closed = None

    @event("JudgementOverridden")
    def _judgement_overridden(
        self, aspect: str, validity: str, nature: str, kind: str | None, at: datetime, cause_id: str
    ) -> None:
        assert self.triage is not None
        self.triage = {**self.triage, "validity": validity, "nature": nature, "kind": kind}
        self.heard.add(cause_id)

    def _policy_waiver(self, policy: FollowupPolicy) -> tuple[str, str] | None:
        """(reason, rule) if the judgement in force lets the policy waive the return visit."""
        assert self.triage is not None
        if self.triage["validity"] == "invalid" and policy.waive_return_visit_if_invalid:
            return (
                "an invalid complaint is answered with a polite explanation; nothing was handled to visit about",
                policy.rule(INVALID_WAIVER),
            )
        kind = self.triage["kind"]
        if self.triage["nature"] == "communication" and kind in policy.waive_return_visit_for:
            return (
                f"a {kind} communication complaint was answered on the spot; the policy needs no return visit",
                policy.rule(f"waive.return-visit.{kind}"),
            )
        return None

    def _decide_waivers(self, at: datetime, cause_id: str, policy: FollowupPolicy) -> None:
        wanted = self._policy_waiver(policy)
        current = self.waivers.get("return-visit")
        if wanted is not None and current is None:
            self._waived(step="return-visit", reason=wanted[0], rule=wanted[1], at=at, cause_id=cause_id)
        elif wanted is None and current is not None and current.get("by") is None:
            # The policy's waiver no longer applies (a person judged differently): the visit is owed again.
            self._waiver_withdrawn(
                step="return-visit",
                reason="the judgement that allowed the waiver was overridden: the return visit is owed",
                rule=current["rule"],
                at=at,
                cause_id=cause_id,
            )

    @event("Triaged")
    def _triaged(self, validity: str, nature: str, kind: str | None, at: datetime, cause_id: str) -> None:
        self.triage = {"validity": validity, "nature": nature, "kind": kind, "at": at}
        self.heard.add(cause_id)

    @event("StepWaived")
    def _waived(
        self, step: str, reason: str, rule: str, at: datetime, cause_id: str | None,
        actor_id: str | None = None, actor_role: str | None = None,
    ) -> None:  # fmt: skip
        self.waivers[step] = {"reason": reason, "rule": rule, "at": at, "by": actor_id}

    @event("WaiverWithdrawn")
    def _waiver_withdrawn(
        self, step: str, reason: str, rule: str, at: datetime, cause_id: str | None,
        actor_id: str | None = None, actor_role: str | None = None,
    ) -> None:  # fmt: skip
        self.waivers.pop(step, None)

    def waive_by_person(self, step: str, reason: str, actor_id: str, actor_role: str, at: datetime) -> None:
        """A supervisor or manager waives the return visit (an override of what the policy owes), with
        who and why; the SLA ends the visit's clock, the projection shows the step waived."""
        if step != "return-visit":
            raise OutOfOrder(
                "followup.only_return_visit_waived", "only the return visit can be waived; a reply is always owed",
                step=step,
            )  # fmt: skip
        self._take(FollowUpStep.WAIVER)
        result = self.result_of(self.cycle)
        self._waived(
            step=step, reason=reason, rule="followup.waive.by-person", at=at,
            cause_id=result["cause_id"] if result else None, actor_id=actor_id, actor_role=actor_role,
        )  # fmt: skip

    def withdraw_waiver(self, step: str, reason: str, actor_id: str, actor_role: str, at: datetime) -> None:
        """A supervisor or manager overrides a waiver: the step is owed again."""
        if step != "return-visit":  # only the return visit is ever waived
            self._open()
            raise OutOfOrder("followup.not_waived", f"the {step} is not waived", step=step)
        self._take(FollowUpStep.WAIVER_WITHDRAWAL)
        waiver = self.waivers[step]
        self._waiver_withdrawn(
            step=step, reason=reason, rule=waiver["rule"], at=at, cause_id=None, actor_id=actor_id,
            actor_role=actor_role,
        )  # fmt: skip

    def note_clock_started(self, kind: str, key: str | None, deadline: datetime, at: datetime, cause_id: str) -> None:
        """The SLA service (the one authority on time limits) started a return-visit clock: the visit is
        scheduled for its deadline. Follow-up computes no deadline of its own."""
        if kind != "return-visit" or cause_id in self.heard or self.closed is not None:
            return
        cycle = int(key.split("#", 1)[1].split(".", 1)[0]) if key and "#" in key else self.cycle
        self._visit_scheduled(cycle=cycle, due_at=deadline, scheduled_at=at, cause_id=cause_id)

    def note_result(self, at: datetime, resolved: bool, summary: str, cause_id: str, policy: FollowupPolicy) -> None:
        if cause_id in self.heard or self.result_of(self.cycle) is not None:
            return  # heard already, or this cycle has its result (a later one changes nothing here)
        self._result(at=at, resolved=resolved, summary=summary, cause_id=cause_id)

    @event("ResultHeard")
    def _result(self, at: datetime, resolved: bool, summary: str, cause_id: str) -> None:
        self.results.append({"at": at, "resolved": resolved, "summary": summary, "cause_id": cause_id})
        self.heard.add(cause_id)

    @event("ReturnVisitScheduled")
    def _visit_scheduled(self, cycle: int, due_at: datetime, scheduled_at: datetime, cause_id: str) -> None:
        self.heard.add(cause_id)

    def note_reopened(self, at: datetime, reason: str, cause_id: str) -> None:
        if cause_id in self.heard or self.closed is not None:
            return
        self._reopened(at=at, reason=reason, cause_id=cause_id)

    @event("Reopened")
    def _reopened(self, at: datetime, reason: str, cause_id: str) -> None:
        self.reopens.append({"at": at, "reason": reason, "cause_id": cause_id})
        self.heard.add(cause_id)

    # -- what people do ---------------------------------------------------------------------------

    def _open(self) -> None:
        if self.closed is not None:
            raise OutOfOrder("followup.case_closed", "the case is closed")

    def refusal_of(self, step: FollowUpStep) -> OutOfOrder | None:
        """What the case answers `step` now, before any of the step's own input is read: None if it takes
        it. The commands run these very checks, so whoever offers a step (the desk) asks here rather than
        knowing the order of the steps itself."""
        checks: dict[FollowUpStep, Callable[[], None]] = {
            FollowUpStep.REPLY: self._check_reply,
            FollowUpStep.VISIT: self._check_visit,
            FollowUpStep.CLOSE: self._check_close,
            FollowUpStep.WAIVER: self._check_waiver,
            FollowUpStep.WAIVER_WITHDRAWAL: self._check_waiver_withdrawal,
        }
        try:
            checks[step]()
        except OutOfOrder as refusal:
            return refusal
        return None

    def _take(self, step: FollowUpStep) -> None:
        refusal = self.refusal_of(step)
        if refusal is not None:
            raise refusal

    def _check_reply(self) -> None:
        self._open()
        if self.reply_of(self.cycle) is not None:
            raise OutOfOrder("followup.already_replied", "the customer has already been replied to for this result")
        if not self.invalid and self.result_of(self.cycle) is None:
            raise OutOfOrder(
                "followup.no_result_to_reply", "there is no result to reply with yet: handling records it first"
            )

    def _check_visit(self) -> None:
        self._open()
        if "return-visit" in self.waivers:
            waiver, rule = self.waivers["return-visit"]["reason"], self.waivers["return-visit"]["rule"]
            raise OutOfOrder(
                "followup.return_visit_waived", f"the return visit was waived: {waiver}", reason=waiver, rule=rule
            )
        if self.result_of(self.cycle) is None:
            raise OutOfOrder("followup.no_result_to_visit", "there is no result to visit about yet")
        if self.reply_of(self.cycle) is None:
            raise OutOfOrder(
                "followup.reply_before_visit", "reply to the customer with the agreed result before the return visit"
            )
        if self.final_visit_of(self.cycle) is not None:
            raise OutOfOrder("followup.return_visit_recorded", "this result's return visit is already recorded")

    def _check_close(self) -> None:
        self._open()
        if self.triage is None and not self.results:
            raise OutOfOrder("followup.nothing_known", "nothing is known of this complaint's judgement or result yet")
        if not self.invalid and self.result_of(self.cycle) is None:
            raise OutOfOrder("followup.no_result", "the case has no result yet (everything has a result)")
        if self.reply_of(self.cycle) is None:
            raise OutOfOrder("followup.not_replied", "the customer has not been replied to yet")
        if "return-visit" not in self.waivers:
            final = self.final_visit_of(self.cycle)
            if final is None:
                raise OutOfOrder(
                    "followup.return_visit_missing",
                    "the return visit is not recorded yet (everything has a return visit)",
                )
            if final["outcome"] == "dissatisfied":
                raise OutOfOrder(
                    "followup.dissatisfied", "the customer was dissatisfied: the case reopens to handling, not closes"
                )

    def _check_waiver(self) -> None:
        self._open()
        step = "return-visit"
        if step in self.waivers:
            waiver, rule = self.waivers[step]["reason"], self.waivers[step]["rule"]
            raise OutOfOrder(
                "followup.already_waived",
                f"the {step} is waived already: {waiver}",
                step=step,
                reason=waiver,
                rule=rule,
            )
        if self.final_visit_of(self.cycle) is not None:
            raise OutOfOrder("followup.return_visit_recorded", "this result's return visit is already recorded")

    def _check_waiver_withdrawal(self) -> None:
        self._open()
        step = "return-visit"
        waiver = self.waivers.get(step)
        if waiver is None:
            raise OutOfOrder("followup.not_waived", f"the {step} is not waived", step=step)
        if waiver["by"] is None and self.invalid and names(waiver["rule"], INVALID_WAIVER):
            # Withdrawn, a visit would be owed that could never be recorded: an invalid complaint has no
            # result to visit about. A person's judgement of it as valid withdraws the waiver instead.
            raise OutOfOrder(
                "followup.waiver_required_by_policy",
                f"the {step} is waived by the policy while the complaint is judged invalid: {waiver['reason']}; "
                "judge it valid to owe the visit",
                step=step,
                reason=waiver["reason"],
                rule=waiver["rule"],
            )

    def reply(self, agreed_by: str, actor_role: str, channel: str, summary: str, at: datetime) -> None:
        """A supervisor agreed the result (or, for an invalid complaint, the explanation); it is replied."""
        self._take(FollowUpStep.REPLY)
        self._replied(
            cycle=self.cycle,
            agreed_by=agreed_by,
            actor_role=actor_role,
            channel=channel,
            summary=summary,
            at=at,
            explanation_only=self.invalid,
        )

    @event("Replied")
    def _replied(
        self, cycle: int, agreed_by: str, actor_role: str, channel: str, summary: str, at: datetime,
        explanation_only: bool,
    ) -> None:  # fmt: skip
        self.replies.append({"cycle": cycle, "agreed_by": agreed_by, "at": at, "explanation_only": explanation_only})

    def record_visit(
        self,
        outcome: str,
        satisfaction: int | None,
        acknowledged: bool,
        remarks: str | None,
        actor_id: str,
        actor_role: str,
        at: datetime,
        policy: FollowupPolicy,
    ) -> dict[str, Any]:
        self._take(FollowUpStep.VISIT)
        attempts = self.visits_of(self.cycle)
        if outcome == "unreachable" and attempts and attempts[-1]["outcome"] == "unreachable":
            allowed = attempts[-1]["at"] + policy.visit_retry_interval
            if at < allowed:
                raise OutOfOrder(
                    "followup.visit_retry_too_soon",
                    f"the customer was last tried at {attempts[-1]['at'].isoformat()}: an unreachable customer "
                    f"is tried again at least {_hours(policy.visit_retry_interval)} apart; the next attempt "
                    f"counts from {allowed.isoformat()}",
                    last_tried=attempts[-1]["at"].isoformat(),
                    next_attempt=allowed.isoformat(),
                    hours=f"{policy.visit_retry_interval.total_seconds() / 3600:g}",
                )
        attempt = len(attempts) + 1
        final = outcome != "unreachable" or attempt >= policy.max_visit_attempts
        if outcome == "unreachable" and final and not remarks:
            remarks = f"unreachable after {attempt} attempts (policy allows {policy.max_visit_attempts})"
        self._visited(
            cycle=self.cycle,
            attempt=attempt,
            outcome=outcome,
            satisfaction=satisfaction,
            acknowledged=acknowledged,
            remarks=remarks,
            final=final,
            actor_id=actor_id,
            actor_role=actor_role,
            at=at,
        )
        return self.visits[-1]

    @event("Visited")
    def _visited(
        self, cycle: int, attempt: int, outcome: str, satisfaction: int | None, acknowledged: bool,
        remarks: str | None, final: bool, actor_id: str, actor_role: str, at: datetime,
    ) -> None:  # fmt: skip
        self.visits.append(
            {"cycle": cycle, "attempt": attempt, "outcome": outcome, "satisfaction": satisfaction,
             "acknowledged": acknowledged, "remarks": remarks, "final": final, "at": at}
        )  # fmt: skip

    def close(
        self, cause: str, lessons: str, improvement: str, responsibility: str, actor_id: str, actor_role: str,
        at: datetime,
    ) -> None:  # fmt: skip
        self._take(FollowUpStep.CLOSE)
        self._closed(
            cause=cause, lessons=lessons, improvement=improvement, responsibility=responsibility,
            actor_id=actor_id, actor_role=actor_role, at=at,
        )  # fmt: skip

    @event("Closed")
    def _closed(
        self, cause: str, lessons: str, improvement: str, responsibility: str, actor_id: str, actor_role: str,
        at: datetime,
    ) -> None:  # fmt: skip
        self.closed = {"at": at, "by": actor_id}


def _hours(interval: timedelta) -> str:
    hours = interval.total_seconds() / 3600
    return f"{hours:g} hour{'' if hours == 1 else 's'}"
