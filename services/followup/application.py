"""Follow-up's commands and queries. Every command takes `now`, so tests decide the time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from shared.auth import Principal
from shared.eventstore import ServiceApplication, UnitOfWork
from shared.refusals import steps_answer

from .domain.case import FollowUpCase, FollowUpStep
from .domain.errors import CaseNotFound
from .domain.policy import DEFAULT_POLICY, FollowupPolicy

T = TypeVar("T")


@dataclass(frozen=True)
class CaseView:
    complaint_id: UUID
    office_id: str
    cycle: int
    validity: str | None
    results: list[dict[str, Any]]
    replies: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    waivers: dict[str, dict[str, Any]]
    closed: dict[str, Any] | None
    reopened_closings: list[dict[str, Any]]  # closings a later judgement undid, kept on file
    steps: dict[str, dict[str, Any] | None]  # each step: None if the case takes it now, else its refusal


class FollowupApplication(ServiceApplication):
    name = "followup"
    policy: FollowupPolicy = DEFAULT_POLICY

    def case_in(self, uow: UnitOfWork, complaint_id: UUID, office_id: str) -> FollowUpCase:
        """The complaint's case, opened on the first message heard of it."""
        case: FollowUpCase = uow.find(FollowUpCase.create_id(complaint_id)) or FollowUpCase(complaint_id, office_id)
        uow.add(case)
        return case

    def _case_for(self, uow: UnitOfWork, office_id: str | None, complaint_id: UUID) -> FollowUpCase:
        case: FollowUpCase | None = uow.find(FollowUpCase.create_id(complaint_id))
        if case is None or (office_id is not None and case.office_id != office_id):
            raise CaseNotFound(complaint_id)  # another office's complaint: not even its existence
        return case

    def _retrying(self, change: Callable[[UnitOfWork], T]) -> T:
        for attempt in range(20):
            uow = self.unit_of_work()
            result = change(uow)
            try:
                self.commit(uow)
                return result
            except IntegrityError:  # the worker recorded something meanwhile: try on the new state
                time.sleep(0.01 * (attempt + 1))
        raise RuntimeError("the case is too contended")

    def reply(
        self, office_id: str, complaint_id: UUID, actor: Principal, channel: str, summary: str, now: datetime
    ) -> None:
        self._retrying(
            lambda uow: self._case_for(uow, office_id, complaint_id).reply(
                actor.actor_id, actor.role, channel, summary, now
            )
        )

    def record_visit(
        self, office_id: str, complaint_id: UUID, actor: Principal, outcome: str, satisfaction: int | None,
        acknowledged: bool, remarks: str | None, now: datetime,
    ) -> dict[str, Any]:  # fmt: skip
        return self._retrying(
            lambda uow: self._case_for(uow, office_id, complaint_id).record_visit(
                outcome, satisfaction, acknowledged, remarks, actor.actor_id, actor.role, now, self.policy
            )
        )

    def close_case(
        self, office_id: str, complaint_id: UUID, actor: Principal, cause: str, lessons: str, improvement: str,
        responsibility: str, now: datetime,
    ) -> None:  # fmt: skip
        self._retrying(
            lambda uow: self._case_for(uow, office_id, complaint_id).close(
                cause, lessons, improvement, responsibility, actor.actor_id, actor.role, now
            )
        )

    def waive(
        self, office_id: str, complaint_id: UUID, actor: Principal, step: str, reason: str, now: datetime
    ) -> None:
        self._retrying(
            lambda uow: self._case_for(uow, office_id, complaint_id).waive_by_person(
                step, reason, actor.actor_id, actor.role, now
            )
        )

    def withdraw_waiver(
        self, office_id: str, complaint_id: UUID, actor: Principal, step: str, reason: str, now: datetime
    ) -> None:
        self._retrying(
            lambda uow: self._case_for(uow, office_id, complaint_id).withdraw_waiver(
                step, reason, actor.actor_id, actor.role, now
            )
        )

    def case(self, office_id: str | None, complaint_id: UUID) -> CaseView:
        case = self._case_for(self.unit_of_work(), office_id, complaint_id)
        return CaseView(
            complaint_id=case.complaint_id,
            office_id=case.office_id,
            cycle=case.cycle,
            validity=case.triage["validity"] if case.triage else None,
            results=list(case.results),
            replies=list(case.replies),
            visits=list(case.visits),
            waivers=dict(case.waivers),
            closed=case.closed,
            reopened_closings=list(case.closings),
            steps=steps_answer({step.value: case.refusal_of(step) for step in FollowUpStep}),
        )
