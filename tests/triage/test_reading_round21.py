"""Issue 9, holdout21's round: misreadings its first look and the known list revealed, each read by a
general means (in every script) and pinned here with new sentences, none the corpus's. The first cases
of each test fail on the engine before the round; the controls pass on both. Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import judged

# -- a short aside in brackets stays in its clause -------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "the people upstairs (12C) drag their chairs every night after midnight",
        "樓上（18樓）成晚拖櫈，嘈到我瞓唔着",
        "隔壁邻居（1502）天天半夜唱卡拉OK",
    ],
)
def test_a_neighbours_nuisance_across_a_bracketed_aside(description: str) -> None:
    j = judged(description)
    assert "neighbour's nuisance" in j.explanations["validity"].reason
    assert j.business_area == "other"


# -- a lamp's tubes are lighting; a thing standing near a place is in it ----------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "3座19樓後樓梯啲光管閃咗三日",  # Cantonese: fluorescent tubes
        "B座地下嗰枝光管壞咗成個禮拜",
        "the fluorescent tubes on the podium walkway keep flickering",
    ],
)
def test_fluorescent_tubes_are_public_facilities(description: str) -> None:
    assert judged(description).business_area == "public-facilities"


@pytest.mark.parametrize(
    "description",
    [
        "地下停車場B3電梯口附近有三枝光管唔著",
        "地库C区车位旁边有两根灯管不亮",
    ],
)
def test_a_lamp_near_a_place_is_the_lamp(description: str) -> None:
    # the car park or the space says where the tubes are; the tubes are what failed (labelling guide 1)
    assert judged(description).business_area == "public-facilities"


def test_the_car_park_itself_stays_parking() -> None:
    assert judged("停車場B3有架車泊咗喺我車位三日").business_area == "parking"


# -- 吵 in a quarrel is people arguing, not noise ----------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "兩個看更喺大堂嗌交，當住啲住客面",  # Cantonese
        "两个保安在岗亭门口吵起来了，还互相指着鼻子",
        "清潔阿姐同保安喺垃圾房門口吵架",
    ],
)
def test_our_people_quarrelling_is_their_conduct(description: str) -> None:
    j = judged(description)
    assert j.business_area == "staff"
    assert j.nature == "effective"
    assert "'吵'" not in j.explanations["nature"].reason


def test_a_neighbours_noise_is_still_noise() -> None:
    j = judged("樓上成晚好嘈，嘈到我瞓唔着")
    assert "neighbour's nuisance" in j.explanations["validity"].reason


def test_a_neighbours_quarrel_is_a_private_dispute() -> None:
    assert judged("隔壁两口子天天吵架，物业能不能管管").validity == "invalid"


# -- 好 before a feeling is "very": 話好擔心 promises nothing ----------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "陳太打嚟話好擔心，因為後樓梯道門又冇鎖，佢屋企得佢一個",
        "住客话好冷，会所泳池的暖水又坏了",
    ],
)
def test_said_very_worried_is_no_promise(description: str) -> None:
    j = judged(description)
    assert not j.promise_mentioned
    assert "major.promised-service-repeated" not in j.severity_criteria


def test_an_agreement_is_still_a_promise() -> None:
    j = judged("上次話好星期三派人嚟整，又冇人嚟，第三次問都係咁")
    assert j.promise_mentioned


# -- a worker's conduct is the content, not the door he sits by --------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "the night guard at the gate was asleep in his chair with the door wide open",
        "大堂個看更瞓着咗，個閘開住冇人理",
        "门岗保安在岗亭里玩手机，大门一直开着",
    ],
)
def test_a_guards_conduct_is_service_attitude(description: str) -> None:
    j = judged(description)
    assert j.content_category == "service-attitude"
    assert j.business_area == "staff"


def test_a_broken_door_is_still_equipment() -> None:
    assert judged("the lobby door closer is broken, the door slams every time").content_category == "equipment"


# -- a repair of ours that did not hold, raised again, is a promised service not delivered -------------------


@pytest.mark.parametrize(
    "description",
    [
        "they replaced the pump motor on Monday and it died the next day, this is the 4th time I am reporting it",
        "上個禮拜換咗新摩打，過兩日又壞，我已經係第三次報",
        "上周换了新的门禁读卡器，第二天又不灵了，这是第三次了",
    ],
)
def test_a_repair_that_did_not_hold_raised_again_is_major(description: str) -> None:
    j = judged(description)
    assert j.severity == "major"
    assert "major.promised-service-repeated" in j.severity_criteria


def test_a_request_to_replace_is_no_repair_done() -> None:
    j = judged("please replace the tube in the 9/F corridor, it goes out every night")
    assert "major.promised-service-repeated" not in j.severity_criteria


# -- what a neighbour's nuisance damages is theirs, not a loss the company caused ---------------------------


@pytest.mark.parametrize(
    "description",
    [
        "樓上冷氣機成晚滴水落我露台，啲衫濕晒，地下都係水漬，唔該同佢講聲",
        "隔壁邻居家的空调水一直滴到我家窗台，窗台上全是水渍，麻烦物业去说一下",
    ],
)
def test_the_damage_a_neighbours_dripping_does_is_no_loss_of_ours(description: str) -> None:
    j = judged(description)
    assert "major.injury-or-loss" not in j.severity_criteria
    assert j.nature != "effective"
    assert j.business_area == "other"


def test_our_pipe_dripping_on_a_car_is_still_a_loss() -> None:
    j = judged("a pipe in the car park leaked onto my car and stained the bonnet, the body shop quoted HK$2,000")
    assert "major.injury-or-loss" in j.severity_criteria


def test_a_neighbours_fit_out_damaging_our_lift_stays_a_failure() -> None:
    # our rules govern a fit-out: the damage its workers do while the guard watches is a lapse of ours
    assert judged("樓上裝修工人搬材料唔鋪保護板，𨋢入面刮花晒，保安睇住都唔理").nature == "effective"


# -- lexicon: window cleaning, meters, a drain's smell, sending notices, "dept" ------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "the window cleaning crew left dirty streaks all over the lobby glass",
        "今日抹窗嗰班工人抹完成個大堂玻璃都係水痕",
        "外牆清洗完，窗邊全部都係污水痕",
    ],
)
def test_window_cleaning_is_sanitation(description: str) -> None:
    assert judged(description).business_area == "sanitation"


@pytest.mark.parametrize("description", ["洗手盆下面成日返臭，好難頂", "厨房地漏一直反臭，夏天更严重"])
def test_a_drains_smell_coming_back_is_maintenance(description: str) -> None:
    assert judged(description).business_area == "maintenance"


def test_sending_notices_is_customer_service() -> None:
    assert judged("物业每天晚上11点在群里群发通知，能不能白天发").business_area == "customer-service"


def test_dept_is_read_as_department() -> None:
    # the utility named in a hurry is still the utility: assisted
    assert (
        judged("Water Supplies Dept says they need you to open the meter room for their man on Friday").validity
        == "assisted"
    )


def test_a_meter_reading_is_the_bill() -> None:
    assert (
        judged("my electricity bill doubled, can someone check the meter reading in the meter room").business_area
        == "finance"
    )


# -- a notice named by its outage is a notice -----------------------------------------------------------------


def test_the_water_cut_notice_is_no_outage() -> None:
    j = judged("the power cut notice on the board is from last year, who is supposed to take it down?")
    assert j.severity == "minor"
    assert j.business_area == "customer-service"


def test_a_water_cut_is_still_an_outage() -> None:
    assert judged("water cut on our floor since 7am, no notice at all").severity != "minor"


# -- asked to speak for the customer to whoever owns the matter is help sought -------------------------------


@pytest.mark.parametrize(
    ("description", "asked"),
    [
        (
            "The footbridge lift to the MTR station has been out for 3 weeks, old people have to climb the "
            "stairs. Its really unfair for the elderly here.",
            "write to MTR for us",
        ),
        ("屋苑外面巴士站冇上蓋，落雨日日淋濕，真係好唔公平", "代我哋去信運輸署"),
        ("门口公交站的站牌被撞歪了好几个月，太不公平了", "代我们写信给公交公司"),
    ],
)
def test_asked_to_write_to_the_owner_is_help_seeking(description: str, asked: str) -> None:
    # venting before: only the grievance ('unfair') was read, not what is asked of us
    j = judged(description, request=asked)
    assert j.validity == "invalid"
    assert j.communication_kind == "help-seeking"
