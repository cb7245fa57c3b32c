"""A form is offered only at the step its service takes it; the others are listed with why not.

Found on `make up` as reception: a complaint just routed to a department offered "Record a return visit"
(follow-up refuses it until the department has a result and the customer a reply); the department's
staff were offered the cause, the result and "carried out" before accepting the case, a supervisor the
reply and the close. The desk now reads the steps handling's and follow-up's own answers carry
(services/desk/domain/steps.py) and says the refusal their service gives. Checked against the services'
real cases: for every stage, every form, the desk's "not now", read from the answer the service gives,
is the code the service's command raises (or none when it records).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.desk.domain.steps import FOLLOWUP_FORMS, HANDLING_FORMS, not_now
from services.followup.domain.case import FollowUpCase, FollowUpStep
from services.followup.domain.policy import DEFAULT_POLICY
from services.handling.domain.case import Case, CaseStep
from shared.refusals import Refusal, steps_answer
from tests.desk.test_pages_as_services_answer import CASE, CID, FOLLOWUP, HISTORY, Services_, desk, plain, signed_in

__all__ = ["desk"]  # the fixture, used by name

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
STAFF = ("hk-central/staff", "department-staff")
LEADER = ("hk-central/leader", "leader")
SUPERVISOR = ("hk-central/supervisor", "supervisor")

# -- the mirror, against handling's Case ------------------------------------------------------------


def handling_cases() -> list[tuple[str, Case]]:
    """A case at every stage handling has (and with a hand-over pending, and reopened after a result)."""
    case = Case(str(uuid4()), "hk-central", "engineering", "duty officer", "minor", "x", T0,
                departments=["engineering", "security"])  # fmt: skip
    case.commit_to("by 8pm", T0 + timedelta(hours=6), *STAFF, T0)  # a promise to keep at every stage
    found = [("opened", copy.deepcopy(case))]
    pending = copy.deepcopy(case)
    pending.request_hand_over("security", "a security matter", *STAFF, T0)
    found.append(("opened, hand-over pending", pending))
    for name, step in [
        ("accepted", lambda: case.accept(*STAFF, T0)),
        ("caused", lambda: case.record_cause("rota missed", "Lee", *STAFF, T0)),
        ("proposed", lambda: case.propose("repair", "clean it", *STAFF, T0)),
        ("approved", lambda: case.approve(None, *LEADER, T0)),
        ("carried-out", lambda: case.carry_out("cleaned", *STAFF, T0)),
        ("resulted", lambda: case.record_result("clean", True, *STAFF, T0)),
    ]:
        step()
        found.append((name, copy.deepcopy(case)))
    return found


HANDLING_COMMANDS: dict[str, Callable[[Case], None]] = {
    "accept": lambda c: c.accept(*STAFF, T0),
    "hand-over": lambda c: c.request_hand_over("security", "theirs", *STAFF, T0),
    "accept-hand-over": lambda c: c.accept_hand_over(*STAFF, T0),
    "cause": lambda c: c.record_cause("rota", "Lee", *STAFF, T0),
    "proposal": lambda c: c.propose("repair", "clean", *STAFF, T0),
    "approval": lambda c: c.approve(None, *LEADER, T0),
    "rejection": lambda c: c.reject("again", *LEADER, T0),
    "execution": lambda c: c.carry_out("done", *STAFF, T0),
    "result": lambda c: c.record_result("clean", True, *STAFF, T0),
    "progress": lambda c: c.report_progress("on it", *STAFF, T0),
    "commitment": lambda c: c.commit_to("by 8pm", T0 + timedelta(hours=6), *STAFF, T0),
    "commitment-kept": lambda c: c.keep_commitment(0, "kept", *STAFF, T0),
}


def refused(command: Callable[[Any], None], aggregate: Any) -> str | None:
    try:
        command(copy.deepcopy(aggregate))
    except Refusal as refusal:
        return refusal.code
    return None


def test_the_desk_names_every_step_as_its_service_does() -> None:
    assert set(HANDLING_FORMS) == set(HANDLING_COMMANDS) == {step.value for step in CaseStep}
    assert set(FOLLOWUP_FORMS) == set(FOLLOWUP_COMMANDS) == {step.value for step in FollowUpStep}


def handling_answer(case: Case) -> dict[str, Any]:
    """The steps of handling's GET /cases/{id} (services/handling/application.py `case`)."""
    return {"stage": case.stage.value, "steps": steps_answer({s.value: case.refusal_of(s) for s in CaseStep})}


def followup_answer(case: FollowUpCase) -> dict[str, Any]:
    """The steps of follow-up's GET /complaints/{id} (services/followup/application.py `case`)."""
    return {"steps": steps_answer({s.value: case.refusal_of(s) for s in FollowUpStep})}


@pytest.mark.parametrize(("stage", "case"), handling_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_desk_offers_a_department_s_form_exactly_when_handling_takes_it(stage: str, case: Case) -> None:
    answer = handling_answer(case)
    for form, command in HANDLING_COMMANDS.items():
        said = not_now(form, answer, None)
        assert (said[0] if said else None) == refused(command, case), (stage, form, said)


# -- the mirror, against follow-up's case -----------------------------------------------------------


def followup_cases() -> list[tuple[str, FollowUpCase]]:
    p = DEFAULT_POLICY
    fresh = FollowUpCase(uuid4(), "hk-central")
    found = [("nothing known", copy.deepcopy(fresh))]
    case = copy.deepcopy(fresh)
    case.note_triaged("valid", "effective", None, T0, "t1", p)
    found.append(("triaged", copy.deepcopy(case)))
    case.note_result(T0, True, "clean", "r1", p)
    found.append(("resulted", copy.deepcopy(case)))
    waived = copy.deepcopy(case)
    waived.waive_by_person("return-visit", "no phone", *SUPERVISOR, T0)
    found.append(("resulted, visit waived", waived))
    case.reply(*SUPERVISOR, "phone", "cleaned", T0)
    found.append(("replied", copy.deepcopy(case)))
    tried = copy.deepcopy(case)
    tried.record_visit("unreachable", None, False, None, "hk-central/reception", "receptionist", T0, p)
    found.append(("replied, unreachable once", tried))
    unhappy = copy.deepcopy(case)
    unhappy.record_visit("dissatisfied", 2, False, "smells", "hk-central/reception", "receptionist", T0, p)
    found.append(("dissatisfied", copy.deepcopy(unhappy)))
    unhappy.note_reopened(T0, "dissatisfied", "o1")
    found.append(("reopened", unhappy))
    case.record_visit("satisfied", 5, True, None, "hk-central/reception", "receptionist", T0, p)
    found.append(("visited", copy.deepcopy(case)))
    case.close("rota", "check rota", "daily check", "cleaner", *SUPERVISOR, T0)
    found.append(("closed", case))
    invalid = copy.deepcopy(fresh)
    invalid.note_triaged("invalid", "effective", None, T0, "t2", p)
    found.append(("invalid", copy.deepcopy(invalid)))
    invalid.reply(*SUPERVISOR, "phone", "a municipal matter", T0)
    found.append(("invalid, explained", invalid))
    return found


FOLLOWUP_COMMANDS: dict[str, Callable[[FollowUpCase], None]] = {
    "reply": lambda c: c.reply(*SUPERVISOR, "phone", "told", T0),
    "visit": lambda c: c.record_visit("satisfied", 5, True, None, "r", "receptionist", T0, DEFAULT_POLICY),
    "close": lambda c: c.close("c", "l", "i", "r", *SUPERVISOR, T0),
    "waiver": lambda c: c.waive_by_person("return-visit", "why", *SUPERVISOR, T0),
    "waiver-withdrawal": lambda c: c.withdraw_waiver("return-visit", "why", *SUPERVISOR, T0),
}


@pytest.mark.parametrize(("step", "case"), followup_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_desk_offers_a_follow_up_form_exactly_when_follow_up_takes_it(step: str, case: FollowUpCase) -> None:
    answer = followup_answer(case)
    for form, command in FOLLOWUP_COMMANDS.items():
        said = not_now(form, None, answer)
        assert (said[0] if said else None) == refused(command, case), (step, form, said)


def test_a_service_that_did_not_answer_or_said_no_steps_is_left_to_judge() -> None:
    assert all(not_now(form, None, None) is None for form in [*HANDLING_COMMANDS, *FOLLOWUP_COMMANDS])
    older = {"stage": "opened"}, {"cycle": 0}  # answers of services older than their `steps`
    assert all(not_now(form, *older) is None for form in [*HANDLING_COMMANDS, *FOLLOWUP_COMMANDS])


# -- the page ------------------------------------------------------------------------------------------

ROUTED = HISTORY | {"state": "routed", "complaint": HISTORY["complaint"] | {"state": "routed", "closed_at": None}}


def _just_routed() -> dict[str, dict[str, Any]]:
    """What handling and follow-up answer of a complaint just routed to a department."""
    case = Case(str(CID), "hk-central", "engineering", "duty officer", "minor", "x", T0, departments=["engineering"])
    followup = FollowUpCase(CID, "hk-central")
    followup.note_triaged("valid", "effective", None, T0, "t1", DEFAULT_POLICY)
    return {"case": CASE | {"hand_over_to": None, "cause": None} | handling_answer(case),
            "followup": FOLLOWUP | {"closed": None, "results": [], "replies": [], "visits": []}
            | followup_answer(followup)}  # fmt: skip


JUST_ROUTED = _just_routed()


def answering(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Services_.__call__

    def answers(self: Services_, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.host == "projection" and request.url.path == f"/complaints/{CID}":
            return httpx.Response(200, json=ROUTED)
        if request.method == "GET" and request.url.host == "handling":
            return httpx.Response(200, json=JUST_ROUTED["case"])
        if request.method == "GET" and request.url.host == "followup":
            return httpx.Response(200, json=JUST_ROUTED["followup"])
        return original(self, request)

    monkeypatch.setattr(Services_, "__call__", answers)


def forms_on(page: str) -> set[str]:
    return set(re.findall(r'data-testid="form-([a-z-]+)"', page))


def held_on(page: str) -> dict[str, str]:
    return {m[0]: plain(m[1]) for m in re.findall(r'data-testid="not-now-([a-z-]+)">(.*?)</li>', page, re.S)}


@pytest.mark.parametrize(
    ("lang", "visit", "why"),
    [("en", "Record a return visit", "There is no result to visit about yet."),
     ("zh-Hant", "記錄回訪", "尚無結果可回訪。"),
     ("zh-Hans", "记录回访", "尚无结果可回访。")],
)  # fmt: skip
def test_reception_is_not_offered_a_return_visit_before_the_department_has_a_result(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, visit: str, why: str
) -> None:
    client, _, keys = desk
    answering(monkeypatch)
    signed_in(client, keys["hk-central/reception"], lang)
    page = client.get(f"/complaints/{CID}").text
    assert "visit" not in forms_on(page)
    said = held_on(page)["visit"]
    assert said.strip().startswith(visit) and why in said, said


def test_the_department_is_offered_acceptance_not_the_later_steps(desk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, _, keys = desk
    answering(monkeypatch)
    signed_in(client, keys["hk-central/staff"], "zh-Hant")
    page = client.get(f"/complaints/{CID}").text
    assert {"accept", "hand-over", "progress", "commitment"} <= forms_on(page)
    assert not {"cause", "proposal", "execution", "result", "visit", "accept-hand-over"} & forms_on(page)
    held = held_on(page)
    assert "「待部門接收」" in held["cause"] and "「已接收」" in held["cause"], held["cause"]


def test_a_promise_kept_is_not_offered_before_a_promise_is_made_and_says_why(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, keys = desk
    answering(monkeypatch)
    signed_in(client, keys["hk-central/staff"], "zh-Hant")
    page = client.get(f"/complaints/{CID}").text
    assert "commitment" in forms_on(page) and "commitment-kept" not in forms_on(page)
    assert "此個案沒有待兌現的承諾" in held_on(page)["commitment-kept"], held_on(page)


def test_a_group_reader_is_told_they_take_no_step(desk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, _, keys = desk
    answering(monkeypatch)
    signed_in(client, keys["group/auditor"], "zh-Hans")
    page = client.get(f"/complaints/{CID}").text
    assert forms_on(page) == set() and 'data-testid="no-actions"' in page


def test_a_complaint_judged_invalid_offers_no_department_s_step_and_says_why(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found on `make up`: a municipal matter judged invalid (handling opens no case: its 404) offered the
    supervisor every department's form beside the reply it is owed."""
    client, _, keys = desk
    invalid = ROUTED | {"state": "declined", "complaint": ROUTED["complaint"] | {"validity": "invalid"}}
    original = Services_.__call__

    def answers(self: Services_, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.host == "projection" and request.url.path == f"/complaints/{CID}":
            return httpx.Response(200, json=invalid)
        if request.method == "GET" and request.url.host == "handling":
            return httpx.Response(404, json={"detail": "no such case", "code": "handling.case_not_found"})
        if request.method == "GET" and request.url.host == "followup":
            return httpx.Response(200, json=invalid_followup)
        return original(self, request)

    invalid_case = FollowUpCase(CID, "hk-central")
    invalid_case.note_triaged("invalid", "effective", None, T0, "t1", DEFAULT_POLICY)
    invalid_followup = JUST_ROUTED["followup"] | {"validity": "invalid"} | followup_answer(invalid_case)
    monkeypatch.setattr(Services_, "__call__", answers)
    signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
    page = client.get(f"/complaints/{CID}").text
    assert "reply" in forms_on(page) and not set(HANDLING_FORMS) & forms_on(page), forms_on(page)
    assert "無效" in held_on(page)["accept"], held_on(page)["accept"]


def test_handling_not_answering_leaves_its_forms_to_it() -> None:
    from services.desk.domain.steps import handling_case

    assert handling_case(None, "invalid", handling_answered=False) is None
    assert handling_case(None, "valid", handling_answered=True) is None
    said = handling_case(None, "invalid", handling_answered=True)
    assert said is not None
    assert all(not_now(form, said, None) == ("handling.judged_invalid", {}) for form in HANDLING_FORMS)
