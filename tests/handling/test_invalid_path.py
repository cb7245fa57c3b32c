"""The invalid path reaches handling (issue 8): a complaint judged invalid needs no department's case, and
a person's override to invalid stands an open case down. Before, handling opened and kept the case, so
the hand-over and resolution obligations stayed open for a complaint nobody had to handle."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from services.handling import bootstrap
from services.handling.adapters.inbound import HandlingHandler
from services.handling.application import HandlingApplication
from services.handling.domain.errors import CaseNotFound, OutOfOrder
from services.handling.settings import HandlingSettings
from shared.auth import Principal
from shared.bus.consumer import Delivery
from tests.handling.support import triaged
from tests.sla.contract_events import overridden
from tests.support import T0

STAFF = Principal("hk-central/staff", "hk-central", frozenset({"department-staff"}))


@pytest.fixture
def handling(store_settings: dict[str, Any]) -> Iterator[HandlingApplication]:
    app = bootstrap.application(HandlingSettings(**store_settings))
    yield app
    app.close()


def feed(app: HandlingApplication, *messages: Any) -> None:
    handler = HandlingHandler(app)
    uow = app.unit_of_work()
    for message in messages:
        handler(uow, Delivery(message, "t", 0, uuid.uuid4().int % 10**9, str(message.complaint_id)))
    app.commit(uow)


def test_a_complaint_judged_invalid_opens_no_case(handling) -> None:
    judged = triaged(validity="invalid")
    feed(handling, judged)
    with pytest.raises(CaseNotFound):
        handling.case("hk-central", judged.complaint_id)


def test_an_override_to_invalid_stands_the_case_down(handling) -> None:
    judged = triaged()
    feed(handling, judged)
    feed(handling, overridden(judged.complaint_id, T0 + timedelta(minutes=5), "validity", "invalid", "valid"))
    assert handling.case("hk-central", judged.complaint_id).stage == "stood-down"
    with pytest.raises(OutOfOrder, match="judged invalid"):
        handling.accept("hk-central", judged.complaint_id, STAFF, T0 + timedelta(minutes=6))


def test_judged_valid_after_all_the_case_opens_to_triages_department(handling) -> None:
    judged = triaged(validity="invalid")
    feed(handling, judged)
    feed(handling, overridden(judged.complaint_id, T0 + timedelta(minutes=5), "validity", "valid", "invalid"))
    case = handling.case("hk-central", judged.complaint_id)
    assert (case.stage, case.department) == ("opened", "engineering")
    handling.accept("hk-central", judged.complaint_id, STAFF, T0 + timedelta(minutes=8))
