"""Issue 9, holdout24's round: misreadings its first look revealed, each read by a general means (in every
script) and pinned here with new sentences, none the corpus's. The first cases of each test fail on the
engine before the round (f0a6876); the controls pass on both. Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import first_major, judged

# -- a call made is no phone number given out; booking ahead is no closing early; a street corner is public


@pytest.mark.parametrize(
    "description",
    [
        "前台把我寄存的后备钥匙给了一个陌生人，也没打电话问我一声",
        "保安將我張訪客卡給咗個陌生人，都冇打個電話問我",
    ],
)
def test_a_call_not_made_is_no_personal_data_given_out(description: str) -> None:
    j = judged(description)
    assert j.business_area != "customer-data"
    assert not any("personal data" in r for r in [j.explanations["severity"].reason])


def test_a_phone_number_given_out_is_still_personal_data() -> None:
    j = judged("保安把我的电话号码给了一个送外卖的")
    assert j.business_area == "customer-data"
    assert j.severity == "important"


@pytest.mark.parametrize(
    "description",
    [
        "请问健身房周末可以提前预约吗？几点开门？",
        "想問下會所個燒烤場可唔可以提早預約？",
    ],
)
def test_booking_ahead_is_asked_about_not_a_failure(description: str) -> None:
    j = judged(description)
    assert j.nature == "communication"
    assert j.communication_kind == "consultation"


def test_closing_early_is_still_a_failure() -> None:
    assert judged("会所健身房今晚又提前关门了，八点就赶人走").nature == "effective"


@pytest.mark.parametrize(
    "description",
    [
        "街口新開嗰間酒吧成晚有班人喺出面飲酒大聲講嘢",
        "街角那间新开的酒吧每晚都有人在门口喝酒吵闹",
    ],
)
def test_a_business_on_the_street_corner_is_outside_our_duty(description: str) -> None:
    j = judged(description)
    assert j.validity == "invalid"
    assert j.business_area == "other"


def test_our_own_gate_at_the_corner_of_the_estate_stays_ours() -> None:
    assert judged("屋苑入面停車場個閘壞咗，車出唔到").validity == "valid"
