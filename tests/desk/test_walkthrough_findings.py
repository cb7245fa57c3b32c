"""Three things staff saw on the complaint page, over stand-ins answering with the services' shapes:
a second cycle's return visit read "Return visit 1" again; the hand-over clock still said breached
(overdue) after the step was done, late; and triage's first responsible ("engineering duty officer")
stayed English on Chinese pages."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.contracts import labels
from tests.desk.support import desk_client, desk_keys

CID = uuid4()
SYSTEM = {"id": "system:followup", "role": "system"}
HISTORY: dict[str, Any] = {
    "complaint": {"complaint_id": str(CID), "office_id": "hk-central", "office_reference": "W-9", "sequence_number": 9,
                  "received_at": "2026-11-30T10:07:00+00:00", "state": "handling", "severity": "minor",
                  "validity": "valid", "business_area": "electromechanical", "department": "engineering"},
    "state": "handling",
    "checks": [],
    "timeline": [],
}  # fmt: skip
CASE = {"complaint_id": str(CID), "stage": "in-progress", "first_responsible": "engineering duty officer"}
FOLLOWUP: dict[str, Any] = {
    "complaint_id": str(CID), "office_id": "hk-central", "cycle": 0, "validity": "valid", "results": [],
    "replies": [], "visits": [], "waivers": {}, "closed": None,
}  # fmt: skip
SLA: dict[str, Any] = {"complaint_id": str(CID), "office_id": "hk-central", "severity": "minor", "clocks": [],
                       "regrade_requested": False}  # fmt: skip


class Stand:
    def __init__(self) -> None:
        self.history, self.case = copy.deepcopy(HISTORY), dict(CASE)
        self.followup, self.sla = copy.deepcopy(FOLLOWUP), copy.deepcopy(SLA)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answers = {"projection": self.history, "handling": self.case, "followup": self.followup, "sla": self.sla}
        if request.url.host == "projection" and request.url.path == "/complaints":
            return httpx.Response(200, json={"total": 0, "limit": 500, "offset": 0, "items": []})
        if request.url.host == "triage":
            return httpx.Response(404, json={"detail": "not triaged"})
        return httpx.Response(200, json=answers[request.url.host])


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, Stand, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = Stand()
    with desk_client(tmp_path, keys, stand) as client:
        yield client, stand, keys


def page_in(client: TestClient, key: str, lang: str) -> str:
    client.cookies.set("desk_lang", lang)
    assert client.post("/sign-in", data={"key": key, "next": "/queue"}).status_code == 200
    return client.get(f"/complaints/{CID}").text


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# -- 1. return visits numbered per reopening cycle -----------------------------------------------

VISITS = [
    {"cycle": 0, "attempt": 1, "outcome": "dissatisfied", "satisfaction": 2, "acknowledged": False,
     "remarks": None, "final": True, "at": "2026-12-01T02:00:00+00:00"},
    {"cycle": 1, "attempt": 1, "outcome": "satisfied", "satisfaction": 5, "acknowledged": True,
     "remarks": None, "final": True, "at": "2026-12-02T02:00:00+00:00"},
]  # fmt: skip
TIMELINE = [
    {"type": "complaints.followup.ReturnVisitMade", "occurred_at": "2026-12-01T02:00:00+00:00", "actor": SYSTEM,
     "summary": "return visit 1: dissatisfied", "explanation": None,
     "payload": {"outcome": "dissatisfied", "attempt": 1, "acknowledged": False, "final": True}},
    {"type": "complaints.handling.CaseReopened", "occurred_at": "2026-12-01T02:00:01+00:00", "actor": SYSTEM,
     "summary": "case reopened", "explanation": None, "payload": {"reason": "customer dissatisfied"}},
    {"type": "complaints.followup.ReturnVisitMade", "occurred_at": "2026-12-02T02:00:00+00:00", "actor": SYSTEM,
     "summary": "return visit 1: satisfied", "explanation": None,
     "payload": {"outcome": "satisfied", "attempt": 1, "acknowledged": True, "final": True}},
]  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "first", "second", "line"),
    [
        ("en", "Return visit 1:", "Return visit 1 (after reopening 1):", "return visit 1 (after reopening 1):"),
        ("zh-Hant", "第 1 次回訪:", "第 1 次重開後\uff0c第 1 次回訪:", "第 1 次重開後\uff0c第 1 次回訪\uff1a"),
        ("zh-Hans", "第 1 次回访:", "第 1 次重开后\uff0c第 1 次回访:", "第 1 次重开后\uff0c第 1 次回访\uff1a"),
    ],
)
def test_a_visit_after_a_reopening_is_told_apart_from_the_first(
    desk: Any, lang: str, first: str, second: str, line: str
) -> None:
    client, stand, keys = desk
    stand.followup |= {"cycle": 1, "visits": VISITS}
    stand.history["timeline"] = TIMELINE
    page = page_in(client, keys["hk-central/supervisor"], lang)
    visits = [plain(v) for v in re.findall(r'data-testid="visit">(.*?)</li>', page, re.S)]
    assert len(visits) == 2
    assert visits[0].startswith(first) and "reopening" not in visits[0] and "重" not in visits[0], visits
    assert visits[1].startswith(second), visits
    made = [plain(m) for m in re.findall(r'data-type="ReturnVisitMade"[^>]*>(.*?)</li>', page, re.S)]
    assert line in made[1] and "reopening" not in made[0] and "重" not in made[0], made


# -- 2. a clock whose step was done late -------------------------------------------------------

LATE_CHECK = {"step": "handled", "status": "late", "due_at": "2026-11-30T10:17:00+00:00", "extended_until": None,
              "done_at": "2026-11-30T10:47:00+00:00", "violation": True,
              "note": "SLA clock hand-over#0 breached"}  # fmt: skip
HAND_OVER = {"key": "hand-over#0", "kind": "hand-over", "started_at": "2026-11-30T10:07:00+00:00",
             "deadline": "2026-11-30T10:17:00+00:00", "deadline_in_force": "2026-11-30T10:17:00+00:00",
             "policy_version": 1, "calendar": "none", "warnings_issued": [0.75], "breach_levels_issued": [1],
             "extension": None, "stopped_at": "2026-11-30T10:47:00+00:00", "outcome": "breached"}  # fmt: skip


def clock_of(page: str, step: str) -> str:
    found = re.search(rf'<li class="clock[^"]*"[^>]*data-step="{step}"[^>]*>(.*?)</li>', page, re.S)
    assert found, page
    return found[0]


@pytest.mark.parametrize(
    ("lang", "done", "late", "not_said"),
    [
        ("en", "done", "30 minutes late", ("breached", "overdue", "ago")),
        ("zh-Hant", "已完成", "遲了 30 分鐘", ("超時", "已逾期", "前")),
        ("zh-Hans", "已完成", "迟了 30分钟", ("超时", "已逾期", "前")),
    ],
)
def test_a_step_done_late_says_done_and_by_how_much_not_overdue(
    desk: Any, lang: str, done: str, late: str, not_said: tuple[str, ...]
) -> None:
    client, stand, keys = desk
    stand.history["checks"] = [LATE_CHECK]
    stand.sla["clocks"] = [HAND_OVER]
    clock = clock_of(page_in(client, keys["hk-central/supervisor"], lang), "handled")
    said = plain(clock)
    assert "data-countdown" not in clock, clock
    assert done in said and late in said, said
    assert not any(word in said for word in not_said), said


def test_the_sla_s_stopped_clock_is_done_even_where_the_projection_has_not_heard_yet(desk: Any) -> None:
    """The projection behind (the check still overdue): the SLA, whose clocks they are, says it stopped."""
    client, stand, keys = desk
    stand.history["checks"] = [LATE_CHECK | {"status": "overdue", "done_at": None}]
    stand.sla["clocks"] = [HAND_OVER]
    clock = clock_of(page_in(client, keys["hk-central/supervisor"], "en"), "handled")
    said = plain(clock)
    assert "data-countdown" not in clock and "30 minutes late" in said and "breached" not in said, said


def test_a_clock_still_running_past_its_deadline_still_counts_and_says_breached(desk: Any) -> None:
    client, stand, keys = desk
    stand.history["checks"] = [LATE_CHECK | {"status": "overdue", "done_at": None}]
    stand.sla["clocks"] = [HAND_OVER | {"stopped_at": None, "outcome": None}]
    clock = clock_of(page_in(client, keys["hk-central/supervisor"], "en"), "handled")
    assert "data-countdown" in clock and "breached" in plain(clock), clock


# -- 3. the first responsible in the page's language -----------------------------------------


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "engineering duty officer"), ("zh-Hant", "工程部當值主任"), ("zh-Hans", "工程部值班主任")]
)
def test_the_first_responsible_is_said_in_the_page_s_language(desk: Any, lang: str, said: str) -> None:
    client, _, keys = desk
    page = page_in(client, keys["hk-central/supervisor"], lang)
    shown = plain(re.search(r'data-testid="first-responsible">(.*?)</dd>', page, re.S)[1])  # type: ignore[index]
    assert said in shown, shown
    if lang != "en":
        assert "duty officer" not in shown, shown


def test_every_first_responsible_of_the_bundled_routing_has_its_words() -> None:
    rules = tomllib.loads((Path(__file__).parents[2] / "services/triage/rules.toml").read_text())
    for department, first in rules["routing"]["first_responsible"].items():
        for language in ("zh-Hant", "zh-Hans"):
            said = labels.first_responsible(first, language)
            assert said != first and not re.search(r"[a-z]", said), (department, first, said)
    assert labels.first_responsible("Mr Wong, the night porter", "zh-Hant") == "Mr Wong, the night porter"
    assert labels.first_responsible("parking duty officer", "zh-Hans") == "停车场管理值班主任"
