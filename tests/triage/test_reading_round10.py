"""The general causes found on text the rules had not seen (corpus splits holdout5 and holdout6): week
days as dates, tense (a cut or stop yet to come), who acts (a guard's lapse, a neighbour's doing), the
thing vs the place (water standing in a car park, a barrier lifted), personal data made visible, bare
contractions. Pure: the rules engine only. The sentences are new, not the corpus's."""

from __future__ import annotations

import pytest

from services.triage.domain.evidence import weekdays_spanned
from services.triage.domain.text import Text
from tests.triage.reading_support import judged


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("broken since last Monday and today is Thursday", 3),
        ("out since Tue, it's now Sat", 4),
        ("since last Thursday, today is Thursday again", 7),
        ("由上星期四開始壞,今日星期二", 5),
        ("从周一开始,今天是周三", 2),
        ("nothing about days here", 0),
        ("I called on Monday", 0),  # one day written: no span
    ],
)
def test_week_days_are_read_as_dates(text: str, days: int) -> None:
    assert weekdays_spanned(text) == days


def test_a_lift_out_between_week_days_seriously_affects_use() -> None:
    judgement = judged("the lift in Tower 5 stopped since last Saturday, today is Tuesday, my dad cant walk the stairs")
    assert judgement.severity == "important", judgement.explanations["severity"].reason


def test_week_days_a_week_apart_with_nothing_done_are_a_week_unresolved() -> None:
    judgement = judged("reported the leak since last Tuesday, today is Tuesday and still nobody came")
    assert "major.unresolved-week" in judgement.severity_criteria


@pytest.mark.parametrize(
    "text",
    [
        "後天停電,我屋企有雪櫃,點算好?",
        "下个月停水两天吗?",
        "the escalator will be closed next month and out of service for two weeks?",
    ],
)
def test_a_cut_or_stop_yet_to_come_is_no_failure(text: str) -> None:
    judgement = judged(text)
    assert judgement.nature != "effective", judgement.explanations["nature"].reason
    assert judgement.severity == "minor", judgement.explanations["severity"].reason


def test_a_bare_week_day_with_a_cut_is_still_a_cut_now() -> None:
    # 星期六 may be past: only a day that can only be to come makes the cut announced.
    assert judged("星期六成座停晒電,到而家都未有電").severity == "major"


@pytest.mark.parametrize(
    "text",
    [
        "the night guard was asleep in his chair when the delivery man walked straight up",
        "看更喺更亭打瞌睡,啲人隨便出入",
    ],
)
def test_a_guards_lapse_on_duty_is_a_hazard(text: str) -> None:
    judgement = judged(text)
    assert judgement.severity == "important", judgement.explanations["severity"].reason


def test_a_residents_sleep_is_no_guards_lapse() -> None:
    judgement = judged("the noise from the pump room means I cant get to sleep before 1am")
    assert "important.hazard" not in judgement.severity_criteria


def test_a_neighbours_doing_that_names_nothing_of_ours_is_no_failure_of_ours() -> None:
    judgement = judged("對面鄰居每晚一點仲喺度唱K,我哋瞓唔着,管理處可唔可以幫手講下")
    assert (judgement.nature, judgement.communication_kind) == ("communication", "help-seeking")
    assert judgement.severity == "minor", judgement.explanations["severity"].reason
    assert judgement.business_area == "other"


def test_water_standing_in_the_car_park_is_the_drains() -> None:
    judgement = judged("停車場B1成日積水,渠口塞咗冇人通", obj="停車場")
    assert judgement.business_area == "maintenance", judgement.explanations["category"].reason


def test_lifting_a_barrier_is_no_lift() -> None:
    judgement = judged("my car card failed at the barrier and the guard took ages to lift it")
    assert judgement.business_area == "parking", judgement.explanations["category"].reason


def test_personal_data_made_visible_seriously_affects_the_owner() -> None:
    judgement = judged("前台把登记表放在外面,上面有我的姓名和单位,谁都看到")
    assert judgement.business_area == "customer-data", judgement.explanations["category"].reason
    assert judgement.severity == "important", judgement.explanations["severity"].reason


def test_a_contraction_without_its_apostrophe_is_read_as_one() -> None:
    assert [t.form for t in Text("cant sleep, doesnt work").tokens][:1] == ["can't"]
    judgement = judged("nobody came, I cant even open my door because of the rubbish piled up")
    assert "important.seriously-affects" in judgement.severity_criteria


def test_on_behalf_of_one_person_is_no_joint_complaint() -> None:
    judgement = judged("writing on behalf of my mother in 3B, her toilet has been blocked since yesterday")
    assert "major.mass-incident" not in judgement.severity_criteria
