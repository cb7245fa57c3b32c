"""The case, pure: given its history, a step either records its event or is refused out of order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.handling.domain.case import Case, Stage
from services.handling.domain.errors import OutOfOrder
from tests.support import T0

WHO = ("hk-central/staff", "department-staff")
LEADER = ("hk-central/leader", "leader")


def opened() -> Case:
    return Case("c0ffee00-0000-4000-8000-000000000001", "hk-central", "engineering", "duty officer", "minor", "x", T0)


def to(stage: str) -> Case:
    case = opened()
    steps = [
        ("accepted", lambda: case.accept(*WHO, T0)),
        ("caused", lambda: case.record_cause("worn cable", "lift contractor", *WHO, T0)),
        ("proposed", lambda: case.propose("repair", "replace the cable", *WHO, T0)),
        ("approved", lambda: case.approve(None, *LEADER, T0)),
        ("carried-out", lambda: case.carry_out("cable replaced", *WHO, T0)),
        ("resulted", lambda: case.record_result("lift works", True, *WHO, T0)),
    ]
    for name, step in steps:
        if stage == "opened":
            break
        step()
        if name == stage:
            break
    return case


OUT_OF_ORDER = [
    ("opened", lambda c: c.record_cause("x", "y", *WHO, T0), "must be accepted"),
    ("opened", lambda c: c.propose("repair", "x", *WHO, T0), "must be accepted"),
    ("accepted", lambda c: c.propose("repair", "x", *WHO, T0), "record the cause"),
    ("accepted", lambda c: c.approve(None, *LEADER, T0), "must be proposed"),
    ("caused", lambda c: c.approve(None, *LEADER, T0), "must be proposed"),
    ("proposed", lambda c: c.carry_out("x", *WHO, T0), "must be approved"),
    ("proposed", lambda c: c.record_result("x", True, *WHO, T0), "must be carried-out"),
    ("approved", lambda c: c.record_result("x", True, *WHO, T0), "must be carried-out"),
    ("accepted", lambda c: c.accept(*WHO, T0), "must be opened"),
    ("resulted", lambda c: c.report_progress("x", *WHO, T0), "has a result already"),
    ("resulted", lambda c: c.approve(None, *LEADER, T0), "has a result already"),
    ("resulted", lambda c: c.commit_to("x", T0 + timedelta(days=1), *WHO, T0), "has a result already"),
    ("accepted", lambda c: c.accept_hand_over(*WHO, T0), "none was requested"),
]


@pytest.mark.parametrize(("stage", "step", "message"), OUT_OF_ORDER)
def test_a_step_out_of_order_is_refused_and_records_nothing(stage, step, message) -> None:
    case = to(stage)
    before = (case.version, case.stage, len(case.collect_events()))
    with pytest.raises(OutOfOrder, match=message):
        step(case)
    assert (case.version, case.stage, len(case.collect_events())) == (before[0], before[1], 0)


def test_the_whole_way_to_a_result() -> None:
    case = to("resulted")
    names = [type(e).__name__ for e in case.collect_events()]
    assert names == [
        "Opened",
        "Accepted",
        "CauseRecorded",
        "SolutionProposed",
        "SolutionApproved",
        "SolutionCarriedOut",
        "ResultRecorded",
    ]
    assert case.stage is Stage.RESULTED


def test_a_rejected_solution_goes_back_with_instructions_and_a_new_one_can_be_proposed() -> None:
    case = to("proposed")
    case.reject("offer a discount as well", *LEADER, T0)
    assert case.stage is Stage.ACCEPTED and case.proposal is None
    case.propose("discount", "replace the cable and 10% off", *WHO, T0)
    assert case.stage is Stage.PROPOSED


def test_a_hand_over_is_a_request_then_an_acceptance() -> None:
    case = opened()
    case.request_hand_over("security", "it is a theft, not a fault", *WHO, T0)
    with pytest.raises(OutOfOrder, match="pending"):
        case.accept(*WHO, T0)
    case.accept_hand_over("hk-central/supervisor", "supervisor", T0)
    assert (case.department, case.stage, case.hand_over_to) == ("security", Stage.ACCEPTED, None)


def test_a_dissatisfied_visit_reopens_a_resulted_case_once() -> None:
    case = to("resulted")
    assert case.reopen("dissatisfied", "visit-1", "system:handling", "system", T0)
    assert not case.reopen("dissatisfied", "visit-1", "system:handling", "system", T0)
    assert case.stage is Stage.ACCEPTED


def test_a_reopened_cycle_records_its_cause_anew_and_keeps_the_earlier_one() -> None:
    case = to("resulted")
    case.reopen("dissatisfied", "visit-1", "system:handling", "system", T0)
    assert (case.cause, case.responsible_person, case.proposal, case.result) == (None, None, None, None)
    assert [(e["cause"], e["result"]["result"]) for e in case.earlier] == [("worn cable", "lift works")]
    with pytest.raises(OutOfOrder, match="record the cause"):
        case.propose("repair", "replace the motor", *WHO, T0)
    case.record_cause("worn motor", "lift contractor", *WHO, T0)
    case.propose("repair", "replace the motor", *WHO, T0)
    assert case.cause == "worn motor" and case.earlier[0]["cause"] == "worn cable"


def test_a_visit_before_the_result_reopens_nothing() -> None:
    case = to("approved")
    assert not case.reopen("dissatisfied", "visit-1", "system:handling", "system", T0)
    assert case.stage is Stage.APPROVED


def test_a_promise_in_the_past_is_refused() -> None:
    with pytest.raises(OutOfOrder, match="passed"):
        to("accepted").commit_to("call back", T0 - timedelta(hours=1), *WHO, T0)


def test_a_hand_over_still_pending_when_the_result_is_recorded_cannot_be_accepted_after() -> None:
    case = to("accepted")
    case.request_hand_over("customer-service", "billing question", *WHO, T0)
    for step in (
        lambda: case.record_cause("worn cable", "lift contractor", *WHO, T0),
        lambda: case.propose("repair", "replace the cable", *WHO, T0),
        lambda: case.approve(None, *LEADER, T0),
        lambda: case.carry_out("cable replaced", *WHO, T0),
        lambda: case.record_result("lift works", True, *WHO, T0),
    ):
        step()
    case.collect_events()

    with pytest.raises(OutOfOrder, match=r"has a result already \(only a dissatisfied return visit reopens it\)"):
        case.accept_hand_over(*WHO, T0)
    assert case.stage is Stage.RESULTED
    assert case.collect_events() == []


def test_a_promise_is_kept_by_the_departments_explicit_step_once() -> None:
    case = to("accepted")
    case.commit_to("今晚8點前恢復供水", T0 + timedelta(hours=8), *WHO, T0)
    case.report_progress("已聯絡水務署，正在搶修", *WHO, T0 + timedelta(hours=1))  # noqa: RUF001
    assert case.commitments[0].kept_at is None  # a progress note keeps no promise
    with pytest.raises(OutOfOrder, match="no commitment 1"):
        case.keep_commitment(1, "water back", *WHO, T0 + timedelta(hours=6))
    case.keep_commitment(0, "water back at 19:30", *WHO, T0 + timedelta(hours=6))
    assert case.commitments[0].kept_at == T0 + timedelta(hours=6)
    with pytest.raises(OutOfOrder, match="none made on this case waits to be kept"):  # the only one is kept
        case.keep_commitment(0, "again", *WHO, T0 + timedelta(hours=7))
    case.commit_to("明早清理水漬", T0 + timedelta(hours=20), *WHO, T0 + timedelta(hours=7))
    with pytest.raises(OutOfOrder, match="kept already"):  # another waits: this one was kept
        case.keep_commitment(0, "again", *WHO, T0 + timedelta(hours=7))


def test_a_stood_down_case_stands_up_when_judged_valid_again_and_is_accepted_anew() -> None:
    case = to("caused")
    assert case.stand_down("judged invalid", "override-1", *LEADER, T0)
    with pytest.raises(OutOfOrder, match="invalid"):
        case.accept(*WHO, T0)
    assert not to("accepted").stand_up("valid", "override-2", *LEADER, T0)  # only a stood-down case
    assert case.stand_up("judged valid", "override-2", *LEADER, T0 + timedelta(hours=1))
    assert case.stage is Stage.OPENED
    case.accept(*WHO, T0 + timedelta(hours=1))
    assert case.stage is Stage.ACCEPTED
