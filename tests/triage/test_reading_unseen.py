"""The general causes found on text the rules had not seen (corpus splits holdout3 and holdout4): how
long a failure lasted, bites, damage written apart from what it hit, repeats and promises, questions
that affirm, who is asked to act. Pure: the rules engine only. The sentences are new, not the corpus's."""

from __future__ import annotations

import pytest

from services.triage.domain.evidence import days_spanned
from tests.triage.reading_support import judged

# --- how long it lasted -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The bin on 9/F has not been emptied for 3 days.",
        "會所乒乓波枱張網爛咗四日",
        "信箱区的灯坏了两天",
        "the sauna timer is broken for several days",
    ],
)
def test_a_duration_alone_is_a_slight_inconvenience(text: str) -> None:
    judgement = judged(text)
    assert judgement.severity == "minor", judgement.explanations["severity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "No hot water in our flat for 3 days now.",
        "我哋座𨋢壞咗三日",
        "楼下公厕堵了好几天",
        "the service lift has been out of order for four days",
    ],
)
def test_a_duration_of_something_a_home_needs_seriously_affects_use(text: str) -> None:
    judgement = judged(text)
    assert judgement.severity == "important", judgement.explanations["severity"].reason
    assert "important.seriously-affects" in judgement.severity_criteria


def test_noise_at_night_from_our_plant_is_important_and_a_neighbours_is_not() -> None:
    ours = judged("the exhaust fan on the podium roof hums every night till 2am")
    neighbours = judged("the neighbour upstairs is noisy every night, dragging chairs")
    assert ours.severity == "important"
    assert neighbours.severity == "minor"


# --- harm ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["So many mosquitoes by the pond, my son was bitten ten times.", "水池边好多蚊,小朋友被咬了"],
)
def test_insect_bites_are_a_pest_problem_not_an_injury(text: str) -> None:
    judgement = judged(text)
    assert "major.injury-or-loss" not in judgement.severity_criteria


def test_a_dog_bite_is_still_an_injury() -> None:
    assert "major.injury-or-loss" in judged("an unleashed dog in the garden bit my daughter").severity_criteria


@pytest.mark.parametrize(
    "text",
    [
        "the car park gate swung shut on my car, deep dent in the rear bumper",
        "清潔工推車撞到我架車,車門刮花咗",
    ],
)
def test_damage_to_a_belonging_written_apart_is_a_loss(text: str) -> None:
    assert "major.injury-or-loss" in judged(text).severity_criteria


def test_a_car_park_is_no_belonging() -> None:
    judgement = judged("someone smashed the glass of the car park door, please check the cctv")
    assert "major.injury-or-loss" not in judgement.severity_criteria


@pytest.mark.parametrize(
    "text",
    ["the pool had no lifeguard and a boy nearly drowned", "Nobody drowned, luckily, but the lifeguard was absent"],
)
def test_a_near_drowning_is_a_hazard(text: str) -> None:
    judgement = judged(text, "Pool")
    assert judgement.severity == "important"
    assert "important.hazard" in judgement.severity_criteria


# --- promises and repeats ---------------------------------------------------------------------------


def test_a_repeat_is_not_muted_by_the_negation_of_what_failed_again() -> None:
    judgement = judged("the electrician said he'd come Monday, no show. Rebooked for Wednesday, no show again.")
    assert "major.promised-service-repeated" in judgement.severity_criteria


@pytest.mark.parametrize(
    "text",
    ["樓下成日晾衫滴水落嚟,我自己落去講過佢都唔理", "I told them twice myself and they keep dripping water"],
)
def test_a_promise_the_customer_made_is_no_promise_of_ours(text: str) -> None:
    assert "major.promised-service-repeated" not in judged(text).severity_criteria


def test_a_promise_told_to_the_customer_is_ours() -> None:
    judgement = judged("師傅同我講過今日會嚟整,到而家又冇人嚟,第三次")
    assert "major.promised-service-repeated" in judgement.severity_criteria


def test_a_day_without_its_month_takes_the_month_written_before() -> None:
    assert days_spanned("reported on 2 March, today is the 16th and still broken") == 14
    assert days_spanned("reported on 2 March, the 3rd time I write") == 0
    judgement = judged("Intercom broken since 2 March, today is the 16th and still not fixed")
    assert "major.unresolved-week" in judgement.severity_criteria


# --- nature: questions, who is asked ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "nature"),
    [
        ("會所健身室可唔可以早啲開?", "consultation"),
        ("管理處可唔可以幫我搵下個車主?", "help-seeking"),
        ("can we use the podium for a birthday party on Sunday?", "consultation"),
        ("樓上裝修,而家晚上九點仲打緊牆,管理處唔係規定六點之後唔准裝修咩?", "effective"),
        ("物业不是规定晚上不能装修吗?楼上现在还在电钻", "effective"),
    ],
)
def test_who_is_asked_and_a_question_that_affirms(text: str, nature: str) -> None:
    judgement = judged(text)
    got = "effective" if judgement.nature == "effective" else judgement.communication_kind
    assert got == nature, judgement.explanations["nature"].reason


def test_the_aftermath_of_a_typhoon_is_ours_to_clear() -> None:
    judgement = judged("after the typhoon the fallen bamboo scaffolding still lies across our driveway")
    assert judgement.validity == "valid"
    weather = judged("the typhoon signal made me late for work, so annoying")
    assert weather.validity == "invalid"


def test_a_mask_is_never_evidence() -> None:
    # 臭到頂唔順 is "unbearably smelly" (a degree), not anger at anyone.
    judgement = judged("垃圾房臭到頂唔順", "垃圾房")
    assert "important.angry-at-negligence" not in judgement.severity_criteria


def test_a_neighbours_trouble_is_no_area_of_ours_unless_our_rules_govern_it() -> None:
    dripping = judged("the flat above lets its air con drip on my window all day, can management ask the neighbour")
    assert dripping.business_area == "other"
    assert "neighbour" in dripping.explanations["category"].reason
    fit_out = judged("隔壁裝修星期日都打牆,管理處可唔可以叫佢停?")
    assert fit_out.business_area == "decoration"
