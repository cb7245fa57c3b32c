"""Pure domain tests of two readings of DOMAIN.md:

- an invalid complaint is recorded, declined (judged invalid, with why), explained to the customer (its
  result) and closed; it owes no department's handling and no return visit. Its state says so
  (`declined`, then `explained`), not the state of a pipeline it never enters ('triaged', 'routed');
- satisfaction counts every return visit: a reopened complaint's first, dissatisfied visit stays counted
  after the second visit satisfies the customer (in the specification and in the SQL statistics).
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.projection.adapters.statistics_tables import statistics_of
from services.projection.domain.policy import Policy
from services.projection.domain.statistics import statistics
from services.projection.domain.view import ComplaintView
from shared.contracts import Actor
from shared.contracts.followup import CaseClosed, ReturnVisitMade
from shared.contracts.handling import CaseReopened, ResultRecorded
from shared.contracts.triage import TriageDecisionOverridden
from tests.projection.scenario import MISSING_RESULT, START, WAIVED, Story
from tests.projection.test_domain import entries, statuses
from tests.sla_feed import sla_events

POLICY = Policy()
SUPERVISOR = Actor(id="hk-central/supervisor", role="supervisor")
RECEPTION = Actor(id="hk-central/reception", role="receptionist")


def story(
    fault: str | None = None, validity: str = "valid", number: int = 1, office_id: str = "hk-central", run: str = "iv"
) -> Story:
    return Story(
        run=run, office_id=office_id, sequence_number=number, received_at=START, validity=validity, fault=fault
    )


def view(s: Story, events: list | None = None) -> ComplaintView:
    events = s.events if events is None else events
    return ComplaintView.of(s.complaint_id, s.office_id, entries(events + sla_events(events)))


def test_an_invalid_complaint_is_declined_then_explained_then_closed_and_meets_the_four_rules() -> None:
    s = story(WAIVED, validity="invalid")
    s.events = s._tell_facts()
    triaged_at = s.events[1].occurred_at
    judged = view(s, s.events[:2])
    assert judged.state == "declined"
    handled = judged.checks(triaged_at + timedelta(hours=2), POLICY)[1]
    assert (handled.status, handled.done_at) == ("done", triaged_at)
    assert handled.note.startswith("declined: judged invalid (")
    assert statuses(judged, triaged_at + timedelta(hours=2))["result"] == "waiting"  # the explanation is owed

    explained = view(s)  # the explanation replied, the return visit waived by follow-up's policy
    replied_at = s.events[2].occurred_at
    assert explained.state == "explained"
    now = START + timedelta(days=5)
    assert statuses(explained, now) == {
        "recorded": "done",
        "handled": "done",
        "result": "done",
        "reply": "done",
        "return-visit": "waived",
    }
    assert explained.checks(now, POLICY)[2].done_at == replied_at
    assert explained.violations(now, POLICY) == []

    s._event(CaseClosed, replied_at + timedelta(hours=1), SUPERVISOR, dict.fromkeys(
        ("cause", "lessons", "improvement", "responsibility"), "not established"
    ))  # fmt: skip
    assert view(s).state == "closed"


def test_a_routed_complaint_a_person_judges_invalid_is_declined_with_their_reason() -> None:
    s = story(MISSING_RESULT)  # opened to a department, accepted; no result yet
    s.events = s._tell_facts()
    opened = next(e for e in s.events if e.type_name().endswith("CaseOpened"))
    del s.events[s.events.index(opened) + 1 :]  # routed, not accepted
    assert view(s).state == "routed"
    overridden_at = opened.occurred_at + timedelta(minutes=3)  # within the 10 minutes of the hand-over
    s._event(
        TriageDecisionOverridden,
        overridden_at,
        SUPERVISOR,
        {"aspect": "validity", "previous": "valid", "value": "invalid", "reason": "a municipal road, not ours"},
    )
    declined = view(s)
    assert declined.state == "declined"
    handled = declined.checks(overridden_at + timedelta(hours=1), POLICY)[1]
    assert handled.status == "done" and handled.done_at == overridden_at
    assert "hk-central/supervisor: a municipal road, not ours" in handled.note
    s._reply(overridden_at + timedelta(hours=1), SUPERVISOR, explanation_only=True)
    assert view(s).state == "explained"
    counted = statistics([view(s)], overridden_at + timedelta(days=1), POLICY)
    assert (counted["invalid"], counted["states"]) == (1, {"explained": 1})


def visit(s: Story, at, outcome: str, rating: int | None) -> None:
    s._event(
        ReturnVisitMade,
        at,
        RECEPTION,
        {"outcome": outcome, "attempt": 1, "satisfaction": rating, "acknowledged": outcome == "satisfied",
         "remarks": None, "final": True},
    )  # fmt: skip


def reopened_then_satisfied(number: int, office_id: str = "hk-central", run: str = "iv") -> Story:
    """Visited dissatisfied (2/5), reopened, resolved again and visited satisfied (5/5)."""
    s = story(number=number, office_id=office_id, run=run)
    s.events = s._tell_facts()
    first_visit = next(e for e in s.events if e.type_name().endswith("ReturnVisitMade"))
    del s.events[s.events.index(first_visit) :]
    at = first_visit.occurred_at
    visit(s, at, "dissatisfied", 2)
    s._event(CaseReopened, at + timedelta(minutes=1), SUPERVISOR, {"reason": "still leaking"})
    s._event(ResultRecorded, at + timedelta(hours=2), RECEPTION, {"result": "fixed again", "resolved": True})
    s._reply(at + timedelta(hours=3), SUPERVISOR, explanation_only=False)
    visit(s, at + timedelta(hours=5), "satisfied", 5)
    return s


def test_satisfaction_counts_every_return_visit_not_only_the_latest() -> None:
    views = [view(reopened_then_satisfied(1)), view(reopened_then_satisfied(2))]
    assert [v.state for v in views] == ["visited", "visited"]
    assert views[0].satisfaction == 5  # the latest, as the complaint's facts show it
    now = START + timedelta(days=10)
    expected = {"rated": 4, "average": 3.5, "satisfied": 2, "dissatisfied": 2, "unreachable": 0}
    assert statistics(views, now, POLICY)["satisfaction"] == expected
    assert statistics_of(views, now, POLICY)["satisfaction"] == expected  # the SQL rows: one per visit


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_arrival_order_changes_neither_the_visits_counted_nor_an_invalid_complaints_state(data) -> None:
    reopened = reopened_then_satisfied(3)
    invalid = story(WAIVED, validity="invalid", number=4)
    invalid.events = invalid._tell_facts()
    for s, state in ((reopened, "visited"), (invalid, "explained")):
        events = s.events + sla_events(s.events)
        shuffled = data.draw(st.permutations(events))
        folded = ComplaintView.of(s.complaint_id, s.office_id, entries(shuffled))
        assert folded.state == state
        assert folded.visits == view(s).visits
    counted = statistics([view(reopened)], START + timedelta(days=10), POLICY)["satisfaction"]
    assert (counted["rated"], counted["dissatisfied"], counted["satisfied"]) == (2, 1, 1)
