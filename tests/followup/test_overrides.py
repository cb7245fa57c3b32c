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
from services.followup.settings import FollowupSettings
from shared.auth import Principal
from shared.contracts.followup import CaseClosed, CustomerReplied, StepWaived, WaiverWithdrawn
from tests.sla.contract_events import delivery, overridden, triaged
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
