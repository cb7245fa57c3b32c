"""Complaints as owners type them (issue 9, a new user's texts): English typos read as the rules' own
words (`domain/spelling.py`), repeats counted as raised repeatedly (`severity.raised_repeatedly`), and a
neighbour's nuisance written in Cantonese or Chinese read as the neighbour's doing
(`jurisdiction.neighbour_nuisances`). New sentences, not the corpus's. Pure: the rules engine."""

from __future__ import annotations

import pytest

from services.triage.domain.engine import read
from services.triage.domain.spelling import Speller, english_words
from tests.triage.reading_support import RULES, judged

# -- typos ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "word"),
    [
        ("lfit", "lift"),  # two letters swapped: one edit
        ("brokn", "broken"),  # a letter left out, not "brown"
        ("insde", "inside"),
        ("agian", "again"),
        ("peple", "people"),
        ("cleanr", "cleaner"),
        ("hosptial", "hospital"),
    ],
)
def test_a_typo_reads_as_the_rules_word(typo: str, word: str) -> None:
    assert RULES.speller.correct(typo) == word


@pytest.mark.parametrize("word", ["left", "lift", "fit", "brown", "clear", "wrong", "gate", "late"])
def test_a_correct_word_is_never_changed(word: str) -> None:
    assert word in english_words() or word in RULES.speller.lexicon
    assert RULES.speller.correct(word) is None


def test_short_words_and_words_far_from_the_lexicon_are_left_alone() -> None:
    speller = Speller(["lift", "broken", "elevator"])
    assert speller.correct("lft") is None  # under 4 letters
    assert speller.correct("brkon") is None  # two edits from a short word
    assert speller.correct("elevtaor") == "elevator"  # two edits allowed from 8 letters
    assert speller.correct("qwzx") is None


def test_a_typo_as_near_to_two_words_alike_is_left_as_written() -> None:
    speller = Speller(["cart", "card"])  # "carx": one edit from both, same first letter, same length
    assert speller.correct("carx") in (None, "card", "cart")  # decided by English frequency, never a third word
    assert Speller(["zzab", "zzac"]).correct("zzaq") is None  # unknown to English: a true tie


def test_the_decision_quotes_the_owners_own_misspelt_words() -> None:
    j = judged("the lfit in blk 1 is brokn agian, stuck peple insde?? plz check urgnt")
    assert j.business_area == "electromechanical"
    assert "'lfit'" in j.explanations["category"].reason
    assert j.severity == "important"  # someone shut in a lift seriously affects use
    assert "insde" in j.explanations["severity"].reason


def test_a_typo_keeps_its_span_in_the_text() -> None:
    text = read({"description": "the lfit is brokn"}, RULES)
    lift = next(t for t in text.tokens if t.word == "lift")
    assert text.original[lift.start : lift.end] == "lfit"


def test_negation_still_mutes_a_misspelt_word() -> None:
    j = judged("lfit brokn this morning, nobody stuck insde, just wanted to let you know")
    assert j.severity == "minor"
    assert "important.seriously-affects" not in j.severity_criteria


def test_without_the_speller_the_typos_are_not_read() -> None:
    """The control: the same words read without typo tolerance find no lift (the mechanism is what reads it)."""
    from services.triage.domain.text import Text

    plain = Text("the lfit is brokn", RULES.cantonese, RULES.abbreviations, RULES.compounds)
    spelt = Text("the lfit is brokn", RULES.cantonese, RULES.abbreviations, RULES.compounds, RULES.speller.correct)
    assert "lift" not in plain.forms
    assert "lift" in spelt.forms


# -- repeats ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "管理費單多收咗兩百蚊，打咗去管理處三次都冇人覆",
        "停车费每个月多收了两百块，我去前台问了四次都没解决",
        "the service charge was overcharged again, I have rung the office 3 times and nothing is resolved",
        "保安三番四次由得陌生人入大堂，唔登記",
        "this is the 4th call about the broken lobby door",
    ],
)
def test_raised_repeatedly_by_count_is_important(text: str) -> None:
    j = judged(text)
    assert "important.repeated-failure" in j.severity_criteria, j.explanations["severity"].reason


def test_the_reason_quotes_the_count() -> None:
    j = judged("停车费每个月多收了200元，找了物业三次都没解决")
    assert "'三次'" in j.explanations["severity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "the lobby door is broken, I rang once",
        "大堂門壞咗，我打過兩次電話",  # twice: a repeat, not yet "repeatedly"
        "I go to the gym three times a week, what are the opening hours?",  # nothing failed
    ],
)
def test_a_count_below_three_or_without_a_failure_is_no_repeated_failure(text: str) -> None:
    assert "important.repeated-failure" not in judged(text).severity_criteria


def test_a_promise_raised_three_times_is_still_major() -> None:
    j = judged("the plumber promised to come on Friday and never showed, this is the third call I have made")
    assert j.severity == "major"
    assert "major.promised-service-repeated" in j.severity_criteria


# -- a neighbour's nuisance -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "樓上單位夜晚拖櫈仔同打麻雀，好嘈，我瞓唔到",
        "楼上邻居天天半夜跳绳，吵得我睡不着",
        "隔籬屋成日半夜唱K好嘈",
        "the flat above plays mahjong till 3am every night, we can't sleep",
    ],
)
def test_a_neighbours_nuisance_is_the_neighbours_doing(text: str) -> None:
    j = judged(text)
    assert j.validity == "valid"  # the labelling guide, rule 9: the office can remind them of the rules
    assert "a neighbour's nuisance" in j.explanations["validity"].reason
    assert j.business_area == "other"
    assert j.severity == "minor"  # lost sleep is the neighbour's doing, no failure of ours
    assert j.nature != "effective"


def test_a_neighbours_private_dealing_stays_invalid() -> None:
    assert judged("隔籬單位借咗我三千蚊，講咗幾次都唔還").validity == "invalid"


def test_a_neighbours_fit_out_stays_decoration() -> None:
    assert judged("隔壁邻居装修，电钻噪音从早上八点响到晚上九点").business_area == "decoration"


def test_our_own_noise_is_not_a_neighbours_nuisance() -> None:
    j = judged("the pump room under my flat is so noisy every night that we can't sleep")
    assert "a neighbour's nuisance" not in j.explanations["validity"].reason
    assert j.business_area != "other"


def test_downstairs_as_a_place_is_no_neighbour() -> None:
    """喺樓下 / 在楼下 is where something happens (at the foot of the block), not the flat below."""
    j = judged("垃圾車每晚喺樓下嘈足半個鐘，啲老人家瞓唔到")
    assert "a neighbour's nuisance" not in j.explanations["validity"].reason
    assert j.business_area == "sanitation"
