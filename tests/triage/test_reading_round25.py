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


# -- a time is no count; a note of a call names the channel, not what failed


@pytest.mark.parametrize(
    "description",
    [
        "[Hotline note 21:40] Caller: Mrs Ho, 8B Blk 2. The light in the 8/F lift lobby flickers all night.",
        "Phone note 9:15 caller Mr Yip says the corridor light outside 12C is out",
        "Meeting at 7.30 residents complained the lobby light is out",
    ],
)
def test_a_time_before_a_person_counts_nobody(description: str) -> None:
    j = judged(description)
    assert first_major(j) != "major.mass-incident"


def test_people_counted_after_a_time_still_count() -> None:
    j = judged("Since 21:40 twelve households on 8/F have called about the lift lobby light, all of us want it fixed")
    assert first_major(j) == "major.mass-incident"


@pytest.mark.parametrize(
    "description",
    [
        "[Hotline note] caller says the EV charger at B1 sparked, burning plastic smell",
        "熱線記錄：陳生來電，話B1個電動車充電樁冒火花，有陣燒膠味",
        "来电记录：3栋王女士说地库充电桩插上就跳闸",
    ],
)
def test_a_note_of_a_call_names_the_channel_not_the_matter(description: str) -> None:
    j = judged(description)
    assert j.business_area == "electromechanical"
    assert j.severity != "major"


def test_a_note_of_a_call_about_a_light_stays_public_facilities() -> None:
    assert judged("熱線記錄：陳生來電，話7座12樓走廊盞燈閃咗成個星期").business_area == "public-facilities"


def test_a_hotline_that_never_answers_is_still_customer_service() -> None:
    assert judged("Your hotline never answers, I called 6 times today and nobody picked up").business_area == (
        "customer-service"
    )


# -- luck with a negation after a failure is a narrow escape: a hazard, whatever harm is not named


@pytest.mark.parametrize(
    "description",
    [
        "A slab of the podium ceiling came down onto the walkway last night, luckily nobody was under it",
        "後樓梯扶手鬆咗，今朝我阿媽扶住佢成個郁咗一下，好彩冇跌親",
        "大堂的吊灯罩突然掉下来，砸在沙发上，幸好没人坐在那里",
    ],
)
def test_luck_after_a_failure_is_a_hazard(description: str) -> None:
    j = judged(description)
    assert j.severity == "important"
    assert "hazard" in j.explanations["severity"].reason


@pytest.mark.parametrize(
    "description",
    [
        "Luckily I had a spare key, could the office tell me when the locksmith comes?",
        "幸好冇人受傷，只係好煩，條走廊盞燈閃咗兩日",
        "Fortunately none of my neighbours minded, I just want to ask when the pool opens",
    ],
)
def test_luck_without_a_failure_or_called_slight_is_no_hazard(description: str) -> None:
    assert judged(description).severity == "minor"


@pytest.mark.parametrize(
    "description",
    [
        "第5座B𨋢道門關門嗰陣感應唔到人，琴晚夾住咗我架BB車，好彩冇夾到個BB",
        "电梯门关的时候感应不到人，今天夹到我的购物车，还好没夹到孩子",
    ],
)
def test_a_lift_door_that_does_not_sense_and_missed_someone_is_a_hazard_of_the_lift(description: str) -> None:
    j = judged(description)
    assert j.nature == "effective"
    assert j.business_area == "electromechanical"
    assert j.severity == "important"


def test_a_door_of_the_building_stays_maintenance() -> None:
    assert judged("後樓梯道防煙門關唔埋，門鉸甩咗").business_area == "maintenance"


# -- rudeness as Hong Kong owners write it: 好串, a call cut off with the aspect inside (收咗線)


@pytest.mark.parametrize(
    "description",
    [
        "打去管理處問點解水費單咁貴，個男職員好串，講兩句就收咗線",
        "前台個姐姐咁串做乜？我問下泊車位幾錢佢就掛咗線",
        "I called to ask about my parking invoice and the clerk cut me off mid-sentence",
    ],
)
def test_rudeness_and_a_call_cut_off_are_poor_attitude(description: str) -> None:
    j = judged(description)
    assert j.severity == "important"
    assert "important.angry-at-negligence" in j.severity_criteria


def test_a_string_or_a_line_fixed_is_no_rudeness() -> None:
    assert judged("想問下會所燒烤場有冇燒烤串賣？").severity == "minor"


# -- compensation one resident claims from another is their private dealing


@pytest.mark.parametrize(
    "description",
    [
        "My neighbour in 9C wants me to pay her $800 for a scratch on her door she says my trolley made, "
        "can the office check the CCTV?",
        "隔壁602说我家小孩把他家门口的花盆打碎了，叫我赔300块，物业能不能帮忙看看监控？",
        "隔籬屋話我個仔踢波整爛咗佢個鞋櫃，叫我賠$1,500，管理處可唔可以睇下CCTV？",
    ],
)
def test_compensation_claimed_by_a_neighbour_is_a_private_dealing(description: str) -> None:
    j = judged(description)
    assert j.validity == "invalid"
    assert j.business_area == "other"


def test_a_charge_of_ours_asked_of_the_owner_stays_ours() -> None:
    assert judged("管理處話我張門禁卡唔見咗要我賠$200，我明明冇攞過").validity == "valid"
