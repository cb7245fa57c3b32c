"""Issue 9, holdout22's round: misreadings its first look, holdout21's remaining misses and a known false
hit revealed, each read by a general means (in every script) and pinned here with new sentences, none
the corpus's. The first cases of each test fail on the engine before the round; the controls pass on
both. Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import first_major, judged

# -- someone who has just fallen asleep is the family's sleep, not a worker asleep on duty ----------------


@pytest.mark.parametrize(
    ("description", "area"),
    [
        ("the lift alarm went off at 1am and woke my baby who had just fallen asleep", "electromechanical"),
        ("凌晨两点大堂的灯一直闪，照进我家，我刚睡着又被弄醒", "public-facilities"),
        ("垃圾車每晚11點嚟收垃圾，把我剛剛睡著嘅BB吵醒", "sanitation"),
    ],
)
def test_just_fallen_asleep_is_no_worker_asleep(description: str, area: str) -> None:
    j = judged(description)
    assert j.business_area == area
    assert "staff" not in j.explanations["category"].reason


def test_a_guard_asleep_is_still_his_conduct() -> None:
    assert judged("夜班保安在岗亭里睡着了，叫了几声都没醒").business_area == "staff"


# -- taken further: the privacy regulator, a small claims court, evidence sent to the press ----------------


@pytest.mark.parametrize(
    "description",
    [
        "the guard read my HK ID number aloud at the counter, "
        "if I get no apology I will send the recording to the Privacy Commissioner",
        "停車場收錯我$300泊車費，唔退返我就入稟小額錢債審裁處",
        "物业乱收我们的停车费，再不退钱我就找律师去仲裁",
    ],
)
def test_taken_further_to_a_regulator_or_a_tribunal_is_important(description: str) -> None:
    assert judged(description).severity == "important"


def test_writing_to_a_tribunal_clerk_about_ones_own_case_threatens_nothing() -> None:
    assert judged("I sent an email to the tribunal clerk to ask about my own case").severity == "minor"


# -- the thing that failed, by its own word --------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "area"),
    [
        ("北门新装的人行闸机每次都夹到人，老人家过不去", "electromechanical"),
        ("the turnstiles at the podium entrance keep jamming on residents", "electromechanical"),
        ("a painter left his buckets and planks across the fire escape stairs on 12/F", "safety"),
        ("又有人高空擲物，尋晚一個玻璃樽跌落嚟爆開", "safety"),
        ("a beer bottle was thrown from upper floors last night and smashed by the entrance", "safety"),
        ("电梯厅新装的广告屏从早到晚放广告", "public-facilities"),
        ("想問下我想喺門口裝鐵閘，使唔使申請？", "decoration"),
    ],
)
def test_the_thing_named_decides_the_area(description: str, area: str) -> None:
    assert judged(description).business_area == area


def test_a_car_park_gate_is_still_parking() -> None:
    assert judged("停車場出口個閘機讀唔到我張月票卡").business_area == "parking"


# -- the customer's own dog is no neighbour's nuisance --------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "樓下鄰居喺業主群講我隻狗咬人，仲講埋我老婆是非",
        "my neighbour keeps telling the whole floor that my dog bit her son, spreading rumours in the chat group",
    ],
)
def test_a_neighbours_rumour_about_my_dog_is_a_private_dispute(description: str) -> None:
    assert judged(description).validity == "invalid"


def test_a_neighbours_own_dog_is_still_their_nuisance() -> None:
    j = judged("隔壁邻居的狗天天半夜叫，吵得睡不着")
    assert j.validity == "valid"
    assert j.business_area == "other"


# -- a resident left unnamed is a neighbour --------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "有住戶成日喺走廊燒衣，啲煙攻晒入屋",
        "a resident keeps taking his big dog into the passenger lift without a lead, pls remind him",
    ],
)
def test_an_unnamed_resident_is_a_neighbour(description: str) -> None:
    assert judged(description).business_area == "other"


# -- a way down, a drone, a letter for many flats, the counter's promise --------------------------------


def test_down_to_the_ground_floor_is_no_outage() -> None:
    j = judged("the chute is sealed so every flat now carries its rubbish down to G/F")
    assert first_major(j) != "major.sudden-outage"


def test_flying_a_drone_is_no_insect() -> None:
    assert judged("a resident flies a drone past our windows every evening").business_area != "sanitation"


def test_a_letter_written_on_behalf_of_flats_counts_them() -> None:
    j = judged(
        "This is written on behalf of 31 flats on 20/F and above: "
        "every evening the water pressure is so weak the showers only trickle"
    )
    assert first_major(j) == "major.mass-incident"


def test_the_counter_speaks_for_the_office() -> None:
    j = judged(
        "When I asked on the 2nd the counter said it would reopen on Friday. "
        "I asked again on the 9th and again on the 16th, same answer."
    )
    assert first_major(j) == "major.promised-service-repeated"


def test_the_customers_own_promise_is_still_none() -> None:
    j = judged("I said I would pay the fee by Friday and I paid it again by mistake")
    assert first_major(j) != "major.promised-service-repeated"


# -- a barrier that cannot lift, a whole car park --------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "停车场出口的道闸抬不起来，整个停车场的车都出不去",
        "both car park barriers won't lift and the whole car park is queuing to get out",
    ],
)
def test_a_whole_car_park_shut_in_is_a_sudden_outage(description: str) -> None:
    assert first_major(judged(description)) == "major.sudden-outage"


def test_one_barrier_slow_to_lift_is_no_outage() -> None:
    assert first_major(judged("停車場個閘抬唔起，要等保安嚟開")) is None


# -- a repair quote prices the damage wherever it is written ---------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "The gondola hit my bedroom window and cracked the glass. The workers left without a word. "
        "The glazier came on Monday and quoted $2,600 to replace it.",
        "清洗外牆嘅吊船撞到我個窗，玻璃裂咗。啲工人一句都冇講就走咗。我搵師傅睇過，報價$1,800。",
    ],
)
def test_a_quote_for_the_repair_is_a_loss(description: str) -> None:
    assert first_major(judged(description)) == "major.injury-or-loss"


def test_a_fee_quote_beside_old_cracks_is_no_loss() -> None:
    j = judged("my bathroom tiles cracked last year. Separately, the management fee quote for next year is $2,800")
    assert first_major(j) is None


# -- a part of a lift is not the lift --------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    ["the lift's floor display has been dead for 3 days", "3號𨋢入面個樓層顯示屏黑咗三日", "电梯里的按钮灯坏了三天"],
)
def test_a_part_out_is_not_the_lift_out(description: str) -> None:
    assert judged(description).severity == "minor"


def test_the_lift_out_for_days_still_seriously_affects() -> None:
    assert judged("the lift has been broken for 3 days").severity == "important"


# -- the lifts down are stopped; losing what was handed in is a duty failed --------------------------------


def test_lifts_down_are_still_stopped() -> None:
    assert "down" in judged("all the lifts are down in Block 5 since 8am").explanations["severity"].reason


def test_losing_what_was_handed_in_is_a_duty_failed_and_anger_at_it_important() -> None:
    j = judged(
        "I handed a wallet in at the counter and now they have no record of it. What the hell, how can you lose it"
    )
    assert j.nature == "effective"
    assert j.severity == "important"


def test_wires_showing_are_a_hazard() -> None:
    assert judged("the riser cupboard door on 9/F hangs open with the wires showing").severity == "important"
