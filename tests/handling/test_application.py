"""Handling's application on each production store: cases opened once, severity kept, reopened on a
dissatisfied visit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from services.handling import bootstrap
from services.handling.adapters.inbound import HandlingHandler
from services.handling.adapters.outbound import CaseTranslator
from services.handling.application import HandlingApplication
from services.handling.domain.errors import CaseNotFound
from services.handling.settings import HandlingSettings
from shared.auth import Principal
from shared.bus.consumer import Delivery
from shared.contracts import Actor
from shared.contracts.common import Explanation
from shared.contracts.followup import VisitOutcome
from shared.contracts.triage import (
    SeverityRegraded,
    SeverityRegradedPayload,
    TriageDecisionOverridden,
    TriageDecisionOverriddenPayload,
)
from tests.handling.support import triaged, visit
from tests.support import T0

STAFF = Principal("hk-central/staff", "hk-central", frozenset({"department-staff"}))
LEADER = Principal("hk-central/leader", "hk-central", frozenset({"leader"}))


@pytest.fixture
def handling(store_settings: dict[str, Any]) -> Iterator[HandlingApplication]:
    app = bootstrap.application(HandlingSettings(**store_settings))
    yield app
    app.close()


def feed(app: HandlingApplication, *messages: Any) -> None:
    handler = HandlingHandler(app)
    uow = app.unit_of_work()
    for n, message in enumerate(messages):
        handler(uow, Delivery(message, "t", 0, n, str(message.complaint_id)))
    app.commit(uow)


def published(app: HandlingApplication) -> list[Any]:
    translate = CaseTranslator(app)
    return [
        p.message
        for n in app.process_recorder.select_notifications(1, 1000)
        for p in translate(app.mapper.to_domain_event(n))
    ]


def to_result(app: HandlingApplication, complaint_id) -> None:
    for step in (
        lambda c: c.accept(STAFF.actor_id, STAFF.role, T0),
        lambda c: c.record_cause("noise", "contractor", STAFF.actor_id, STAFF.role, T0),
        lambda c: c.propose("apology", "apologise", STAFF.actor_id, STAFF.role, T0),
        lambda c: c.approve(None, LEADER.actor_id, LEADER.role, T0),
        lambda c: c.carry_out("done", STAFF.actor_id, STAFF.role, T0),
        lambda c: c.record_result("apologised", True, STAFF.actor_id, STAFF.role, T0),
    ):
        app.act("hk-central", complaint_id, step)


def test_a_routed_complaint_opens_one_case_for_its_department(handling) -> None:
    message = triaged()
    feed(handling, message)
    feed(handling, message)

    view = handling.case("hk-central", message.complaint_id)
    assert (view.department, view.stage, view.severity) == ("engineering", "opened", "important")
    assert [type(e).__name__ for e in published(handling)] == ["CaseOpened"]


def test_a_regrade_keeps_the_case_severity_current(handling) -> None:
    message = triaged()
    regrade = SeverityRegraded(
        event_id=message.event_id.__class__(int=message.event_id.int + 1),
        complaint_id=message.complaint_id,
        office_id="hk-central",
        occurred_at=T0,
        actor=Actor.system("triage"),
        correlation_id=message.complaint_id,
        payload=SeverityRegradedPayload(
            previous="important",
            severity="major",
            criterion="major.mass-incident",
            explanation=Explanation(reason="cluster", rule="x@v1"),
        ),
    )
    feed(handling, message, regrade)
    assert handling.case(None, message.complaint_id).severity == "major"


def test_a_dissatisfied_visit_reopens_the_case_and_a_satisfied_one_does_not(handling) -> None:
    message = triaged()
    feed(handling, message)
    to_result(handling, message.complaint_id)
    feed(handling, visit(message.complaint_id, VisitOutcome.SATISFIED))
    assert handling.case(None, message.complaint_id).stage == "resulted"

    dissatisfied = visit(message.complaint_id, VisitOutcome.DISSATISFIED)
    feed(handling, dissatisfied)

    reopened = published(handling)[-1]
    assert reopened.type == "complaints.handling.CaseReopened"
    assert reopened.causation_id == dissatisfied.event_id
    assert "still noisy" in reopened.payload.reason
    assert handling.case(None, message.complaint_id).stage == "accepted"


def test_after_a_reopening_the_case_answers_this_cycle_s_cause_as_not_recorded_and_keeps_the_earlier(handling) -> None:
    """Found on the walk: the department's page showed the previous cycle's cause as if it were current."""
    message = triaged()
    feed(handling, message)
    to_result(handling, message.complaint_id)
    before = handling.case(None, message.complaint_id)
    assert (before.cause, before.result and before.result["result"], before.earlier) == ("noise", "apologised", [])
    feed(handling, visit(message.complaint_id, VisitOutcome.DISSATISFIED))

    view = handling.case(None, message.complaint_id)
    assert (view.cause, view.responsible_person, view.proposal, view.result) == (None, None, None, None)
    (earlier,) = view.earlier
    assert earlier["cause"] == "noise" and earlier["responsible_person"] == "contractor"
    assert earlier["proposal"] == {"kind": "apology", "description": "apologise"}
    assert earlier["result"] == {"result": "apologised", "resolved": True, "at": T0.isoformat()}
    assert "still noisy" in earlier["reason"]
    assert view.steps["proposal"] is not None and view.steps["proposal"]["code"] == "handling.cause_first"
    assert view.steps["cause"] is None


def test_another_office_never_sees_the_case(handling) -> None:
    message = triaged()
    feed(handling, message)
    with pytest.raises(CaseNotFound):
        handling.case("kln-east", message.complaint_id)
    with pytest.raises(CaseNotFound):
        handling.accept("kln-east", message.complaint_id, STAFF, T0)


def routing_overridden(message, value: str) -> TriageDecisionOverridden:
    return TriageDecisionOverridden(
        event_id=uuid.uuid4(),
        complaint_id=message.complaint_id,
        office_id=message.office_id,
        occurred_at=T0,
        actor=Actor(id="hk-central/supervisor", role="supervisor"),
        correlation_id=message.complaint_id,
        payload=TriageDecisionOverriddenPayload(
            aspect="routing", previous="engineering", value=value, reason="a theft, not a fault"
        ),
    )


def test_a_routing_override_in_triage_is_a_hand_over_the_new_department_accepts(handling) -> None:
    message = triaged()
    override = routing_overridden(message, "security")
    feed(handling, message, override)

    requested = published(handling)[-1]
    assert requested.type == "complaints.handling.HandOverRequested"
    assert (requested.payload.from_department, requested.payload.to_department) == ("engineering", "security")
    assert (requested.actor.id, requested.causation_id) == ("hk-central/supervisor", override.event_id)
    handling.act("hk-central", message.complaint_id, lambda c: c.accept_hand_over(STAFF.actor_id, STAFF.role, T0))
    assert handling.case(None, message.complaint_id).department == "security"


def test_a_routing_override_after_the_result_changes_nothing(handling) -> None:
    message = triaged()
    feed(handling, message)
    to_result(handling, message.complaint_id)
    recorded = handling.process_recorder.max_notification_id()
    feed(handling, routing_overridden(message, "security"))
    assert handling.process_recorder.max_notification_id() == recorded
