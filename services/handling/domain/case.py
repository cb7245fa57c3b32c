"""A case: the responsible department's work on one complaint, step by step.

Every command checks the order of the steps before anything is recorded; a step out of order
raises `OutOfOrder` and leaves the case as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts.common import Severity, is_business_area_code
from shared.contracts.labels import department_code

from .errors import OutOfOrder, UnknownDepartment


class Stage(StrEnum):
    OPENED = "opened"  # routed, awaiting the department's acceptance
    ACCEPTED = "accepted"  # the department works on it
    PROPOSED = "proposed"  # a solution awaits a leader
    APPROVED = "approved"  # the leader approved: carry it out
    CARRIED_OUT = "carried-out"  # done: record the result
    RESULTED = "resulted"  # the case has a result (closed for handling, until a reopening)
    STOOD_DOWN = "stood-down"  # judged invalid by a person: no department's handling is required


class CaseStep(StrEnum):
    """What a person can ask of a case (each an HTTP command); `Case.refusal_of` says which it takes now."""

    ACCEPT = "accept"
    HAND_OVER = "hand-over"
    ACCEPT_HAND_OVER = "accept-hand-over"
    CAUSE = "cause"
    PROPOSAL = "proposal"
    APPROVAL = "approval"
    REJECTION = "rejection"
    EXECUTION = "execution"
    RESULT = "result"
    PROGRESS = "progress"
    COMMITMENT = "commitment"
    COMMITMENT_KEPT = "commitment-kept"


@dataclass(frozen=True)
class Proposal:
    """A solution awaiting a leader: return, exchange, repair, discount, compensation, apology..."""

    kind: str
    description: str


@dataclass(frozen=True)
class Commitment:
    """A time promised to the customer: a commitment to keep (the SLA times it)."""

    promise: str
    due_at: datetime
    kept_at: datetime | None = None


class Case(Aggregate):
    @staticmethod
    def create_id(complaint_id: UUID | str, **_: Any) -> UUID:
        # One case per complaint, and the case is the only aggregate keyed by a complaint here.
        return UUID(str(complaint_id))

    @event("Opened")
    def __init__(
        self,
        complaint_id: str,
        office_id: str,
        department: str,
        first_responsible: str,
        severity: str,
        causation_id: str,
        opened_at: datetime,
        routing_reason: str | None = None,
        routing_rule: str | None = None,
        departments: list[str] | None = None,
    ) -> None:
        self.complaint_id = complaint_id
        self.office_id = office_id
        self.department = department
        # Routing's departments for the office, from triage's decision (none on cases opened before it)
        self.departments: list[str] = list(departments or [])
        self.first_responsible = first_responsible
        self.severity = Severity(severity)
        self.stage = Stage.OPENED
        self.cause: str | None = None
        self.responsible_person: str | None = None
        self.proposal: Proposal | None = None
        self.hand_over_to: str | None = None
        self.commitments: list[Commitment] = []
        self.progress: list[str] = []
        self.reopened_by: list[str] = []
        self.result: dict[str, Any] | None = None  # this cycle's: {"result", "resolved", "at"}
        # Each cycle a dissatisfied return visit reopened: its cause, solution and result, kept as earlier
        # (the current cycle's are recorded anew; history is never lost).
        self.earlier: list[dict[str, Any]] = []

    # -- checks ------------------------------------------------------------------------------------

    def _require(self, *stages: Stage, doing: str) -> None:
        if self.stage not in stages:
            if self.stage is Stage.STOOD_DOWN:
                raise OutOfOrder(
                    "handling.judged_invalid",
                    f"cannot {doing}: the complaint was judged invalid; no handling is required",
                    step=doing,
                )
            if self.stage is Stage.RESULTED:
                raise OutOfOrder(
                    "handling.has_result",
                    f"cannot {doing}: the case has a result already (only a dissatisfied return visit reopens it)",
                    step=doing,
                )
            wanted = " or ".join(s.value for s in stages)
            raise OutOfOrder(
                "handling.out_of_order",
                f"cannot {doing}: the case is {self.stage.value}, it must be {wanted}",
                step=doing,
                stage=self.stage.value,
                wanted=[s.value for s in stages],
            )

    def _open(self, doing: str) -> None:
        self._require(Stage.OPENED, Stage.ACCEPTED, Stage.PROPOSED, Stage.APPROVED, Stage.CARRIED_OUT, doing=doing)

    def _check_keep_commitment(self) -> None:
        self._open(doing="keep a commitment")
        if all(commitment.kept_at is not None for commitment in self.commitments):  # none made, or all kept
            raise OutOfOrder(
                "handling.no_open_commitment",
                "cannot keep a commitment: none made on this case waits to be kept",
                step="keep a commitment",
                made=len(self.commitments),
            )

    def _no_hand_over_pending(self, doing: str) -> None:
        if self.hand_over_to is not None:
            raise OutOfOrder(
                "handling.hand_over_pending",
                f"cannot {doing}: a hand-over to {self.hand_over_to} is pending",
                step=doing,
                to_department=self.hand_over_to,
            )

    def _check_accept(self) -> None:
        self._require(Stage.OPENED, doing="accept the case")
        self._no_hand_over_pending("accept")

    def _check_hand_over(self) -> None:
        self._require(Stage.OPENED, Stage.ACCEPTED, doing="hand the case over")
        self._no_hand_over_pending("hand over")

    def _check_accept_hand_over(self) -> None:
        if self.hand_over_to is None:
            raise OutOfOrder("handling.no_hand_over_requested", "cannot accept a hand-over: none was requested")
        # A case with a result is no longer in anyone's hands: a hand-over then would undo the result.
        self._open("accept a hand-over")

    def _check_proposal(self) -> None:
        self._require(Stage.ACCEPTED, doing="propose a solution")
        if self.cause is None:
            raise OutOfOrder(
                "handling.cause_first", "cannot propose a solution: record the cause and the responsible person first"
            )

    def refusal_of(self, step: CaseStep) -> OutOfOrder | None:
        """What the case answers `step` now, before any of the step's own input is read: None if it takes
        it. The commands run these very checks, so whoever offers a step (the desk) asks here rather than
        knowing the order of the steps itself."""
        checks: dict[CaseStep, Callable[[], None]] = {
            CaseStep.ACCEPT: self._check_accept,
            CaseStep.HAND_OVER: self._check_hand_over,
            CaseStep.ACCEPT_HAND_OVER: self._check_accept_hand_over,
            CaseStep.CAUSE: lambda: self._require(Stage.ACCEPTED, doing="record the cause"),
            CaseStep.PROPOSAL: self._check_proposal,
            CaseStep.APPROVAL: lambda: self._require(Stage.PROPOSED, doing="approve a solution"),
            CaseStep.REJECTION: lambda: self._require(Stage.PROPOSED, doing="reject a solution"),
            CaseStep.EXECUTION: lambda: self._require(Stage.APPROVED, doing="carry out the solution"),
            CaseStep.RESULT: lambda: self._require(Stage.CARRIED_OUT, doing="record the result"),
            CaseStep.PROGRESS: lambda: self._open(doing="report progress"),
            CaseStep.COMMITMENT: lambda: self._open(doing="make a commitment"),
            CaseStep.COMMITMENT_KEPT: self._check_keep_commitment,
        }
        try:
            checks[step]()
        except OutOfOrder as refusal:
            return refusal
        return None

    def _take(self, step: CaseStep) -> None:
        refusal = self.refusal_of(step)
        if refusal is not None:
            raise refusal

    # -- commands ----------------------------------------------------------------------------------

    def accept(self, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.ACCEPT)
        self._accepted(department=self.department, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("Accepted")
    def _accepted(self, department: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.stage = Stage.ACCEPTED

    def request_hand_over(
        self,
        to_department: str,
        reason: str,
        actor_id: str,
        actor_role: str,
        at: datetime,
        causation_id: str | None = None,
        routed: bool = False,
    ) -> None:
        """A person asks another department to take the case. `routed`: the department is triage's own
        (a routing override, checked there against the rules in force), taken as it is."""
        self._take(CaseStep.HAND_OVER)
        if not routed:
            to_department = self.department_named(to_department)
        if to_department == self.department:
            raise OutOfOrder(
                "handling.already_with_department",
                f"cannot hand over: the case is already with {self.department}",
                department=self.department,
            )
        self._hand_over_requested(
            from_department=self.department,
            to_department=to_department,
            reason=reason,
            actor_id=actor_id,
            actor_role=actor_role,
            at=at,
            causation_id=causation_id,
        )

    def department_named(self, typed: str) -> str:
        """The department's code `typed` names: one routing knows for the office (triage's decision
        carries them), by its code or its word in any language — read as triage reads a routing override.
        A case opened before decisions carried them takes any department's code."""
        if self.departments:
            code = department_code(typed, sorted({*self.departments, self.department}))
        else:
            code = typed.strip().lower() if is_business_area_code(typed.strip().lower()) else None
        if code is None:
            raise UnknownDepartment(typed, sorted(self.departments))
        return code

    @event("HandOverRequested")
    def _hand_over_requested(
        self,
        from_department: str,
        to_department: str,
        reason: str,
        actor_id: str,
        actor_role: str,
        at: datetime,
        causation_id: str | None = None,
    ) -> None:
        self.hand_over_to = to_department

    def accept_hand_over(self, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.ACCEPT_HAND_OVER)
        assert self.hand_over_to is not None  # the step's check: a hand-over was requested
        self._hand_over_accepted(department=self.hand_over_to, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("HandOverAccepted")
    def _hand_over_accepted(self, department: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.department = department
        self.hand_over_to = None
        self.stage = Stage.ACCEPTED  # the receiving department takes the case by accepting it

    def record_cause(self, cause: str, responsible_person: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.CAUSE)
        self._cause_recorded(
            cause=cause, responsible_person=responsible_person, actor_id=actor_id, actor_role=actor_role, at=at
        )

    @event("CauseRecorded")
    def _cause_recorded(
        self, cause: str, responsible_person: str, actor_id: str, actor_role: str, at: datetime
    ) -> None:
        self.cause = cause
        self.responsible_person = responsible_person

    def propose(self, kind: str, description: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.PROPOSAL)
        self._proposed(kind=kind, description=description, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("SolutionProposed")
    def _proposed(self, kind: str, description: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.proposal = Proposal(kind, description)
        self.stage = Stage.PROPOSED

    def approve(self, note: str | None, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.APPROVAL)
        self._approved(note=note, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("SolutionApproved")
    def _approved(self, note: str | None, actor_id: str, actor_role: str, at: datetime) -> None:
        self.stage = Stage.APPROVED

    def reject(self, instructions: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.REJECTION)
        self._rejected(instructions=instructions, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("SolutionRejected")
    def _rejected(self, instructions: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.proposal = None
        self.stage = Stage.ACCEPTED  # back to the department, with the leader's instructions

    def carry_out(self, notes: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.EXECUTION)
        self._carried_out(notes=notes, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("SolutionCarriedOut")
    def _carried_out(self, notes: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.stage = Stage.CARRIED_OUT

    def record_result(self, result: str, resolved: bool, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.RESULT)
        self._resulted(result=result, resolved=resolved, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("ResultRecorded")
    def _resulted(self, result: str, resolved: bool, actor_id: str, actor_role: str, at: datetime) -> None:
        self.result = {"result": result, "resolved": resolved, "at": at}
        self.stage = Stage.RESULTED

    def report_progress(self, message: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.PROGRESS)
        self._progress_reported(message=message, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("ProgressReported")
    def _progress_reported(self, message: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.progress.append(message)

    def commit_to(self, promise: str, due_at: datetime, actor_id: str, actor_role: str, at: datetime) -> None:
        self._take(CaseStep.COMMITMENT)
        if due_at <= at:
            raise OutOfOrder(
                "handling.promise_passed", "cannot promise a time that has passed", due_at=due_at.isoformat()
            )
        self._committed(promise=promise, due_at=due_at, actor_id=actor_id, actor_role=actor_role, at=at)

    @event("CommitmentMade")
    def _committed(self, promise: str, due_at: datetime, actor_id: str, actor_role: str, at: datetime) -> None:
        self.commitments.append(Commitment(promise, due_at))

    def keep_commitment(self, number: int, note: str, actor_id: str, actor_role: str, at: datetime) -> None:
        """The department says promise `number` (0: the first) was kept. A progress note does not keep
        a promise; only this step (or a resolving result, in the SLA's reading) stops its clock."""
        self._take(CaseStep.COMMITMENT_KEPT)
        if not 0 <= number < len(self.commitments):
            raise OutOfOrder(
                "handling.no_such_commitment",
                f"there is no commitment {number}: this case has {len(self.commitments)}",
                number=number,
                commitments=len(self.commitments),
            )
        if self.commitments[number].kept_at is not None:
            kept_at = self.commitments[number].kept_at
            raise OutOfOrder(
                "handling.commitment_already_kept",
                f"commitment {number} was kept already at {kept_at}",
                number=number,
                kept_at=str(kept_at),
            )
        promise = self.commitments[number].promise
        self._commitment_kept(
            number=number, promise=promise, note=note, actor_id=actor_id, actor_role=actor_role, at=at
        )

    @event("CommitmentKept")
    def _commitment_kept(
        self, number: int, promise: str, note: str, actor_id: str, actor_role: str, at: datetime
    ) -> None:
        self.commitments[number] = replace(self.commitments[number], kept_at=at)

    # -- facts from other services -------------------------------------------------------------------

    def keep_severity(self, severity: str, causation_id: str, at: datetime) -> None:
        if severity != self.severity:
            self._severity_changed(severity=severity, causation_id=causation_id, at=at)

    @event("SeverityChanged")
    def _severity_changed(self, severity: str, causation_id: str, at: datetime) -> None:
        self.severity = Severity(severity)

    def stand_down(self, reason: str, causation_id: str, actor_id: str, actor_role: str, at: datetime) -> bool:
        """Not established after all: the case needs no handling. Only an unresolved case stands down."""
        if self.stage in (Stage.RESULTED, Stage.STOOD_DOWN):
            return False
        self._stood_down(reason=reason, causation_id=causation_id, actor_id=actor_id, actor_role=actor_role, at=at)
        return True

    @event("StoodDown")
    def _stood_down(self, reason: str, causation_id: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.stage = Stage.STOOD_DOWN
        self.hand_over_to = None

    def stand_up(self, reason: str, causation_id: str, actor_id: str, actor_role: str, at: datetime) -> bool:
        """Judged valid again after it stood down: the department's case is owed again, from acceptance
        (the SLA times the hand-over from that judgement, so the department accepts it anew)."""
        if self.stage is not Stage.STOOD_DOWN:
            return False
        self._stood_up(reason=reason, causation_id=causation_id, actor_id=actor_id, actor_role=actor_role, at=at)
        return True

    @event("StoodUp")
    def _stood_up(self, reason: str, causation_id: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.stage = Stage.OPENED

    def reopen(self, reason: str, visit_event_id: str, actor_id: str, actor_role: str, at: datetime) -> bool:
        """A dissatisfied return visit reopens a case with a result; anything else changes nothing."""
        if self.stage is not Stage.RESULTED or visit_event_id in self.reopened_by:
            return False
        self._reopened(reason=reason, causation_id=visit_event_id, actor_id=actor_id, actor_role=actor_role, at=at)
        return True

    @event("Reopened")
    def _reopened(self, reason: str, causation_id: str, actor_id: str, actor_role: str, at: datetime) -> None:
        self.reopened_by.append(causation_id)
        self.earlier.append(
            {"cause": self.cause, "responsible_person": self.responsible_person, "proposal": self.proposal,
             "result": self.result, "reopened_at": at, "reason": reason}
        )  # fmt: skip
        self.cause = self.responsible_person = None  # this cycle's cause is recorded anew, before a proposal
        self.proposal = None
        self.result = None
        self.stage = Stage.ACCEPTED  # the department works it again
