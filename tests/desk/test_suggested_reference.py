"""The registration form suggests an office reference (the office, its date, a random part), prefilled
and editable, and says so in the page's language; a form intake refuses because its reference names
another complaint keeps what was typed and offers a fresh one. Found walking through the desk: a
receptionist had to invent a unique reference for every walk-in or call."""

from __future__ import annotations

import re
from datetime import date
from random import Random
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.desk.domain.references import ALPHABET, REFERENCE_PATTERN, suggested_reference
from tests.desk.conftest import registration
from tests.desk.test_pages_as_services_answer import desk, signed_in  # noqa: F401 (the fixture)

OFFICES = st.from_regex(r"[a-z0-9][a-z0-9-]{0,99}", fullmatch=True)


@given(office=st.one_of(st.none(), OFFICES), day=st.dates(date(1990, 1, 1), date(2199, 12, 31)), seed=st.integers())
def test_a_suggestion_is_a_reference_intake_takes_naming_the_office_and_the_day(
    office: str | None, day: date, seed: int
) -> None:
    reference = suggested_reference(office, day, Random(seed))
    assert REFERENCE_PATTERN.fullmatch(reference), reference
    prefix, day_part, random_part = reference.rsplit("-", 2)
    assert day_part == f"{day:%Y%m%d}" and len(random_part) == 5 and set(random_part) <= set(ALPHABET)
    assert prefix == ((office or "group").strip("-").upper()[:60] or "GROUP").strip("-")


def test_two_draws_differ_in_their_random_part() -> None:
    day = date(2026, 12, 1)
    one, two = (suggested_reference("hk-central", day, Random(seed)) for seed in (1, 2))
    assert one.startswith("HK-CENTRAL-20261201-") and two.startswith("HK-CENTRAL-20261201-") and one != two


@pytest.mark.parametrize(
    ("lang", "hint"),
    [("en", "Suggested for you"), ("zh-Hant", "已為你建議"), ("zh-Hans", "已为你建议")],
)
def test_the_form_offers_a_reference_prefilled_and_says_so(desk: Any, lang: str, hint: str) -> None:  # noqa: F811
    client, _, keys = desk
    signed_in(client, keys["hk-central/reception"], lang)
    page = client.get("/register").text
    field = re.search(r'<input type="text" name="office_reference" value="([^"]*)"', page)
    assert field is not None and re.fullmatch(r"HK-CENTRAL-\d{8}-[0-9A-Z]{5}", field[1]), field
    said = re.search(r'data-testid="reference-hint">(.*?)</p>', page, re.S)
    assert said is not None and hint in said[1]
    again = re.search(r'name="office_reference" value="([^"]*)"', client.get("/register").text)
    assert again is not None and again[1] != field[1]  # each form its own


def test_a_reference_refused_as_another_complaint_s_is_kept_with_a_fresh_one_offered(desk: Any) -> None:  # noqa: F811
    client, stand, keys = desk
    signed_in(client, keys["hk-central/reception"], "zh-Hant")
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/register").text)[1]  # type: ignore[index]
    detail = "office reference HK-CENTRAL-20261201-AAAAA is already registered with other details"
    stand.register_answer = httpx.Response(409, json={"detail": detail})
    answer = client.post("/register", data=registration("HK-CENTRAL-20261201-AAAAA") | {"csrf": token})
    assert answer.status_code == 409
    kept = re.search(r'name="office_reference" value="([^"]*)"', answer.text)
    assert kept is not None and kept[1] == "HK-CENTRAL-20261201-AAAAA"  # what was typed, as typed
    fresh = re.search(r"可改用新的\uff1a(HK-CENTRAL-\d{8}-[0-9A-Z]{5})", answer.text)
    assert fresh is not None and fresh[1] != kept[1]
