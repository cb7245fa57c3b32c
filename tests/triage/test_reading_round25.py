"""Issue 9, holdout25's round: misreadings its first look revealed, each read by a general means (in every
script) and pinned here with new sentences, none the corpus's. The first cases of each test fail on the
engine before the round (487f549); the controls pass on both. Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import first_major, judged

# -- every one of an equipment stopped is all of it; the way in (card readers) is what a home needs


@pytest.mark.parametrize(
    "description",
    [
        "Every intercom in Block 5 is dead since 7pm and the lobby door won't open",
        "all the card readers in Tower 2 stopped working since 7pm, nobody can get in",
        "第三座每個對講機都壞咗，大堂道門開唔到",
        "5栋每一个刷卡器都坏了，进不了单元门",
    ],
)
def test_every_one_of_an_equipment_stopped_is_a_sudden_outage(description: str) -> None:
    j = judged(description)
    assert j.severity == "major"
    assert first_major(j) == "major.sudden-outage"


@pytest.mark.parametrize(
    "description",
    [
        "the card reader at the car park gate is broken, I had to press the intercom",
        "每次對講機都好大雜音，聽唔清楚",
        "every time the lift door opens it makes a loud bang",
    ],
)
def test_one_reader_or_every_time_is_no_outage(description: str) -> None:
    assert first_major(judged(description)) != "major.sudden-outage"
