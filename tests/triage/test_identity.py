"""Who the complainant is (pure domain, no I/O): the same phone in any format, the same name and
flat, a possible match on the name alone; keys that reveal nothing."""

from __future__ import annotations

import pytest

from services.triage.domain.complainant import Complainant, recognise_complainant
from services.triage.domain.identity import (
    Evidence,
    identity_keys,
    name_forms,
    normalise_phone,
)

SALT = "test-salt"
HOME = "Flat B, 12/F, Block 3, Telford Gardens"


@pytest.mark.parametrize(
    "written", ["+852 9123 4567", "852-9123-4567", "91234567", "9123-4567", "(852) 9123 4567", "00852 9123 4567"]
)
def test_one_hong_kong_number_written_any_way_is_one_number(written: str) -> None:
    assert normalise_phone(written) == "+85291234567"


def test_mainland_numbers_keep_their_country_and_differ_from_hong_kong_ones() -> None:
    assert normalise_phone("138 1234 5678") == normalise_phone("+86 138-1234-5678") == "+8613812345678"
    assert normalise_phone("0755-8888 1234") == "+8675588881234"
    assert normalise_phone("+86 138 1234 5678") != normalise_phone("1234 5678")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Chan Tai Man", "CHAN Tai-man", True),
        ("Chan Tai Man", "Tai Man Chan", True),
        ("Mr Chan Tai Man", "chan tai man", True),
        ("陳大文", "陈大文", True),
        ("陳大文先生", "陳大文", True),
        # No romanisation table: the two scripts are never asserted to be one name.
        ("Chan Tai Man", "陳大文", False),
        ("Chan Tai Man", "Chan Tai Ming", False),
    ],
)
def test_names_match_across_case_order_titles_and_chinese_scripts_but_not_across_languages(
    a: str, b: str, same: bool
) -> None:
    assert bool(set(name_forms(a)) & set(name_forms(b))) is same


@pytest.mark.parametrize("surname_only", ["Mr Chan", "陳生", "陈太", "Chan", "業主", "Resident Owner", "匿名"])
def test_a_surname_with_a_title_identifies_nobody(surname_only: str) -> None:
    assert name_forms(surname_only) == []


def _history(complaints: list[tuple[str, str, str, str]], new: tuple[str, str, str]):
    """Note each earlier complaint (id, name, contact, address) under its keys, then recognise the new one."""
    aggregates: dict[str, Complainant] = {}
    for n, (complaint_id, name, contact, address) in enumerate(complaints):
        for key in identity_keys(name, contact, address, SALT):
            aggregate = aggregates.setdefault(key.key, Complainant(key.key))
            aggregate.note(complaint_id, "electromechanical", "valid", False, f"2026-11-0{n + 1}T00:00:00+00:00")
    keys = identity_keys(*new, SALT)
    known = {k: aggregates.get(k.key) or Complainant(k.key) for k in keys}
    return recognise_complainant(known, "new")


def test_the_same_phone_in_different_formats_is_the_same_person_with_the_evidence_stated() -> None:
    seen = _history([("c1", "Chan Tai Man", "+852 9123 4567", HOME)], ("Someone", "9123-4567", "Flat A, Block 9, X"))
    assert [(m.complaint_id, m.matched_on) for m in seen.matches] == [("c1", ("phone",))]
    assert seen.possible == [] and len(seen.history.earlier) == 1


def test_the_same_name_and_flat_is_the_same_person_across_phones_and_offices() -> None:
    seen = _history(
        [("c1", "Chan Tai Man", "+852 9123 4567", HOME)],
        ("CHAN Tai-man", "+852 6000 0000", "Telford Gardens Blk 3 12/F Flat B"),
    )
    assert [(m.complaint_id, m.matched_on) for m in seen.matches] == [("c1", ("name+unit", "name"))]
    assert [c.complaint_id for c in seen.history.earlier] == ["c1"]


def test_the_same_name_and_flat_in_chinese_and_english_order_and_either_script() -> None:
    seen = _history(
        [("c1", "陳大文", "+852 9123 4567", "德福花園3座12樓B室")], ("陈大文", "6000 0000", "德福花园3栋12楼B室")
    )
    assert [m.matched_on for m in seen.matches] == [("name+unit", "name")]


def test_the_same_name_elsewhere_with_another_phone_is_only_a_possible_match_and_not_counted() -> None:
    seen = _history(
        [("c1", "Chan Tai Man", "+852 9123 4567", HOME)],
        ("Chan Tai Man", "+852 6000 0000", "Flat A, 3/F, Block 8, Laguna City"),
    )
    assert seen.matches == []
    assert [(m.complaint_id, m.matched_on) for m in seen.possible] == [("c1", ("name",))]
    assert seen.history.earlier == ()  # a possible match is shown, never counted as a repeat
    assert seen.published(5) == {"matches": [], "possible_matches": [{"complaint_id": "c1", "matched_on": ["name"]}]}


def test_an_english_and_a_chinese_name_in_one_flat_are_not_asserted_to_be_one_person() -> None:
    seen = _history(
        [("c1", "Chan Tai Man", "+852 9123 4567", HOME)], ("陳大文", "+852 6000 0000", "德福花園3座12樓B室")
    )
    assert seen.matches == [] and seen.possible == []


def test_a_surname_in_the_same_flat_is_no_evidence() -> None:
    seen = _history([("c1", "Mr Chan", "+852 9123 4567", HOME)], ("Mr Chan", "+852 6000 0000", HOME))
    assert seen.matches == [] and seen.possible == []


def test_matches_are_listed_newest_first_when_published() -> None:
    seen = _history(
        [("c1", "Chan Tai Man", "+852 9123 4567", HOME), ("c2", "Chan Tai Man", "+852 9123 4567", HOME)],
        ("Chan Tai Man", "9123 4567", HOME),
    )
    assert [m["complaint_id"] for m in seen.published(5)["matches"]] == ["c2", "c1"]
    assert seen.published(5)["matches"][0]["matched_on"] == ["phone", "name+unit", "name"]


def test_keys_are_salted_hashes_that_hold_no_personal_data() -> None:
    keys = identity_keys("Chan Tai Man", "+852 9123 4567", HOME, SALT)
    assert {k.evidence for k in keys} == {Evidence.PHONE, Evidence.NAME_AND_UNIT, Evidence.NAME}
    for k in keys:
        assert len(k.key) == 64 and all(c in "0123456789abcdef" for c in k.key)
        assert "9123" not in k.key and "chan" not in k.key
    assert identity_keys("Chan Tai Man", "+852 9123 4567", HOME, "other-salt")[0].key != keys[0].key


def test_an_email_contact_is_a_key_of_its_own() -> None:
    [email, *_] = identity_keys("Resident", "Someone@Example.HK ", HOME, SALT)
    assert email.evidence is Evidence.EMAIL
    assert email == identity_keys("Resident", "someone@example.hk", HOME, SALT)[0]


@pytest.mark.parametrize("name", ["Anonymous", "anonymous.", "匿名", "無名氏", "\uff08匿名\uff09", "n/a"])
def test_a_complainant_without_contact_whose_name_names_nobody_has_no_key_at_all(name: str) -> None:
    """Two anonymous letters from one block are not one person's: nothing links them."""
    assert identity_keys(name, None, HOME, SALT) == []


def test_a_named_complainant_without_contact_is_still_known_by_name_and_flat() -> None:
    keys = identity_keys("Chan Tai Man", None, HOME, SALT)
    assert keys and keys[0].evidence == Evidence.NAME_AND_UNIT
    assert Evidence.PHONE not in {k.evidence for k in keys}
    assert keys[0] in identity_keys("Chan Tai Man", "+852 9123 4567", HOME, SALT)  # the same person, with a phone
