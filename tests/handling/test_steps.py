"""The steps a case offers (`Case.refusal_of`, in `GET /cases/{id}` as `steps`) are the steps it takes:
after any sequence of commands, each step is offered exactly when its command, given valid input,
records its event, and a refused one names the refusal its command raises. (The commands check through
`refusal_of`: this shows that no command refuses, for where the case stands, a step it offered; the
refusals themselves are pinned by the domain's out-of-order tests.)"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.handling.domain.case import Case, CaseStep
from services.handling.domain.errors import OutOfOrder
from tests.support import T0

from .test_case import LEADER, WHO, opened

LATER = T0 + timedelta(days=1)
COMMANDS: dict[CaseStep, Callable[[Case], None]] = {
    CaseStep.ACCEPT: lambda c: c.accept(*WHO, T0),
    CaseStep.HAND_OVER: lambda c: c.request_hand_over("security", "a guard's matter", *WHO, T0),
    CaseStep.ACCEPT_HAND_OVER: lambda c: c.accept_hand_over(*WHO, T0),
    CaseStep.CAUSE: lambda c: c.record_cause("worn cable", "lift contractor", *WHO, T0),
    CaseStep.PROPOSAL: lambda c: c.propose("repair", "replace the cable", *WHO, T0),
    CaseStep.APPROVAL: lambda c: c.approve(None, *LEADER, T0),
    CaseStep.REJECTION: lambda c: c.reject("ask the contractor first", *LEADER, T0),
    CaseStep.EXECUTION: lambda c: c.carry_out("cable replaced", *WHO, T0),
    CaseStep.RESULT: lambda c: c.record_result("lift works", True, *WHO, T0),
    CaseStep.PROGRESS: lambda c: c.report_progress("the contractor comes at 3", *WHO, T0),
    CaseStep.COMMITMENT: lambda c: c.commit_to("fixed by tomorrow", LATER, *WHO, T0),
    CaseStep.COMMITMENT_KEPT: lambda c: c.keep_commitment(0, "fixed", *WHO, T0),
}
# Refusals of a step's own input (which promise is kept, to whom it is handed), not of where the case
# stands: the step is open.
INPUT_REFUSALS = {"handling.no_such_commitment", "handling.commitment_already_kept", "handling.already_with_department"}
# Facts other services tell the case, between people's steps.
FACTS: list[Callable[[Case], object]] = [
    lambda c: c.stand_down("judged invalid", "e1", *LEADER, T0),
    lambda c: c.stand_up("judged valid", "e2", *LEADER, T0),
    lambda c: c.reopen("dissatisfied", f"visit-{len(c.reopened_by)}", *WHO, T0),
]


def _outcome(case: Case, step: CaseStep) -> OutOfOrder | None:
    trial = copy.deepcopy(case)
    try:
        COMMANDS[step](trial)
    except OutOfOrder as refusal:
        return None if refusal.code in INPUT_REFUSALS else refusal
    return None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(list(CaseStep)), st.integers(0, len(FACTS) - 1)), max_size=14))
def test_a_step_is_offered_exactly_when_its_command_takes_it(history: list[CaseStep | int]) -> None:
    case = opened()
    for move in history:
        if isinstance(move, int):
            FACTS[move](case)
        else:
            with contextlib.suppress(OutOfOrder):  # refused: the case is as it was
                COMMANDS[move](case)
    for step in CaseStep:  # (every shorter history is an example of its own)
        offered, taken = case.refusal_of(step), _outcome(case, step)
        assert (offered is None) == (taken is None), (case.stage, step, offered, taken)
        if offered is not None and taken is not None:
            assert (offered.code, offered.params) == (taken.code, taken.params)


def test_an_opened_case_offers_acceptance_and_says_why_not_the_rest() -> None:
    case = opened()
    assert case.refusal_of(CaseStep.ACCEPT) is None
    assert case.refusal_of(CaseStep.HAND_OVER) is None
    cause = case.refusal_of(CaseStep.CAUSE)
    assert cause is not None and cause.code == "handling.out_of_order" and cause.params["wanted"] == ["accepted"]
    no_hand_over = case.refusal_of(CaseStep.ACCEPT_HAND_OVER)
    assert no_hand_over is not None and no_hand_over.code == "handling.no_hand_over_requested"


def test_keeping_a_promise_is_offered_only_while_one_waits_to_be_kept() -> None:
    case = opened()
    case.accept(*WHO, T0)
    none_made = case.refusal_of(CaseStep.COMMITMENT_KEPT)
    assert none_made is not None and none_made.code == "handling.no_open_commitment"
    assert none_made.params["made"] == 0
    case.commit_to("fixed by tomorrow", LATER, *WHO, T0)
    assert case.refusal_of(CaseStep.COMMITMENT_KEPT) is None
    case.keep_commitment(0, "fixed", *WHO, T0)
    all_kept = case.refusal_of(CaseStep.COMMITMENT_KEPT)
    assert all_kept is not None and all_kept.code == "handling.no_open_commitment"
    assert all_kept.params["made"] == 1
