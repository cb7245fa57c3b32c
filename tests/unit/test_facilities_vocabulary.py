"""The group's one vocabulary of facilities (shared/contracts/facilities.py), read by triage's incident
key and the projection's search: each word, in any script once a reader puts it in Simplified, names
its own facility; a text names facilities left to right, the longer words first, never overlapping."""

from __future__ import annotations

from functools import cache

import opencc
import pytest

from shared.contracts.facilities import FACILITIES, namings


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@pytest.mark.parametrize("facility", FACILITIES, ids=lambda f: f.name)
def test_every_word_in_every_script_names_its_own_facility(facility) -> None:
    for word in facility.words:
        for script in ("s2t", "s2hk", "s2tw"):
            read = str(_converter("t2s").convert(_converter(script).convert(word)))  # as a reader puts it
            named = namings(read)
            assert [n.facility.name for n in named] == [facility.name], (word, script, read)
            assert named[0].start == 0  # 𨋢门 is read as 䢂门, named by 䢂: its facility, not its whole word
        assert [n.facility.name for n in namings(f"the {word}s broke")] == [facility.name], word


def test_the_names_are_one_each_and_the_words_are_lower_case() -> None:
    assert len({f.name for f in FACILITIES}) == len(FACILITIES)
    assert all(w == w.lower().strip() for f in FACILITIES for w in f.words)


def test_a_text_names_facilities_left_to_right_the_longer_words_first() -> None:
    named = namings("扶手电梯坏了,停车场又停电, the lift door and the car parks")
    assert [(n.facility.name, n.words) for n in named] == [
        ("escalator", "扶手电梯"),  # not the lift's 电梯 inside it
        ("car-park", "停车场"),
        ("power", "停电"),
        ("lift", "lift door"),
        ("car-park", "car parks"),
    ]
    assert namings("lifted the fine, a carpet, gasoline") == []  # whole words, with a plural only
