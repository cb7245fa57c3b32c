"""The follow-up case, pure: reply, return-visit paths, waivers and closing, with out-of-order refusals."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.followup.domain.case import FollowUpCase
from services.followup.domain.errors import OutOfOrder
from services.followup.domain.policy import DEFAULT_POLICY
from tests.sla.scenario import T0

P = DEFAULT_POLICY


def case(severity_validity: str = "valid", nature: str = "effective", kind: str | None = None) -> FollowUpCase:
    c = FollowUpCase(uuid.uuid4(), "hk-central")
    c.note_triaged(severity_validity, nature, kind, T0, str(uuid.uuid4()), P)
    return c


def result(c: FollowUpCase, hours: float = 5) -> None:
    c.note_result(T0 + timedelta(hours=hours), True, "Lift repaired.", str(uuid.uuid4()), P)


def reply(c: FollowUpCase, hours: float = 6) -> None:
    c.reply("hk-central/supervisor", "supervisor", "phone", "Repaired; apologies.", T0 + timedelta(hours=hours))


def visit(c: FollowUpCase, outcome: str, hours: float = 20, score: int | None = 5) -> dict:
    return c.record_visit(outcome, score, outcome == "satisfied", None, "hk-central/staff", "department-staff",
                          T0 + timedelta(hours=hours), P)  # fmt: skip


def close(c: FollowUpCase) -> None:
    c.close("worn cable", "inspect monthly", "new schedule", "contractor", "hk-central/supervisor", "supervisor",
            T0 + timedelta(days=1))  # fmt: skip


def names(c: FollowUpCase) -> list[str]:
    return [type(e).__name__ for e in c.collect_events()]


def test_satisfied_path_closes() -> None:
    c = case()
    result(c)
    reply(c)
    assert visit(c, "satisfied")["final"]
    close(c)
    assert names(c) == ["Opened", "Triaged", "ResultHeard", "Replied", "Visited", "Closed"]


def test_the_return_visit_is_due_when_the_sla_clock_says_and_follow_up_computes_no_deadline() -> None:
    c = case()
    result(c, hours=5)
    assert not [e for e in c.collect_events() if isinstance(e, FollowUpCase.ReturnVisitScheduled)]
    sla_deadline = T0 + timedelta(hours=29, minutes=7)  # whatever the SLA's calendar made of it
    c.note_clock_started("return-visit", "return-visit#0", sla_deadline, T0 + timedelta(hours=5), "clock-1")
    c.note_clock_started("return-visit", "return-visit#0", sla_deadline, T0 + timedelta(hours=5), "clock-1")
    (scheduled,) = [e for e in c.collect_events() if isinstance(e, FollowUpCase.ReturnVisitScheduled)]
    assert (scheduled.due_at, scheduled.cycle) == (sla_deadline, 0)


def test_dissatisfied_reopens_then_handled_visited_and_closed() -> None:
    c = case()
    result(c)
    reply(c)
    visit(c, "dissatisfied", score=2)
    with pytest.raises(OutOfOrder, match="dissatisfied"):
        close(c)
    c.note_reopened(T0 + timedelta(hours=21), "dissatisfied at the return visit", str(uuid.uuid4()))
    with pytest.raises(OutOfOrder, match="no result"):
        reply(c, hours=22)
    result(c, hours=30)
    reply(c, hours=31)
    visit(c, "satisfied", hours=40, score=4)
    close(c)
    assert [v["cycle"] for v in c.visits] == [0, 1]
    assert c.closed is not None


def test_unreachable_is_retried_then_recorded_with_the_reason() -> None:
    c = case()
    result(c)
    reply(c)
    first = visit(c, "unreachable", score=None)
    second = visit(c, "unreachable", hours=22, score=None)
    assert (first["final"], second["final"]) == (False, False)
    with pytest.raises(OutOfOrder, match="return visit is not recorded"):
        close(c)
    third = visit(c, "unreachable", hours=24, score=None)
    assert third["final"] and third["attempt"] == P.max_visit_attempts
    assert "unreachable after 3 attempts" in third["remarks"]
    with pytest.raises(OutOfOrder, match="already recorded"):
        visit(c, "satisfied", hours=25)
    close(c)


@given(gaps=st.lists(st.integers(min_value=0, max_value=4 * 3600), min_size=2, max_size=2))
def test_unreachable_retries_count_only_when_spaced(gaps: list[int]) -> None:
    """Three 'unreachable' calls seconds apart are not three tries: an attempt sooner than the policy's
    interval after the last unreachable one is refused (409), naming when the next one counts."""
    c = case()
    result(c)
    reply(c)
    at = 20 * 3600
    visit(c, "unreachable", hours=at / 3600, score=None)
    last = at
    for gap in gaps:
        at += gap
        if timedelta(seconds=at - last) < P.visit_retry_interval:
            allowed = T0 + timedelta(seconds=last) + P.visit_retry_interval
            with pytest.raises(OutOfOrder, match=f"counts from {re.escape(allowed.isoformat())}"):
                visit(c, "unreachable", hours=at / 3600, score=None)
        else:
            visit(c, "unreachable", hours=at / 3600, score=None)
            last = at
    spaced = [v for v in c.visits if v["outcome"] == "unreachable"]
    assert all(b["at"] - a["at"] >= P.visit_retry_interval for a, b in pairwise(spaced))


def test_a_customer_reached_soon_after_an_unreachable_try_is_recorded() -> None:
    c = case()
    result(c)
    reply(c)
    visit(c, "unreachable", score=None)
    reached = visit(c, "satisfied", hours=20.1)
    assert reached["final"] and reached["attempt"] == 2


def test_out_of_order_actions_record_nothing() -> None:
    c = case()
    list(c.collect_events())
    with pytest.raises(OutOfOrder):
        reply(c)  # no result yet
    with pytest.raises(OutOfOrder):
        visit(c, "satisfied")
    with pytest.raises(OutOfOrder):
        close(c)
    result(c)
    list(c.collect_events())
    with pytest.raises(OutOfOrder, match="reply"):
        visit(c, "satisfied")  # reply first
    reply(c)
    with pytest.raises(OutOfOrder, match="already been replied"):
        reply(c)
    assert names(c) == ["Replied"]


def test_invalid_complaint_gets_its_explanation_and_a_recorded_waiver() -> None:
    c = case("invalid")
    events = list(c.collect_events())
    (waiver,) = [e for e in events if isinstance(e, FollowUpCase.StepWaived)]
    assert waiver.step == "return-visit" and "invalid" in waiver.reason
    assert waiver.rule == "followup.waive.return-visit.invalid@v1"
    reply(c)  # no result needed: the explanation is the answer
    assert c.replies[0]["explanation_only"] is True
    with pytest.raises(OutOfOrder, match="waived"):
        visit(c, "satisfied")
    close(c)


def test_a_refusal_for_a_waived_visit_names_the_waiver_s_rule_so_the_desk_says_it_in_its_words() -> None:
    """Found on the walk: a Chinese desk page said the policy waiver's English reason; the rule is what a
    reader translates by (a person's waiver, `followup.waive.by-person`, is their own words)."""
    from services.followup.domain.case import FollowUpStep

    c = case("invalid")
    for step, code in (
        (FollowUpStep.VISIT, "followup.return_visit_waived"),
        (FollowUpStep.WAIVER, "followup.already_waived"),
    ):
        refusal = c.refusal_of(step)
        assert refusal is not None and refusal.code == code
        assert refusal.params["rule"] == "followup.waive.return-visit.invalid@v1", refusal.params
        assert "invalid" in str(refusal.params["reason"])


def test_an_invalid_complaint_s_policy_waiver_cannot_be_withdrawn_into_a_visit_never_recordable() -> None:
    """Found on the walk: withdrawn, the waiver left a visit owed that no one could record (an invalid
    complaint has no result) until someone waived it again. Judged valid, the policy withdraws it itself."""
    from services.followup.domain.case import FollowUpStep

    c = case("invalid")
    refusal = c.refusal_of(FollowUpStep.WAIVER_WITHDRAWAL)
    assert refusal is not None and refusal.code == "followup.waiver_required_by_policy"
    assert refusal.params["rule"] == "followup.waive.return-visit.invalid@v1"
    assert refusal.params["step"] == "return-visit"
    c.collect_events()
    with pytest.raises(OutOfOrder) as refused:
        c.withdraw_waiver("return-visit", "call them anyway", "hk-central/supervisor", "supervisor", T0)
    assert (refused.value.code, refused.value.params) == (refusal.code, refusal.params)
    assert names(c) == [] and "return-visit" in c.waivers

    consultation = case("valid", "communication", "consultation")  # a valid complaint has a result to visit about
    assert consultation.refusal_of(FollowUpStep.WAIVER_WITHDRAWAL) is None
    valid = case()
    withdrawal = valid.refusal_of(FollowUpStep.WAIVER_WITHDRAWAL)
    assert withdrawal is not None and withdrawal.code == "followup.not_waived"
    valid.waive_by_person("return-visit", "moved abroad", "hk-central/supervisor", "supervisor", T0)
    assert valid.refusal_of(FollowUpStep.WAIVER_WITHDRAWAL) is None


def test_a_consultation_skips_the_return_visit_only_with_a_recorded_waiver() -> None:
    c = case("valid", "communication", "consultation")
    result(c)
    events = list(c.collect_events())
    assert [e.rule for e in events if isinstance(e, FollowUpCase.StepWaived)] == [
        "followup.waive.return-visit.consultation@v1"
    ]
    assert not [e for e in events if isinstance(e, FollowUpCase.ReturnVisitScheduled)]
    reply(c)
    close(c)

    venting = case("valid", "communication", "venting")  # venting gets its return visit
    assert not [e for e in venting.collect_events() if isinstance(e, FollowUpCase.StepWaived)]


def test_a_closed_case_refuses_everything() -> None:
    c = case()
    result(c)
    reply(c)
    visit(c, "satisfied")
    close(c)
    with pytest.raises(OutOfOrder, match="closed"):
        close(c)
