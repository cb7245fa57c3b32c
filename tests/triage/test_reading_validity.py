"""Validity read by clause, above all jurisdiction (issue 9, the validity round): who owns or runs the
thing (government departments and public transport, named in every script), where it is (the public
street and what stands on it — not where the customer was pushed to, where a thing of ours leads,
the estate's own ground, or where our own people acted), who only speaks (a body that says or
requires something while the complaint names something of ours), and whose act it is (a neighbour's
private dealing: money, a thing lent, a quarrel — unless a nuisance our house rules govern; a
business's own trade with the customer). Each
sentence is new (none is the corpus's); the controls must stay as they were. Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import judged


def _validity(text: str) -> str:
    return judged(text).validity


# -- who owns or runs it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The Highways Dept dug a trench along the road by the petrol station and it has been open for a month",
        "Transport Department changed the timing at the junction, we now wait three minutes to cross",
        "運輸署改咗個路口嘅燈號,而家要等好耐先過到",
        "渠務署喺街口掘路,掘咗三個月都未完",
        "交警天天在小区门口贴罚单,太过分了",
        "街道办组织的广场舞每天晚上跳到十点,音响很大",
        "點解今年啲差餉又加咗",
    ],
)
def test_an_outside_owner_named_in_any_script_is_not_ours(text: str) -> None:
    j = judged(text)
    assert j.validity == "invalid"
    assert "municipal" in j.explanations["validity"].reason
    assert j.business_area == "other"


# -- where it is ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the bus stop shelter on the main road has no roof left, we stand in the rain",
        "the zebra crossing in front of the primary school down the street has almost no paint left",
        "天橋上面啲小販成日阻住條路",
        "过街天桥的扶梯坏了一个月了",
        "公交站的候车亭顶棚漏雨,等车的老人都淋湿了",
    ],
)
def test_a_public_place_or_fixture_places_the_matter_outside(text: str) -> None:
    assert _validity(text) == "invalid"


@pytest.mark.parametrize(
    "text",
    [
        "my parking space was taken again and the guard shrugged, so I had to leave my car on the public road",
        "個車位又俾人霸咗,保安話冇計,我惟有泊出面條馬路",
        "我的车位被人占了,保安不管,我只能停到小区外面马路上",
    ],
)
def test_where_the_customer_was_pushed_to_is_not_where_the_matter_is(text: str) -> None:
    j = judged(text)
    assert j.validity == "valid"
    assert "pushed to" in j.explanations["validity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "your guard let a removal lorry park outside the estate gate and block the public road for two hours",
        "保安由得啲貨車泊喺屋苑出面條馬路,塞死晒",
        "保安让搬家公司的货车停在小区外面的马路上,把路堵了两个小时",
    ],
)
def test_a_place_where_our_own_people_acted_is_ours(text: str) -> None:
    j = judged(text)
    assert j.validity == "valid"
    assert "our own people" in j.explanations["validity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "the covered walkway from our clubhouse to the bus stop has a broken tile that tripped my son",
        "平台落小巴站嗰段樓梯扶手鬆咗",
        "从会所到公交站的雨棚漏水,管理处一直没修",
    ],
)
def test_a_place_a_thing_of_ours_leads_to_is_no_place_of_the_matter(text: str) -> None:
    assert _validity(text) == "valid"


def test_close_to_a_public_place_is_still_there() -> None:
    assert _validity("the hawkers close to the main road leave rotten fruit everywhere") == "invalid"


@pytest.mark.parametrize(
    "text",
    [
        "the zebra crossing on the estate road has faded and cars never stop for the kids",
        "屋苑條路嘅斑馬線褪晒色,車都唔停",
        "小区路上的斑马线都磨没了,车开得很快",
    ],
)
def test_a_fixture_on_the_estates_own_ground_is_ours(text: str) -> None:
    assert _validity(text) == "valid"


# -- who only speaks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the government says every estate must sort its recycling, but our bins in the lobby overflow for days",
        "食環署話我哋屋苑個平台花園有蚊,管理處一直唔清積水",
        "政府规定垃圾要分类,可是物业放的分类桶天天满出来没人清",
    ],
)
def test_a_body_that_only_speaks_does_not_own_what_we_failed(text: str) -> None:
    j = judged(text)
    assert j.validity == "valid"
    assert "only says or requires" in j.explanations["validity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "the management office told me to take my complaint to the government, but the pipe leaking is in our corridor",
        "管理處叫我自己搵政府,走廊條水管漏水佢哋就唔理",
        "物业叫我去找政府,可是楼道的水管漏水是物业的事",
    ],
)
def test_a_body_we_sent_the_customer_on_to_does_not_own_what_we_failed(text: str) -> None:
    assert _validity(text) == "valid"


@pytest.mark.parametrize(
    "text",
    [
        "路政署話會整條路,但係一直冇整",
        "can the management complain to the Highways Department about the pothole by the bus stop",
        "the highways department says the pothole outside is on their list, still nothing after a month",
        "can the management report the broken street lamp on the main road to the government",
    ],
)
def test_a_body_speaking_of_its_own_thing_stays_the_owner(text: str) -> None:
    assert _validity(text) == "invalid"


# -- whose act: a neighbour's private dealing ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my neighbour across the hall borrowed my electric drill last month and still won't give it back",
        "my neighbour next door insulted my wife in the lift and called her names",
        "對面屋個師奶借咗我架手推車,講咗幾次都唔還",
        "樓下個男人喺電梯度鬧我老婆,仲話要打佢",
        "隔壁那家人在走廊里骂我妈,说话很难听",
        "楼上那户借了我家的折叠梯,两个月了也不还",
        "隔籬屋個女人成日喺群組講我是非",
    ],
)
def test_a_neighbours_private_dealing_is_a_dispute_between_residents(text: str) -> None:
    j = judged(text)
    assert j.validity == "invalid"
    assert "private-dispute" in j.explanations["validity"].reason
    assert j.severity == "minor"


@pytest.mark.parametrize(
    "text",
    [
        # a nuisance our house rules govern
        "the neighbour upstairs drags furniture after midnight every night, please remind them of the house rules",
        "the neighbour upstairs swore at me when I asked him to stop the loud music at 2am",
        "樓上啲冷氣機滴水落我度,我上去講佢仲鬧我",
        "隔壁装修天天打钻,我去说了一句他还骂我",
        # a common area obstructed: our rules govern it, whoever lent what
        "樓上借咗管理處架手推車,放喺走廊阻住條走火通道",
        # our own people
        "the cleaner borrowed my mop bucket and never gave it back",
        "the guard argued with my neighbour and shouted at him in the lobby",
        "管理員借咗我把梯,話用完即刻還,到而家都冇還",
    ],
)
def test_what_our_rules_govern_or_our_people_do_stays_ours(text: str) -> None:
    assert _validity(text) == "valid"


# -- whose act: a business's own trade --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the noodle shop in the arcade got my takeaway order wrong twice and won't refund me",
        "街口間便利店啲嘢賣得好貴,仲成日找錯錢",
        "楼下那家超市卖过期的牛奶,还不肯退钱",
    ],
)
def test_a_businesss_own_trade_is_between_the_customer_and_it(text: str) -> None:
    j = judged(text)
    assert j.validity == "invalid"
    assert "business" in j.explanations["validity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "the restaurant in the clubhouse served us cold food and the manager was rude",
        "the shop on the ground floor leaves its rubbish in the corridor every night",
        "商場啲舖頭將垃圾堆喺後樓梯,臭到上嚟",
    ],
)
def test_a_business_in_our_clubhouse_or_breaking_our_rules_is_ours(text: str) -> None:
    assert _validity(text) == "valid"


# -- assisted: another unit's own network, named in every script ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the water dept is replacing the main under the street, will our block lose water tomorrow?",
        "the broadband company's engineer needs the riser room on 12/F opened this afternoon",
        "港华燃气的师傅要进管道井换阀门,麻烦物业安排开门",
        "水务集团说明天要换我们楼的水表,物业能不能通知大家",
        "南方电网的人说要进配电房检查,请物业配合",
    ],
)
def test_a_utility_named_by_its_own_name_is_assisted(text: str) -> None:
    assert _validity(text) == "assisted"
