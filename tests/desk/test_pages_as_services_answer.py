"""The complaint page and the forms' refusals over stand-ins that answer exactly as the services do
(shapes copied from a `make up` run): the timeline's actor is an object, a person's override stands
beside the automatic decision, follow-up's close says when and by whom, a 422 is FastAPI's list of
problems. Found walking through the system as its users would: the page showed
`{'id': 'system:sla', 'role': 'system'}`, 'minor' after a supervisor had made it important, an empty
'Closed:', and pydantic's English on a Chinese page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.desk.support import desk_client, desk_keys

CID = uuid4()
SLA = {"id": "system:sla", "role": "system"}
HISTORY = {
    "complaint": {"complaint_id": str(CID), "office_id": "hk-central", "office_reference": "W-1", "sequence_number": 4,
                  "received_at": "2026-11-30T10:07:00+00:00", "state": "closed", "severity": "important",
                  "validity": "valid", "business_area": "electromechanical", "department": "engineering",
                  "complainant": {"name": "陳大文", "contact": "+852 9123 4567"}, "unit_address": "Block 3"},
    "state": "closed",
    "judged_at": "2026-11-30T10:08:00+00:00",
    "checks": [],
    "timeline": [
        {"type": "complaints.triage.SeverityRegraded", "occurred_at": "2026-11-30T10:07:30+00:00",
         "actor": {"id": "system:triage", "role": "system"},
         "summary": "re-graded major -> major (major.mass-incident)", "explanation": None,
         "payload": {"previous": "major", "severity": "major", "criterion": "major.mass-incident"}},
        {"type": "complaints.sla.ClockStarted", "occurred_at": "2026-11-30T10:07:00+00:00", "actor": SLA,
         "summary": "hand-over clock started, due 2026-11-30T10:17:00Z", "explanation": None,
         "payload": {"clock": "hand-over", "deadline": "2026-11-30T10:17:00Z", "key": "hand-over#0"}},
        {"type": "complaints.intake.ComplaintRegistered", "occurred_at": "2026-11-30T10:07:06+00:00",
         "actor": {"id": "hk-central/reception", "role": "receptionist"}, "summary": "registered as no. 4",
         "explanation": None, "payload": {"sequence_number": 4, "form": {"channel": "phone", "description": "電梯停咗",
                                                                    "customer_request": "維修"}}},
    ],
}  # fmt: skip
TRIAGE = {
    "complaint_id": str(CID), "office_id": "hk-central", "triaged": True, "severity": "important",
    "criteria": ["minor.slight", "important.designated"],
    "decision": {"validity": "valid", "nature": "effective", "communication_kind": None,
                 "content_category": "equipment", "business_area": "electromechanical", "severity": "minor",
                 "department": "engineering", "explanations": {}, "history": None},
    "confirmations": [],
    "overrides": [{"aspect": "severity", "previous": "minor", "value": "important", "by": "hk-central/supervisor",
                   "role": "supervisor", "reason": "兩位住客被困", "at": "2026-11-30T10:07:21+00:00"}],
}  # fmt: skip
CASE = {"complaint_id": str(CID), "stage": "resulted", "first_responsible": "engineering duty officer"}
FOLLOWUP = {
    "complaint_id": str(CID), "office_id": "hk-central", "cycle": 0, "validity": "valid", "results": [],
    "replies": [], "visits": [], "waivers": {},
    "closed": {"at": "2026-11-30T10:07:37+00:00", "by": "hk-central/supervisor"},
}  # fmt: skip
# What intake answers to an empty complainant name (FastAPI's 422, as the desk receives it)
TOO_SHORT = {"detail": [{"type": "string_too_short", "loc": ["body", "complainant", "name"],
                         "msg": "String should have at least 1 character", "input": "",
                         "ctx": {"min_length": 1}}]}  # fmt: skip


class Services_:
    def __init__(self) -> None:
        self.register_answer = httpx.Response(422, json=TOO_SHORT)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host, path = request.url.host, request.url.path
        if host == "intake" and path == "/complaints":
            return self.register_answer
        if host == "handling" and request.method == "POST":
            return httpx.Response(
                403, json={"detail": "this needs one of the roles ['leader']; your key has ['department-staff']"}
            )
        if host == "projection" and path == "/complaints":
            return httpx.Response(200, json={"total": 0, "limit": 500, "offset": 0, "items": []})
        if host == "projection":
            return httpx.Response(200, json=HISTORY)
        if host == "triage":
            return httpx.Response(200, json=TRIAGE)
        if host == "handling":
            return httpx.Response(200, json=CASE)
        if host == "followup":
            return httpx.Response(200, json=FOLLOWUP)
        if host == "sla":
            return httpx.Response(200, json={"complaint_id": str(CID), "clocks": []})
        return httpx.Response(404, json={"detail": "no such complaint"})


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, Services_, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = Services_()
    with desk_client(tmp_path, keys, stand) as client:
        yield client, stand, keys


def signed_in(client: TestClient, key: str, lang: str) -> None:
    client.cookies.set("desk_lang", lang)
    assert client.post("/sign-in", data={"key": key, "next": "/queue"}).status_code == 200


def plain(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_timeline_names_each_actor_not_a_python_dict(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "en")
    page = client.get(f"/complaints/{CID}").text
    assert "{&#39;id&#39;" not in page and "{'id'" not in page
    timeline = page[page.index('data-testid="timeline"') :]
    assert "system:sla" in timeline and "hk-central/reception" in timeline


def test_an_override_is_the_value_shown_with_who_changed_it_in_the_page_s_language(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
    page = client.get(f"/complaints/{CID}").text
    row = plain(re.search(r'data-testid="decision-severity">(.*?)</tr>', page, re.S)[1])  # type: ignore[index]
    assert "重要" in row and "輕微" in row and "hk-central/supervisor" in row and "minor" not in row
    validity = plain(re.search(r'data-testid="decision-validity">(.*?)</tr>', page, re.S)[1])  # type: ignore[index]
    assert "有效" in validity and "valid" not in validity
    assert "已有結果" in plain(re.search(r'data-testid="case-stage">(.*?)</dd>', page, re.S)[1])  # type: ignore[index]


def test_a_closed_case_says_when_and_by_whom(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "en")
    closed = plain(re.search(r'data-testid="closed">(.*?)</li>', client.get(f"/complaints/{CID}").text, re.S)[1])  # type: ignore[index]
    assert "hk-central/supervisor" in closed and "2026" in closed


def register(client: TestClient) -> httpx.Response:
    page = client.get("/register").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
    form = {"office_reference": "W-2", "name": "", "contact": "9123 4567", "unit_address": "Block 3",
            "channel": "phone", "occurred_at": "2026-11-30T18:00", "received_at": "2026-11-30T18:05",
            "object": "lift", "description": "stuck", "customer_request": "fix", "received_by": "Amy",
            "csrf": token}  # fmt: skip
    return client.post("/register", data=form)


@pytest.mark.parametrize(
    ("lang", "field", "reason"), [("zh-Hant", "投訴人", "必須填寫"), ("zh-Hans", "投诉人", "必须填写")]
)
def test_a_refused_registration_names_the_field_and_the_reason_in_the_page_s_language(
    desk: Any, lang: str, field: str, reason: str
) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/reception"], lang)
    answer = register(client)
    assert answer.status_code == 422
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', answer.text, re.S)[1])  # type: ignore[index]
    assert field in problem and reason in problem, problem
    assert "String should" not in problem and "complainant.name" not in problem


def test_a_registration_too_large_for_intake_is_a_413_said_in_words_not_a_502(desk: Any) -> None:
    client, stand, keys = desk
    stand.register_answer = httpx.Response(413, json={"detail": "the body is larger than 65536 bytes"})
    signed_in(client, keys["hk-central/reception"], "zh-Hant")
    answer = register(client)
    assert answer.status_code == 413
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', answer.text, re.S)[1])  # type: ignore[index]
    assert "太長" in problem, problem


def test_the_registration_form_caps_each_field_at_what_intake_accepts(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/reception"], "en")
    page = client.get("/register").text
    assert re.search(r'name="description"[^>]*maxlength="4000"', page)
    assert re.search(r'name="name"[^>]*maxlength="200"', page)
    assert re.search(r'name="office_reference"[^>]*pattern=', page)


def test_a_role_refusal_on_a_form_is_said_in_the_page_s_language(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/staff"], "zh-Hans")
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/complaints/{CID}").text)[1]  # type: ignore[index]
    answer = client.post(f"/complaints/{CID}/approval", data={"note": "ok", "csrf": token})
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', answer.text, re.S)[1])  # type: ignore[index]
    assert "角色" in problem and "leader" in problem, problem


def test_the_timeline_is_written_in_the_page_s_language(desk: Any) -> None:
    """The projection's lines are English ('hand-over clock started', 'registered as no. 4'); a Chinese
    page writes each known step in its own words, with the values translated too."""
    client, _, keys = desk
    for lang, words in (
        ("zh-Hant", ("轉交", "登記為第 4 號", "電話", "超過五位客戶投訴同一事件")),
        ("zh-Hans", ("转交", "登记为第 4 号", "电话", "超过五位客户投诉同一事件")),
    ):
        signed_in(client, keys["hk-central/supervisor"], lang)
        page = client.get(f"/complaints/{CID}").text
        timeline = plain(page[page.index('data-testid="timeline"') :])
        assert "clock started" not in timeline and "registered as" not in timeline, timeline
        assert all(w in timeline for w in words), timeline


def test_a_promise_beyond_the_horizon_is_refused_in_the_page_s_language() -> None:
    """handling's bound (shared/contracts/bounds.py) as the desk words it: by its code, as handling sends it."""
    from services.desk.adapters.i18n import load_translations
    from services.desk.adapters.problems import explain

    problem = {"type": "out_of_bounds", "loc": ["body", "due_at"], "code": "bounds.beyond_horizon",
               "params": {"field": "due_at", "value": "2027-11-30T18:25:00+08:00", "span": "90 days"},
               "msg": "2027-11-30T18:25:00+08:00 is more than 90 days ahead (the horizon)"}  # fmt: skip
    said = explain("handling", 422, "", [problem], load_translations()["zh-Hant"].gettext)
    assert said.startswith("於此時間前: 太遠") and "horizon" not in said, said


def test_a_field_two_forms_label_differently_is_named_as_its_own_form_labels_it() -> None:
    from services.desk.adapters.i18n import load_translations
    from services.desk.adapters.problems import explain

    missing = [{"type": "missing", "loc": ["body", "summary"], "msg": "Field required"}]
    words = load_translations()["zh-Hant"].gettext
    assert explain("intake", 422, "", missing, words, "hotline").startswith(words("What the customer said"))
    assert explain("followup", 422, "", missing, words, "reply").startswith(words("What the customer was told"))


def test_a_mistyped_address_is_a_page_in_the_person_s_language_not_json(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
    answer = client.get("/complaints/not-a-complaint-id")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "uuid_parsing" not in answer.text and "<html" in answer.text


def test_an_erased_complainant_reads_as_erased_in_the_page_s_language(desk: Any) -> None:
    client, _, keys = desk
    HISTORY["complaint"]["complainant"] = {"name": "[erased]", "contact": "[erased]"}  # type: ignore[index]
    try:
        signed_in(client, keys["hk-central/supervisor"], "zh-Hans")
        shown = plain(re.search(r'data-testid="complainant">(.*?)</dd>', client.get(f"/complaints/{CID}").text)[1])  # type: ignore[index]
        assert shown == "[已删除] · [已删除]", shown
    finally:
        HISTORY["complaint"]["complainant"] = {"name": "陳大文", "contact": "+852 9123 4567"}  # type: ignore[index]


def test_the_privacy_page_s_own_checks_are_said_in_its_language(desk: Any) -> None:
    client, _, keys = desk
    signed_in(client, keys["group/privacy"], "zh-Hant")
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/privacy").text)[1]  # type: ignore[index]
    person = str(uuid4())
    answer = client.post(f"/privacy/persons/{person}/erasure", data={"reason": "DSR-1", "confirm": "", "csrf": token})
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', answer.text, re.S)[1])  # type: ignore[index]
    assert "再次輸入個人編號" in problem and "type the person id" not in problem, problem


def test_the_administration_s_fields_are_named_as_its_forms_label_them() -> None:
    from services.desk.adapters.i18n import load_translations
    from services.desk.adapters.problems import explain

    words = load_translations()["zh-Hant"].gettext
    refused = [{"type": "string_too_short", "loc": ["body", "name"], "msg": "", "ctx": {"min_length": 1}},
               {"type": "date_from_datetime_parsing", "loc": ["body", "holidays", 0], "msg": ""}]  # fmt: skip
    said = explain("directory", 422, "", refused, words, "staff")
    assert said.startswith(words("Name") + ":") and words("Complainant") not in said, said
    assert words("Holidays (dates, separated by spaces)") in said and "holidays.0" not in said, said


def test_what_triage_asks_a_person_to_review_is_on_the_page_until_someone_judges_it(desk: Any) -> None:
    """Triage flags a decision its rules and its reading disagree on (`review`); the desk never showed it,
    so a supervisor had no way to know which automatic grade to look at."""
    client, _, keys = desk
    reason = "nature: the reading model and the rules disagree (rules: effective; model reads communication)"
    TRIAGE["decision"]["review"] = [reason]  # type: ignore[index]
    try:
        signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
        page = client.get(f"/complaints/{CID}").text
        assert 'data-testid="needs-review"' in page and "覆核" in page and "reading model" in page
        # the way to judge it: a link to the override form, open although the complaint is past triage
        assert 'href="#form-override" data-testid="to-override"' in page
        assert re.search(r'<details[^>]*id="form-override"[^>]* open>', page)
        TRIAGE["decision"]["review"] = [reason.replace("nature", "severity", 1)]  # type: ignore[index]
        page = client.get(f"/complaints/{CID}").text
        assert 'data-testid="needs-review"' not in page  # the override judged it
        assert not re.search(r'<details[^>]*id="form-override"[^>]* open>', page)
    finally:
        TRIAGE["decision"].pop("review")  # type: ignore[attr-defined]


def test_a_severity_flag_is_no_question_once_an_incident_re_graded_the_complaint(desk: Any) -> None:
    """Found on `make up`: seven households of one block without water, re-graded major as one incident,
    still showed triage's "possibly major, graded important" to a supervisor: the grade it doubted was no
    longer in force (triage's own answer says the grade now), and nobody had anything to judge."""
    client, _, keys = desk
    reason = "severity: possibly major (no water ('no water')), graded important"
    regraded = {"severity": "major", "criteria": ["major.mass-incident"], "overrides": [],
                "decision": TRIAGE["decision"] | {"severity": "important", "review": [reason]}}  # fmt: skip
    original = dict(TRIAGE)
    try:
        TRIAGE.update(regraded)
        signed_in(client, keys["hk-central/supervisor"], "en")
        assert 'data-testid="needs-review"' not in client.get(f"/complaints/{CID}").text
        TRIAGE["severity"] = "important"  # not re-graded: the question stands
        assert 'data-testid="needs-review"' in client.get(f"/complaints/{CID}").text
    finally:
        TRIAGE.clear()
        TRIAGE.update(original)


@pytest.mark.parametrize(("lang", "words"), [("en", "already used"), ("zh-Hant", "已用於"), ("zh-Hans", "已用于")])
def test_a_reference_already_used_is_said_as_that_not_as_a_step_of_the_complaint(
    desk: Any, lang: str, words: str
) -> None:
    """Found walking through `make up`: the same office reference with other details is intake's 409,
    and the register page said 'This cannot be done at this step of the complaint' of a complaint that
    does not exist yet."""
    client, stand, keys = desk
    detail = "office reference 'W-2' already registered a complaint with different details; use a new reference"
    refusal = {"detail": detail, "code": "intake.reference_reused", "params": {"office_reference": "W-2"}}
    stand.register_answer = httpx.Response(409, json=refusal)
    signed_in(client, keys["hk-central/reception"], lang)
    answer = register(client)
    assert answer.status_code == 409
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', answer.text, re.S)[1])  # type: ignore[index]
    assert words in problem and "step" not in problem.split("[")[0], problem


EARLIER, ELSEWHERE = uuid4(), uuid4()


@pytest.mark.parametrize(
    ("lang", "evidence", "elsewhere"),
    [("en", "the same name and unit", "another office"), ("zh-Hant", "相同姓名及單位", "另一個管理處")],
)
def test_the_complainant_s_earlier_complaints_are_named_by_reference_with_the_evidence_in_words(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, evidence: str, elsewhere: str
) -> None:
    """Found on `make up`: the same person again (by name and unit, another contact) showed the earlier
    complaint as a bare complaint id, and why triage thinks it is the same person as 'name+unit, name'
    on an English and a Chinese page alike."""
    client, stand, keys = desk
    history = {"earlier_complaints": 2, "recent_complaint_ids": [], "invalid_complaints": 0,
               "flagged_for_review": False,
               "matches": [{"complaint_id": str(EARLIER), "matched_on": ["name+unit", "name"]}],
               "possible_matches": [{"complaint_id": str(ELSEWHERE), "matched_on": ["name"]}]}  # fmt: skip
    triage = TRIAGE | {"decision": TRIAGE["decision"] | {"history": history}}
    earlier = HISTORY | {"complaint": HISTORY["complaint"] | {"complaint_id": str(EARLIER), "office_reference": "W-0"}}
    answer_as_services = stand.__call__

    def answers(request: httpx.Request) -> httpx.Response:
        if request.url.host == "triage":
            return httpx.Response(200, json=triage)
        if request.url.path == f"/complaints/{EARLIER}":
            return httpx.Response(200, json=earlier)
        if request.url.path == f"/complaints/{ELSEWHERE}":  # another office's: no such complaint for this key
            return httpx.Response(404, json={"detail": "no such complaint"})
        return answer_as_services(request)

    monkeypatch.setattr(Services_, "__call__", lambda self, request: answers(request))
    signed_in(client, keys["hk-central/supervisor"], lang)
    page = client.get(f"/complaints/{CID}").text
    rows = [plain(r) for r in re.findall(r'data-testid="earlier">(.*?)</li>', page, re.S)]
    assert len(rows) == 2, page
    assert "W-0" in rows[0] and evidence in rows[0] and f'href="/complaints/{EARLIER}"' in page
    assert "name+unit" not in rows[0] and str(EARLIER) not in rows[0]
    assert elsewhere in rows[1] and f'href="/complaints/{ELSEWHERE}"' not in page


@pytest.mark.parametrize(("lang", "words"), [("en", "has not heard of this complaint yet"), ("zh-Hant", "尚未收到")])
def test_a_form_for_a_case_not_opened_yet_says_so_on_the_complaint_s_page_not_no_such_complaint(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    """Found on `make up` with the handling worker stopped: the complaint's page offered 'Accept the case'
    (triage had routed it), handling answered 404 'no such case', and the desk said 'No such complaint:
    there is no complaint here for you' of a complaint it had just shown."""
    client, stand, keys = desk
    answer_as_services = stand.__call__

    def answers(request: httpx.Request) -> httpx.Response:
        if request.url.host == "handling" and request.method == "POST":
            return httpx.Response(404, json={"detail": "no such case"})
        return answer_as_services(request)

    monkeypatch.setattr(Services_, "__call__", lambda self, request: answers(request))
    signed_in(client, keys["hk-central/staff"], lang)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/complaints/{CID}").text)[1]  # type: ignore[index]
    answer = client.post(f"/complaints/{CID}/accept", data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"/complaints/{CID}?")
    page = client.get(answer.headers["location"]).text
    problem = plain(re.search(r'data-testid="problem">(.*?)</p>', page, re.S)[1])  # type: ignore[index]
    assert words in problem and "handling" in problem, problem


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "hotline reference"), ("zh-Hant", "熱線編號"), ("zh-Hans", "热线编号")]
)
def test_the_register_form_says_where_a_hotline_call_s_reference_goes(desk: Any, lang: str, words: str) -> None:
    """Found on `make up`: the hotline page tells the office to register the call 'quoting the hotline
    reference', and the projection looks for it as the office reference (or in the texts), but the
    registration form said nothing of it: a receptionist had no way to know where it goes."""
    client, _, keys = desk
    signed_in(client, keys["hk-central/reception"], lang)
    page = client.get("/register").text
    hint = plain(re.search(r'data-testid="hotline-hint">(.*?)</p>', page, re.S)[1])  # type: ignore[index]
    assert words in hint


WARNED = {
    "type": "complaints.notifications.NotificationRequested", "occurred_at": "2026-11-30T10:12:00+00:00",
    "actor": SLA, "summary": "important complaint: level 1 told", "causation_id": None,
    "explanation": {"reason": "hand-over clock: 50% of the allowed time used; deadline 2026-11-30T10:17+00:00",
                    "rule": "sla.hand-over@v1", "caused_by": []},
    "payload": {"severity": "important", "level": 1, "recipients": [{"office_id": "hk-central", "role": "supervisor"}],
                "subject": "hand-over clock: 50% of the allowed time used; deadline 2026-11-30T10:17+00:00"},
}  # fmt: skip


def test_an_english_page_writes_a_warning_s_deadline_in_the_office_s_time_not_utc(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found on `make up`: in Hong Kong after midnight, an English timeline said 'hand-over clock: 50% of
    the allowed time used; deadline 2026-11-30T16:35+00:00' beside '12:30:00 AM' lines: the service's
    UTC text, where the Chinese pages already said the deadline in the office's time."""
    client, stand, keys = desk
    answer_as_services = stand.__call__
    history = HISTORY | {"timeline": [*HISTORY["timeline"], WARNED]}

    def answers(request: httpx.Request) -> httpx.Response:
        if request.url.host == "projection" and request.url.path == f"/complaints/{CID}":
            return httpx.Response(200, json=history)
        return answer_as_services(request)

    monkeypatch.setattr(Services_, "__call__", lambda self, request: answers(request))
    signed_in(client, keys["hk-central/supervisor"], "en")
    page = client.get(f"/complaints/{CID}").text
    shown = [plain(r) for r in re.findall(r'data-testid="reason">(.*?)</span>', page, re.S)]
    warning = next(r for r in shown if "50%" in r)
    assert "6:17" in warning and "+00:00" not in warning, warning  # 10:17 UTC is 18:17 in Hong Kong
    assert WARNED["explanation"]["reason"] in page  # the service's words, one click away


NOT_LISTED, UNKNOWN = uuid4(), uuid4()


@pytest.mark.parametrize(("lang", "words"), [("en", "not in the complaint list yet"), ("zh-Hant", "仍未顯示")])
def test_a_complaint_recorded_but_not_listed_yet_is_said_so_not_no_such_complaint(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    """Found on `make up` with the projection's worker stopped: the receptionist recorded HK-W-006, was
    told 'it appears in the queue within seconds', and its page said 'No such complaint: there is no
    complaint here for you'. Intake had recorded it (no. 14), for that very office."""
    client, stand, keys = desk
    answer_as_services = stand.__call__
    recorded = {"complaint_id": str(NOT_LISTED), "office_id": "hk-central", "sequence_number": 14,
                "registered_at": "2026-11-30T16:57:13+00:00", "registered_by": "hk-central/reception",
                "form": {"office_reference": "HK-W-006"}}  # fmt: skip

    def answers(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/complaints/{NOT_LISTED}":
            if request.url.host == "intake":
                return httpx.Response(200, json=recorded)
            return httpx.Response(404, json={"detail": "no such complaint"})
        if request.url.path == f"/complaints/{UNKNOWN}":  # another office's: neither service shows it
            return httpx.Response(404, json={"detail": "no such complaint"})
        return answer_as_services(request)

    monkeypatch.setattr(Services_, "__call__", lambda self, request: answers(request))
    signed_in(client, keys["hk-central/reception"], lang)
    page = client.get(f"/complaints/{NOT_LISTED}")
    said = plain(re.search(r'data-testid="not-listed-yet">(.*?)</p>', page.text, re.S)[1])  # type: ignore[index]
    assert words in said and "14" in said and "HK-W-006" in page.text
    assert 'data-testid="not-found"' not in page.text
    # a complaint intake does not know for this person stays no complaint
    assert client.get(f"/complaints/{UNKNOWN}").status_code == 404
