"""What round 24's cheaper reading must keep (docs: the triage README's throughput): a rules list is looked
for once a text and each caller gets its own copy, muted or not as it asks; compounds are put in normal form
once a rules version; the estate's surroundings are looked for only when the estate is named. Pure."""

from __future__ import annotations

from services.triage.domain.engine import read
from services.triage.domain.text import Text
from services.triage.domain.where import beyond_the_estate
from tests.triage.reading_support import RULES


def _text(description: str) -> Text:
    return read({"object": "-", "description": description, "customer_request": ""}, RULES)


def test_a_list_asked_twice_answers_the_same_and_a_caller_cannot_change_it() -> None:
    text = _text("The lift is broken again, nobody was hurt, but the lift lobby light is out too")
    failed = RULES.effective
    first = failed.hits(text)
    first.append(first[0])  # a caller extending its answer
    assert failed.hits(text) == failed.hits(_text(text.original))
    assert len(failed.hits(text)) == len(first) - 1


def test_muted_and_unmuted_answers_of_one_text_are_each_as_asked() -> None:
    description = "Nobody was hurt when the ceiling panel fell in the lobby, but it could fall on someone"
    text = _text(description)
    harm = RULES.major["injury-or-loss"]["accident"]
    muting = RULES.cues.in_text(text)
    plain = harm.hits(text)
    muted = harm.hits(text, muting)
    fresh = _text(description)
    assert muted == harm.hits(fresh, RULES.cues.in_text(fresh))
    assert [(h.first, h.last) for h in plain] == [(h.first, h.last) for h in muted]
    assert all(h.muted_by is None for h in plain)
    assert {h.muted_by is None for h in muted} == {True, False}  # hurt negated, fall hypothetical, fell not
    assert all(h.muted_by is None for h in harm.hits(text))  # asked plain again after the muted ask


def test_compounds_still_hide_their_parts() -> None:
    text = _text("保安把访客卡给了陌生人 也没打电话问我")
    exposure = RULES.data["severity"]["exposure"]["datum"]
    assert "電話" in exposure
    assert not RULES.phrases(exposure).hits(text)


def test_beyond_the_estate_found_only_with_the_estate_named() -> None:
    assert beyond_the_estate(_text("The bar across the road from the estate plays music till 3am"))
    assert beyond_the_estate(_text("隔壁小区的狗晚上一直叫"))
    assert not beyond_the_estate(_text("The bar across the road plays music till 3am"))
