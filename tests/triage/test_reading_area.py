"""General causes of a wrong business area on unseen text (issue 9, the area round): an amount written
with 蚊 (dollars, not mosquitoes), a fund the owners pay into (money, not the repair it is kept for), a
place joined to its thing by 顶上/底下/旁边, a worker's nap, shouting or snoring (his own conduct: the
job word only says who), a charge for a facility's use (the facility is the matter), clearing away
(the cleaning's act), what a notice is about (the notice is the matter), the estate's shuttle and its
driver (traffic, not safety), stinging insects' nests (pests). Each case is a new sentence (none is the
corpus's); the first test's cases fail on the engine before the round, the controls pass on both.
Rules alone, pure."""

from __future__ import annotations

import pytest

from services.triage.domain.text import Text
from tests.triage.reading_support import judged


@pytest.mark.parametrize(
    ("text", "area"),
    [
        # a number before 蚊 is money: the parcel is the matter, not mosquitoes
        ("前台收咗我個快遞,入面係對二千幾蚊嘅耳機,而家話搵唔到", "customer-service"),
        # a fund is money, whatever it is kept for
        ("请问维修基金的余额在哪里可以查到?每户交了多少?", "finance"),
        ("How much is each flat paying into the maintenance fund this year?", "finance"),
        # a place joined to its thing by a word of position: the thing is the matter
        ("地下停车场顶上的水管一直在滴水,地上全是水", "maintenance"),
        # a worker's nap is his own conduct, not his function
        ("清潔姐姐成日喺後樓梯瞓晏覺,叫極都唔醒", "staff"),
        ("保洁员每天下午在楼梯间午睡,叫都叫不醒", "staff"),
        # a worker's own conduct named: his job only says who it was
        ("the security guard at the car park gate swore at my son and told him to get lost", "staff"),
        ("二座个保洁阿姨成日对住我哋呼喝,好似我哋欠咗佢钱咁", "staff"),
        # a guard drunk or snoring at his post: his own conduct
        ("半夜落去搵保安,佢喺更亭扯鼻鼾,拍極窗都唔醒", "staff"),
        ("the night guard was snoring in his booth when I came home at 2am", "staff"),
        # clearing away is the cleaning's act, whatever was cleared
        ("保潔阿姨把我停在樓梯間的自行車收走了", "sanitation"),
        # what a notice is about is its content; the notice is the matter
        ("the notice about the fire drill was only put up in English, my parents can't read it", "customer-service"),
        # a charge for a facility's use: the facility is the matter
        ("请问羽毛球场晚上用要收费吗?押金多少?", "club"),
        ("the squash court lights died halfway through our game, I want a refund of the fee", "club"),
        # the estate's shuttle driven fast is traffic, even where it is dangerous
        ("屋苑接駁車司機成日揸得好快,過彎都唔減速,好危險", "traffic"),
        ("the shuttle driver takes the bends far too fast, it is dangerous for the kids", "traffic"),
        # a stinging insect's nest is a pest, wherever it hangs
        ("花園涼亭頂有個好大嘅黃蜂竇,細路成日喺下面玩", "sanitation"),
        ("hornets have built a nest above the bench by the pond", "sanitation"),
    ],
)
def test_the_area_is_what_the_complaint_is_about(text: str, area: str) -> None:
    j = judged(text)
    assert j.business_area == area, j.explanations["category"].reason


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("管理處話要收我五百蚊先肯補發張門禁卡", "electromechanical"),  # money beside a thing
        ("大堂保安对我爸大吼大叫,他只是问一下快递到了没有", "staff"),  # conduct outweighs the job already
        ("想問吓會所個羽毛球場點樣訂?使唔使收費?", "club"),  # the club named twice
        ("the guard at the lobby counter rolled his eyes and told my father to stop bothering him", "staff"),
        ("後樓梯好多蚊,晚晚都咬到成身包", "sanitation"),  # many mosquitoes, no number: still pests
        ("垃圾房附近有三隻蚊一直飛來飛去", "sanitation"),  # a count of mosquitoes, a classifier between
        ("管理費今年加咗三百蚊,點解冇通知", "finance"),  # money that is the matter itself
        ("停车场的车位费又涨了", "parking"),  # a compound keeps its topic
        ("the guard at the gate was rude to my mother", "staff"),  # conduct named as such
        ("小区的维修工来了三次都没修好水管", "maintenance"),  # 维修 without a fund is a repair
        ("the cleaner never mops the lobby, it is filthy", "sanitation"),  # a cleaner who does not clean
        ("保安夜晚冇巡樓,有陌生人入咗嚟", "safety"),  # a guard's duty undone, no conduct of his own
        ("會所月費張單多收咗我兩個月,要求退返", "finance"),  # a bill overcharged is money, beside a facility
        ("the gym membership was debited twice from my autopay this month", "finance"),  # a debit, beside a facility
        ("the clubhouse pool has been closed for repairs for a month", "club"),  # the facility itself
        ("the fire alarm in our corridor has been ringing for an hour, nobody has come", "safety"),  # no notice
        ("保安成日喺更亭瞓覺,有賊入嚟都唔知", "staff"),  # sleeping on duty was already conduct
    ],
)
def test_controls_keep_their_area(text: str, area: str) -> None:
    j = judged(text)
    assert j.business_area == area, j.explanations["category"].reason


def test_an_amount_with_mosquito_is_one_word() -> None:
    t = Text("部相機三千幾蚊")
    assert t.find(("蚊",)) == []
    assert Text("好多蚊").find(("蚊",)) == [(2, 3)]
    assert Text("500蚊").find(("蚊",)) == []
