"""The shared vocabulary: closed vocabularies are enums; a business area is any `BusinessAreaCode`, so an
area the group adds to the rules is read by every service, and old events (the golden file) still read."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shared.contracts import decode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.common import BusinessArea, BusinessAreaCode, is_business_area_code
from shared.contracts.triage import ComplaintTriaged

AREA = TypeAdapter(BusinessAreaCode)
GOLDEN = json.loads((GOLDEN_DIR / "complaints.triage.ComplaintTriaged.v1.json").read_text())


def with_area(area: str) -> dict[str, object]:
    return GOLDEN | {"payload": GOLDEN["payload"] | {"business_area": area}}


@pytest.mark.parametrize("area", list(BusinessArea))
def test_every_default_area_is_an_area_code_and_old_events_of_it_still_read(area: BusinessArea) -> None:
    assert is_business_area_code(area.value)
    event = decode(ComplaintTriaged.type_name(), with_area(area.value))
    assert isinstance(event, ComplaintTriaged) and event.payload.business_area == area.value


@pytest.mark.parametrize("area", ["pets", "swimming-pool", "ev-charging", "b2b"])
def test_an_area_the_group_added_is_read_by_every_reader(area: str) -> None:
    event = decode(ComplaintTriaged.type_name(), with_area(area))
    assert event.payload.business_area == area  # type: ignore[attr-defined]


@pytest.mark.parametrize("area", ["", "x", "Pets", "pets & dogs", "-pets", "pets-", "pets--dogs", "寵物", "a" * 41])
def test_what_is_not_an_area_code_is_refused_on_the_wire(area: str) -> None:
    assert not is_business_area_code(area)
    with pytest.raises(ValidationError):
        decode(ComplaintTriaged.type_name(), with_area(area))


@given(st.text(alphabet="abcz09-_A. 寵", max_size=45))
def test_the_rules_check_and_the_contract_agree_on_every_string(text: str) -> None:
    try:
        AREA.validate_python(text)
        accepted = True
    except ValidationError:
        accepted = False
    assert is_business_area_code(text) == accepted


def test_aggregates_holding_typed_state_are_never_snapshotted() -> None:
    """Their state holds pydantic models and dataclasses (their stored events keep JSON), which the
    event store's snapshot transcoder cannot write: snapshotting them needs transcodings first."""
    from services.handling.application import HandlingApplication
    from services.handling.domain.case import Case
    from services.intake.application import IntakeApplication
    from services.intake.domain.complaint import Complaint
    from services.intake.domain.hotline import HotlineCall
    from services.triage.application import TriageApplication
    from services.triage.domain.triage import Triage

    snapshotted = {
        aggregate
        for app in (IntakeApplication, TriageApplication, HandlingApplication)
        for aggregate in (app.snapshotting_intervals or {})
    }
    assert not snapshotted & {Complaint, HotlineCall, Triage, Case}
