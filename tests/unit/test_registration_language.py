"""The registration form's optional `language` (additive, default None): old events read without it,
it travels in clear beside the sealed part, and nothing outside the desk's languages is accepted."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared.contracts import PersonalData, decode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.intake import ComplaintRegistered, Language, RegistrationForm, SealedForm, SealedPersonal
from tests.support import form


def _golden() -> dict[str, Any]:
    return json.loads((GOLDEN_DIR / "complaints.intake.ComplaintRegistered.v2.json").read_text())


def test_a_registration_published_before_the_field_reads_with_no_language() -> None:
    data = _golden()
    del data["payload"]["form"]["language"]
    event = decode(data["type"], data)
    assert isinstance(event, ComplaintRegistered) and event.payload.form.language is None


def test_the_language_travels_in_clear_beside_the_sealed_part_and_opens_with_the_form() -> None:
    registration = RegistrationForm.model_validate(form(language="zh-Hans"))
    sealed = SealedForm.of(registration, SealedPersonal(person_id=uuid4(), sealed="s1.x"))
    assert sealed.language is Language.ZH_HANS
    assert sealed.model_dump(mode="json")["language"] == "zh-Hans"
    opened = sealed.opened(PersonalData(name="Chan", contact="chan@mail.test", unit_address="Flat B"))
    assert opened.language is Language.ZH_HANS


@pytest.mark.parametrize("language", ["fr", "zh", "ZH-HANS", ""])
def test_a_language_the_desk_does_not_speak_is_refused(language: str) -> None:
    with pytest.raises(ValidationError):
        RegistrationForm.model_validate(form(language=language))
