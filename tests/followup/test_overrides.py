"""A person's judgement reaches follow-up (issue 8): an override of validity or nature re-decides what is
owed. Before, follow-up kept triage's first judgement: an invalid complaint could not be replied to
("there is no result to reply with yet") nor closed, and a waived visit stayed waived."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from services.followup import bootstrap
from services.followup.adapters.inbound import CaseFacts
from services.followup.adapters.outbound import Translator
from services.followup.domain.errors import OutOfOrder
from services.followup.settings import FollowupSettings
from shared.auth import Principal
from shared.contracts.followup import CaseClosed, ComplaintReopened, CustomerReplied, StepWaived, WaiverWithdrawn
from tests.sla.contract_events import delivery, overridden, result, triaged
from tests.sla.scenario import T0

SUPERVISOR = Principal("hk-central/supervisor", "hk-central", frozenset({"supervisor"}))


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
    for n in app.process_recorder.select_notifications(1, 100_000):
        out += [p.message for p in translate(app.mapper.to_domain_event(n)) if p.message.complaint_id == complaint_id]
    return out


def test_overridden_to_invalid_is_explained_the_same_day_and_closed(followup) -> None:
    cid = uuid.uuid4()
    feed(followup, triaged(cid, T0, "minor"), overridden(cid, T0 + timedelta(minutes=20), "validity", "invalid"))
    followup.reply("hk-central", cid, SUPERVISOR, "phone", "Not our estate's lift; explained.", T0 + timedelta(hours=1))
    followup.close_case("hk-central", cid, SUPERVISOR, "not established", "-", "-", "none", T0 + timedelta(hours=2))
    messages = published(followup, cid)
    (reply,) = [m for m in messages if isinstance(m, CustomerReplied)]
    assert reply.payload.explanation_only is True
    (waived,) = [m for m in messages if isinstance(m, StepWaived)]
    assert waived.payload.step == "return-visit" and waived.causation_id is not None
    assert isinstance(messages[-1], CaseClosed)


def test_a_nature_override_withdraws_a_consultation_waiver(followup) -> None:
    cid = uuid.uuid4()
    consult = triaged(cid, T0, "minor", nature="communication", communication_kind="consultation")
    feed(followup, consult, overridden(cid, T0 + timedelta(minutes=5), "nature", "help-seeking"))
    messages = published(followup, cid)
    assert [type(m) for m in messages] == [StepWaived, WaiverWithdrawn]
    assert followup.case("hk-central", cid).waivers == {}


def test_a_case_closed_as_invalid_reopens_when_a_person_judges_it_valid(followup) -> None:
    """Closed as invalid, then judged valid: follow-up opens it again, naming the override with who and
    why; the explanation is not the result's reply, and nothing closes before the valid steps are done."""
    cid = uuid.uuid4()
    feed(followup, triaged(cid, T0, "minor", validity="invalid"))
    followup.reply("hk-central", cid, SUPERVISOR, "phone", "Municipal lamp; explained.", T0 + timedelta(hours=1))
    followup.close_case("hk-central", cid, SUPERVISOR, "municipal", "-", "-", "none", T0 + timedelta(hours=2))
    override = overridden(cid, T0 + timedelta(days=1), "validity", "valid", previous="invalid")
    feed(followup, override, override)  # redelivered: one reopening
    messages = published(followup, cid)
    [reopened] = [m for m in messages if isinstance(m, ComplaintReopened)]
    assert reopened.causation_id == override.event_id and reopened.actor == override.actor
    assert "seen on site" in reopened.payload.reason
    assert reopened.payload.closed_at == T0 + timedelta(hours=2)
    assert isinstance(messages[-1], WaiverWithdrawn)  # the return visit is owed again
    case = followup.case("hk-central", cid)
    assert case.closed is None and len(case.reopened_closings) == 1
    with pytest.raises(OutOfOrder, match="no result"):
        followup.close_case("hk-central", cid, SUPERVISOR, "-", "-", "-", "-", T0 + timedelta(days=1, hours=1))
    feed(followup, result(cid, T0 + timedelta(days=1, hours=2)))
    followup.reply("hk-central", cid, SUPERVISOR, "phone", "Repaired.", T0 + timedelta(days=1, hours=3))
    followup.record_visit("hk-central", cid, SUPERVISOR, "satisfied", 5, True, None, T0 + timedelta(days=1, hours=4))
    followup.close_case("hk-central", cid, SUPERVISOR, "lamp", "-", "-", "eng", T0 + timedelta(days=1, hours=5))
    assert followup.case("hk-central", cid).closed is not None


@pytest.mark.parametrize(
    ("aspect", "value", "closed"), [("validity", "valid", False), ("nature", "help-seeking", True)]
)
def test_no_reopening_unless_a_closed_invalid_case_is_judged_valid(followup, aspect, value, closed) -> None:
    """An open case judged valid needs no reopening; a closed one whose validity stands stays closed."""
    cid = uuid.uuid4()
    feed(followup, triaged(cid, T0, "minor", validity="invalid"))
    if closed:
        followup.reply("hk-central", cid, SUPERVISOR, "phone", "explained", T0 + timedelta(hours=1))
        followup.close_case("hk-central", cid, SUPERVISOR, "-", "-", "-", "-", T0 + timedelta(hours=2))
    feed(followup, overridden(cid, T0 + timedelta(days=1), aspect, value))
    assert not [m for m in published(followup, cid) if isinstance(m, ComplaintReopened)]
    assert (followup.case("hk-central", cid).closed is not None) is closed
