"""Round 13: severity and the major criterion on text nobody tuned on (corpus splits holdout7,
holdout8, holdout10 and holdout11, studied by cause), each cause pinned with new sentences (not the
corpus's). Harm read by its consequences (medical help, lost consciousness), a loss by what it costs
to put right or by who took it; a condition governs its clause; harm negated is a hazard only after
something failed or by luck; a harm of the past that was settled is history; flats counted as
households and a complaint written together as joint; an outage written as "without", an inability
to move or "not one of them"; repeats counted; a fix said "no problem"; someone shut in a lift;
taking it further; water on electrics, sparks; a guard drunk; personal data read out; days without
a month. Pure: the rules engine."""

from __future__ import annotations

import pytest

from services.triage.domain.evidence import days_spanned
from tests.triage.reading_support import first_major, judged


@pytest.mark.parametrize(
    "text",
    [
        "the rusty railing gave way and my neighbour's boy passed out on the steps until the paramedics arrived",
        "會所桑拿房溫度失控,我老公焗到暈低,要叫白車",
        "泳池扶梯松了,我爸从上面滑下去头撞到池边,当场昏迷",
        "the car park gate arm swung back into my father's shoulder and the clinic sent him for an X-ray",
    ],
)
def test_harm_by_its_consequence_is_an_injury(text: str) -> None:
    assert first_major(judged(text)) == "major.injury-or-loss"


def test_a_past_medical_state_alone_is_no_injury() -> None:
    j = judged("my mother has been home all day since her operation and the corridor light outside is out")
    assert j.severity != "major"


@pytest.mark.parametrize(
    "text",
    [
        "if one of the kids on the slide ever gets hurt on that loose bolt, who will pay for it",
        "如果有一日有個小朋友喺嗰度碌落樓梯受傷,你哋點交代",
    ],
)
def test_a_condition_governs_its_whole_clause(text: str) -> None:
    j = judged(text)
    assert j.severity == "important"
    assert "important.hazard" in j.severity_criteria


def test_harm_negated_with_nothing_failed_is_no_hazard() -> None:
    assert judged("没有人受伤,也没什么损坏,只是想问一下会所几点关门").severity == "minor"
    assert judged("not a complaint and nobody is in any danger, just wondering when the pool reopens").severity == (
        "minor"
    )


def test_harm_negated_by_luck_is_still_a_hazard() -> None:
    j = judged("a big ceiling panel dropped in the lobby, luckily nobody was under it and nobody was hurt")
    assert "important.hazard" in j.severity_criteria


def test_a_harm_of_the_past_that_was_settled_is_history() -> None:
    j = judged(
        "A few years ago my bike was stolen from your rack and the office compensated me; today I only want to "
        "know where the new bike racks will go."
    )
    assert j.severity == "minor"
    assert "settled in the past" in j.explanations["severity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "14 flats on the podium level are affected by the generator fumes, all week now",
        "我哋十幾伙住戶一齊寫信,天台新裝嘅冷氣機日夜都嘈",
    ],
)
def test_flats_are_households_and_writing_together_is_joint(text: str) -> None:
    assert first_major(judged(text)) == "major.mass-incident"


@pytest.mark.parametrize(
    "text",
    [
        "the 3 flats at the end of the corridor are writing together about the flickering light",
        "my wife and I are writing together to thank the guards for their help",
        "the 12 flats on this floor share one rubbish room, could it be cleaned more often?",
    ],
)
def test_few_or_no_customers_counted_is_no_mass_incident(text: str) -> None:
    assert first_major(judged(text)) != "major.mass-incident"


@pytest.mark.parametrize(
    "text",
    [
        "Entire Block 9 has been without power since dawn",
        "八座三部𨋢一部都唔郁,要行樓梯",
        "全邨今朝起身冇電",
    ],
)
def test_an_outage_written_by_what_is_missing_or_cannot_move(text: str) -> None:
    assert first_major(judged(text)) == "major.sudden-outage"


@pytest.mark.parametrize(
    "text",
    [
        "This is the second weekend I have waited in for the handyman the office said would come on Saturday.",
        "为了修热水器我已经请了三回假,物业说好下午来人,结果都没来",
    ],
)
def test_a_repeat_counted_breaks_a_promise_again(text: str) -> None:
    assert first_major(judged(text)) == "major.promised-service-repeated"


def test_a_fix_said_to_be_no_problem_that_failed_again() -> None:
    j = judged("冷氣機上星期師傅嚟整過話冇問題,今日又漏水漏到成地都係")
    assert first_major(j) == "major.promised-service-repeated"


def test_damage_with_what_it_costs_to_put_right_is_a_loss() -> None:
    j = judged("the contractor's ladder fell against my front door and buckled the frame, the locksmith quoted $2,400")
    assert first_major(j) == "major.injury-or-loss"


def test_taken_by_someone_is_a_loss() -> None:
    assert first_major(judged("寄存在物业前台的行李箱被人冒领了,前台说不知道是谁")) == "major.injury-or-loss"


def test_someone_shut_in_a_lift_seriously_affects_use() -> None:
    j = judged("my grandmother got stuck in the service lift between 3/F and 4/F for twenty minutes")
    assert "important.seriously-affects" in j.severity_criteria


@pytest.mark.parametrize(
    "text",
    [
        "If the builders' rubbish is still in the stairwell tomorrow I will take this to the Ombudsman",
        "再唔處理樓梯啲垃圾,我就去搵記者",
    ],
)
def test_taking_it_further_is_anger(text: str) -> None:
    assert "important.angry-at-negligence" in judged(text).severity_criteria


def test_naming_the_press_without_taking_it_there_is_no_anger() -> None:
    assert judged("I read in the newspaper that management fees are going up, is that true?").severity == "minor"


@pytest.mark.parametrize(
    "text",
    [
        "雨水沿住牆流入地庫個電掣房",
        "the socket in the laundry room sparks every time we plug in the dryer",
    ],
)
def test_water_on_electrics_and_sparks_are_a_hazard(text: str) -> None:
    assert "important.hazard" in judged(text).severity_criteria


def test_a_guard_drunk_on_duty_is_a_lapse() -> None:
    assert judged("the night watchman was drunk at the gate again").severity == "important"


def test_personal_data_read_out_aloud_is_made_known() -> None:
    j = judged("the counter clerk read out my HKID number so the whole queue heard it")
    assert "important.seriously-affects" in j.severity_criteria


def test_days_without_a_month() -> None:
    assert days_spanned("reported on the 2nd, today is the 15th and still nothing") == 13
    assert days_spanned("the leak on the 3rd floor, today is the 9th") == 0


@pytest.mark.parametrize(
    "text",
    [
        "someone keeps smoking in the stairwell on 12/F, please put up a sign",
        "the socket for the water heater in my kitchen is loose",
        "管理處話部電梯維修有困難,要等零件",
    ],
)
def test_smoking_a_heater_socket_and_a_difficulty_are_no_danger(text: str) -> None:
    j = judged(text)
    assert "important.hazard" not in j.severity_criteria
    assert "important.seriously-affects" not in j.severity_criteria


def test_cracked_tiles_beside_a_fee_are_no_loss() -> None:
    j = judged("the lobby tiles are cracked and we pay $3,000 a month in management fees")
    assert j.severity != "major"


@pytest.mark.parametrize(
    "text",
    [
        "the leak over my balcony was reported 11 days ago and it is still not repaired",
        "走廊天花漏水報咗十二日,仲未有人處理",
    ],
)
def test_a_wait_counted_in_days_is_over_a_week(text: str) -> None:
    assert first_major(judged(text)) == "major.unresolved-week"


def test_a_wait_of_a_few_days_is_not_a_week() -> None:
    assert first_major(judged("the leak was reported 4 days ago and is still not repaired")) is None


@pytest.mark.parametrize(
    "text",
    [
        "all 4 lifts in Tower 6 broke down at 8am, people are queueing on the ground floor",
        "今朝所有嘅𨋢都壞咗,要行樓梯",
    ],
)
def test_all_of_an_equipment_with_a_number_between(text: str) -> None:
    assert first_major(judged(text)) == "major.sudden-outage"


@pytest.mark.parametrize(
    "text",
    [
        "大堂地面刚拖完没放牌子,我妈摔了一跤",
        "平台啲階磚鬆咗,我老婆行過扭親隻腳",
    ],
)
def test_a_fall_and_a_sprain_as_people_write_them(text: str) -> None:
    assert first_major(judged(text)) == "major.injury-or-loss"


@pytest.mark.parametrize(
    "text",
    [
        "the handyman was supposed to come on Tuesday to fix the window latch and never showed, this is the "
        "second time",
        "管理處應承咗星期三派人嚟換燈膽,又冇人嚟",
    ],
)
def test_a_promise_written_other_ways(text: str) -> None:
    assert first_major(judged(text)) == "major.promised-service-repeated"


def test_a_disclosure_that_is_also_a_failure_phrase_is_the_disclosure() -> None:
    j = judged("前台職員將我嘅身份證號碼寫喺白板度,排隊嘅街坊都睇到")
    assert j.business_area == "customer-data"
    assert "important.seriously-affects" in j.severity_criteria


def test_a_polite_if_conditions_nothing_that_happened() -> None:
    j = judged(
        "I would be grateful if you could send someone as the lift in Block 2 has been broken for two weeks "
        "and is still not fixed"
    )
    assert first_major(j) == "major.unresolved-week"


@pytest.mark.parametrize(
    "text",
    [
        "I need to take my mum to see a doctor every Tuesday, can the shuttle bus leave earlier?",
        "我老公住院,唔方便落嚟拎信,可唔可以幫手送上嚟",
    ],
)
def test_seen_by_a_doctor_without_an_accident_is_no_injury(text: str) -> None:
    assert first_major(judged(text)) is None


def test_seen_by_a_doctor_after_an_accident_is_an_injury() -> None:
    j = judged("the playground gate swung shut on my daughter's fingers and we took her to the clinic")
    assert first_major(j) == "major.injury-or-loss"


def test_a_lift_door_stuck_for_a_moment_shuts_nobody_in() -> None:
    j = judged("the lift door got stuck for a second this morning then opened, just letting you know")
    assert "important.seriously-affects" not in j.severity_criteria


@pytest.mark.parametrize(
    "text",
    [
        "商場扶手電梯突然停,我阿媽向前撲,撞斷咗兩隻門牙同埋跌斷咗隻腳",
        "停车场地面有油没人清理,我老婆摔断了手腕",
        "the loose paving slab outside block 2 tripped my son and he broke his wrist",
    ],
)
def test_a_bone_broken_by_its_verb_is_an_injury(text: str) -> None:
    assert first_major(judged(text)) == "major.injury-or-loss"


def test_a_breaker_or_switch_room_that_tripped_is_an_outage_not_a_fall() -> None:
    j = judged(
        "the whole of block 2 lost power at 6pm, the caretaker says the main switch room tripped and he cannot reset it"
    )
    assert first_major(j) == "major.sudden-outage"


@pytest.mark.parametrize(
    "text", ["my mum tripped over the loose mat in the lobby and cut her knee", "he tripped and fell on the ramp"]
)
def test_a_person_who_tripped_is_still_a_fall(text: str) -> None:
    assert first_major(judged(text)) == "major.injury-or-loss"


def test_no_water_at_all_in_cantonese_is_an_outage() -> None:
    j = judged("成座3座由朝早開始冇晒水,打電話去管理處都冇人理")
    assert first_major(j) == "major.sudden-outage"


def test_a_whole_floor_of_shops_without_power_is_large_scale() -> None:
    j = judged("the whole first floor of the arcade has had no power since noon, every shop is closed")
    assert first_major(j) == "major.sudden-outage"


def test_households_named_by_their_flats_are_counted() -> None:
    j = judged("We, the owners of 3A, 3B, 4A, 4B, 5A and 6C, write about the water pump noise every night")
    assert first_major(j) == "major.mass-incident"
    few = judged("We, the owners of 3A, 3B and 4A, write about the water pump noise every night")
    assert first_major(few) is None


def test_a_list_of_flats_in_chinese_order_counts_too() -> None:
    j = judged("3樓A室、3樓B室、4樓A室、4樓B室、5樓A室同6樓C室嘅住戶都投訴走廊燈壞咗")
    assert first_major(j) == "major.mass-incident"
