"""What the desk says when a service refuses a form for reasons found walking through `make up`:

- a department's form (accept, cause, …) on a complaint judged invalid: handling opens no case for it, so
  it answers 404 'no such case' for good; the desk said "has not heard of this complaint yet … try again
  shortly", which a supervisor would retry for ever;
- a registration whose text is only spaces (intake's 422 `string_blank`) is "must be filled in", like an
  empty one, not intake's English;
- a contact intake refuses (`contact_invalid`) is said in the page's language at the top of the form too,
  not only beside the field (the top said intake's English on a Chinese page).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.desk.test_pages_as_services_answer import CASE, CID, HISTORY, Services_, desk, plain, register, signed_in

__all__ = ["desk"]  # the fixture, used by name


def judged(validity: str) -> dict[str, Any]:
    return HISTORY | {"state": "declined", "complaint": HISTORY["complaint"] | {"validity": validity}}


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "judged invalid: no department handles it"), ("zh-Hant", "判定為無效"), ("zh-Hans", "判定为无效")],
)
def test_a_department_form_on_a_complaint_judged_invalid_says_so_not_try_again(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    client, _, keys = desk

    def answers(self: Services_, request: httpx.Request) -> httpx.Response:
        if request.url.host == "handling" and request.method == "POST":
            return httpx.Response(404, json={"detail": "no such case"})
        if request.url.host == "projection" and request.url.path == f"/complaints/{CID}":
            return httpx.Response(200, json=judged("invalid"))
        return httpx.Response(200, json={"total": 0, "limit": 500, "offset": 0, "items": []})

    original = Services_.__call__
    monkeypatch.setattr(Services_, "__call__", lambda self, r: answers(self, r) if r.url.host in
                        ("handling", "projection") else original(self, r))  # fmt: skip
    signed_in(client, keys["hk-central/supervisor"], lang)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/complaints/{CID}").text)[1]  # type: ignore[index]
    answer = client.post(f"/complaints/{CID}/accept", data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', page, re.S)[1])  # type: ignore[index]
    assert words in problem, problem
    assert "try again" not in problem and "稍後再試" not in problem and "稍后再试" not in problem


BLANK = {"detail": [{"type": "string_blank", "loc": ["body", "description"],
                     "msg": "description is blank: it holds only spaces; fill it in",
                     "code": "intake.blank_field", "params": {"field": "description"}}],
         "code": "request.invalid", "params": {}}  # fmt: skip
CONTACT = {"detail": [{"type": "contact_invalid", "loc": ["body", "complainant", "contact"],
                       "msg": "complainant.contact is neither a valid phone number nor an e-mail address; give a "
                              "phone number valid in HK (the office's region, e.g. 5123 4567), …",
                       "code": "intake.contact_invalid", "params": {"region": "HK", "accepted": "…"}}],
           "code": "request.invalid", "params": {}}  # fmt: skip
NOT_EMAIL = {"detail": [{"type": "contact_invalid", "loc": ["body", "complainant", "contact"],
                         "msg": "complainant.contact is not a valid e-mail address; give a phone number valid in HK "
                                "(the office's region, e.g. 5123 4567), …",
                         "code": "intake.contact_not_email", "params": {"region": "HK", "accepted": "…"}}],
             "code": "request.invalid", "params": {}}  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "lang", "words"),
    [
        (BLANK, "zh-Hant", "事件經過: 必須填寫"),
        (BLANK, "en", "What happened: must be filled in"),
        (CONTACT, "zh-Hant", "既不是 HK 的有效電話號碼"),
        (CONTACT, "zh-Hans", "既不是 HK 的有效电话号码"),
        (CONTACT, "en", "is neither a phone number valid in HK nor an e-mail address"),
        (NOT_EMAIL, "zh-Hant", "電話或電郵: 不是有效的電郵地址"),
        (NOT_EMAIL, "zh-Hans", "电话或电子邮件: 不是有效的电子邮件地址"),
    ],
)
def test_intake_s_refusals_of_a_registration_are_said_at_the_top_in_the_page_s_language(
    desk: Any, answer: dict[str, Any], lang: str, words: str
) -> None:
    client, stand, keys = desk
    stand.register_answer = httpx.Response(422, json=answer)
    signed_in(client, keys["hk-central/reception"], lang)
    page = register(client)
    assert page.status_code == 422
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', page.text, re.S)[1])  # type: ignore[index]
    assert words in problem, problem
    assert "blank" not in problem
    # what intake accepts instead, in the page's words: never intake's English sentence (found on the walk:
    # "不是有效的電郵地址 [complainant.contact is not a valid e-mail address; give …]" on a Chinese page)
    assert "[" not in problem and "complainant.contact" not in problem, problem
    if lang != "en":
        assert not re.findall(r"[A-Za-z]{3,}", problem.replace("name@example.com", "")), problem


def hand_over_refused(desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, refused: dict[str, Any]) -> str:
    """The problem the desk shows when handling answers a hand-over to 'Engineering Dept' with `refused`."""
    client, _, keys = desk
    original = Services_.__call__

    def answers(self: Services_, request: httpx.Request) -> httpx.Response:
        if request.url.host == "handling" and request.method == "POST":
            return httpx.Response(422, json=refused)
        return original(self, request)

    monkeypatch.setattr(Services_, "__call__", answers)
    signed_in(client, keys["hk-central/staff"], lang)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/complaints/{CID}").text)[1]  # type: ignore[index]
    answer = client.post(
        f"/complaints/{CID}/hand-over", data={"csrf": token, "to_department": "Engineering Dept", "reason": "pump"}
    )
    assert answer.status_code == 422
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', answer.text, re.S)[1])  # type: ignore[index]
    return problem


@pytest.mark.parametrize(("lang", "words"), [("en", "lower-case words joined by -"), ("zh-Hant", "分派表所用的代碼")])
def test_a_hand_over_to_a_department_not_written_as_its_code_says_how_to_write_it(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    """Handling's 422 for 'Engineering Dept' (its pattern: routing's codes), said in the page's words."""
    code = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
    refused = {"detail": [{"type": "string_pattern_mismatch", "loc": ["body", "to_department"],
                           "msg": f"String should match pattern '{code}'", "input": "Engineering Dept",
                           "ctx": {"pattern": code}}]}  # fmt: skip
    problem = hand_over_refused(desk, monkeypatch, lang, refused)
    assert words in problem and "expected form" not in problem, problem


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "is not a department routing knows; type one of: engineering, security"),
     ("zh-Hant", "不是分派表所列的部門"), ("zh-Hans", "不是分派表所列的部门")],
)  # fmt: skip
def test_a_hand_over_to_a_department_routing_does_not_know_is_said_with_the_codes(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    """Handling's 422 `handling.unknown_department` (its shape: tests/handling/test_http.py), in the page's words."""
    known = ["engineering", "security"]
    refused = {"detail": [{"type": "value_error", "loc": ["body", "to_department"],
                           "code": "handling.unknown_department",
                           "msg": "no department 'Engineering Dept' that routing knows; name one of [...]",
                           "params": {"value": "Engineering Dept", "departments": known}}]}  # fmt: skip
    problem = hand_over_refused(desk, monkeypatch, lang, refused)
    assert words in problem and "engineering" in problem and "security" in problem, problem


def test_the_hand_over_form_suggests_the_departments_routing_names(desk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, _, keys = desk
    original = Services_.__call__
    # triage's answer (tests/triage/test_http.py pins what it holds for the real rules)
    departments = {"version": 3, "departments": ["club", "customer-service", "engineering", "security"]}

    def answers(self: Services_, request: httpx.Request) -> httpx.Response:
        if request.url.host == "triage" and request.url.path == "/departments":
            return httpx.Response(200, json=departments)
        if request.url.host == "handling" and request.method == "GET":  # in the department's hands: handed over
            return httpx.Response(200, json=CASE | {"stage": "accepted"})
        return original(self, request)

    monkeypatch.setattr(Services_, "__call__", answers)
    signed_in(client, keys["hk-central/staff"], "en")
    page = client.get(f"/complaints/{CID}").text
    listed = re.search(r'<datalist id="departments"[^>]*>(.*?)</datalist>', page, re.S)
    assert listed is not None and re.search(r'name="to_department"[^>]*list="departments"', page)
    assert re.findall(r'<option value="([^"]+)">', listed[1]) == ["club", "customer-service", "engineering", "security"]

    # a supervisor's routing override is offered the same departments, each with its word
    signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
    page = client.get(f"/complaints/{CID}").text
    decided = re.search(r'<datalist id="decided-values"[^>]*>(.*?)</datalist>', page, re.S)
    assert decided is not None and '<option value="engineering">工程部</option>' in decided[1]
