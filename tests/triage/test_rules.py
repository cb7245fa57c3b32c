"""The rules engine, table-driven: each criterion of DOMAIN.md gets complaints (English and Chinese)
that grade as the seeds say, with the reason and the versioned rule recorded."""

from __future__ import annotations

from typing import Any

import pytest

from services.triage.domain.engine import EarlierComplaint, History, judge
from services.triage.domain.rules import Rules, load_rules_file

RULES = Rules(7, load_rules_file())


def form(description: str, obj: str = "Block 3", request: str = "Please deal with it.", **extra: Any) -> dict[str, Any]:
    return {
        "object": obj,
        "description": description,
        "customer_request": request,
        "unit_address": "Flat B, 12/F, Block 3, Harbour View Gardens",
    } | extra


SEVERITY_CASES = [
    # (id, text, severity, criterion that must be among the matched ones)
    (
        "major-1-promise-repeated-en",
        "The cleaning promised in our service agreement has still not been done; I have complained many times.",
        "major",
        "major.promised-service-repeated",
    ),
    (
        "major-1-promise-repeated-zh",
        "合同承諾的每日清潔仍未落實,我已多次投訴。",
        "major",
        "major.promised-service-repeated",
    ),
    (
        "major-2-injury-en",
        "My mother slipped on the wet lobby floor with no warning sign; she fell and is injured.",
        "major",
        "major.injury-or-loss",
    ),
    ("major-2-loss-zh", "保安疏忽導致我的單車被盜,造成經濟損失。", "major", "major.injury-or-loss"),
    (
        "major-4-outage-en",
        "Sudden power failure in the whole building since 7 pm, all lifts stopped.",
        "major",
        "major.sudden-outage",
    ),
    ("major-4-outage-zh", "整棟大廈突然停電,電梯停運。", "major", "major.sudden-outage"),
    ("major-4-water-zh", "全小區停水已經三小時,沒有任何通知。", "major", "major.sudden-outage"),
    (
        "important-seriously-affects-en",
        "The intercom has been broken for days and we cannot use the entrance door.",
        "important",
        "important.seriously-affects",
    ),
    ("important-seriously-affects-zh", "門禁壞了幾天,嚴重影響出入。", "important", "important.seriously-affects"),
    (
        "important-angry-attitude-en",
        "The guard shouted at my son; I am very angry at this attitude.",
        "important",
        "important.angry-at-negligence",
    ),
    ("important-angry-attitude-zh", "保安員態度惡劣,我非常生氣。", "important", "important.angry-at-negligence"),
    ("minor-en", "A corridor light on the 12th floor flickers.", "minor", "minor.slight"),
    ("minor-zh", "12樓走廊的燈有點閃。", "minor", "minor.slight"),
]


@pytest.mark.parametrize(
    ("text", "severity", "criterion"), [c[1:] for c in SEVERITY_CASES], ids=[c[0] for c in SEVERITY_CASES]
)
def test_severity_criteria(text: str, severity: str, criterion: str) -> None:
    judgement = judge(form(text), "hk-central", RULES, History())

    assert judgement.severity == severity
    assert criterion in judgement.severity_criteria
    explained = judgement.explanations["severity"]
    assert explained.reason.startswith(f"{severity}:")
    assert explained.rule.endswith("@v7")


def test_a_promise_without_a_repeat_is_not_major() -> None:
    judgement = judge(form("The cleaning promised in the contract was not done today."), "hk-central", RULES, History())
    assert "major.promised-service-repeated" not in judgement.severity_criteria


def test_a_repeat_complaint_about_a_promise_is_major_by_history_and_names_the_earlier_one() -> None:
    earlier = EarlierComplaint("c-1", "sanitation", "valid", promise_mentioned=True)
    judgement = judge(
        form("The cleaning promised in the contract was not done; the rubbish room is dirty."),
        "hk-central",
        RULES,
        History((earlier,)),
    )
    assert judgement.severity == "major"
    assert "major.promised-service-repeated" in judgement.severity_criteria
    assert judgement.repeats == ["c-1"]
    assert "1 earlier complaint(s) on sanitation" in judgement.explanations["severity"].reason


def test_an_outage_of_one_flat_is_not_a_large_scale_outage() -> None:
    judgement = judge(form("No water in my flat since this morning."), "hk-central", RULES, History())
    assert "major.sudden-outage" not in judgement.severity_criteria


VALIDITY_CASES = [
    ("valid-en", "The lift in Block 3 is broken.", "valid"),
    ("valid-zh", "3座電梯壞了。", "valid"),
    ("invalid-en", "The typhoon blew leaves onto my balcony and I want the government policy changed.", "invalid"),
    ("invalid-zh", "颱風把樹葉吹到我的露台。", "invalid"),
    ("assisted-en", "The power company cut the supply for works without telling us.", "assisted"),
    ("assisted-zh", "自來水公司維修水管,要求管理處協助通知住戶。", "assisted"),
]


@pytest.mark.parametrize(("text", "validity"), [c[1:] for c in VALIDITY_CASES], ids=[c[0] for c in VALIDITY_CASES])
def test_validity(text: str, validity: str) -> None:
    judgement = judge(form(text), "hk-central", RULES, History())
    assert judgement.validity == validity
    assert judgement.explanations["validity"].rule == f"validity.{validity}@v7"
    assert judgement.explanations["validity"].reason.startswith(validity)


def test_an_invalid_complaint_is_minor_and_still_explained() -> None:
    judgement = judge(form("The typhoon damaged my plants."), "hk-central", RULES, History())
    assert (judgement.validity, judgement.severity) == ("invalid", "minor")
    assert judgement.severity_criteria == ["minor.not-established"]
    assert "replied to politely" in judgement.explanations["severity"].reason


NATURE_CASES = [
    ("effective-en", "Staff negligence: the pipe was not repaired after three reports.", "effective", None),
    ("effective-zh", "管理處失職,水管漏水無人處理。", "effective", None),
    (
        "consultation-en",
        "I would like to know how do I apply for a second parking space.",
        "communication",
        "consultation",
    ),
    ("consultation-zh", "請問怎麼辦理裝修申請?", "communication", "consultation"),
    ("help-seeking-en", "I am locked out of my flat, please assist.", "communication", "help-seeking"),
    ("help-seeking-zh", "我的鑰匙丟了,需要幫忙開門。", "communication", "help-seeking"),
    ("venting-en", "I am fed up with the noise of morning exercises in the garden.", "communication", "venting"),
    ("venting-zh", "早上晨練的噪音太吵,我很不滿。", "communication", "venting"),
]


@pytest.mark.parametrize(("text", "nature", "kind"), [c[1:] for c in NATURE_CASES], ids=[c[0] for c in NATURE_CASES])
def test_nature(text: str, nature: str, kind: str | None) -> None:
    # venting asks nothing: "Please deal with it." would ask us to act (help sought; test_reading_nature.py)
    judgement = judge(
        form(text, request="" if kind == "venting" else "Please deal with it."), "hk-central", RULES, History()
    )
    assert (judgement.nature, judgement.communication_kind) == (nature, kind)
    assert judgement.explanations["nature"].rule.startswith(f"nature.{nature}")


CATEGORY_CASES = [
    ("sanitation-en", "Rubbish piled up by the bins, a bad smell and cockroaches.", "service-quality", "sanitation"),
    ("sanitation-zh", "垃圾房很髒,有臭味和蟑螂。", "service-quality", "sanitation"),
    ("public-facilities-en", "The playground bench in the garden is missing.", "service-quality", "public-facilities"),
    ("public-facilities-zh", "花園遊樂場的公共設施沒有人管理。", "equipment", "public-facilities"),
    ("safety-en", "My bicycle was stolen; the security guard saw nothing.", "service-quality", "safety"),
    ("safety-zh", "我的單車在車房被偷,保安沒有發現。", "service-quality", "safety"),
    ("staff-en", "The receptionist was rude to me.", "service-attitude", "staff"),
    ("staff-zh", "工作人員態度很差。", "service-attitude", "staff"),
    ("decoration-en", "Renovation drilling in the flat above starts at 7 am.", "service-quality", "decoration"),
    ("decoration-zh", "隔壁裝修施工一早開始鑽牆。", "service-quality", "decoration"),
    (
        "customer-service-en",
        "I called the hotline three times and no one answered.",
        "service-quality",
        "customer-service",
    ),
    ("parking-en", "Someone parks in my parking space every night.", "service-quality", "parking"),
    ("parking-zh", "我的車位每晚被人佔用,停車管理混亂。", "service-quality", "parking"),
    ("electromechanical-en", "The lift in Block 3 stops between floors.", "equipment", "electromechanical"),
    ("electromechanical-zh", "3座電梯經常停在兩層之間。", "equipment", "electromechanical"),
    ("maintenance-en", "Water seepage through the ceiling crack needs repair.", "service-quality", "maintenance"),
    ("maintenance-zh", "天花滲水,需要維修。", "service-quality", "maintenance"),
    ("finance-en", "I was overcharged on this month's management fee bill.", "service-quality", "finance"),
    ("finance-zh", "這個月的管理費多收了,要求退款。", "service-quality", "finance"),
    ("club-en", "The clubhouse swimming pool closed without notice.", "service-quality", "club"),
    ("club-zh", "會所泳池沒有通知就關閉。", "service-quality", "club"),
    ("traffic-en", "Cars speeding on the estate road near the shuttle bus stop.", "service-quality", "traffic"),
    ("traffic-zh", "小區道路有車超速,交通很亂。", "service-quality", "traffic"),
    (
        "customer-data-en",
        "My personal data was leaked by the office to a salesman.",
        "service-quality",
        "customer-data",
    ),
    ("customer-data-zh", "管理處洩露了業主的個人資料。", "service-quality", "customer-data"),
    ("emergency-en", "Smoke and fire in the refuse room!", "emergency", "safety"),
    ("emergency-zh", "地庫水浸,有人被困。", "emergency", "maintenance"),  # standing water: the drains failed
]


@pytest.mark.parametrize(
    ("text", "content", "area"), [c[1:] for c in CATEGORY_CASES], ids=[c[0] for c in CATEGORY_CASES]
)
def test_category(text: str, content: str, area: str) -> None:
    judgement = judge(form(text, obj="-"), "hk-central", RULES, History())
    assert (judgement.content_category, judgement.business_area) == (content, area)
    assert judgement.explanations["category"].rule == f"category.{content}.{area}@v7"


def test_routing_uses_the_group_table_and_office_overrides() -> None:
    text = "Someone parks in my parking space every night."
    group = judge(form(text, obj="-"), "hk-central", RULES, History())
    override = judge(form(text, obj="-"), "kln-east", RULES, History())

    assert (group.department, group.first_responsible) == ("parking", "car park supervisor")
    assert override.department == "customer-service"
    assert "office kln-east routing table" in override.explanations["routing"].reason
    assert "group routing table" in group.explanations["routing"].reason


def test_history_is_summarised_and_many_invalid_complaints_are_flagged_not_rejected() -> None:
    earlier = tuple(EarlierComplaint(f"c-{n}", "other", "invalid", False) for n in range(3))
    judgement = judge(form("The lift in Block 3 is broken."), "hk-central", RULES, History(earlier))

    assert judgement.history == {
        "earlier_complaints": 3,
        "recent_complaint_ids": ["c-2", "c-1", "c-0"],
        "invalid_complaints": 3,
        "flagged_for_review": True,
    }
    assert judgement.validity == "valid"  # flagged for a human, never auto-rejected


def test_pinyin_glosses_in_chinese_text_are_ignored() -> None:
    judgement = judge(form("環(huán)境衛(wèi)生很差,垃圾沒人清理。", obj="-"), "hk-central", RULES, History())
    assert judgement.business_area == "sanitation"
