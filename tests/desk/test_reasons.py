"""Triage's and the SLA's reasons on a Chinese page are said in Chinese, from the decisions' structured
fields (rule id, criteria, department, deadline, level, recipients), with the complaint's own quoted
words kept exactly and the service's English one click away; an English page shows the service's text.

The triage reasons are the real engine's (`tests.triage.reading_support.judged`): when triage changes a
rule id or how it quotes, these tests say which reason the desk no longer knows."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from services.desk.adapters.i18n import load_translations
from services.desk.domain.reasons import Said, event_reason, quoted, review_flag, review_reason, triage_reason
from services.desk.entrypoints.pages import say
from services.triage.domain import review as triage_review
from shared.contracts.review import ReviewFlag, ReviewKind
from tests.desk.support import desk_client, desk_keys
from tests.triage.reading_support import judged

GOLDEN = Path(__file__).resolve().parents[2] / "shared" / "contracts" / "golden"
COMPLAINTS = [
    "The lift in Block 3 stopped and two residents were trapped for 35 minutes; nobody came.",
    "大廈停電成日，冇水冇電，我哋好嬲，要求賠償",
    "I want to ask when the car park fees change?",
    "My neighbour upstairs is noisy every night",
    "The cleaner was rude to me at the lobby",
    "the window",
    "someone hit my car in the car park, it cost me $5000 to repair",
]
# What the SLA writes into a warning's and a breach's notification (services/sla/adapters/outbound.py).
WARNING = "resolution clock: 80% of the allowed time used; deadline 2026-11-30T18:00:00+08:00"
BREACH = "hand-over clock breached (escalation level 2); deadline was 2026-11-30T10:17:00+08:00"


def words_of(lang: str) -> Callable[[str], str]:
    return load_translations()[lang].gettext


def said_in(lang: str, found: Said) -> str:
    return say(found, words_of(lang), lambda instant: instant.strftime("%Y-%m-%d %H:%M"), lang)


def english_left(text: str, found: Said) -> list[str]:
    """English words in a rendered reason, besides the complaint's words and the group's names."""
    for kept in sorted([*found.quoted, *found.names.values()], key=len, reverse=True):
        text = text.replace(kept, "")
    return re.findall(r"[A-Za-z]{3,}", text)


def decision(j: Any) -> dict[str, Any]:
    return {"severity_criteria": j.severity_criteria, "department": j.department,
            "first_responsible": j.first_responsible, "business_area": j.business_area}  # fmt: skip


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
@pytest.mark.parametrize("description", COMPLAINTS)
def test_every_reason_triage_gives_is_said_in_chinese_with_the_complaint_s_words(lang: str, description: str) -> None:
    j = judged(description)
    for aspect, why in j.explanations.items():
        explanation = {"reason": why.reason, "rule": why.rule}
        found = triage_reason(aspect, explanation, decision(j))
        assert found is not None, (aspect, why.rule, why.reason)
        text = said_in(lang, found)
        assert not english_left(text, found), (aspect, text)
        for words in quoted(why.reason):  # never lose the complaint's own quoted words
            assert words in text, (words, text)
    for flag in j.flags:  # triage's review flag, typed
        found = review_flag(flag)
        assert found is not None, flag
        assert not english_left(said_in(lang, found), found), flag


def every_kind_triage_gives() -> list[ReviewFlag]:
    """One flag of each builder of triage's review flag (services/triage/domain/review.py)."""
    r = triage_review
    narrow = r.narrowly_ahead("sanitation", "parking", 0.55, 0.6)
    return [
        r.low_confidence("severity", "minor", 0.3, 0.6),
        r.calibrated_low_confidence("category", "sanitation", 0.6, 0.8, 0.55, [narrow], 0.2, "parking", 0.8),
        narrow,
        r.no_topic("other"),
        r.no_sign_either_way("effective", "maintenance"),
        r.possibly_major("minor", [r.Sign("flooding ('flooded')", ("flooded",))]),
        r.model_graded("major", "important", 0.7, ["trapped", "困𨋢"]),
        r.model_disagrees("validity", "valid", "m1", "invalid", 0.8),
        r.major_possible("important", 0.3, 0.2),
        r.major_doubted(0.1, 0.2),
    ]


def test_every_kind_of_review_flag_triage_gives_is_said_in_every_language() -> None:
    """From the typed fields alone: no kind triage can publish is left untranslated, in any language."""
    flags = every_kind_triage_gives()
    module = triage_review.__name__
    builders = [f for f in vars(triage_review).values() if inspect.isfunction(f) and f.__module__ == module]
    builders = [f for f in builders if inspect.signature(f).return_annotation == "ReviewFlag"]
    assert len(builders) == len(flags), builders  # a builder added to triage is added here too
    assert {f.kind for f in flags} == set(ReviewKind) - {ReviewKind.UNKNOWN}  # unknown: older sentences only
    for flag in flags:
        found = review_flag(flag)
        assert found is not None, flag.kind
        for lang in ("en", "zh-Hant", "zh-Hans"):
            text = said_in(lang, found)
            assert "%(" not in text and "%s" not in text, (lang, text)
            assert all(words in text for words in flag.quoted), (lang, text)  # the complaint's words, verbatim
            if lang != "en":
                assert words_of(lang)(found.text) != found.text, (lang, found.text)
                assert not english_left(text, found), (lang, text)


def test_an_older_event_s_sentences_are_still_said() -> None:
    """An event before the typed flag: its sentences read for their kind, said as before."""
    for flag in every_kind_triage_gives():
        found = review_reason(flag.text)
        assert found is not None, flag.text
        assert not english_left(said_in("zh-Hant", found), found), flag.text


def test_the_quoted_words_are_the_complaint_s_own() -> None:
    assert quoted("effective: a duty of the company failed ('停電', '冇水', '賠償')") == ("停電", "冇水", "賠償")
    assert quoted("communication (consultation): 'I want to ask'") == ("I want to ask",)
    assert quoted("nature ('didn't come', 'x')") == ("didn't come", "x")
    assert quoted("the company's duty") == ()


def test_the_severity_says_every_criterion_that_matched() -> None:
    j = judged("大廈停電成日，冇水冇電，我哋好嬲，要求賠償")
    why = j.explanations["severity"]
    found = triage_reason("severity", {"reason": why.reason, "rule": why.rule}, decision(j))
    assert found is not None
    assert said_in("zh-Hant", found).startswith(
        "重大：造成經濟損失或人身傷害、客戶對疏忽或惡劣態度非常不滿（「賠償」、「好嬲」、「停電」、「冇水」）"
    )


def golden(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((GOLDEN / f"complaints.{name}.v1.json").read_text())
    return event


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sla.ClockStarted", "10 分鐘內轉交負責部門，限期 2024-03-14 09:16"),
        ("sla.ClockSuperseded", "已重新評級：自重新評級起按新級別的時限計算"),
        ("sla.RegradeRequested", "有效投訴收到一週後仍未解決，屬重大投訴（第 3 項準則）（「registered on 14 March"),
        ("triage.SeverityRegraded", "有效投訴收到一週後仍未解決，屬重大投訴（第 3 項準則）（「Lift B has been"),
        ("notifications.NotificationRequested", "重大投訴：已即時通知主管、領導、公司領導"),
        (
            "handling.CaseOpened",
            "業務範疇 機電設備 (electromechanical) 交由 工程部 (engineering) 處理（集團分派表）；"
            "首位負責人：工程部當值主任",
        ),
    ],
)
def test_the_sla_s_and_triage_s_event_reasons_are_said_in_chinese(name: str, expected: str) -> None:
    event = golden(name)
    payload = event["payload"]
    found = event_reason(name.rsplit(".", 1)[1], payload, payload["explanation"])
    assert found is not None and found.original == payload["explanation"]["reason"]
    assert said_in("zh-Hant", found).startswith(expected), said_in("zh-Hant", found)


def test_a_warning_and_a_breach_are_said_from_the_sla_s_sentence() -> None:
    warned = event_reason(
        "NotificationRequested",
        {"severity": "minor", "level": 1},
        {"reason": WARNING, "rule": "sla.resolution.minor@v1"},
    )
    breached = event_reason(
        "NotificationRequested", {"severity": "major", "level": 2}, {"reason": BREACH, "rule": "sla.hand-over@v1"}
    )
    assert warned and said_in("zh-Hans", warned) == "处理（半日／1日）：已用去允许时间的 80%；期限 2026-11-30 18:00"
    assert breached and said_in("zh-Hant", breached) == "轉交（10分鐘）：已逾期，上報第 2 級；限期原為 2026-11-30 10:17"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sla.DeadlineWarning", "轉交（10分鐘）：已用去容許時間的 80%；限期 2024-03-14 09:16"),
        ("sla.DeadlineBreached", "處理（半日／1日）：已逾期，上報第 1 級；限期原為 2024-03-15 09:06"),
    ],
)
def test_a_warning_and_a_breach_are_said_from_the_fields_their_event_carries(name: str, expected: str) -> None:
    """The SLA's own events carry the clock, the share used, the level and the deadline: the page says them
    from those, whatever the sentence says (a reworded or extended one changes nothing)."""
    event = golden(name)
    payload = event["payload"]
    reworded = {**payload["explanation"], "reason": "reworded in a later version of the SLA"}
    found = event_reason(name.rsplit(".", 1)[1], payload, reworded)
    assert found is not None and found.original == reworded["reason"]
    assert said_in("zh-Hant", found).startswith(expected), said_in("zh-Hant", found)


def test_a_notification_s_warning_is_said_from_its_fields_and_an_older_one_from_its_sentence() -> None:
    extended = f"{WARNING} (extended by the manager)"  # a sentence the older reading cannot read
    fields = {"severity": "minor", "level": 1, "occasion": "deadline-warning", "clock": "resolution",
              "deadline": "2026-11-30T18:00:00+08:00", "fraction": 0.8}  # fmt: skip
    warned = event_reason("NotificationRequested", fields, {"reason": extended, "rule": "sla.resolution.minor@v1"})
    assert warned and said_in("zh-Hans", warned) == "处理（半日／1日）：已用去允许时间的 80%；期限 2026-11-30 18:00"
    breach = fields | {"occasion": "deadline-breached", "level": 3, "fraction": None}
    breached = event_reason("NotificationRequested", breach, {"reason": "x", "rule": "sla.resolution.minor@v1"})
    assert breached and "上報第 3 級" in said_in("zh-Hant", breached)
    older = {"severity": "minor", "level": 1}  # published before the occasion and clock travelled
    assert event_reason("NotificationRequested", older, {"reason": extended, "rule": "sla.resolution.minor@v1"}) is None


def test_a_rule_the_desk_does_not_know_is_left_to_the_service_s_words() -> None:
    assert (
        triage_reason("severity", {"reason": "minor: something new", "rule": "severity.minor.brand-new@v9"}, {}) is None
    )
    assert event_reason("ClockStarted", {}, {"reason": "x", "rule": "sla.brand-new@v1"}) is None
    assert review_reason("something: new") is None


# -- on the complaint page ------------------------------------------------------------------------------

CID = uuid4()
J = judged("大廈停電成日，冇水冇電，我哋好嬲，要求賠償")
TRIAGE = {
    "complaint_id": str(CID), "office_id": "hk-central", "triaged": True, "severity": J.severity,
    "criteria": J.severity_criteria,
    "decision": {**decision(J), "validity": J.validity, "nature": J.nature, "communication_kind": None,
                 "content_category": J.content_category, "severity": J.severity,
                 "explanations": {a: {"reason": w.reason, "rule": w.rule} for a, w in J.explanations.items()},
                 "review": ["business area: no topic recognised"], "history": None},
    "confirmations": [], "overrides": [],
}  # fmt: skip
STARTED = golden("sla.ClockStarted")
HISTORY = {
    "complaint": {"complaint_id": str(CID), "office_id": "hk-central", "office_reference": "W-9", "sequence_number": 9,
                  "received_at": "2026-11-30T10:07:00+00:00", "state": "triaged", "severity": "major"},
    "state": "triaged", "judged_at": "2026-11-30T10:08:00+00:00", "checks": [],
    "timeline": [{"type": "complaints.sla.ClockStarted", "occurred_at": STARTED["occurred_at"],
                  "actor": {"id": "system:sla", "role": "system"}, "summary": "hand-over clock started",
                  "explanation": STARTED["payload"]["explanation"], "payload": STARTED["payload"]}],
}  # fmt: skip


def stand_in(request: httpx.Request) -> httpx.Response:
    host = request.url.host
    if host == "projection" and request.url.path == "/complaints":
        return httpx.Response(200, json={"total": 0, "limit": 500, "offset": 0, "items": []})
    if host == "projection":
        return httpx.Response(200, json=HISTORY)
    if host == "triage":
        return httpx.Response(200, json=TRIAGE)
    return httpx.Response(404, json={"detail": "no such complaint"})


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    with desk_client(tmp_path, keys, stand_in) as test_client:
        yield test_client, keys


def page_of(client: TestClient, key: str, lang: str) -> str:
    client.cookies.set("desk_lang", lang)
    assert client.post("/sign-in", data={"key": key, "next": "/queue"}).status_code == 200
    return client.get(f"/complaints/{CID}").text


def shown_reasons(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", r) for r in re.findall(r'data-testid="reason">(.*?)</span>', page)]


def test_a_chinese_complaint_page_says_the_reasons_in_chinese(client: Any) -> None:
    test_client, keys = client
    page = page_of(test_client, keys["hk-central/supervisor"], "zh-Hant")
    reasons = shown_reasons(page)
    assert len(reasons) == 5 + 1 + 1, reasons  # five aspects, the review, the clock
    english = J.explanations["routing"].reason
    assert all("goes to" not in r and "company's duty" not in r for r in reasons) and english not in reasons
    # the area and the department in the page's words (shared/contracts/labels.py), their codes after them
    routed = "業務範疇 機電設備 (electromechanical) 交由 工程部 (engineering) 處理"
    assert any(r.startswith(routed) for r in reasons), reasons
    # and the first responsible in them too, as the case panel says them (it read "engineering duty officer")
    assert any(r.startswith(routed) and r.endswith("首位負責人：工程部當值主任") for r in reasons), reasons
    assert any("「好嬲」" in r for r in reasons)  # the complaint's own words, as written
    assert "業務範疇：認不出主題" in reasons and any("10 分鐘內轉交負責部門" in r for r in reasons)
    assert english in page and "服務的原文" in page  # the service's text, one click away


def test_the_complaint_page_says_triage_s_typed_flags_and_drops_those_a_person_settled(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Triage's decision with the typed flag (`review_flags`): each said from its fields, whatever its
    sentence; one whose aspect a person confirmed is no longer asked for."""
    narrow = triage_review.narrowly_ahead("sanitation", "parking", 0.55, 0.6)
    reworded = narrow.model_copy(update={"text": "business area: a close call, sanitation or parking"})
    major = triage_review.possibly_major("minor", [triage_review.Sign("flooding ('flooded')", ("flooded",))])
    flags = [f.model_dump(mode="json") for f in (reworded, major)]
    decided = TRIAGE["decision"] | {"review": [reworded.text, major.text], "review_flags": flags}
    confirmed = [{"aspect": "severity", "value": "minor", "by": "s", "role": "supervisor", "reason": "looked"}]
    monkeypatch.setitem(TRIAGE, "decision", decided)
    monkeypatch.setitem(TRIAGE, "confirmations", confirmed)
    test_client, keys = client
    page = page_of(test_client, keys["hk-central/supervisor"], "zh-Hans")
    reasons = shown_reasons(page)
    assert "业务范畴：环境卫生 只略微领先 停车场" in reasons
    assert page.count('data-testid="review-reason"') == 1 and 'data-kind="narrowly-ahead"' in page
    assert not any("可能属重大" in r for r in reasons)  # severity confirmed: settled


def test_an_english_page_shows_the_service_s_own_reasons(client: Any) -> None:
    test_client, keys = client
    reasons = shown_reasons(page_of(test_client, keys["hk-central/supervisor"], "en"))
    assert J.explanations["routing"].reason in reasons and STARTED["payload"]["explanation"]["reason"] in reasons


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("model.severity.major.injury-or-loss@v3", "重大（閱讀模型的判讀）：造成經濟損失或人身傷害"),
        ("model.nature.effective@v3", "有效投訴（閱讀模型的判讀）"),
        ("model.area.parking@v3", "業務範疇 停車場 (parking)（閱讀模型的判讀）"),
    ],
)
def test_the_reading_model_s_decisions_say_so(rule: str, expected: str) -> None:
    """triage's second reading (services/triage/domain/second_reading.py) names its rules model.<aspect>.…"""
    found = triage_reason("x", {"reason": "as the model read it", "rule": rule}, {})
    assert found is not None and said_in("zh-Hant", found) == expected


@pytest.mark.parametrize(("lang", "aspect"), [("en", "severity"), ("zh-Hant", "嚴重程度")])
def test_a_review_reason_names_its_aspect_once(
    client: Any, monkeypatch: pytest.MonkeyPatch, lang: str, aspect: str
) -> None:
    """Found on `make up`: an English page read "severity severity: the reading model and the rules disagree
    …" (the service's sentence names its aspect already; the aspect's word is put before it only where the
    page says the sentence in another language)."""
    disagree = triage_review.model_disagrees("severity", "minor", "reading-model@1", "major", 0.4)
    decided = TRIAGE["decision"] | {"review": [disagree.text], "review_flags": [disagree.model_dump(mode="json")]}
    monkeypatch.setitem(TRIAGE, "decision", decided)
    monkeypatch.setitem(TRIAGE, "confirmations", [])
    test_client, keys = client
    page = page_of(test_client, keys["hk-central/supervisor"], lang)
    said = re.sub(r"<[^>]+>", "", re.search(r'data-testid="review-reason"[^>]*>(.*?)</li>', page, re.S)[1])  # type: ignore[index]
    assert said.count(aspect) == 1, said
