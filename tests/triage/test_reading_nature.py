"""The nature of a complaint read from what the writer asks, and of whom (issue 9, the nature round;
`domain/asking.py`, `[nature.asking]`): a request to put right what is ours is a duty failed even
without a word of damage; a request about a neighbour's or another unit's doing is help sought, not
venting; a question to know is a consultation whatever service it names, and a failure word in a
question about how or what is required is its topic; someone else's words and the writer's opinion of
what we should do ask nothing; a why-question about what is not ours at all is a grievance.

Each case is a new sentence (none is the corpus's), in English, Traditional Chinese with written
Cantonese, and Simplified Chinese. The cases of each mechanism's first test fail on the engine before
the round; the controls pass on both. Rules alone, pure."""

from __future__ import annotations

import pytest

from services.triage.domain.engine import Judgement
from tests.triage.reading_support import judged


def nature(j: Judgement) -> str | None:
    return "effective" if j.nature == "effective" else j.communication_kind


@pytest.mark.parametrize(
    "text",
    [
        "Tower 2 lobby floor is covered in sand from the beach crowd every evening. Sort it out please",
        "三座大堂部自動門成日自己開開埋埋,麻煩你哋派人嚟跟進下",
        "部電梯門成日夾到人,請你哋安排師傅嚟檢查吓",
        "五栋地下车库的排风扇声音一天比一天大,麻烦物业尽快检查一下",
    ],
)
def test_a_request_to_put_right_what_is_ours_is_an_effective_complaint(text: str) -> None:
    """No damage word: the writer asks us to put right something of ours (sort it out, 跟進下, 檢查吓,
    检查一下), so a duty of ours is failing; the words of help it is asked in are the manner of asking."""
    j = judged(text)
    assert nature(j) == "effective", j.explanations["nature"].reason
    assert "asked to put" in j.explanations["nature"].reason


@pytest.mark.parametrize(
    "text",
    [
        "The family upstairs drags furniture around after midnight, so loud we can't sleep. Could you talk to them?",
        "樓上嗰家人成晚喺度剁肉,嘈到我哋瞓唔到,你哋管理處管管佢哋啦",
        "隔壁邻居天天在走廊抽烟,烟味很重,烦死了,物业能不能去跟他们说一下",
    ],
)
def test_a_request_about_a_neighbours_doing_is_help_sought_not_venting(text: str) -> None:
    """Asked to act on a neighbour (talk to them, 管管佢哋啦, 跟他们说一下): help sought, however much
    they grumble, and the smell or the lost sleep is the neighbour's doing, no duty of ours failed."""
    j = judged(text)
    assert nature(j) == "help-seeking", j.explanations["nature"].reason
    assert "a neighbour's doing" in j.explanations["nature"].reason


@pytest.mark.parametrize(
    "text",
    [
        "HK Electric told us their transformer on the street failed, our block and the next one have no power. "
        "can you press them to send a crew",
        "煤氣公司話街外總喉漏氣,成座冇煤氣煮飯,麻煩管理處催下佢哋",
        "燃气公司说外面主管道漏气,整栋楼都停气了,麻烦物业催一下他们",
    ],
)
def test_asked_to_chase_another_unit_its_failure_is_not_ours(text: str) -> None:
    """An assisted complaint that asks us to chase the utility: what failed is theirs (no power, 漏氣)."""
    j = judged(text)
    assert j.validity == "assisted"
    assert nature(j) == "help-seeking", j.explanations["nature"].reason


@pytest.mark.parametrize(
    "text",
    [
        "may I know how long the front desk can help keep a parcel for a resident?",
        "想問下如果我去旅行,管理處最多可以幫手保管鎖匙幾耐?",
        "想问一下物业代收的快递最多能帮忙保管几天?",
    ],
)
def test_a_question_to_know_names_a_service_without_asking_for_it(text: str) -> None:
    """想問下…幫手…幾耐: the service (help keep, 幫手, 代收) is what the question is about."""
    j = judged(text)
    assert nature(j) == "consultation", j.explanations["nature"].reason


@pytest.mark.parametrize(
    "text",
    [
        "how do I apply for a storage locker, is there a waiting list at the moment?",
        "搬屋嗰日使唔使提前同管理處登記用貨𨋢?",
        "新车入场需要提前在前台登记吗?",
    ],
)
def test_a_failure_word_in_a_question_about_what_is_required_is_its_topic(text: str) -> None:
    """'waiting', 提前 (a word of failure elsewhere: staff left early) asked about a procedure."""
    j = judged(text)
    assert nature(j) == "consultation", j.explanations["nature"].reason


@pytest.mark.parametrize(
    "text",
    [
        "I asked the concierge to help me carry my shopping to the lift, he said that is not his job and "
        "kept playing on his phone",
        "前台個男職員上次收件嗰陣問我有冇男朋友,又問我幾點返屋企,我覺得好唔舒服",
    ],
)
def test_someone_elses_words_ask_nothing(text: str) -> None:
    """A request the writer made earlier, a question the staff asked her: what happened, not what is
    asked of us now (help, 有冇)."""
    j = judged(text)
    assert nature(j) == "effective", j.explanations["nature"].reason


@pytest.mark.parametrize(
    "text",
    [
        "I'm away in Japan next week, can the concierge hold my newspapers until I'm back?",
        "停車場出口嗰度好黑,可唔可以喺閘口附近加返支燈?",
        "可不可以在儿童乐园旁边加装几张长椅?",
    ],
)
def test_who_acts_after_the_modal_decides_help_or_permission(text: str) -> None:
    """Can the concierge hold, 可唔可以…加返, 可不可以…加装: we are asked to act (a service, or
    something new: an idea asked of us is help sought), not asked for permission."""
    j = judged(text)
    assert nature(j) == "help-seeking", j.explanations["nature"].reason


@pytest.mark.parametrize(
    "text",
    [
        "why are the MTR fares going up again? the office should complain to them on our behalf",
        "點解政府今年又加差餉?管理處應該幫我哋爭取",
        "为什么政府的水价又涨了?物业应该帮我们反映",
    ],
)
def test_what_we_should_do_about_what_is_not_ours_is_a_grievance(text: str) -> None:
    """Invalid (the MTR, the government's rates): why-questions and "should" ask nothing we can do."""
    j = judged(text)
    assert j.validity == "invalid"
    assert nature(j) == "venting", j.explanations["nature"].reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # why about our own charge asks us to explain it
        ("why did my management fee go up this quarter?", "consultation"),
        # a failure told in the past is no request, and still a failure
        ("nobody fixed the broken hallway light on 6/F after two reports", "effective"),
        # permission asked for the writer's own act
        ("can I keep a small dog in my flat?", "consultation"),
        ("請問裝修要交幾多按金?", "consultation"),
        ("请问装修押金什么时候退?", "consultation"),
        # a failure and a request to remedy it
        ("部𨋢壞咗三日都冇人理,麻煩盡快派人維修", "effective"),
        # grumbling, nothing asked
        ("honestly fed up with how crowded the gym gets after 7pm", "venting"),
        ("樓上成日踩單車落嚟,真係煩到死", "venting"),
        ("隔壁天天练钢琴,吵死了,真受不了", "venting"),
        # a service asked, nothing failing
        ("下个月出国,能不能让管理员帮我代收一下快递?", "help-seeking"),
        ("中電話街外電纜出事,成座冇電,麻煩管理處幫手催下中電派人", "help-seeking"),
    ],
)
def test_controls(text: str, expected: str) -> None:
    j = judged(text)
    assert nature(j) == expected, j.explanations["nature"].reason


def test_a_negated_request_asks_nothing() -> None:
    """ "Please don't clean" asks no remedy; the complaint names no failure either."""
    j = judged("please don't clean the lobby glass while the kids' art is still taped on it")
    assert "asked to put" not in j.explanations["nature"].reason
