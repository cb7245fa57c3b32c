"""The desk's pages over stand-in services (httpx's MockTransport answering as the services' APIs do):
what the desk itself must get right whatever the services say — it forwards the person's own key and
nothing else, refuses forms without their CSRF token, never redirects off the desk, remembers the
language, and shows another office's complaint (a 403 or a 404 from a service) as no complaint at all."""

from __future__ import annotations

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

CID = uuid4()
OTHER = uuid4()
HISTORY = {
    "complaint": {"complaint_id": str(CID), "office_id": "hk-central", "office_reference": "HK-9", "sequence_number": 9,
                  "received_at": "2026-11-30T01:00:00+00:00", "state": "in-handling",
                  "complainant": {"name": "Chan Tai Man", "contact": "+852 9123 4567"}, "unit_address": "Flat B"},
    "state": "in-handling",
    "judged_at": "2026-11-30T01:00:00+00:00",
    "checks": [{"step": "handled", "rule": "handled", "status": "pending", "violation": False,
                "due_at": "2030-11-30T05:00:00+00:00"}],
    "timeline": [{"type": "complaints.intake.ComplaintRegistered", "occurred_at": "2026-11-30T01:00:00+00:00",
                  "actor": "hk-central/reception", "summary": "registered", "explanation": None,
                  "payload": {"form": {"description": "lift stuck", "customer_request": "fix it",
                                       "received_by": "Amy Wong"}}}],
}  # fmt: skip
SUMMARY = {"complaint_id": str(CID), "office_id": "hk-central", "sequence_number": 9, "office_reference": "HK-9",
           "state": "in-handling", "severity": "minor", "validity": "valid", "business_area": "lifts",
           "received_at": "2026-11-30T01:00:00+00:00", "violations": []}  # fmt: skip


CONTACT_REFUSED = {"detail": [{
    "loc": ["body", "complainant", "contact"], "type": "contact_invalid",
    "msg": "complainant.contact is neither a valid phone number nor an e-mail address",
    "code": "intake.contact_invalid", "params": {"region": "HK", "accepted": "a phone number valid in HK"},
}], "code": "request.invalid", "params": {}}  # fmt: skip


class Stand:
    """The services as the desk sees them; every request is kept to be looked at."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        key = request.headers.get("x-office-key")
        path = request.url.path
        if key not in self.keys.values():
            return httpx.Response(401, json={"detail": "unknown office key"})
        own = (
            key in {self.keys[a] for a in self.keys if a.startswith("hk-central/")}
            or key == self.keys["group/dashboard"]
        )
        if request.url.host == "intake" and path in ("/complaints", "/hotline/calls") and request.method == "POST":
            if b'"contact":"abc"' in request.content.replace(b" ", b""):  # as intake refuses a contact of nobody
                return httpx.Response(422, json=CONTACT_REFUSED)
            return httpx.Response(201, json={"complaint_id": str(uuid4())})
        if request.url.host == "projection" and path == "/complaints":
            return httpx.Response(200, json={"total": 1, "limit": 500, "offset": 0, "items": [SUMMARY] if own else []})
        if request.url.host == "projection" and path == f"/complaints/{CID}":
            return (
                httpx.Response(200, json=HISTORY) if own else httpx.Response(404, json={"detail": "no such complaint"})
            )
        if request.url.host == "handling" and path.startswith(f"/cases/{CID}"):
            if not own:
                return httpx.Response(404, json={"detail": "no such case"})
            if request.method == "POST":
                return httpx.Response(409, json={"detail": "cannot record a result: the case is accepted"})
            return httpx.Response(403, json={"detail": "this needs one of the roles"})
        return httpx.Response(404, json={"detail": "no such complaint"})


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, Stand, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = Stand(keys)
    with desk_client(tmp_path, keys, stand) as client:
        yield client, stand, keys


def sign_in(client: TestClient, key: str) -> None:
    answer = client.post("/sign-in", data={"key": key, "next": "/queue"})
    assert answer.status_code == 200 and answer.url.path == "/queue"


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found[1]


def test_pages_need_a_sign_in_and_an_unknown_key_is_told_so(desk: Any) -> None:
    client, stand, _ = desk
    answer = client.get(f"/complaints/{CID}")
    assert answer.url.path == "/sign-in" and answer.url.params["next"] == f"/complaints/{CID}"
    refused = client.post("/sign-in", data={"key": "ck_not-a-key", "next": "/queue"})
    assert refused.url.path == "/sign-in" and 'data-testid="problem"' in refused.text
    assert stand.seen == []


def test_every_call_carries_the_person_s_own_key_and_only_it(desk: Any) -> None:
    client, stand, keys = desk
    sign_in(client, keys["hk-central/staff"])
    assert "HK-9" in client.get("/queue").text
    assert "lift stuck" in client.get(f"/complaints/{CID}").text
    assert stand.seen and {r.headers["x-office-key"] for r in stand.seen} == {keys["hk-central/staff"]}
    assert all("authorization" not in r.headers for r in stand.seen)


def test_another_office_s_complaint_is_no_complaint_whatever_the_service_answers(desk: Any) -> None:
    client, _, keys = desk
    sign_in(client, keys["kln-east/supervisor"])
    page = client.get(f"/complaints/{CID}")
    assert page.status_code == 404 and "HK-9" not in page.text and "Chan Tai Man" not in page.text
    assert "HK-9" not in client.get("/queue").text
    form = client.post(f"/complaints/{CID}/accept", data={"csrf": csrf(client.get("/register").text)})
    assert form.status_code == 404 and "HK-9" not in form.text


def test_a_form_without_its_csrf_token_is_not_sent(desk: Any) -> None:
    client, stand, keys = desk
    sign_in(client, keys["hk-central/staff"])
    before = len(stand.seen)
    answer = client.post(f"/complaints/{CID}/result", data={"result": "fixed", "resolved": "true"})
    # said beside the form, what was typed kept (the page again, not a redirect)
    assert answer.status_code == 422 and "reload the page" in answer.text and ">fixed</textarea>" in answer.text
    assert [r for r in stand.seen[before:] if r.method == "POST"] == []


def test_a_refusal_is_shown_with_the_service_s_reason(desk: Any) -> None:
    client, _, keys = desk
    sign_in(client, keys["hk-central/staff"])
    token = csrf(client.get(f"/complaints/{CID}").text)
    answer = client.post(f"/complaints/{CID}/result", data={"result": "fixed", "resolved": "true", "csrf": token})
    assert answer.status_code == 409 and "the case is accepted" in answer.text
    assert 'data-testid="form-problem"' in answer.text.split('data-testid="form-result"')[1].split("</details>")[0]
    # the page answering the form: switching its language (a link to the same address) is its page again
    switched = client.get(f"{answer.url.path}?lang=zh-Hant")
    assert switched.status_code == 200 and switched.url.path == f"/complaints/{CID}" and "<html" in switched.text


def test_a_credential_the_services_no_longer_take_asks_for_a_new_sign_in(desk: Any) -> None:
    client, stand, keys = desk
    sign_in(client, keys["hk-central/staff"])
    token = csrf(client.get(f"/complaints/{CID}").text)
    stand.keys = {k: v for k, v in keys.items() if k != "hk-central/staff"}  # the key is revoked
    page = client.get(f"/complaints/{CID}")
    assert page.url.path == "/sign-in" and page.url.params["next"] == f"/complaints/{CID}"
    form = client.post(f"/complaints/{CID}/result", data={"result": "x", "csrf": token})
    assert form.url.path == "/sign-in" and form.url.params["next"] == f"/complaints/{CID}"


def test_the_desk_never_redirects_off_itself(desk: Any) -> None:
    client, _, keys = desk
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        answer = client.post("/sign-in", data={"key": keys["hk-central/staff"], "next": target}, follow_redirects=False)
        assert answer.headers["location"] == "/queue", target


def test_the_language_is_remembered_and_pages_carry_the_security_headers(desk: Any) -> None:
    client, _, _ = desk
    first = client.get("/sign-in?lang=zh-Hans")
    assert "登录" in first.text and first.cookies.get("desk_lang") == "zh-Hans"
    assert "登录" in client.get("/sign-in").text  # remembered
    assert "登入" in client.get("/sign-in?lang=zh-Hant").text
    client.cookies.clear()
    assert "Sign in" in client.get("/sign-in", headers={"Accept-Language": "en-GB"}).text
    assert "登入" in client.get("/sign-in", headers={"Accept-Language": "zh-HK,zh;q=0.8"}).text
    assert "登录" in client.get("/sign-in", headers={"Accept-Language": "zh-CN"}).text
    headers = client.get("/sign-in").headers
    assert (
        "frame-ancestors 'none'" in headers["content-security-policy"]
        and headers["x-content-type-options"] == "nosniff"
    )


def test_a_group_key_reads_but_is_offered_no_form(desk: Any) -> None:
    client, _, keys = desk
    sign_in(client, keys["group/dashboard"])
    page = client.get(f"/complaints/{CID}").text
    assert "HK-9" in page and 'data-testid="form-' not in page


def test_the_status_page_reads_with_the_reader_key_and_shows_no_person(desk: Any, tmp_path: Path) -> None:
    client, stand, keys = desk
    token = status_token(CID, "development-status-link-secret")
    page = client.get(f"/status/{token}?lang=en")
    assert page.status_code == 200 and "HK-9" in page.text and "We received your complaint" in page.text
    for hidden in ("Chan Tai Man", "9123", "Amy Wong", "hk-central/reception", "Flat B", "lift stuck"):
        assert hidden not in page.text, hidden
    assert stand.seen[-1].headers["x-office-key"] == keys["group/dashboard"]
    assert client.get(f"/status/{status_token(OTHER, 'development-status-link-secret')}").status_code == 404
    assert client.get(f"/status/{status_token(CID, 'some-other-secret-here')}").status_code == 404
    assert client.get("/status/garbage").status_code == 404


def test_an_access_token_from_the_issuer_signs_in_and_is_what_the_services_receive(
    tmp_path: Path, dev_issuer: Any
) -> None:
    """Signed in at the development OpenID Connect issuer (its login form), the person pastes the token:
    the desk verifies it like the services do and forwards it as the bearer credential, never a key."""
    seen: list[httpx.Request] = []

    def services(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/complaints":
            return httpx.Response(200, json={"total": 0, "limit": 500, "offset": 0, "items": []})
        return httpx.Response(404, json={"detail": "no such complaint"})

    token = dev_issuer.sign_in("kln-east/leader")
    with desk_client(
        tmp_path, {}, services, status_reader=False, keys_file=tmp_path / "none.json", oidc_issuer=dev_issuer.issuer
    ) as client:
        assert 'data-testid="token"' in client.get("/sign-in").text
        refused = client.post("/sign-in", data={"token": token[:-4] + "AAAA", "next": "/queue"})
        assert refused.url.path == "/sign-in" and refused.url.params["problem"] == "token-refused"
        signed = client.post("/sign-in", data={"token": token, "next": "/queue"})
        assert signed.url.path == "/queue" and "kln-east/leader" in signed.text
    assert seen and all(r.headers["authorization"] == f"Bearer {token}" for r in seen)
    assert all("x-office-key" not in r.headers for r in seen)


def test_the_desk_counts_its_requests_by_route_for_prometheus(desk: Any) -> None:
    client, _, _ = desk
    client.get("/sign-in")
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert 'route="/sign-in"' in scraped.text and "http_request_duration_seconds_count" in scraped.text


def test_search_asks_the_projection_s_index_with_the_person_s_key_and_shows_what_it_finds(desk: Any) -> None:
    client, stand, keys = desk
    sign_in(client, keys["hk-central/reception"])
    stand.seen.clear()  # (signing in showed the queue)
    page = client.get("/search", params={"q": "  Chan   9123 "}).text
    assert f'data-id="{CID}"' in page and 'data-testid="count"' in page
    asked = [r for r in stand.seen if r.url.host == "projection" and r.url.path == "/complaints"]
    assert [(r.url.params["q"], r.url.params["limit"]) for r in asked] == [("Chan 9123", "100")]
    assert {r.headers["x-office-key"] for r in stand.seen} == {keys["hk-central/reception"]}
    stand.seen.clear()
    assert f'data-id="{CID}"' not in client.get("/search", params={"q": "   "}).text
    assert stand.seen == []  # nothing typed, nothing asked
