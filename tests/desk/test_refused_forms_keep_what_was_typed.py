# ruff: noqa: RUF001 (the pages' Chinese punctuation)
"""A form on the complaint's page that its service refuses comes back open, the refusal said in the
page's language beside it, with what the person typed still in it. Found walking the supervisor's path:
an override with three lines of why, refused for its value ('huge' is no severity), came back as an
empty form, the why lost; a department's cause and responsible person the same on a refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.desk.support import desk_client, desk_keys
from tests.desk.test_pages_as_services_answer import CASE, CID, Services_, plain, signed_in

REASON = 'Two residents were trapped for 40 minutes <and> the "alarm" went unanswered.'
# What triage answers to a value that is none of the aspect's (its 422, as the desk receives it)
NOT_A_SEVERITY = {
    "detail": [
        {
            "loc": ["body", "value"],
            "type": "value_error",
            "msg": "severity cannot be 'huge'; use ['minor', 'important', 'major']",
            "code": "triage.value_not_allowed",
            "params": {"aspect": "severity", "value": "huge", "allowed": ["minor", "important", "major"]},
        }
    ],
    "code": "request.invalid",
    "params": {},
}


class Refusing(Services_):
    """The services' stand-ins; triage refuses every override, handling every form (a 403)."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.posted.append(f"{request.url.host}{request.url.path}")
        if request.url.host == "triage" and request.method == "POST":
            return httpx.Response(422, json=NOT_A_SEVERITY)
        if request.url.host == "handling" and request.method == "GET":  # the department works on it
            return httpx.Response(200, json=CASE | {"stage": "accepted"})
        return super().__call__(request)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, Refusing, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = Refusing()
    with desk_client(tmp_path, keys, stand) as client:
        yield client, stand, keys


def post(client: TestClient, name: str, data: dict[str, str]) -> httpx.Response:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/complaints/{CID}").text)[1]  # type: ignore[index]
    return client.post(f"/complaints/{CID}/{name}", data=data | {"csrf": token}, follow_redirects=False)


def form(page: str, name: str) -> str:
    return re.search(rf'<details[^>]*data-testid="form-{name}"[^>]*>(.*?)</details>', page, re.S)[0]  # type: ignore[index]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Value: is not one this decision takes; type one of: minor, important, major"),
        ("zh-Hant", "不是這項決定可用的值；請輸入以下其一：minor (輕微)、important (重要)、major (重大)"),
        ("zh-Hans", "不是这项决定可用的值；请输入以下其一：minor (轻微)、important (重要)、major (重大)"),
    ],
)
def test_a_refused_override_comes_back_with_its_why_and_the_refusal_beside_it(desk: Any, lang: str, words: str) -> None:
    client, stand, keys = desk
    signed_in(client, keys["hk-central/supervisor"], lang)
    answer = post(client, "override", {"aspect": "severity", "value": "huge", "reason": REASON})
    assert answer.status_code == 422 and "triage/complaints" in stand.posted[-1]
    shown = form(answer.text, "override")
    assert " open>" in shown.split(">", 1)[0] + ">"  # the form is open
    assert "Two residents were trapped for 40 minutes &lt;and&gt; the &#34;alarm&#34; went unanswered." in shown
    assert 'name="value" data-testid="in-value" required value="huge" list="decided-values"' in shown
    assert '<option value="severity" selected>' in shown and '<option value="validity" selected>' not in shown
    problem = plain(re.search(r'data-testid="form-problem">(.*?)</p>', shown, re.S)[1])  # type: ignore[index]
    assert words in problem and "cannot be" not in problem, problem
    # the other forms that ask why are left empty
    assert "Two residents" not in form(answer.text, "hand-over")
    assert 'data-testid="done"' not in answer.text


def test_the_override_s_value_box_offers_the_values_triage_takes_in_the_page_s_words(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
    offered = re.search(r'<datalist id="decided-values"[^>]*>(.*?)</datalist>', client.get(f"/complaints/{CID}").text)
    assert offered and '<option value="major">重大</option>' in offered[1] and 'value="venting"' in offered[1]


def test_a_refused_cause_keeps_the_cause_and_the_responsible_person(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/staff"], "zh-Hant")
    answer = post(client, "cause", {"cause": "升降機纜索鬆脫", "responsible_person": "承辦商 A"})
    assert answer.status_code == 403
    shown = form(answer.text, "cause")
    assert ">升降機纜索鬆脫</textarea>" in shown and 'value="承辦商 A"' in shown
    assert "角色" in plain(shown)  # handling's refusal, in the page's language
    # what was typed never travels in an address
    assert "location" not in answer.headers


@pytest.mark.parametrize(
    ("field", "label"), [("kind", "類型"), ("aspect", "判定項目"), ("clock", "時限"), ("approved", "判定項目")]
)
def test_a_choice_refused_is_named_as_its_form_labels_it(field: str, label: str) -> None:
    """Found on the department's path: handling's 422 for a solution's kind read 'kind: is not one of the
    choices' on a Chinese page."""
    from services.desk.adapters.i18n import load_translations
    from services.desk.adapters.problems import explain, explain_form

    words = load_translations()["zh-Hant"].gettext
    refused = [{"type": "enum", "loc": ["body", field], "msg": "Input should be 'repair' or ...", "ctx": {}}]
    said = explain("handling", 422, "", refused, words, "proposal")
    assert said == f"{label}: {words('is not one of the choices')}", said
    assert field not in explain_form(field, "is not one of the choices", words)


DEADLINE = {"clock": "reply#0", "deadline": "2026-12-01T16:00:00+00:00"}


@pytest.mark.parametrize(
    ("detail", "code", "params", "words"),
    [
        ("an extension ends after the deadline in force (2026-12-01T16:00:00+00:00)", "sla.extension_after_deadline",
         DEADLINE, "延至：必須遲於現行時限"),
        ("clock 'reply#0' ran out at 2026-12-01T16:00:00+00:00: overtime is asked before", "sla.clock_ran_out",
         DEADLINE, "已經屆滿"),
        ("clock 'reply#0' already has an extension request; one per clock", "sla.extension_already_requested",
         {"clock": "reply#0"}, "只可申請一次"),
        ("clock 'reply#0' has no extension request awaiting a decision", "sla.no_extension_awaiting",
         {"clock": "reply#0"}, "沒有待決定的延長申請"),
        ("reworded, the sentence says nothing the desk reads", "sla.no_extension_awaiting", {"clock": "reply#0"},
         "沒有待決定的延長申請"),
    ],
)  # fmt: skip
def test_the_sla_s_refusal_of_more_time_says_what_to_change(detail: str, code: str, params: dict, words: str) -> None:
    """Found on the supervisor's path: more time until before the deadline in force read 'This cannot be
    done at this step of the complaint', which said nothing of what to change. The desk reads the
    refusal's code (shared/refusals.py): a reworded sentence changes nothing on the page."""
    from services.desk.adapters.i18n import load_translations
    from services.desk.adapters.problems import explain

    said = explain("sla", 409, detail, None, load_translations()["zh-Hant"].gettext, "extension", code, params)
    assert words in said and "步驟" not in said, said
    assert said.endswith(f"[sla 409: {detail}]")  # the service's words kept for support


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Not at this step: the case is “accepted”; this needs it “carried out”."),
        ("zh-Hant", "未到這一步：個案現為「已接收」；這項操作需要個案為「已執行」。"),
        ("zh-Hans", "未到这一步：个案现为“已接收”；这项操作需要个案为“已执行”。"),
    ],
)
def test_a_step_out_of_order_says_where_the_case_is_and_where_it_must_be(lang: str, words: str) -> None:
    """Found on the department's path: a result recorded before the solution was carried out read 'This
    cannot be done at this step of the complaint', saying nothing of which step comes first."""
    from services.desk.adapters.i18n import load_translations
    from services.desk.adapters.problems import explain

    detail = "cannot record the result: the case is accepted, it must be carried-out"
    params = {"step": "record the result", "stage": "accepted", "wanted": ["carried-out"]}
    said = explain("handling", 409, detail, None, load_translations()[lang].gettext, "result",
                   "handling.out_of_order", params)  # fmt: skip
    assert said == f"{words} [handling 409: {detail}]", said
    two = "cannot hand the case over: the case is proposed, it must be opened or accepted"
    params = {"step": "hand the case over", "stage": "proposed", "wanted": ["opened", "accepted"]}
    said = explain("handling", 409, two, None, lambda t: t, None, "handling.out_of_order", params)
    assert "“waiting for the department or accepted”" in said
