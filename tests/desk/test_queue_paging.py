# ruff: noqa: RUF001 (the pages' Chinese punctuation)
"""The queue of a busy office, over a stand-in that lists as the projection does (`open`, `state`,
`violating`, `order=overdue|newest`, `offset`, at most 500 a page, with the total): every open complaint
is reachable page by page, one call a page, the overdue first, and a manager can ask for only the
overdue. Found walking the manager's path: the open queue asked for the first 500 complaints of any state
and dropped the closed ones, so once an office had recorded 500 complaints its new ones never reached the
queue; and it showed at most 100 rows with no way to the others. Then it asked state by state, each
state's newest 500 (the projection listed the oldest first, one state a call)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.desk.support import desk_client, desk_keys
from tests.desk.test_pages_as_services_answer import plain, signed_in


def summary(number: int) -> dict[str, Any]:
    """No. 1-650 of hk-central: every third one from no. 421 on still open, no. 5 and 7 open and overdue."""
    open_ = number in (5, 7) or (number > 420 and number % 3 == 0)
    return {"complaint_id": str(uuid5(NAMESPACE_URL, f"hk-{number}")), "office_id": "hk-central",
            "sequence_number": number, "office_reference": f"HK-{number:04d}",
            "state": ("in-handling" if number % 2 else "triaged") if open_ else "closed",
            "severity": "minor", "validity": "valid", "business_area": "lifts",
            "received_at": f"2026-{1 + number // 60:02d}-{1 + number % 28:02d}T10:00:00+08:00",
            "violations": ["handled"] if number in (5, 7) else [], "needs_review": False, "review": []}  # fmt: skip


COMPLAINTS = [summary(n) for n in range(1, 651)]
OPEN = [c for c in COMPLAINTS if c["state"] != "closed"]


class Projection:
    def __init__(self) -> None:
        self.lists: list[httpx.QueryParams] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "projection" and request.url.path == "/complaints":
            q = request.url.params
            self.lists.append(q)
            states = q.get_list("state")
            found = [c for c in COMPLAINTS if not states or c["state"] in states]
            found = [c for c in found if q.get("open") != "true" or c["state"] != "closed"]
            found = [c for c in found if q.get("violating") != "true" or c["violations"]]
            if q.get("order") in ("newest", "overdue"):  # overdue: those violating first (the stand-in's due)
                found = sorted(found, key=lambda c: c["received_at"], reverse=True)
            if q.get("order") == "overdue":
                found = sorted(found, key=lambda c: not c["violations"])
            offset, limit = int(q.get("offset", 0)), int(q.get("limit", 50))
            assert limit <= 500
            return httpx.Response(200, json={"total": len(found), "limit": limit, "offset": offset,
                                             "items": found[offset : offset + limit]})  # fmt: skip
        if request.url.host == "projection":
            return httpx.Response(200, json={"complaint": {}, "state": "triaged", "checks": [], "timeline": []})
        return httpx.Response(404, json={"detail": "no such complaint"})


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, Projection, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = Projection()
    with desk_client(tmp_path, keys, stand) as client:
        yield client, stand, keys


def references(page: str) -> list[str]:
    return re.findall(r'data-reference="([^"]+)"', page)


def test_every_open_complaint_of_a_busy_office_is_reachable_overdue_first_then_newest(desk: Any) -> None:
    client, stand, keys = desk
    signed_in(client, keys["hk-central/manager"], "en")
    before = len(stand.lists)
    first = client.get("/queue").text
    assert "78 complaints" in plain(first)  # 76 of no. 421-650, and no. 5 and 7
    assert len(OPEN) == 78
    shown = references(first)
    assert len(shown) == 78 and set(shown) == {c["office_reference"] for c in OPEN}
    assert "HK-0648" in shown  # the newest, beyond the projection's first 500
    assert 'data-testid="pager"' not in first
    (asked,) = stand.lists[before:]  # one list, not one a state
    assert asked.get("open") == "true" and asked.get("order") == "overdue" and not asked.get_list("state")


def test_more_than_a_page_is_paged_with_the_filters_kept(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/manager"], "zh-Hant")
    first = client.get("/queue", params={"state": "closed"}).text
    assert "第 1 頁，共 6 頁" in plain(first)  # all 572 closed: 6 pages of 100
    older = re.search(r'href="([^"]+)" data-testid="page-older"', first)[1].replace("&amp;", "&")  # type: ignore[index]
    assert "state=closed" in older and "page=2" in older
    second = client.get(older).text
    assert "第 2 頁，共 6 頁" in plain(second) and 'data-testid="page-newer"' in second
    assert not set(references(first)) & set(references(second)) and len(references(second)) == 100
    last = client.get("/queue", params={"state": "closed", "page": 6}).text
    assert len(references(last)) == 72 and "HK-0001" in references(last)  # the oldest reachable too
    newest_closed = max((c for c in COMPLAINTS if c["state"] == "closed"), key=lambda c: c["received_at"])
    assert newest_closed["office_reference"] in references(first)


@pytest.mark.parametrize(("lang", "label"), [("en", "only what is overdue"), ("zh-Hans", "只看逾期的")])
def test_a_manager_asks_for_only_what_is_overdue(desk: Any, lang: str, label: str) -> None:
    client, stand, keys = desk
    signed_in(client, keys["hk-central/manager"], lang)
    page = client.get("/queue", params={"overdue": "true"}).text
    assert label in page and 'name="overdue" value="true" checked' in page
    assert sorted(references(page)) == ["HK-0005", "HK-0007"]
    assert stand.lists[-1].get("violating") == "true"
    # without the filter, the overdue still come first
    assert references(client.get("/queue").text)[:2] in (["HK-0005", "HK-0007"], ["HK-0007", "HK-0005"])


def test_a_search_with_more_hits_than_it_shows_shows_the_newest(desk: Any) -> None:
    """The projection lists the oldest first: a search for a common word in a busy office showed its
    100 oldest hits (from last year) as 'the first 100', and none of this week's."""
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "en")
    page = client.get("/search", params={"q": "lift"}).text
    shown = references(page)
    assert len(shown) == 100 and "650 complaints" in plain(page)
    assert "HK-0650" in shown and "HK-0001" not in shown
