"""Stored domain events -> integration events (the relay's translator)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from shared.bus.relay import Publication
from shared.contracts import Actor, stored_event_id
from shared.contracts.common import Validity
from shared.contracts.followup import (
    CaseClosed,
    CaseClosedPayload,
    ComplaintReopened,
    ComplaintReopenedPayload,
    CustomerReplied,
    CustomerRepliedPayload,
    ReturnVisitMade,
    ReturnVisitMadePayload,
    ReturnVisitScheduled,
    ReturnVisitScheduledPayload,
    StepWaived,
    StepWaivedPayload,
    VisitOutcome,
    WaiverWithdrawn,
    WaiverWithdrawnPayload,
)
from shared.eventstore import ServiceApplication

from ..domain.case import FollowUpCase

SYSTEM = Actor.system("followup")


class Translator:
    """Knows each case's complaint and office (from its first event), cached."""

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app
        self._owners: dict[UUID, tuple[UUID, str]] = {}

    def owner(self, event: Any) -> tuple[UUID, str]:
        if isinstance(event, FollowUpCase.Opened):
            self._owners[event.originator_id] = (event.complaint_id, event.office_id)
        if event.originator_id not in self._owners:
            case: FollowUpCase = self.app.repository.get(event.originator_id, version=1)
            if len(self._owners) > 100_000:
                self._owners.clear()
            self._owners[event.originator_id] = (case.complaint_id, case.office_id)
        return self._owners[event.originator_id]

    def __call__(self, event: Any) -> Iterable[Publication]:
        if not isinstance(event, FollowUpCase.Event):
            return
        complaint_id, office_id = self.owner(event)
        base = {
            "event_id": stored_event_id("followup", event.originator_id, event.originator_version),
            "complaint_id": complaint_id,
            "office_id": office_id,
            "correlation_id": complaint_id,
        }
        if isinstance(event, FollowUpCase.StepWaived):
            yield Publication.of(
                StepWaived(
                    **base, occurred_at=event.at,
                    actor=Actor(id=event.actor_id, role=event.actor_role) if event.actor_id else SYSTEM,
                    causation_id=UUID(event.cause_id) if event.cause_id else None,
                    payload=StepWaivedPayload(step=event.step, reason=event.reason, policy_rule=event.rule),
                )
            )  # fmt: skip
        elif isinstance(event, FollowUpCase.WaiverWithdrawn):
            yield Publication.of(
                WaiverWithdrawn(
                    **base, occurred_at=event.at,
                    actor=Actor(id=event.actor_id, role=event.actor_role) if event.actor_id else SYSTEM,
                    causation_id=UUID(event.cause_id) if event.cause_id else None,
                    payload=WaiverWithdrawnPayload(step=event.step, reason=event.reason, policy_rule=event.rule),
                )
            )  # fmt: skip
        elif isinstance(event, FollowUpCase.ReturnVisitScheduled):
            yield Publication.of(
                ReturnVisitScheduled(
                    **base, occurred_at=event.scheduled_at,
                    actor=SYSTEM, causation_id=UUID(event.cause_id),
                    payload=ReturnVisitScheduledPayload(due_at=event.due_at),
                )
            )  # fmt: skip
        elif isinstance(event, FollowUpCase.Replied):
            yield Publication.of(
                CustomerReplied(
                    **base, occurred_at=event.at, actor=Actor(id=event.agreed_by, role=event.actor_role),
                    payload=CustomerRepliedPayload(
                        agreed_by=event.agreed_by, replied_at=event.at, channel=event.channel,
                        summary=event.summary, explanation_only=event.explanation_only,
                    ),
                )
            )  # fmt: skip
        elif isinstance(event, FollowUpCase.Visited):
            yield Publication.of(
                ReturnVisitMade(
                    **base, occurred_at=event.at, actor=Actor(id=event.actor_id, role=event.actor_role),
                    payload=ReturnVisitMadePayload(
                        outcome=VisitOutcome(event.outcome), attempt=event.attempt,
                        satisfaction=event.satisfaction, acknowledged=event.acknowledged,
                        remarks=event.remarks, final=event.final,
                    ),
                )
            )  # fmt: skip
        elif isinstance(event, FollowUpCase.ReopenedByJudgement):
            yield Publication.of(
                ComplaintReopened(
                    **base, occurred_at=event.at,
                    actor=Actor(id=event.actor_id, role=event.actor_role) if event.actor_id else SYSTEM,
                    causation_id=UUID(event.cause_id),
                    payload=ComplaintReopenedPayload(
                        reason=event.reason, closed_at=event.closed_at, validity=Validity(event.validity)
                    ),
                )
            )  # fmt: skip
        elif isinstance(event, FollowUpCase.Closed):
            yield Publication.of(
                CaseClosed(
                    **base, occurred_at=event.at, actor=Actor(id=event.actor_id, role=event.actor_role),
                    payload=CaseClosedPayload(
                        cause=event.cause, lessons=event.lessons, improvement=event.improvement,
                        responsibility=event.responsibility,
                    ),
                )
            )  # fmt: skip
