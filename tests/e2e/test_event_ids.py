"""Every published event has its own id across services: the projection drops an id it has seen as a
re-publication, so two services' events must never share one (their aggregates share the complaint id)."""

from __future__ import annotations

from pathlib import Path

from services.handling import bootstrap as handling_bootstrap
from services.handling.adapters.inbound import HandlingHandler
from services.handling.adapters.outbound import CaseTranslator
from services.handling.settings import HandlingSettings
from services.intake import bootstrap as intake_bootstrap
from services.intake.adapters.outbound import translate as intake_translate
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.bus.consumer import Delivery
from shared.contracts import RegistrationForm
from tests.handling.support import triaged
from tests.support import T0, form

CLERK = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))


def test_intake_and_handling_never_publish_the_same_event_id_for_one_complaint(tmp_path: Path) -> None:
    intake = intake_bootstrap.application(IntakeSettings(store="memory", state_dir=tmp_path))
    complaint_id = intake.register("hk-central", CLERK, RegistrationForm(**form()), T0).complaint_id
    intake_ids = {
        p.event_id
        for n in intake.process_recorder.select_notifications(1, 100)
        for p in intake_translate(intake.mapper.to_domain_event(n))
    }

    handling = handling_bootstrap.application(HandlingSettings(store="memory", state_dir=tmp_path))
    uow = handling.unit_of_work()
    message = triaged().model_copy(update={"complaint_id": complaint_id})
    HandlingHandler(handling)(uow, Delivery(message, "t", 0, 0, str(complaint_id)))
    handling.commit(uow)
    translate = CaseTranslator(handling)
    handling_ids = {
        p.event_id
        for n in handling.process_recorder.select_notifications(1, 100)
        for p in translate(handling.mapper.to_domain_event(n))
    }

    assert intake_ids and handling_ids
    assert not intake_ids & handling_ids
