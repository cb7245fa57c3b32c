"""Intake's application on each production store: registration, idempotency, gapless numbers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from services.intake import bootstrap
from services.intake.domain.complaint import Complaint
from services.intake.domain.errors import ComplaintNotFound, ReferenceReused
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.contracts import RegistrationForm
from tests.support import T0, form

RECEPTION = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))
OTHER = Principal("kln-east/reception", "kln-east", frozenset({"receptionist"}))


@pytest.fixture
def intake(store_settings: dict[str, Any], tmp_path: Path):
    app = bootstrap.application(IntakeSettings(**store_settings))
    yield app
    app.close()


def test_registration_is_recorded_with_the_first_sequence_number(intake) -> None:
    registration = intake.register("hk-central", RECEPTION, RegistrationForm(**form()), T0)

    view = intake.registration("hk-central", registration.complaint_id)
    assert registration.created and registration.sequence_number == 1
    assert view.form.office_reference == "HK-2026-0001"
    assert view.registered_by == "hk-central/reception"


def test_same_reference_and_form_twice_is_one_complaint(intake) -> None:
    first = intake.register("hk-central", RECEPTION, RegistrationForm(**form()), T0)
    recorded = intake.process_recorder.max_notification_id()
    second = intake.register("hk-central", RECEPTION, RegistrationForm(**form()), T0)

    assert not second.created
    assert second.complaint_id == first.complaint_id
    assert intake.process_recorder.max_notification_id() == recorded  # nothing new recorded


def test_a_reused_reference_with_other_details_is_refused(intake) -> None:
    intake.register("hk-central", RECEPTION, RegistrationForm(**form()), T0)
    with pytest.raises(ReferenceReused):
        intake.register("hk-central", RECEPTION, RegistrationForm(**form(object="Car park gate")), T0)


def test_the_same_reference_in_two_offices_is_two_complaints(intake) -> None:
    mine = intake.register("hk-central", RECEPTION, RegistrationForm(**form()), T0)
    theirs = intake.register("kln-east", OTHER, RegistrationForm(**form()), T0)

    assert mine.complaint_id != theirs.complaint_id
    assert (mine.sequence_number, theirs.sequence_number) == (1, 1)


def test_an_office_cannot_read_another_offices_complaint(intake) -> None:
    registration = intake.register("hk-central", RECEPTION, RegistrationForm(**form()), T0)
    with pytest.raises(ComplaintNotFound):
        intake.registration("kln-east", registration.complaint_id)
    assert intake.registration(None, registration.complaint_id).office_id == "hk-central"


def test_concurrent_registrations_get_gapless_numbers(intake) -> None:
    def register(n: int) -> int:
        reference = f"HK-2026-{n:04d}"
        return intake.register("hk-central", RECEPTION, RegistrationForm(**form(reference)), T0).sequence_number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = sorted(pool.map(register, range(60)))

    assert numbers == list(range(1, 61))


def test_numbers_continue_after_the_store_is_reopened(store_settings: dict[str, Any]) -> None:
    settings = IntakeSettings(**store_settings)
    first = bootstrap.application(settings)
    for n in range(3):
        first.register("hk-central", RECEPTION, RegistrationForm(**form(f"R-{n}")), T0)
    first.close()

    reopened = bootstrap.application(settings)
    registration = reopened.register("hk-central", RECEPTION, RegistrationForm(**form("R-3")), T0)
    reopened.close()
    assert registration.sequence_number == 4


def test_a_refused_registration_does_not_sink_the_others_committed_with_it(intake) -> None:
    intake.register("hk-central", RECEPTION, RegistrationForm(**form("TAKEN")), T0)

    def register(n: int) -> str:
        # Every third request reuses a taken reference with other details: refused, alone.
        reference, details = ("TAKEN", {"object": f"gate {n}"}) if n % 3 == 0 else (f"R-{n}", {})
        try:
            intake.register("hk-central", RECEPTION, RegistrationForm(**form(reference, **details)), T0)
            return "registered"
        except ReferenceReused:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(register, range(30)))

    assert outcomes.count("refused") == 10
    assert outcomes.count("registered") == 20
    numbers = sorted(intake.registration("hk-central", Complaint.create_id("hk-central", f"R-{n}")).sequence_number
                     for n in range(30) if n % 3)  # fmt: skip
    assert numbers == list(range(2, 22))  # gapless after TAKEN's number 1
