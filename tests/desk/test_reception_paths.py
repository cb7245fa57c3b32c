# ruff: noqa: RUF001 (the pages' Chinese punctuation)
"""Reception's paths as a receptionist meets them, over stand-ins answering as intake does: the same
complaint recorded twice (a second click, the same call taken again) is intake's one complaint, and the
queue says it was recorded before, not "recorded" as if a new one had been; each banner links to the
complaint's page. Found walking reception's path on the real system: the second time read exactly like
the first."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.desk.support import desk_client, desk_keys
from tests.desk.test_pages_as_services_answer import Services_, plain, signed_in


class Intake(Services_):
    """Intake's answers to a registration: 201 the first time a reference is used, 200 (the same
    complaint, its same number) when the same form comes again."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "intake" and request.url.path == "/complaints" and request.method == "POST":
            reference = str(json.loads(request.content)["office_reference"])
            again = reference in self.numbers
            number = self.numbers.setdefault(reference, len(self.numbers) + 7)
            body = {"complaint_id": str(uuid5(NAMESPACE_URL, reference)), "sequence_number": number}
            return httpx.Response(200 if again else 201, json=body)
        return super().__call__(request)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    with desk_client(tmp_path, keys, Intake()) as client:
        yield client, keys


def register(client: TestClient, reference: str) -> httpx.Response:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/register").text)[1]  # type: ignore[index]
    form = {"office_reference": reference, "name": "陳大文", "contact": "9123 4567", "unit_address": "Block 3",
            "channel": "phone", "occurred_at": "2026-11-30T18:00", "received_at": "2026-11-30T18:05",
            "object": "lift", "description": "stuck", "customer_request": "fix", "received_by": "Amy",
            "csrf": token}  # fmt: skip
    return client.post("/register", data=form)


@pytest.mark.parametrize(
    ("lang", "first", "again"),
    [
        ("en", "Complaint R-1 recorded.", "Complaint R-1 was already recorded (no. 7): nothing new was recorded."),
        ("zh-Hant", "投訴 R-1 已登記。", "投訴 R-1 早已登記（第 7 號）：這次沒有登記新的投訴。"),
        ("zh-Hans", "投诉 R-1 已登记。", "投诉 R-1 早已登记（第 7 号）：这次没有登记新的投诉。"),
    ],
)
def test_the_same_complaint_recorded_twice_is_said_to_be_recorded_before(
    desk: Any, lang: str, first: str, again: str
) -> None:
    client, keys = desk
    signed_in(client, keys["hk-central/reception"], lang)
    complaint = uuid5(NAMESPACE_URL, "R-1")
    answer = register(client, "R-1")
    said = plain(re.search(r'data-testid="registered">(.*?)</p>', answer.text, re.S)[1])  # type: ignore[index]
    assert first in said and 'data-testid="already-registered"' not in answer.text
    assert f'href="/complaints/{complaint}" data-testid="open-registered"' in answer.text
    answer = register(client, "R-1")
    said = plain(re.search(r'data-testid="already-registered">(.*?)</p>', answer.text, re.S)[1])  # type: ignore[index]
    assert again in said, said
    assert f'href="/complaints/{complaint}" data-testid="open-registered"' in answer.text
    assert 'data-testid="registered"' not in answer.text


def test_only_a_complaint_id_makes_the_banner_s_link(desk: Any) -> None:
    client, keys = desk
    signed_in(client, keys["hk-central/reception"], "en")
    page = client.get("/queue", params={"registered": "R-9", "id": "../admin"}).text
    assert 'data-testid="open-registered"' not in page and "../admin" not in page


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "No such page"), ("zh-Hant", "沒有這個頁面"), ("zh-Hans", "没有这个页面")]
)
def test_an_address_the_desk_has_no_page_at_is_a_page_not_json(desk: Any, lang: str, words: str) -> None:
    """Found walking the paths: a mistyped address, /complaints/ without an id, or the language switch on
    the page answering an administration or privacy form (a link to the form's address) answered
    FastAPI's {"detail":"Not Found"} or {"detail":"Method Not Allowed"}."""
    client, keys = desk
    signed_in(client, keys["hk-central/supervisor"], lang)
    for address in ("/nonexistent", "/complaints/", "/queue?page=x", "/queue?mine=maybe"):
        answer = client.get(address)
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
        assert words in answer.text and 'href="/queue" data-testid="landing"' in answer.text
    for address, page in (("/admin/staff", "/admin"), ("/privacy/lookup", "/privacy"), ("/sign-out", "/")):
        answer = client.get(address, params={"lang": lang}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"{page}?lang={lang}", address


class HandlingDown(Intake):
    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "handling":
            return httpx.Response(503, json={"detail": "handling cannot be reached"})
        return super().__call__(request)


def test_a_service_that_cannot_answer_is_named_in_the_page_s_words(tmp_path: Path) -> None:
    """Found on the walk: 'Not available now: handling' on a Chinese page, the service's English name."""
    from tests.desk.test_pages_as_services_answer import CID

    keys = desk_keys(tmp_path)
    with desk_client(tmp_path, keys, HandlingDown()) as client:
        signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
        page = client.get(f"/complaints/{CID}").text
    said = plain(re.search(r'data-testid="unavailable">(.*?)</p>', page, re.S)[1])  # type: ignore[index]
    assert said == "暫時無法取得： 部門處理 (handling)", said
