# ruff: noqa: RUF001, RUF002  # the sentences keep the full-width punctuation owners write
"""Nature read by who is asked, and whether anything is asked (issue 9, nature round 2).

- A question shouted (three question marks, or a question mark with an exclamation mark: "who picked
  this???", 谁选的？？？, 邊個揀㗎？！) with no plain question beside it asks nothing: venting, not a
  consultation; "will it close during the typhoon??" still asks.
- Sending someone to what is ours (马上派人过来, 麻煩派人嚟睇下, "urgently send someone") is sending
  them to put it right: effective; urging (马上, 盡快, urgently) is a request. Sent for a service named
  after it ("send someone to help carry", 派人幫手搬) stays help sought.
- What is not ours (invalid) cannot be put right by us, but we can speak to whoever owns it: asked to
  make them give back or pay (叫佢還錢, 让他还给我, "make him give it back") is help sought; asked to fix a
  public lamp or change a bus route back (修好, "change it back") is venting.
New sentences; the first tests' cases fail on the engine before this round, the controls pass on both.
Rules alone, pure."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import judged


def kind_of(description: str, request: str = "") -> str:
    j = judged(description, request=request)
    return "effective" if j.nature == "effective" else str(j.communication_kind)


@pytest.mark.parametrize(
    ("text", "asked", "nature"),
    [
        (
            "Who signed off on painting the lobby pillars bright orange??? It looks like a fast food shop!!! "
            "Is this what our fees pay for?!",
            "",
            "venting",
        ),
        ("大堂新换的地毯颜色也太土了吧？？？谁选的？？？", "", "venting"),
        ("會所新買嗰批咖啡杯醜到爆，邊個揀㗎？！", "", "venting"),
        ("停车场出口道闸一直不起杆，马上派人过来", "", "effective"),
        ("大堂自動門感應失靈，麻煩派人嚟睇下", "", "effective"),
        ("隔籬屋借咗我二千蚊講好月尾還，到而家都唔還", "叫佢還錢", "help-seeking"),
        ("邻居借了我家的电钻两个月不还", "让他还给我", "help-seeking"),
    ],
)
def test_what_is_asked_and_of_whom(text: str, asked: str, nature: str) -> None:
    assert kind_of(text, asked) == nature, judged(text, request=asked).explanations["nature"].reason


@pytest.mark.parametrize(
    ("text", "asked", "nature"),
    [
        ("Will the pool be closed during the typhoon?? We have a party booked", "", "consultation"),
        ("请问会所周日开不开？？", "", "consultation"),
        ("the car park exit barrier keeps staying down, urgently send someone", "", "effective"),
        ("my new sofa is too big for the lift, can you send someone to help carry it up", "", "help-seeking"),
        ("搬屋想借用貨𨋢，可唔可以派人幫手搬", "", "help-seeking"),
        (
            "the MTR exit escalator near our gate has been stopped for a week, can you tell MTR about it",
            "",
            "help-seeking",
        ),
        ("市政那条路的路灯坏了", "修好", "venting"),
        ("the bus company moved the stop 300m away, ridiculous", "change it back", "venting"),
    ],
)
def test_controls_keep_their_nature(text: str, asked: str, nature: str) -> None:
    assert kind_of(text, asked) == nature, judged(text, request=asked).explanations["nature"].reason


def test_a_shouted_question_says_what_it_read() -> None:
    j = judged("大堂新换的地毯颜色也太土了吧？？？谁选的？？？")
    assert "谁选的" in j.explanations["nature"].reason
