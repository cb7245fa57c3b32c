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


# -- told in the passive: the one telling is ours ("I was told 'the plumber will come'") ------------------


@pytest.mark.parametrize(
    "description",
    [
        "The podium fountain pump is broken. 4 times now I was told 'a worker will come on Monday'. Still broken.",
        "Every time we rang we were told someone will fix the gym treadmill this week, that was three times now",
    ],
)
def test_a_promise_told_in_the_passive_is_ours_and_raised_again(description: str) -> None:
    j = judged(description)
    assert j.severity == "major"
    assert first_major(j) == "major.promised-service-repeated"


def test_the_customer_saying_what_they_will_do_is_still_no_promise() -> None:
    assert judged("I told the office three times I will be home after 6 for the plumber").severity != "major"


# -- calls counted by whoever took them: each a caller -----------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "Night shift log: 7 calls from Tower 5 between 11pm and midnight, all about a loud alarm ringing in the "
        "car park that nobody can switch off",
        "今晚8點到9點管理處接到9個來電，都話6座升降機大堂有好大陣燒焦味",
    ],
)
def test_calls_counted_from_many_callers_are_a_mass_incident(description: str) -> None:
    j = judged(description)
    assert j.severity == "major"
    assert first_major(j) == "major.mass-incident"


def test_one_customer_calling_many_times_is_no_mass_incident() -> None:
    assert first_major(judged("I made 8 calls to the office about my leaking kitchen tap")) != "major.mass-incident"


# -- a thing sold or bought between residents is a private dealing; a neighbour named by their flat ------


@pytest.mark.parametrize(
    "description",
    [
        "I sold my old exercise bike to the man in 12B for $800 two weeks ago and he still hasn't paid me. "
        "Can the office talk to him?",
        "隔籬屋嘅太太轉賣咗部二手嬰兒車俾我，收咗錢先話架車爛咗，唔肯退錢，管理處可唔可以同佢講吓",
    ],
)
def test_a_sale_between_residents_is_a_private_dealing(description: str) -> None:
    j = judged(description)
    assert j.validity == "invalid"
    assert j.business_area == "other"
    assert j.severity == "minor"


def test_a_neighbour_named_by_flat_doing_a_nuisance_is_still_valid() -> None:
    j = judged("The man in 12B smokes in the lift every morning, please remind him")
    assert j.validity == "valid"


def test_a_refund_of_our_own_charge_stays_ours() -> None:
    j = judged("The clubhouse took $300 for a cancelled yoga class and still hasn't paid me back the refund")
    assert j.validity == "valid"


# -- asking us to ask someone else is help-seeking, whatever the question it carries -----------------------


@pytest.mark.parametrize(
    "description",
    [
        "Towngas will change the gas meters next Tuesday. Could you ask Towngas whether they can come after 5pm?",
        "Can you ask the Water Supplies Department if the pipe works outside Block 3 will finish before Friday?",
    ],
)
def test_asking_us_to_ask_another_unit_is_help_seeking(description: str) -> None:
    j = judged(description)
    assert j.communication_kind == "help-seeking"


def test_asking_to_know_is_still_a_consultation() -> None:
    assert judged("May I ask whether the clubhouse pool opens on public holidays?").communication_kind == "consultation"


# -- another unit named only to say the fault is the building's own: ours --------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "供电局的人来看过，说是小区内部的问题，不是他们的线路，物业到现在还没人来修",
        "煤氣公司師傅話係屋苑自己條總喉漏氣，唔關佢哋事，管理處仲叫我搵煤氣公司",
        "CLP's engineer says it is the building's own main switch that tripped, so why is the office still "
        "waiting for CLP?",
    ],
)
def test_a_fault_another_unit_says_is_the_buildings_own_is_ours(description: str) -> None:
    assert judged(description).validity == "valid"


def test_another_units_own_work_stays_assisted() -> None:
    assert judged("供电局下周二要换变压器，整栋楼停电一天，物业能不能问问他们几点来电").validity == "assisted"


# -- a demand reported days ago, short of a week, and nobody came: not resolved in time (important) --------


@pytest.mark.parametrize(
    "description",
    [
        "单元门的门禁刷卡没反应，报修四天了还是没人来看",
        "Reported the broken letterbox lock at the counter 3 days ago, still nobody has come",
        "個信箱鎖壞咗，報咗兩日都冇人上嚟睇",
    ],
)
def test_a_report_days_old_that_nobody_answered_is_important(description: str) -> None:
    j = judged(description)
    assert j.severity == "important"
    assert "important.seriously-affects" in j.severity_criteria


@pytest.mark.parametrize(
    "description",
    [
        "報修兩日，師傅琴日已經整好咗，多謝",
        "The letterbox lock broke 3 days ago, could someone look at it",
    ],
)
def test_a_report_put_right_or_a_failure_not_reported_is_not_late(description: str) -> None:
    assert judged(description).severity == "minor"


def test_a_report_over_a_week_old_is_still_major() -> None:
    assert first_major(judged("报修十天了还是没人来修门禁")) == "major.unresolved-week"


# -- a smell of burning is an electrical fault's, and a hazard; a smell alone stays sanitation's ------------


@pytest.mark.parametrize(
    "description",
    [
        "A strong burnt smell on the 9/F landing since this evening, it seems to come from the electrical room",
        "後樓梯成日有陣燶味，好似由配電房傳出嚟",
    ],
)
def test_a_smell_of_burning_is_an_electrical_hazard(description: str) -> None:
    j = judged(description)
    assert j.business_area == "electromechanical"
    assert j.severity == "important"


def test_a_bad_smell_alone_is_still_sanitation() -> None:
    assert judged("The refuse room on 9/F smells awful again").business_area == "sanitation"


def test_a_person_burnt_is_still_an_injury() -> None:
    j = judged("My son burnt his hand on the exposed hot water pipe in the gym")
    assert first_major(j) == "major.injury-or-loss"
