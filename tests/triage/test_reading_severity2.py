"""Severity read as owners write it, second round (issue 9): the promise, the repeat and the wait are
each read for whom they belong to, what was said and when, with new sentences in English,
Traditional (with written Cantonese) and Simplified Chinese, each mechanism pinned both ways:

1. who made the promise: a courier's, a driver's or a neighbour's word is not ours (the speaker
   stands before the saying, so "the courier said he would come" is the courier's);
2. what was said: a rule quoted (唔係話…唔准…咩?) is no promise of a service;
3. when and whose the repeat is: "won't … again" has not happened again, and a repeat of the
   customer's own doing ("I gag every time I open my door") repeats nothing of ours;
4. a month word read by what it is: "this month", 今個月, 每個月 are no length; last month (上個月) is
   a point that dates its clause's event; a wait whose thing was put right is history.
Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import first_major, judged

# -- 1. who made the promise ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the furniture courier said he would deliver my wardrobe on Tuesday, I chased him twice and the van "
        "still has not turned up at the loading bay",
        "送貨司機話今日下晝三點會到,我打咗兩次俾佢,到而家都未見人,搞到我喺大堂等咗成個鐘",
        "快递员说会中午前送到,我催了两次还是没来,物业前台也说没看到",
    ],
)
def test_a_promise_by_someone_not_ours_is_no_promise_repeated(text: str) -> None:
    assert first_major(judged(text)) != "major.promised-service-repeated"


@pytest.mark.parametrize(
    "text",
    [
        "your handyman said he would come on Tuesday to rehang the fire door, I chased the office twice "
        "and he still has not come",
        "管理處師傅話星期二會嚟整防煙門,我打咗兩次去問,到而家都仲未有人嚟",
        "物业师傅说周二会来修防火门,我催了两次,到现在还是没人来",
    ],
)
def test_a_promise_by_our_own_people_broken_again_stays_major(text: str) -> None:
    assert first_major(judged(text)) == "major.promised-service-repeated"


# -- 2. what was said: a rule quoted -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the office told us barbecues are not allowed on the roof, yet the flat above is at it again tonight",
        "唔係話星期六天台唔准燒嘢食咩?頂樓嗰伙今晚又喺度燒",
        "不是说星期六天台禁止烧烤吗?顶楼那户今晚又在烤",
    ],
)
def test_a_rule_quoted_is_no_promise(text: str) -> None:
    assert first_major(judged(text)) != "major.promised-service-repeated"


# -- 3. when and whose the repeat is -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the lift to the podium has been off since this morning and the removal men said they won't carry "
        "the boxes up the stairs again tomorrow; the office told me a technician will come",
        "平台𨋢由今朝停到而家,搬屋佬話聽日唔會再次幫我搬上樓梯,管理處答應會派師傅嚟",
        "平台电梯从早上停到现在,搬家师傅说明天不会再次帮我扛上楼,物业答应会派人来修",
    ],
)
def test_a_repeat_said_of_what_is_to_come_has_not_happened(text: str) -> None:
    assert first_major(judged(text)) != "major.promised-service-repeated"


@pytest.mark.parametrize(
    "text",
    [
        "the rubbish chute on 11/F is jammed since Saturday and I hold my breath every time I walk past it; "
        "the office said a cleaner would come",
        "11樓垃圾槽由星期六塞到而家,我每次行過都要揞住個鼻,管理處話會叫清潔姐姐嚟",
        "11楼垃圾槽从星期六堵到现在,我每次路过都要捂着鼻子,物业说会安排保洁来",
    ],
)
def test_a_repeat_of_the_customers_own_doing_is_no_repeat(text: str) -> None:
    assert first_major(judged(text)) != "major.promised-service-repeated"


@pytest.mark.parametrize(
    "text",
    [
        "the office promised the gym aircon would be fixed by Friday, I have asked three times and it is still "
        "blowing hot air",
        "管理處話星期五前整好健身室冷氣,我問咗三次,到而家仲係吹熱風",
        "物业说周五前修好健身房空调,我问了三次,现在还是吹热风",
    ],
)
def test_the_customer_asking_again_after_our_promise_is_a_repeat(text: str) -> None:
    assert first_major(judged(text)) == "major.promised-service-repeated"


# -- 4. a month word read by what it is --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "今個月停車場入口道閘仲係成日卡住",
        "这个月地库的排风扇还是时不时响",
        "呢個月會所泳池仲係成日有落葉",
        "每個月管理費單仍然遲寄",
    ],
)
def test_this_month_names_no_length(text: str) -> None:
    assert first_major(judged(text)) != "major.unresolved-week"


@pytest.mark.parametrize(
    "text",
    [
        "reported the broken gate motor a month ago and it was repaired the day after, the railings are still "
        "unpainted though",
        "上個月報咗大閘摩打壞咗,第二日已經整好咗,不過欄杆仲係未油",
        "上个月报修了大门电机坏了,第二天就修好了,不过栏杆还是没刷漆",
        "reported the dripping tap in the clubhouse two weeks ago and it was fixed the next day; "
        "I still want to ask whether the pool towels are free",
        "兩個禮拜前報咗會所水龍頭漏水,第二日已經整好咗,我仲係想問泳池毛巾使唔使錢",
        "两个星期前报修了会所水龙头漏水,第二天就修好了,我还是想问泳池毛巾收不收费",
    ],
)
def test_a_wait_put_right_is_history(text: str) -> None:
    assert first_major(judged(text)) != "major.unresolved-week"


@pytest.mark.parametrize(
    "text",
    [
        "the car park ramp light was reported last month and it is still out",
        "上個月已經報咗停車場斜路盞燈壞咗,到而家仲係未整",
        "上个月就报修了车库坡道的灯,到现在还没修",
        "the corridor window latch has been broken for a whole month and nobody has repaired it",
        "走廊窗鉸壞咗成個月,到而家都冇人嚟整",
    ],
)
def test_a_wait_from_last_month_still_unresolved_stays_major(text: str) -> None:
    assert first_major(judged(text)) == "major.unresolved-week"


# -- 5. who fell: a thing's fall hurts no one by falling ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a chunk of concrete fell off the car park ceiling near bay 40 this morning, luckily nobody was parked there",
        "停車場天花有舊石屎今朝跌咗落嚟,好彩嗰陣冇人行過",
        "地库顶上一块石屎今天早上掉下来,幸好当时没人在下面",
    ],
)
def test_a_thing_that_fell_is_a_hazard_not_an_injury(text: str) -> None:
    j = judged(text)
    assert first_major(j) != "major.injury-or-loss"
    assert j.severity == "important"


@pytest.mark.parametrize(
    "text",
    [
        "my daughter fell off the climbing frame when the bolt gave way and broke her arm",
        "我個仔喺滑梯跌咗落嚟,頭撞到流血,要去急症縫針",
        "我女儿从秋千上摔下来,手臂骨折了",
    ],
)
def test_a_person_who_fell_is_still_hurt(text: str) -> None:
    assert first_major(judged(text)) == "major.injury-or-loss"


# -- 6. waiting until someone is hurt is a harm foreseen ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the stair nosing on 6/F is loose, are you going to wait until someone gets hurt before fixing it?",
        "六樓樓梯級邊條防滑條鬆咗,唔通要等到有人跌親先嚟整?",
        "六楼楼梯的防滑条松了,难道要等有人摔伤了才来修吗?",
    ],
)
def test_waiting_until_someone_is_hurt_is_no_injury(text: str) -> None:
    j = judged(text)
    assert first_major(j) != "major.injury-or-loss"
    assert j.severity == "important"


# -- 7. a phrase is read within its clause ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm waiting in the lobby until the locksmith comes, can I sit in the office for a bit? my dog is with me",
        "前台态度让我很难受,伤心了一整天,希望物业培训一下",
        "個前台姑娘講嘢令我好難受,傷心咗成日,希望你哋培訓吓",
    ],
)
def test_a_phrase_across_a_clause_mark_is_not_read(text: str) -> None:
    assert first_major(judged(text)) != "major.injury-or-loss"


@pytest.mark.parametrize(
    "text",
    [
        "my dog bit my neighbour's hand in the lift because the door shut on its tail",
        "前台地板太滑,我妈妈摔倒受伤了",
        "大堂地板好滑,我阿爸跌倒受傷,要去睇醫生",
    ],
)
def test_a_phrase_within_its_clause_is_still_read(text: str) -> None:
    assert first_major(judged(text)) == "major.injury-or-loss"
