"""Follow-up on each production store, fed contract events as triage and handling publish them."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from services.followup import bootstrap
from services.followup.adapters.inbound import CaseFacts
from services.followup.adapters.outbound import Translator
from services.followup.domain.errors import CaseNotFound, OutOfOrder
from services.followup.settings import FollowupSettings
from shared.auth import Principal
from shared.contracts.followup import CaseClosed, CustomerReplied, ReturnVisitMade, ReturnVisitScheduled, StepWaived
from tests.sla.contract_events import clock_started, delivery, reopened, result, triaged
from tests.sla.scenario import T0

SUPERVISOR = Principal("hk-central/supervisor", "hk-central", frozenset({"supervisor"}))
STAFF = Principal("hk-central/staff", "hk-central", frozenset({"department-staff"}))


@pytest.fixture
def followup(store_settings: dict[str, Any]):
    app = bootstrap.application(FollowupSettings(**store_settings))
    yield app
    app.close()


def feed(app, *messages: Any) -> None:
    handler = CaseFacts(app)
    for message in messages:
        uow = app.unit_of_work()
        handler(uow, delivery(message))
        app.commit(uow)


def published(app, complaint_id) -> list[Any]:
    translate = Translator(app)
    out = []
    for notification in app.process_recorder.select_notifications(1, 100_000):
        out += [p.message for p in translate(app.mapper.to_domain_event(notification))]
    return [m for m in out if m.complaint_id == complaint_id]


def summary(app, complaint_id) -> None:
    app.close_case("hk-central", complaint_id, SUPERVISOR, "worn cable", "inspect monthly", "new schedule",
              "lift contractor", T0 + timedelta(days=2))  # fmt: skip


def test_dissatisfied_reopened_handled_visited_closed(followup) -> None:
    cid = uuid.uuid4()
    feed(followup, triaged(cid, T0), result(cid, T0 + timedelta(hours=4)))
    feed(followup, clock_started(cid, T0 + timedelta(hours=4), "return-visit", T0 + timedelta(hours=28)))
    followup.reply("hk-central", cid, SUPERVISOR, "phone", "Repaired.", T0 + timedelta(hours=5))
    followup.record_visit("hk-central", cid, STAFF, "dissatisfied", 2, False, "still noisy", T0 + timedelta(hours=9))
    feed(followup, reopened(cid, T0 + timedelta(hours=10)), result(cid, T0 + timedelta(hours=20)))
    # The visit is due when the SLA's return-visit clock says (follow-up computes no deadline).
    feed(
        followup,
        clock_started(cid, T0 + timedelta(hours=20), "return-visit", T0 + timedelta(hours=44), "return-visit#1"),
    )
    followup.reply("hk-central", cid, SUPERVISOR, "phone", "Cable replaced.", T0 + timedelta(hours=21))
    followup.record_visit("hk-central", cid, STAFF, "satisfied", 5, True, None, T0 + timedelta(hours=30))
    summary(followup, cid)

    messages = published(followup, cid)
    kinds = [type(m).__name__ for m in messages]
    assert kinds == [
        "ReturnVisitScheduled", "CustomerReplied", "ReturnVisitMade",
        "ReturnVisitScheduled", "CustomerReplied", "ReturnVisitMade", "CaseClosed",
    ]  # fmt: skip
    visits = [m for m in messages if isinstance(m, ReturnVisitMade)]
    assert [(v.payload.outcome, v.payload.satisfaction, v.payload.acknowledged) for v in visits] == [
        ("dissatisfied", 2, False),
        ("satisfied", 5, True),
    ]
    replies = [m for m in messages if isinstance(m, CustomerReplied)]
    assert replies[0].payload.replied_at == T0 + timedelta(hours=5)
    assert replies[0].payload.agreed_by == "hk-central/supervisor"
    scheduled = [m for m in messages if isinstance(m, ReturnVisitScheduled)]
    assert scheduled[1].payload.due_at == T0 + timedelta(hours=44)
    closed = messages[-1]
    assert isinstance(closed, CaseClosed) and closed.payload.responsibility == "lift contractor"


def test_unreachable_recorded_after_the_retries(followup) -> None:
    cid = uuid.uuid4()
    feed(followup, triaged(cid, T0), result(cid, T0 + timedelta(hours=4)))
    feed(followup, clock_started(cid, T0 + timedelta(hours=4), "return-visit", T0 + timedelta(hours=28)))
    followup.reply("hk-central", cid, SUPERVISOR, "phone", "Repaired.", T0 + timedelta(hours=5))
    for n in range(3):
        at = T0 + timedelta(hours=8 + 3 * n)  # spaced by more than the policy's retry interval
        followup.record_visit("hk-central", cid, STAFF, "unreachable", None, False, None, at)
    summary(followup, cid)
    visits = [m for m in published(followup, cid) if isinstance(m, ReturnVisitMade)]
    assert [(v.payload.attempt, v.payload.final) for v in visits] == [(1, False), (2, False), (3, True)]
    assert "unreachable after 3 attempts" in visits[-1].payload.remarks


def test_an_unreachable_retry_too_soon_is_refused_naming_when_the_next_counts(followup) -> None:
    cid = uuid.uuid4()
    feed(followup, triaged(cid, T0), result(cid, T0 + timedelta(hours=4)))
    followup.reply("hk-central", cid, SUPERVISOR, "phone", "Repaired.", T0 + timedelta(hours=5))
    first = T0 + timedelta(hours=8)
    followup.record_visit("hk-central", cid, STAFF, "unreachable", None, False, None, first)
    with pytest.raises(OutOfOrder, match=re.escape(f"counts from {(first + timedelta(hours=2)).isoformat()}")):
        followup.record_visit("hk-central", cid, STAFF, "unreachable", None, False, None, first + timedelta(seconds=5))
    assert len(followup.case("hk-central", cid).visits) == 1


def test_invalid_complaint_explained_with_a_recorded_waiver(followup) -> None:
    cid = uuid.uuid4()
    feed(followup, triaged(cid, T0, validity="invalid"))
    followup.reply("hk-central", cid, SUPERVISOR, "letter", "Not the management's fault: explained.", T0)
    summary(followup, cid)
    messages = published(followup, cid)
    (waiver,) = [m for m in messages if isinstance(m, StepWaived)]
    assert waiver.payload.step == "return-visit" and waiver.actor.role == "system"
    assert waiver.causation_id is not None  # the triage event that allowed it
    (reply,) = [m for m in messages if isinstance(m, CustomerReplied)]
    assert reply.payload.explanation_only


def test_another_office_sees_nothing(followup) -> None:
    cid = uuid.uuid4()
    feed(followup, triaged(cid, T0))
    with pytest.raises(CaseNotFound):
        followup.case("kln-east", cid)
    assert followup.case(None, cid).office_id == "hk-central"


def test_redelivered_results_do_not_schedule_twice(followup) -> None:
    cid = uuid.uuid4()
    message = clock_started(cid, T0 + timedelta(hours=4), "return-visit", T0 + timedelta(hours=28))
    feed(followup, triaged(cid, T0), result(cid, T0 + timedelta(hours=4)), message, message)
    assert len([m for m in published(followup, cid) if isinstance(m, ReturnVisitScheduled)]) == 1
