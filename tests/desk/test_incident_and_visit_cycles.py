# ruff: noqa: RUF001, RUF002 (the pages' Chinese punctuation)
"""Found on the walk through `make up`:

- a supervisor looking at one complaint of a mass incident could not see the others: the page now lists
  every member triage names (`incident` of its decision), each of the person's office a link with its
  reference, received time and state, another office's named by its office alone;
- the triage table gave, beside a grade the incident had re-graded major, the first judgement's reason for
  "important", and beside a person's override triage's reason for the value they replaced: the reason
  shown is now the re-grade's (its criterion, linked to its line) or the person's why (and who), triage's
  first reason one click away;
- the complainant's status page said "we visited you" for each return visit, the same words before and
  after a reopening: each visit now says after which reopening it was, and a visit that did not reach
  them says so instead of "visited".
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.status_link import status_token
from tests.desk.support import desk_client, desk_keys

CID, NEIGHBOUR, FAR = uuid4(), uuid4(), uuid4()
SYSTEM = {"id": "system:followup", "role": "system"}


def complaint(cid: Any, reference: str, received: str, state: str = "in-handling") -> dict[str, Any]:
    return {
        "complaint": {"complaint_id": str(cid), "office_id": "hk-central", "office_reference": reference,
                      "sequence_number": 1, "received_at": received, "state": state, "severity": "major"},
        "state": state,
        "checks": [],
        "timeline": [{"type": "complaints.intake.ComplaintRegistered", "occurred_at": received, "actor": SYSTEM,
                      "summary": "registered", "explanation": None,
                      "payload": {"form": {"description": "No water since 7am.", "customer_request": "Restore it."}}}],
    }  # fmt: skip


INCIDENT = {
    "cluster_id": str(uuid4()),
    "incident_key": "harbour view gardens/block 3|water",
    "window_start": "2026-12-01T01:00:00+00:00",
    "members": [
        {"complaint_id": str(NEIGHBOUR), "office_id": "hk-central", "received_at": "2026-12-01T01:00:00+00:00"},
        {"complaint_id": str(CID), "office_id": "hk-central", "received_at": "2026-12-01T01:05:00+00:00"},
        {"complaint_id": str(FAR), "office_id": "kln-east", "received_at": "2026-12-01T01:10:00+00:00"},
    ],
}
OVERRIDE = {
    "aspect": "category",
    "previous": "equipment/electromechanical",
    "value": "emergency/maintenance",
    "by": "hk-central/supervisor",
    "role": "supervisor",
    "reason": "A burst pipe: maintenance's work.",
    "at": "2026-12-01T02:00:00+00:00",
}
TRIAGE = {
    "complaint_id": str(CID),
    "office_id": "hk-central",
    "triaged": True,
    "severity": "major",
    "criteria": ["important.seriously-affects", "major.mass-incident"],
    "confirmations": [],
    "overrides": [OVERRIDE],
    "incident": INCIDENT,
    "decision": {
        "validity": "valid",
        "nature": "effective",
        "content_category": "equipment",
        "business_area": "electromechanical",
        "severity": "important",
        "department": "engineering",
        "explanations": {
            "severity": {
                "reason": "important: seriously affects use: an outage ('No water')",
                "rule": "severity.important.seriously-affects@v1",
                "caused_by": [],
            },
            "category": {
                "reason": "content equipment; business area electromechanical ('water')",
                "rule": "category.equipment.electromechanical@v1",
                "caused_by": [],
            },
        },
    },
}
REGRADE_ID = str(uuid4())
REGRADED = {
    "type": "complaints.triage.SeverityRegraded",
    "occurred_at": "2026-12-01T01:05:00+00:00",
    "event_id": REGRADE_ID,
    "actor": {"id": "system:triage", "role": "system"},
    "summary": "re-graded",
    "payload": {
        "previous": "important",
        "severity": "major",
        "criterion": "major.mass-incident",
        "explanation": {"reason": "major: part of mass incident", "rule": "r", "caused_by": []},
    },
}

VISITED_TWICE = complaint(CID, "HK-W2", "2026-12-01T01:05:00+00:00", "closed")
VISITED_TWICE["timeline"] += [
    {"type": "complaints.followup.ReturnVisitMade", "occurred_at": "2026-12-01T06:00:00+00:00", "actor": SYSTEM,
     "payload": {"outcome": "unreachable", "attempt": 1, "final": False}},
    {"type": "complaints.followup.ReturnVisitMade", "occurred_at": "2026-12-01T09:00:00+00:00", "actor": SYSTEM,
     "payload": {"outcome": "dissatisfied", "attempt": 2, "final": True}},
    {"type": "complaints.handling.CaseReopened", "occurred_at": "2026-12-01T09:00:01+00:00", "actor": SYSTEM,
     "payload": {"reason": "dissatisfied"}},
    {"type": "complaints.followup.ReturnVisitMade", "occurred_at": "2026-12-02T06:00:00+00:00", "actor": SYSTEM,
     "payload": {"outcome": "satisfied", "attempt": 1, "final": True}},
]  # fmt: skip


class Stand:
    def __init__(self) -> None:
        self.status_history = VISITED_TWICE

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host, path = request.url.host, request.url.path
        if host == "projection" and path == f"/complaints/{CID}":
            if request.headers.get("x-office-key") == self.reader:
                return httpx.Response(200, json=self.status_history)
            staff = complaint(CID, "HK-W2", "2026-12-01T01:05:00+00:00")
            staff["timeline"].append(REGRADED)
            return httpx.Response(200, json=staff)
        if host == "projection" and path == f"/complaints/{NEIGHBOUR}":
            return httpx.Response(200, json=complaint(NEIGHBOUR, "HK-W1", "2026-12-01T01:00:00+00:00", "replied"))
        if host == "triage" and path == f"/complaints/{CID}/triage":
            return httpx.Response(200, json=TRIAGE)
        if host == "projection" and path == "/complaints":
            return httpx.Response(200, json={"total": 0, "limit": 500, "offset": 0, "items": []})
        return httpx.Response(404, json={"detail": "no such complaint"})  # FAR: another office's

    reader = ""


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, Stand, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = Stand()
    stand.reader = keys["group/dashboard"]
    with desk_client(tmp_path, keys, stand) as client:
        yield client, stand, keys


def plain(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def members(page: str) -> list[str]:
    return [plain(m) for m in re.findall(r'data-testid="incident-member"[^>]*>(.*?)</li>', page, re.S)]


@pytest.mark.parametrize(
    ("lang", "heading", "this", "other_office", "state"),
    [
        ("en", "3 complaints about harbour view gardens/block 3 (water), the first received",
         "(this complaint)", "a complaint of kln-east, received", "replied"),
        ("zh-Hant", "3 宗投訴關於 harbour view gardens/block 3（water），第一宗接收於",
         "(本投訴)", "kln-east 的一宗投訴，接收於", "已回覆"),
        ("zh-Hans", "3 宗投诉关于 harbour view gardens/block 3（water），第一宗接收于",
         "(本投诉)", "kln-east 的一宗投诉，接收于", "已回复"),
    ],
)  # fmt: skip
def test_a_supervisor_sees_every_complaint_of_the_mass_incident_on_one_of_its_pages(
    desk: Any, lang: str, heading: str, this: str, other_office: str, state: str
) -> None:
    client, _, keys = desk
    client.cookies.set("desk_lang", lang)
    assert client.post("/sign-in", data={"key": keys["hk-central/supervisor"], "next": "/queue"}).status_code == 200
    page = client.get(f"/complaints/{CID}").text

    said = plain(re.search(r'data-testid="incident"[^>]*>(.*?)</p>', page, re.S)[1])  # type: ignore[index]
    assert said.startswith(heading), said
    first, own, far = members(page)
    assert first.startswith("HK-W1") and state in first, first
    assert f'href="/complaints/{NEIGHBOUR}"' in page
    assert own.startswith("HK-W2") and this in own, own
    assert other_office in far and f'href="/complaints/{FAR}"' not in page, far


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        ("en", ["We tried to reach you to ask about the result, without success",
                "We visited you to ask about the result (dissatisfied)",
                "After reopening 1, we visited you to ask about the new result (satisfied)"]),
        ("zh-Hant", ["我們曾嘗試聯絡您了解處理結果，但未能聯絡上",
                     "我們已回訪您了解處理結果 (不滿意)",
                     "第 1 次重開後，我們已回訪您了解新的處理結果 (滿意)"]),
        ("zh-Hans", ["我们曾尝试联系您了解处理结果，但未能联系上",
                     "我们已回访您了解处理结果 (不满意)",
                     "第 1 次重开后，我们已回访您了解新的处理结果 (满意)"]),
    ],
)  # fmt: skip
def test_the_status_page_says_which_cycle_each_return_visit_was_of(desk: Any, lang: str, lines: list[str]) -> None:
    client, _, _ = desk
    page = client.get(f"/status/{status_token(CID, 'development-status-link-secret')}?lang={lang}").text
    visits = [plain(m) for m in re.findall(r'data-testid="milestone" data-key="visited">(.*?)</li>', page, re.S)]
    for visit, line in zip(visits, lines, strict=True):
        assert visit.endswith(line), (visit, line)
    assert len(set(visits)) == 3


@pytest.mark.parametrize(
    ("lang", "received", "not_said"),
    # (the page's "Received:" line went: the first milestone says when, at the office's received time)
    [
        ("en", "Where it stands: ", "Where it stands : "),
        ("zh-Hant", "目前進度：", "目前進度: "),
        ("zh-Hans", "目前进度：", "连结"),
    ],
)
def test_the_status_page_reads_in_each_language_s_own_words_and_punctuation(
    desk: Any, lang: str, received: str, not_said: str
) -> None:
    """Found on the walk: '接收時間: ' with a Latin colon beside '目前進度：', and Shenzhen readers' page
    saying 连结 (Hong Kong's and Taiwan's word) for a link, 链接."""
    client, _, _ = desk
    page = plain(client.get(f"/status/{status_token(CID, 'development-status-link-secret')}?lang={lang}").text)
    assert received in page and not_said not in page, page


@pytest.mark.parametrize(
    ("lang", "regraded", "replaced"),
    [("en", "re-graded important → major (more than five customers about the same incident)",
      "triage's reason, no longer in force"),
     ("zh-Hant", "重新評級：重要 → 重大 (超過五位客戶投訴同一事件)", "分流原本的理由（已不適用）"),
     ("zh-Hans", "重新评级：重要 → 重大 (超过五位客户投诉同一事件)", "分流原本的理由（已不适用）")],
)  # fmt: skip
def test_the_reason_beside_a_re_graded_or_overridden_value_is_the_one_in_force(
    desk: Any, lang: str, regraded: str, replaced: str
) -> None:
    client, _, keys = desk
    client.cookies.set("desk_lang", lang)
    assert client.post("/sign-in", data={"key": keys["hk-central/supervisor"], "next": "/queue"}).status_code == 200
    page = client.get(f"/complaints/{CID}").text

    def row(aspect: str) -> str:
        return re.search(rf'<tr data-testid="decision-{aspect}">(.*?)</tr>', page, re.S)[1]  # type: ignore[index]

    severity, category = row("severity"), row("category")
    shown = plain(re.search(r'data-testid="regrade-reason">(.*?)</a>', severity, re.S)[1])  # type: ignore[index]
    assert shown.startswith(regraded), shown
    assert f'href="#event-{REGRADE_ID}"' in severity
    # triage's first reason (for "important") is no longer what the row says: only one click away
    assert "seriously affects" not in plain(re.sub(r"<details.*?</details>", "", severity, flags=re.S))
    assert replaced in severity
    said = plain(re.sub(r"<details.*?</details>", "", category, flags=re.S))
    assert "A burst pipe: maintenance's work. (hk-central/supervisor)" in said, said
    assert "electromechanical ('water')" not in said and replaced in category


TOLD = [
    {"scope": "group", "complaint_id": str(NEIGHBOUR), "at": "2026-12-01T01:20:00+00:00", "complaints": 6},
    {"scope": "hk-central", "complaint_id": str(CID), "at": "2026-12-01T01:21:00+00:00", "complaints": 1},
]


@pytest.mark.parametrize(
    ("lang", "told", "nobody"),
    [
        ("en", ["the group's leaders, Dec 1, 2026, 9:20:00 AM, at complaint HK-W1, when it held 6 complaints",
                "the leaders of hk-central, Dec 1, 2026, 9:21:00 AM, at complaint HK-W2, when it held 1 complaint"],
         "Nobody has been told of it yet."),
        ("zh-Hant", ["集團領導，", "，於投訴 HK-W1 時獲通知，當時共 6 宗投訴",
                     "hk-central 的領導，", "於投訴 HK-W2 時獲通知，當時共 1 宗投訴"],
         "尚未通知任何人。"),
        ("zh-Hans", ["集团领导，", "，于投诉 HK-W1 时获通知，当时共 6 宗投诉",
                     "hk-central 的领导，", "于投诉 HK-W2 时获通知，当时共 1 宗投诉"],
         "尚未通知任何人。"),
    ],
)  # fmt: skip
def test_the_incident_panel_says_who_was_told_at_which_complaint_when_and_of_how_many(
    desk: Any, lang: str, told: list[str], nobody: str
) -> None:
    """Found on the walk as a manager: the panel listed the incident's complaints but not who triage told
    of it (`incident.told` of `GET /complaints/{id}/triage`): the group's leaders and each office's, once,
    at which complaint, when, and how many complaints it held then. Before anyone is told, it says so."""
    client, _, keys = desk
    client.cookies.set("desk_lang", lang)
    assert client.post("/sign-in", data={"key": keys["hk-central/supervisor"], "next": "/queue"}).status_code == 200
    before = client.get(f"/complaints/{CID}").text
    assert nobody in plain(before) and 'data-testid="incident-told"' not in before
    INCIDENT["told"] = TOLD
    try:
        page = client.get(f"/complaints/{CID}").text
    finally:
        del INCIDENT["told"]
    entries = [plain(m) for m in re.findall(r'data-testid="incident-told-entry"[^>]*>(.*?)</li>', page, re.S)]
    assert len(entries) == 2 and nobody not in plain(page), entries
    said = " | ".join(entries)
    for words in told:
        assert words in said, (words, said)
    assert 'data-scope="group"' in page and 'data-scope="hk-central"' in page
