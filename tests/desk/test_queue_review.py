"""The queue shows what triage asked a person to review and can show only that: the projection's
`needs_review` (triage's flag, not settled by an override) read from its typed column with
`GET /complaints?needs_review=true`, a badge with triage's reasons in the page's language (from the
typed flag, `review_flags`; from the sentences only on a row without it), and triage's own account
dropping the aspects a person has since confirmed (a confirmation is triage's alone)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.contracts.review import ReviewFlag, ReviewKind
from tests.desk.support import desk_client, desk_keys

FLAGGED, CONFIRMED, PLAIN, TYPED = str(uuid4()), str(uuid4()), str(uuid4()), str(uuid4())
# A flag as triage may word it one day: the desk says it from its fields, whatever its sentence.
REWORDED = ReviewFlag(
    aspect="severity",
    kind=ReviewKind.MODEL_GRADED,
    value="major",
    other="minor",
    model_probability=0.7,
    quoted=["trapped"],
    text="severity: the model would say major ('trapped')",
)


def item(cid: str, reference: str, review: list[str], typed: list[ReviewFlag] | None = None) -> dict[str, Any]:
    row = {"complaint_id": cid, "office_id": "hk-central", "sequence_number": 1, "office_reference": reference,
           "state": "triaged", "severity": "minor", "validity": "valid", "business_area": "other",
           "received_at": "2026-11-30T10:00:00+00:00", "violations": [], "needs_review": bool(review),
           "review": review}  # fmt: skip
    if typed is not None:  # a projection before the typed flag sends the sentences alone
        row["review_flags"] = [f.model_dump(mode="json") for f in typed]
    return row


ITEMS = [
    item(FLAGGED, "R-1", ["business area: no topic recognised"]),
    item(CONFIRMED, "R-2", ["severity: confidence 0.30 is below 0.60"]),
    item(PLAIN, "R-3", []),
    item(TYPED, "R-4", [REWORDED.text], [REWORDED]),
]


class Stand:
    def __init__(self) -> None:
        self.asked: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request)
        host, path = request.url.host, request.url.path
        if host == "projection" and path == "/complaints":
            wanted, state = request.url.params.get("needs_review"), request.url.params.get("state")
            items = [i for i in ITEMS if wanted is None or i["needs_review"] == (wanted == "true")]
            items = [i for i in items if state is None or i["state"] == state]  # one state, as the projection
            return httpx.Response(200, json={"total": len(items), "limit": 500, "offset": 0, "items": items})
        if host == "projection":
            return httpx.Response(200, json={"complaint": {}, "checks": [], "timeline": []})
        if host == "triage":
            confirmed = [{"aspect": "severity", "value": "minor", "reason": "ok", "by": "s"}]
            return httpx.Response(200, json={"confirmations": confirmed if CONFIRMED in path else [], "overrides": []})
        return httpx.Response(404, json={"detail": "no such complaint"})


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, Stand, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = Stand()
    with desk_client(tmp_path, keys, stand) as client:
        yield client, stand, keys


def open_queue(client: TestClient, key: str, lang: str, **params: str) -> str:
    client.cookies.set("desk_lang", lang)
    assert client.post("/sign-in", data={"key": key, "next": "/queue"}).status_code == 200
    answer = client.get("/queue", params=params)
    assert answer.status_code == 200
    return answer.text


def badges(page: str) -> dict[str, str]:
    rows = re.findall(r'data-reference="([^"]+)".*?</tr>', page, re.S)
    found = {}
    for reference in rows:
        row = page[page.index(f'data-reference="{reference}"') :].split("</tr>", 1)[0]
        badge = re.search(r'data-testid="needs-review" title="([^"]*)">([^<]*)<', row)
        if badge:
            found[reference] = f"{badge[2]} | {badge[1]}"
    return found


def test_the_queue_marks_what_needs_review_in_the_page_s_language(desk: Any) -> None:
    client, stand, keys = desk
    page = open_queue(client, keys["hk-central/supervisor"], "zh-Hant")
    graded = "嚴重程度\uff1a閱讀模型評為重大\uff08\u300ctrapped\u300d\uff09"  # from the typed flag, not its sentence
    # R-2's severity was confirmed
    assert badges(page) == {"R-1": "需要覆核 | 業務範疇\uff1a認不出主題", "R-4": f"需要覆核 | {graded}"}
    # the reasons on the row itself, not only in the badge's title (which shows only to a mouse)
    assert re.findall(r'data-testid="review-why">([^<]*)<', page) == ["業務範疇\uff1a認不出主題", graded]
    assert 'data-testid="filter-review"' in page and "只顯示需要覆核的" in page
    asked_triage = {r.url.path for r in stand.asked if r.url.host == "triage"}
    flagged = {FLAGGED, CONFIRMED, TYPED}
    assert asked_triage == {f"/complaints/{cid}/triage" for cid in flagged}  # flagged rows only


def test_the_review_filter_asks_the_projection_s_column_and_drops_what_was_confirmed(desk: Any) -> None:
    client, stand, keys = desk
    page = open_queue(client, keys["hk-central/supervisor"], "en", review="true")
    lists = [r for r in stand.asked if r.url.host == "projection" and r.url.path == "/complaints"]
    assert lists[-1].url.params.get("needs_review") == "true"
    assert re.findall(r'data-reference="([^"]+)"', page) == ["R-1", "R-4"]
    assert badges(page) == {"R-1": "needs review | business area: no topic recognised",
                            "R-4": f"needs review | {REWORDED.text}".replace("'", "&#39;")}  # fmt: skip
    assert 'name="review" value="true" checked' in page
