"""The desk's forms for more time (an SLA extension asked for and decided), the return visit's waiver
and the group hotline's call record, over stand-in services: each goes to its owning service's route
with the person's own key, in the shape the route takes; each is offered only to the roles the service
accepts; the words are in all three languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.desk.support import desk_client, desk_keys
from tests.desk.test_pages import CID, Stand, csrf, sign_in

CLOCKS = {
    "complaint_id": str(CID), "office_id": "hk-central", "severity": "minor", "regrade_requested": False,
    "clocks": [
        {"key": "resolution#0", "kind": "resolution", "started_at": "2026-11-30T01:00:00+00:00",
         "deadline": "2026-11-30T05:00:00+00:00", "deadline_in_force": "2026-11-30T05:00:00+00:00",
         "policy_version": 1, "calendar": "hk", "warnings_issued": [], "breach_levels_issued": [],
         "extension": None, "stopped_at": None, "outcome": None},
        {"key": "reply#0", "kind": "reply", "started_at": "2026-11-30T01:00:00+00:00",
         "deadline": "2026-11-30T09:00:00+00:00", "deadline_in_force": "2026-11-30T09:00:00+00:00",
         "policy_version": 1, "calendar": "hk", "warnings_issued": [], "breach_levels_issued": [],
         "extension": {"until": "2026-12-01T09:00:00+00:00", "reason": "waiting for parts", "approved": None},
         "stopped_at": None, "outcome": None},
        {"key": "hand-over#0", "kind": "hand-over", "started_at": "2026-11-30T00:50:00+00:00",
         "deadline": "2026-11-30T01:00:00+00:00", "deadline_in_force": "2026-11-30T01:00:00+00:00",
         "policy_version": 1, "calendar": "hk", "warnings_issued": [0.5, 0.8], "breach_levels_issued": [1],
         "extension": None, "stopped_at": None, "outcome": None},
    ],
}  # fmt: skip
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # resolution#0 runs until 05:00; hand-over#0 ran out at 01:00


class MoreStand(Stand):
    """The stand-in services, with the SLA's clocks and the routes these forms post to."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        own = request.headers.get("x-office-key") in {v for a, v in self.keys.items() if a.startswith("hk-central/")}
        path = request.url.raw_path.decode().split("?")[0]
        if request.url.host == "sla" and path == f"/complaints/{CID}/clocks":
            self.seen.append(request)
            return (
                httpx.Response(200, json=CLOCKS) if own else httpx.Response(404, json={"detail": "no such complaint"})
            )
        if request.method == "POST" and request.url.host in ("sla", "followup", "intake"):
            self.seen.append(request)
            return httpx.Response(201, json={"status": "ok"})
        return super().__call__(request)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, MoreStand, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = MoreStand(keys)
    with desk_client(tmp_path, keys, stand, clock=lambda: NOW) as client:
        yield client, stand, keys


def posted(stand: MoreStand) -> list[tuple[str, str, dict[str, Any], str]]:
    return [
        (r.url.host, r.url.raw_path.decode(), json.loads(r.content), r.headers["x-office-key"])
        for r in stand.seen
        if r.method == "POST"
    ]


def test_a_supervisor_asks_for_more_time_on_a_running_clock_and_a_manager_decides(desk: Any) -> None:
    client, stand, keys = desk
    sign_in(client, keys["hk-central/supervisor"])
    page = client.get(f"/complaints/{CID}").text
    assert 'data-testid="form-extension"' in page and 'value="resolution#0"' in page
    assert 'value="hand-over#0"' not in page, "a clock that ran out is not offered: the SLA takes overtime before"
    assert 'data-testid="form-extension-decision"' not in page, "a supervisor does not decide"
    answer = client.post(
        f"/complaints/{CID}/extension",
        data={"csrf": csrf(page), "clock": "resolution#0", "until": "2026-11-30T18:00", "reason": "parts on order"},
    )
    assert answer.status_code == 200 and answer.url.params["done"] == "extension"
    assert posted(stand) == [
        ("sla", f"/complaints/{CID}/clocks/resolution%230/extension",
         {"until": "2026-11-30T18:00:00+08:00", "reason": "parts on order"}, keys["hk-central/supervisor"]),
    ]  # fmt: skip
    refused = client.post(f"/complaints/{CID}/extension", data={"csrf": csrf(page), "clock": "../../x", "until": "x"})
    assert 'data-testid="form-problem"' in refused.text.split('data-testid="form-extension"')[1].split("</details>")[0]
    assert len(posted(stand)) == 1, "a bad clock is not sent"

    client.post("/sign-out", data={"csrf": csrf(page)})
    stand.seen.clear()
    sign_in(client, keys["hk-central/manager"])
    page = client.get(f"/complaints/{CID}").text
    assert 'data-testid="form-extension-decision"' in page and "waiting for parts" in page
    client.post(
        f"/complaints/{CID}/extension-decision",
        data={"csrf": csrf(page), "clock": "reply#0", "approved": "false", "reason": "the customer was promised"},
    )
    assert posted(stand) == [
        ("sla", f"/complaints/{CID}/clocks/reply%230/extension/decision",
         {"approved": False, "reason": "the customer was promised"}, keys["hk-central/manager"]),
    ]  # fmt: skip


def test_a_supervisor_waives_the_return_visit_with_why_and_staff_are_not_offered_it(desk: Any) -> None:
    client, stand, keys = desk
    sign_in(client, keys["hk-central/staff"])
    assert 'data-testid="form-waiver"' not in client.get(f"/complaints/{CID}").text
    client.post("/sign-out", data={"csrf": csrf(client.get("/register").text)})
    sign_in(client, keys["hk-central/supervisor"])
    page = client.get(f"/complaints/{CID}").text
    assert 'data-testid="form-waiver"' in page
    client.post(f"/complaints/{CID}/waiver", data={"csrf": csrf(page), "reason": "the customer moved abroad"})
    assert posted(stand) == [
        ("followup", f"/complaints/{CID}/waivers", {"reason": "the customer moved abroad"},
         keys["hk-central/supervisor"]),
    ]  # fmt: skip


def test_the_hotline_records_a_call_and_only_the_hotline_is_offered_the_page(desk: Any) -> None:
    client, stand, keys = desk
    landed = client.post("/sign-in", data={"key": keys["group/hotline"], "next": "/queue"})
    assert landed.url.path == "/hotline"  # the hotline's first (and only) page, not the queue it cannot read
    page = client.get("/hotline").text
    assert 'data-testid="hotline-form"' in page and 'data-testid="problem"' not in page
    answer = client.post(
        "/hotline",
        data={"csrf": csrf(page), "office_id": "kln-east", "hotline_reference": "HL-77",
              "reported_at": "2026-11-30T09:15", "name": "Lee Ka Yan", "contact": "6000 2222",
              "unit_address": "Tower 2", "summary": "the lift stopped twice"},
    )  # fmt: skip
    assert answer.status_code == 200 and 'data-testid="done"' in answer.text and "HL-77" in answer.text
    assert posted(stand) == [
        ("intake", "/hotline/calls",
         {"office_id": "kln-east", "hotline_reference": "HL-77", "reported_at": "2026-11-30T09:15:00+08:00",
          "complainant": {"name": "Lee Ka Yan", "contact": "6000 2222"}, "unit_address": "Tower 2",
          "summary": "the lift stopped twice"}, keys["group/hotline"]),
    ]  # fmt: skip
    client.post("/sign-out", data={"csrf": csrf(page)})
    sign_in(client, keys["hk-central/reception"])
    assert 'data-testid="nav-hotline"' not in client.get("/queue").text
    assert 'data-testid="role-needed"' in client.get("/hotline").text


@pytest.mark.parametrize(
    "lang,words",
    [("en", ["Ask for more time", "Waive the return visit"]), ("zh-Hant", ["申請延長時限", "豁免回訪"]),
     ("zh-Hans", ["申请延长时限", "豁免回访"])],
)  # fmt: skip
def test_the_new_forms_speak_each_language(desk: Any, lang: str, words: list[str]) -> None:
    client, _, keys = desk
    sign_in(client, keys["hk-central/manager"])
    page = client.get(f"/complaints/{CID}", params={"lang": lang}).text
    assert all(w in page for w in words), lang


@pytest.mark.parametrize(
    ("lang", "label"), [("en", "Approve or reject"), ("zh-Hant", "批准或拒絕"), ("zh-Hans", "批准或拒绝")]
)
def test_a_manager_deciding_on_more_time_is_asked_to_approve_or_reject_not_for_a_triage_decision(
    desk: Any, lang: str, label: str
) -> None:
    """Found on the walk: the choice was labelled "Decision" (判定項目, triage's word for an aspect it judged)."""
    client, _, keys = desk
    client.cookies.set("desk_lang", lang)
    sign_in(client, keys["hk-central/manager"])
    page = client.get(f"/complaints/{CID}").text
    form = page[page.index('data-testid="form-extension-decision"') :].split("</details>", 1)[0]
    assert f'<label>{label} <select name="approved"' in form, form
