"""The steps follow-up offers (`FollowUpCase.refusal_of`, in `GET /complaints/{id}` as `steps`) are the
steps it takes: after any sequence of facts and people's steps, each step is offered exactly when its
command, given valid input, records its event, and a refused one names the refusal its command raises.
(The commands check through `refusal_of`: this shows that no command refuses, for where the case stands,
a step it offered; the refusals themselves are pinned by the domain's out-of-order tests.)"""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections.abc import Callable
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.followup.domain.case import FollowUpCase, FollowUpStep
from services.followup.domain.errors import OutOfOrder
from services.followup.domain.policy import DEFAULT_POLICY as P
from tests.sla.scenario import T0

from .test_domain import case, close, reply, result

WHO = ("hk-central/supervisor", "supervisor")
LATER = T0 + timedelta(days=3)  # past any retry interval of an unreachable customer
COMMANDS: dict[FollowUpStep, Callable[[FollowUpCase], object]] = {
    FollowUpStep.REPLY: reply,
    FollowUpStep.VISIT: lambda c: c.record_visit("satisfied", 5, True, None, *WHO, LATER, P),
    FollowUpStep.CLOSE: close,
    FollowUpStep.WAIVER: lambda c: c.waive_by_person("return-visit", "moved abroad", *WHO, LATER),
    FollowUpStep.WAIVER_WITHDRAWAL: lambda c: c.withdraw_waiver("return-visit", "the customer is back", *WHO, LATER),
}
# What other services and people tell the case between the steps offered.
FACTS: list[Callable[[FollowUpCase], object]] = [
    result,
    lambda c: c.note_reopened(LATER, "dissatisfied", str(uuid.uuid4())),
    lambda c: c.record_visit("dissatisfied", 1, False, None, *WHO, LATER, P),
    lambda c: c.note_overridden("validity", "invalid", LATER, str(uuid.uuid4()), P, *WHO, "municipal"),
    lambda c: c.note_overridden("validity", "valid", LATER, str(uuid.uuid4()), P, *WHO, "ours after all"),
    lambda c: c.withdraw_waiver("return-visit", "the customer is back", *WHO, LATER),
]


def _outcome(c: FollowUpCase, step: FollowUpStep) -> OutOfOrder | None:
    trial = copy.deepcopy(c)
    try:
        COMMANDS[step](trial)
    except OutOfOrder as refusal:
        return refusal
    return None


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["valid", "invalid"]),
    st.lists(st.one_of(st.sampled_from(list(FollowUpStep)), st.integers(0, len(FACTS) - 1)), max_size=12),
)
def test_a_step_is_offered_exactly_when_its_command_takes_it(validity: str, history: list[FollowUpStep | int]) -> None:
    c = case(validity)
    for move in history:
        with contextlib.suppress(OutOfOrder):  # refused: the case is as it was
            (FACTS[move] if isinstance(move, int) else COMMANDS[move])(c)
    for step in FollowUpStep:  # (every shorter history is an example of its own)
        offered, taken = c.refusal_of(step), _outcome(c, step)
        assert (offered is None) == (taken is None), (step, offered, taken)
        if offered is not None and taken is not None:
            assert (offered.code, offered.params) == (taken.code, taken.params)


def test_before_a_result_only_a_waiver_is_offered_and_the_visit_says_why_not() -> None:
    c = case()
    visit = c.refusal_of(FollowUpStep.VISIT)
    assert visit is not None and visit.code == "followup.no_result_to_visit"
    assert c.refusal_of(FollowUpStep.REPLY) is not None and c.refusal_of(FollowUpStep.CLOSE) is not None
    assert c.refusal_of(FollowUpStep.WAIVER) is None
