"""Severity read as DOMAIN grades it (issue 9, severity round), each mechanism pinned in both directions
with new sentences in English, Traditional (with written Cantonese) and Simplified Chinese:

1. harm is to a person's body or a customer's thing: people drenched at a bus stop, or feelings hurt,
   are no injury; a sofa soaked through is a loss;
2. a wait is how long a failure or a report lasted: a duration counts in a clause that says what
   waited, and "2 months ago" dates its own clause's event ("bought", "moved in" are none); an
   emphatic "STILL" beside someone else's week waits for nothing;
3. tone is no grade: anger, disgust and exclamation raise a complaint only at a duty failed, while poor
   attitude as it is written (dismissed, sneered at, 關我咩事, 愛答不理) is important on its own;
4. causes shared by several misses: a settled past of last month is history, a thing of ours cleared
   away with its price is a loss, nobody coming back after a report is unresolved.
Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import first_major, judged

# -- 1. harm is to a person's body (or a customer's thing) -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the canopy over the covered walkway has a hole, every time it rains the kids walking to school get soaked",
        "屋苑門口個巴士站上蓋爛咗,一落雨啲街坊企喺度等車全身淋濕",
        "小区门口的雨棚破了,下雨的时候等车的老人都被淋湿了",
        "the receptionist's remark about my accent really hurt my feelings",
    ],
)
def test_people_wet_or_feelings_hurt_are_no_injury(text: str) -> None:
    assert first_major(judged(text)) != "major.injury-or-loss"


@pytest.mark.parametrize(
    "text",
    [
        "the pipe in the corridor ceiling burst overnight and my carpet and mattress were soaked through",
        "走廊條水喉爆咗,水湧入我屋企,張床褥同啲書全部浸濕晒",
        "楼上公共水管爆了,水流进我家,沙发和地毯全都浸湿了",
    ],
)
def test_a_customers_things_soaked_are_a_loss(text: str) -> None:
    assert first_major(judged(text)) == "major.injury-or-loss"


# -- 2. a wait is how long a failure or a report lasted -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my son moved into 12B a month ago and the name on the lobby mailbox still shows the old tenant",
        "WHY is the podium pool STILL closed?? The estate across the road opened theirs two weeks ago!!",
        "我上個月買咗部新單車,單車房到而家仲係冇位",
        "两个星期前我家刚装修好,花园的喷泉还是没开",
    ],
)
def test_a_duration_attached_to_something_else_is_no_unresolved_week(text: str) -> None:
    assert first_major(judged(text)) != "major.unresolved-week"


@pytest.mark.parametrize(
    "text",
    [
        "reported the dead corridor light outside 9C three weeks ago, it is still pitch dark at night",
        "the lobby door closer has been broken for over two weeks and nobody has come to look at it",
        "三個禮拜前已經打電話報咗走廊燈壞咗,到而家都仲係黑麻麻",
        "两个星期前就报修了楼道灯,到现在还是黑的",
        "reported the leak on 4 March, today is the 19th and it is still dripping",
    ],
)
def test_a_wait_after_a_report_or_a_failure_is_still_unresolved(text: str) -> None:
    assert first_major(judged(text)) == "major.unresolved-week"


# -- 3. tone is no grade; attitude as written is ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The new Christmas lights in the garden are hideous. Absolutely RIDICULOUS choice!!!",
        "大堂新擺嗰幾盆花好核突,真係好嬲",
        "大堂新换的沙发颜色太丑了,真是气人",
    ],
)
def test_anger_with_no_duty_failed_grades_nothing(text: str) -> None:
    j = judged(text)
    assert j.severity == "minor"
    assert "tone without a duty failed" in j.explanations["severity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "the rubbish chute room on 9/F hasn't been emptied since Sunday, absolutely disgusting",
        "我層垃圾房由星期一到而家都冇人清,核突到死",
        "这周打了五次物业客服电话都没人接,太气人了",
    ],
)
def test_anger_at_a_duty_failed_is_important(text: str) -> None:
    j = judged(text)
    assert j.severity == "important"
    assert "important.angry-at-negligence" in j.severity_criteria


@pytest.mark.parametrize(
    "text",
    [
        "asked the guard to hold the door for my pram, he said 'not my job' and turned his back",
        "問前台職員幾時有人嚟整對講機,佢冷笑一聲話唔關佢事",
        "问前台什么时候来修门禁,她爱答不理的,一直在玩手机",
    ],
)
def test_poor_attitude_as_written_is_important_without_anger_words(text: str) -> None:
    j = judged(text)
    assert j.severity == "important"
    assert "important.angry-at-negligence" in j.severity_criteria


# -- 4. causes shared by several misses ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "last month my car was scratched in your car park and the office paid for the repair, thanks. "
        "how do I renew my parking permit?",
        "上個月架車喺停車場俾人刮花,管理處已經賠咗,多謝。想問月票點續?",
    ],
)
def test_a_settled_loss_of_last_month_is_history(text: str) -> None:
    assert judged(text).severity == "minor"


@pytest.mark.parametrize(
    "text",
    [
        "清潔工將我放喺後樓梯嘅摺櫈同嬰兒車清走咗,嬰兒車成三千蚊",
        "保洁员把我放在楼道的婴儿车收走了,那辆车两千多块",
    ],
)
def test_a_thing_cleared_away_with_its_price_is_a_loss(text: str) -> None:
    assert first_major(judged(text)) == "major.injury-or-loss"


@pytest.mark.parametrize(
    "text",
    [
        "兩個禮拜前已經報咗洗手間天花漏水,師傅嚟咗一次之後就冇再出現",
        "两个多星期前报修了厨房天花渗水,师傅来看了一次就音讯全无",
        "reported the damp patch on my ceiling two weeks ago, the plumber came once and never came back",
    ],
)
def test_nobody_coming_back_after_a_report_is_unresolved(text: str) -> None:
    assert first_major(judged(text)) == "major.unresolved-week"


@pytest.mark.parametrize(
    "text",
    [
        "Block 6 has two lifts and one of them has been broken since yesterday, the queue in the morning is long",
        "我哋座兩部𨋢壞咗一部,朝早等𨋢要等好耐",
        "我们这栋三部电梯停了其中一部,上下班要排队",
    ],
)
def test_some_of_an_equipment_is_not_all_of_it(text: str) -> None:
    assert first_major(judged(text)) != "major.sudden-outage"


@pytest.mark.parametrize(
    "text",
    [
        "both lifts in Block 6 have been out since 7am, my 80 year old father cannot get down",
        "我哋座兩部𨋢一部都郁唔到,老人家落唔到街",
    ],
)
def test_all_of_an_equipment_stopped_is_still_an_outage(text: str) -> None:
    assert first_major(judged(text)) == "major.sudden-outage"


@pytest.mark.parametrize(
    "text",
    [
        "a wasps' nest the size of a football is hanging over the path to the kindergarten bus stop",
        "兒童遊樂場旁邊棵樹有個好大嘅黃蜂竇,啲細路成日喺下面玩",
        "健身器材的踏板有块铁皮翘起来了,一不小心就会刮到腿",
    ],
)
def test_a_danger_to_people_not_yet_hurt_is_a_hazard(text: str) -> None:
    j = judged(text)
    assert j.severity == "important"
    assert "important.hazard" in j.severity_criteria


def test_a_name_and_a_debt_read_out_to_the_lobby_seriously_affects_the_owner() -> None:
    j = judged("前台職員喺大堂大大聲讀出我個名同我欠幾多管理費,排隊啲人都聽到")
    assert j.severity == "important"
