"""A complaint closed as invalid and then judged valid by a person is open again, in every service.

The story a new user walked (DOMAIN.md: a person's judgement of validity replaces the automatic one
everywhere, with who and why; a valid complaint is handled, has a result and a return visit): triage
judges a street lamp municipal (invalid); the customer is told why; the case is closed; a supervisor
then finds the lamp is on the estate's private road and overrides validity to valid. Before, follow-up
kept the case closed, the SLA started no clock (the close had ended them for good) and the record
rules read `handled: not-applicable`, `result: waiting` and no violation.

Triage, handling, the SLA and follow-up run in this process as `test_decisions_explain_themselves`
wires them; the projection folds everything they published, as its consumer would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from services.followup.domain.errors import OutOfOrder
from services.projection.domain.chain import canonical_json, digest_of
from services.projection.domain.policy import Policy
from services.projection.domain.view import ComplaintView
from shared.contracts import IntegrationEvent
from shared.contracts.common import Validity
from shared.contracts.followup import CaseClosed, ComplaintReopened, WaiverWithdrawn
from shared.contracts.handling import CaseOpened
from shared.contracts.sla import ClockStarted
from shared.contracts.topics import ALL_TOPICS
from shared.contracts.triage import ComplaintTriaged, TriageDecisionOverridden
from tests.support import T0
from tests.test_decisions_explain_themselves import (
    OFFICE,
    RECEPTION,
    STAFF,
    SUPERVISOR,
    Pipeline,
    _handle_to_a_result,
    unexplained,
)
from tests.triage.support import registered

LAMP = "The street lamp on the municipal road outside Block 3 has been off for a week (市政路燈)."
CLOSED_AT = T0 + timedelta(hours=2)
OVERRIDDEN_AT = T0 + timedelta(days=1)


def topic_of(event: IntegrationEvent) -> str:
    return next(t.name for t in ALL_TOPICS if event.type in t.event_types)


def view_of(history: list[IntegrationEvent], cid: UUID) -> ComplaintView:
    """The projection's view of the complaint: every published event as its consumer records it."""
    entries = []
    for offset, event in enumerate(e for e in history if e.complaint_id == cid):
        text = canonical_json(event.model_dump(mode="json"))
        entries.append({"event_id": str(event.event_id), "event_json": text, "digest": digest_of(text),
                        "topic": topic_of(event), "occurred_at": event.occurred_at.isoformat(),
                        "offset": offset})  # fmt: skip
    return ComplaintView.of(cid, OFFICE, entries)


def checks(history: list[IntegrationEvent], cid: UUID, now: Any) -> dict[str, Any]:
    return {c.step: c for c in view_of(history, cid).checks(now, Policy())}


@pytest.fixture
def closed_then_valid(tmp_path: Any) -> Iterator[tuple[Pipeline, UUID]]:
    p = Pipeline(tmp_path)
    try:
        complaint = registered(LAMP, at=T0)
        cid = complaint.complaint_id
        p.publish(complaint)
        [judged] = p.of(ComplaintTriaged, cid)
        assert judged.payload.validity is Validity.INVALID, judged.payload.explanations["validity"].reason
        p.act(lambda: p.followup.reply(OFFICE, cid, SUPERVISOR, "phone", "a municipal lamp: explained", T0))
        p.act(lambda: p.followup.close_case(OFFICE, cid, SUPERVISOR, "municipal", "-", "-", "none", CLOSED_AT))
        assert checks(p.history, cid, CLOSED_AT)["handled"].status == "done"  # declined, with its reason
        p.act(
            lambda: p.triage.decide(
                OFFICE, cid, "validity", "valid", "the lamp is on our private road", SUPERVISOR, OVERRIDDEN_AT
            )
        )
        yield p, cid
    finally:
        p.close()


def test_follow_up_reopens_the_closed_case_naming_the_override(closed_then_valid: Any) -> None:
    p, cid = closed_then_valid
    [override] = p.of(TriageDecisionOverridden, cid)
    [reopened] = p.of(ComplaintReopened, cid)
    assert reopened.causation_id == override.event_id
    assert reopened.actor.id == SUPERVISOR.actor_id  # who
    assert "the lamp is on our private road" in reopened.payload.reason  # why
    assert reopened.payload.closed_at == CLOSED_AT and reopened.payload.validity is Validity.VALID
    assert reopened.occurred_at == OVERRIDDEN_AT
    case = p.followup.case(OFFICE, cid)
    assert case.closed is None and [c["at"] for c in case.reopened_closings] == [CLOSED_AT]
    [withdrawn] = p.of(WaiverWithdrawn, cid)  # the invalid complaint's waived visit is owed again
    assert withdrawn.payload.step == "return-visit"
    assert len(p.of(CaseClosed, cid)) == 1  # the closing stays on record
    assert unexplained([e for e in p.history if e.complaint_id == cid]) == []


def test_the_sla_times_the_valid_complaint_from_the_override(closed_then_valid: Any) -> None:
    p, cid = closed_then_valid
    [override] = p.of(TriageDecisionOverridden, cid)
    started = {c.payload.clock.value: c for c in p.of(ClockStarted, cid) if c.payload.started_at == OVERRIDDEN_AT}
    assert {"hand-over", "resolution"} <= set(started)
    for clock in started.values():
        assert clock.causation_id == override.event_id
    running = {c.kind for c in p.sla.clocks(OFFICE, cid).clocks if c.stopped_at is None}
    assert {"hand-over", "resolution"} <= running


def test_the_record_rules_show_what_is_missing_and_since_when(closed_then_valid: Any) -> None:
    p, cid = closed_then_valid
    soon = checks(p.history, cid, OVERRIDDEN_AT + timedelta(minutes=1))
    assert soon["handled"].status == "pending" and soon["result"].status == "pending"
    assert soon["reply"].status == "waiting"  # the explanation was not the result's reply
    assert view_of(p.history, cid).state == "routed"
    late = checks(p.history, cid, OVERRIDDEN_AT + timedelta(days=2))
    assert late["handled"].status == "overdue" and late["handled"].violation
    assert late["handled"].due_at == OVERRIDDEN_AT + timedelta(minutes=10)  # since when: from the override
    assert late["result"].status == "overdue"


def test_the_reopened_case_is_handled_replied_visited_and_closed_again(closed_then_valid: Any) -> None:
    p, cid = closed_then_valid
    assert p.of(CaseOpened, cid)[0].causation_id == p.of(TriageDecisionOverridden, cid)[0].event_id
    at = OVERRIDDEN_AT + timedelta(minutes=5)
    with pytest.raises(OutOfOrder, match="no result"):  # valid now: nothing closes without a result
        p.followup.close_case(OFFICE, cid, SUPERVISOR, "-", "-", "-", "-", at)
    _handle_to_a_result(p, cid, at)
    p.act(lambda: p.followup.reply(OFFICE, cid, SUPERVISOR, "phone", "lamp repaired", at))
    p.act(lambda: p.followup.record_visit(OFFICE, cid, RECEPTION, "satisfied", 5, True, None, at))
    p.act(lambda: p.followup.close_case(OFFICE, cid, SUPERVISOR, "private road lamp", "-", "-", "eng", at))
    verdicts = checks(p.history, cid, at + timedelta(days=3))
    assert {s: c.status for s, c in verdicts.items()} == {
        "recorded": "done", "handled": "done", "result": "done", "reply": "done", "return-visit": "done",
    }  # fmt: skip
    assert not any(c.stopped_at is None for c in p.sla.clocks(OFFICE, cid).clocks)


def test_judged_invalid_by_a_person_closed_then_valid_again_the_department_accepts_anew(tmp_path: Any) -> None:
    """Triage's valid case stood down when a person judged it invalid; judged valid again after the
    close, the case stands up in handling (accepted anew) as follow-up reopens and the SLA times it."""
    p = Pipeline(tmp_path)
    try:
        complaint = registered("The corridor light on 5/F of Block 2 has been broken for three days.", at=T0)
        cid = complaint.complaint_id
        p.publish(complaint)
        at = T0 + timedelta(minutes=5)
        p.act(lambda: p.triage.decide(OFFICE, cid, "validity", "invalid", "the tenant's own lamp", SUPERVISOR, at))
        p.act(lambda: p.followup.reply(OFFICE, cid, SUPERVISOR, "phone", "your own lamp: explained", at))
        p.act(lambda: p.followup.close_case(OFFICE, cid, SUPERVISOR, "private", "-", "-", "none", CLOSED_AT))
        p.act(
            lambda: p.triage.decide(OFFICE, cid, "validity", "valid", "a common area lamp", SUPERVISOR, OVERRIDDEN_AT)
        )
        assert len(p.of(ComplaintReopened, cid)) == 1
        assert p.handling.case(OFFICE, cid).stage == "opened"
        p.act(lambda: p.handling.accept(OFFICE, cid, STAFF, OVERRIDDEN_AT + timedelta(minutes=3)))
        assert p.handling.case(OFFICE, cid).stage == "accepted"
        assert checks(p.history, cid, OVERRIDDEN_AT + timedelta(hours=1))["handled"].status == "done"
    finally:
        p.close()
