"""Navigation and landing by role, the page that says which role a page needs, and the privacy
officer's page (find a person, erase them after confirming) over a stand-in intake answering as
intake's API does: the officer's own key is what intake receives, and intake decides."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from services.desk.domain.roles import Page, destination, landing, pages, usable
from shared.web import GROUP_ROLES
from tests.desk.support import desk_client, desk_keys

PERSON = uuid4()
KNOWN = {"name": "Wong Mei Ling", "contact": "+852 9876 5432", "unit_address": "Flat 7C, Block 1"}
THEIRS = [  # the projection's list of the person's complaints, in two offices
    {"complaint_id": str(uuid4()), "office_id": "hk-central", "office_reference": "HK-2026-0101", "sequence_number": 4,
     "received_at": "2026-11-02T01:00:00+00:00", "registered_at": "2026-11-02T01:01:00+00:00", "state": "closed"},
    {"complaint_id": str(uuid4()), "office_id": "kln-east", "office_reference": "KLN-88", "sequence_number": 9,
     "received_at": "2026-11-20T03:00:00+00:00", "registered_at": "2026-11-20T03:02:00+00:00", "state": "in-handling"},
]  # fmt: skip


class Intake:
    """Intake's privacy routes as the desk sees them: a group `privacy` key only; every request kept."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        key = request.headers.get("x-office-key")
        if key not in self.keys.values():
            return httpx.Response(401, json={"detail": "unknown office key"})
        if key != self.keys["group/privacy"]:
            return httpx.Response(403, json={"detail": "this needs one of the roles ['privacy']"})
        if request.url.path == "/privacy/persons/lookup":
            import json

            asked = json.loads(request.content)
            if asked == KNOWN:
                return httpx.Response(200, json={"person_id": str(PERSON)})
            return httpx.Response(404, json={"detail": "nobody known by this contact or name and unit"})
        if request.url.host == "projection" and request.url.path == f"/privacy/persons/{PERSON}/complaints":
            return httpx.Response(200, json={"person_id": str(PERSON), "total": len(THEIRS), "items": THEIRS})
        if request.url.path == f"/privacy/persons/{PERSON}/erasure":
            return httpx.Response(200, json={"erasure_id": str(uuid4()), "person_id": str(PERSON),
                                             "erased_at": "2026-11-30T02:00:00+00:00", "keys_destroyed": 1,
                                             "index_entries_deleted": 3})  # fmt: skip
        return httpx.Response(404, json={"detail": "no such thing"})


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, Intake, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    intake = Intake(keys)
    with desk_client(tmp_path, keys, intake, status_reader=False) as client:
        yield client, intake, keys


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found[1]


def nav(page: str) -> list[str]:
    return re.findall(r'data-testid="nav-([a-z]+)"', page)


# -- the table --------------------------------------------------------------------------------------------


def test_each_role_lands_on_its_first_usable_page() -> None:
    assert landing(frozenset({"hotline"}), None) == "/hotline"
    assert landing(frozenset({"admin"}), None) == "/admin"
    assert landing(frozenset({"privacy"}), None) == "/privacy"
    assert landing(frozenset({"department-staff"}), "hk-central") == "/queue"
    assert landing(frozenset({"group"}), None) == "/queue"
    assert pages(frozenset({"department-staff"}), "hk-central") == [Page.QUEUE, Page.SEARCH]
    assert pages(frozenset({"manager"}), "hk-central") == [Page.QUEUE, Page.REGISTER, Page.SEARCH, Page.ADMIN]
    assert not usable(Page.PRIVACY, frozenset({"privacy"}), "hk-central")  # intake: group-wide only
    assert destination("/queue", frozenset({"privacy"}), None) == "/privacy"
    assert destination("/complaints/x", frozenset({"leader"}), "hk-central") == "/complaints/x"


def test_the_readers_are_the_services_own() -> None:
    from services.desk.domain.roles import PRIVACY_ROLES, READING_ROLES
    from services.intake.application import PRIVACY_ROLES as INTAKE_PRIVACY

    assert frozenset(GROUP_ROLES) == READING_ROLES
    assert PRIVACY_ROLES == INTAKE_PRIVACY


# -- the pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "lands", "offered"),
    [
        ("group/hotline", "/hotline", ["hotline"]),
        ("group/admin", "/admin", ["admin"]),
        ("group/privacy", "/privacy", ["privacy"]),
        ("hk-central/reception", "/queue", ["queue", "register", "search"]),
    ],
)
def test_sign_in_lands_on_the_role_s_page_and_the_navigation_offers_only_its_pages(
    desk: Any, actor: str, lands: str, offered: list[str]
) -> None:
    client, _, keys = desk
    answer = client.post("/sign-in", data={"key": keys[actor], "next": "/queue"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == lands
    if actor == "group/admin":
        return  # its page reads the directory, which is not stood in here
    assert nav(client.get(lands).text) == offered
    assert client.get("/", follow_redirects=False).headers["location"] == lands


@pytest.mark.parametrize("path", ["/queue", "/search?q=Chan", "/register"])
def test_a_page_the_role_cannot_use_says_which_role_it_needs_in_the_person_s_language(desk: Any, path: str) -> None:
    client, intake, keys = desk
    client.post("/sign-in", data={"key": keys["group/privacy"], "next": "/privacy"})
    page = client.get(path, params={"lang": "zh-Hant"})
    assert page.status_code == 200 and "application/json" not in page.headers["content-type"]
    assert "此頁需要以下其中一個角色" in page.text and 'data-testid="role-needed"' in page.text
    assert re.search(r'href="/privacy" data-testid="landing"', page.text)
    assert intake.seen == []  # nothing was asked of a service


def test_the_privacy_page_needs_the_privacy_role(desk: Any) -> None:
    client, _, keys = desk
    client.post("/sign-in", data={"key": keys["hk-central/manager"], "next": "/queue"})
    page = client.get("/privacy", params={"lang": "en"})
    assert "This page needs one of these roles: privacy officer." in page.text
    assert 'data-testid="lookup-form"' not in page.text


def test_a_privacy_officer_finds_and_erases_a_person_after_confirming(desk: Any) -> None:
    client, intake, keys = desk
    client.post("/sign-in", data={"key": keys["group/privacy"], "next": "/queue"})
    token = csrf(client.get("/privacy").text)
    found = client.post("/privacy/lookup", data={**KNOWN, "csrf": token})
    assert found.status_code == 200 and str(PERSON) in found.text and 'data-testid="erase-form"' in found.text
    nobody = client.post("/privacy/lookup", data={**KNOWN, "name": "Someone Else", "csrf": token})
    assert nobody.status_code == 200 and 'data-testid="nobody"' in nobody.text and str(PERSON) not in nobody.text

    erasure = f"/privacy/persons/{PERSON}/erasure"
    unconfirmed = client.post(erasure, data={"reason": "DSR-1", "confirm": "", "csrf": token})
    no_reason = client.post(erasure, data={"reason": " ", "confirm": str(PERSON), "csrf": token})
    assert unconfirmed.status_code == 422 and no_reason.status_code == 422
    assert not any(r.url.path.endswith("/erasure") for r in intake.seen)  # nothing sent unconfirmed
    stale = client.post(erasure, data={"reason": "DSR-1", "confirm": str(PERSON), "csrf": "forged"})
    assert stale.status_code == 422 and not any(r.url.path.endswith("/erasure") for r in intake.seen)

    done = client.post(erasure, data={"reason": "DSR-2026-017", "confirm": str(PERSON), "csrf": token,
                                      "lang": "zh-Hans"}, params={"lang": "zh-Hans"})  # fmt: skip
    assert done.status_code == 200 and 'data-testid="erased"' in done.text
    assert "DSR-2026-017" in done.text and "group/privacy" in done.text and "再次删除同一人不会造成影响" in done.text
    sent = [r for r in intake.seen if r.url.path.endswith("/erasure")]
    assert len(sent) == 1 and sent[0].headers["x-office-key"] == keys["group/privacy"]
    assert b'"reason":"DSR-2026-017"' in sent[0].content.replace(b" ", b"")
    assert {r.headers["x-office-key"] for r in intake.seen} == {keys["group/privacy"]}


def test_the_look_up_lists_the_persons_complaints_in_every_office_before_the_erasure(desk: Any) -> None:
    client, stand, keys = desk
    client.post("/sign-in", data={"key": keys["group/privacy"], "next": "/queue"})
    token = csrf(client.get("/privacy").text)
    found = client.post("/privacy/lookup", data={**KNOWN, "csrf": token}, params={"lang": "zh-Hant"})
    assert found.status_code == 200 and "記錄此人的投訴" in found.text
    assert 'data-testid="complaint-count">2<' in found.text
    assert found.text.count('data-testid="person-complaint"') == 2
    assert all(c["complaint_id"] in found.text and c["office_reference"] in found.text for c in THEIRS)
    assert "處理中" in found.text  # the state in the page's words
    # Chinese punctuation in a Chinese page (found on the walk: "個人編號: " and "刪除後,…讀取;…")
    said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.text))
    assert "個人編號：" in said and "記錄此人的投訴：" in said, said  # noqa: RUF001 (the page's punctuation)
    assert not re.search(r"[\u4e00-\u9fff][,;:]", said), re.findall(r".{6}[\u4e00-\u9fff][,;:].{6}", said)
    asked = [r for r in stand.seen if r.url.host == "projection"]
    assert [r.url.path for r in asked] == [f"/privacy/persons/{PERSON}/complaints"]
    assert asked[0].headers["x-office-key"] == keys["group/privacy"]  # the officer's own credential


def test_intake_judges_who_may_erase_not_the_desk(desk: Any) -> None:
    client, intake, keys = desk
    client.post("/sign-in", data={"key": keys["hk-central/manager"], "next": "/queue"})
    token = csrf(client.get("/privacy").text)
    refused = client.post(f"/privacy/persons/{PERSON}/erasure",
                          data={"reason": "x", "confirm": str(PERSON), "csrf": token})  # fmt: skip
    # the page's own words, then the service and its status for support
    assert refused.status_code == 403 and "[intake 403: " in refused.text
    assert intake.seen and intake.seen[-1].headers["x-office-key"] == keys["hk-central/manager"]


def test_the_group_s_privacy_user_signs_in_with_a_token_lands_on_privacy_and_intake_receives_the_token(
    tmp_path: Path, dev_issuer: Any
) -> None:
    seen: list[httpx.Request] = []

    def intake(request: httpx.Request) -> httpx.Response:  # and the projection, for the person's complaints
        seen.append(request)
        if request.url.host == "projection":
            return httpx.Response(200, json={"person_id": str(PERSON), "total": 0, "items": []})
        return httpx.Response(200, json={"person_id": str(PERSON)})

    token = dev_issuer.sign_in("group/privacy")
    with desk_client(
        tmp_path, {}, intake, status_reader=False, keys_file=tmp_path / "none.json", oidc_issuer=dev_issuer.issuer
    ) as client:
        signed = client.post("/sign-in", data={"token": token, "next": "/queue"})
        assert signed.url.path == "/privacy" and nav(signed.text) == ["privacy"]
        found = client.post("/privacy/lookup", data={**KNOWN, "csrf": csrf(signed.text)})
        assert str(PERSON) in found.text
    assert [r.url.path for r in seen] == ["/privacy/persons/lookup", f"/privacy/persons/{PERSON}/complaints"]
    assert all(r.headers["authorization"] == f"Bearer {token}" and "x-office-key" not in r.headers for r in seen)
