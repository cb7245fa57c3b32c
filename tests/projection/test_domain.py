"""Pure domain tests: given received events, the view, the record-rule checks, the chain, the signals."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest

from services.projection.domain.chain import ChainHead, Link, canonical_json, digest_of, verify_chain
from services.projection.domain.policy import Policy
from services.projection.domain.signals import outlier_offices, robust_z
from services.projection.domain.view import ComplaintView, Received, business_order
from services.sla.domain.calendar import end_of_day as sla_end_of_day
from shared.contracts import IntegrationEvent
from tests.projection.scenario import (
    EXTENDED,
    LATE_REPLY,
    MISSING_RESULT,
    MISSING_VISIT,
    START,
    WAIVED,
    Story,
)
from tests.sla_feed import sla_events

POLICY = Policy()


def entries(events: list[IntegrationEvent]) -> list[dict[str, Any]]:
    out = []
    for event in events:
        text = canonical_json(event.model_dump(mode="json"))
        out.append(
            {
                "event_id": str(event.event_id),
                "event_json": text,
                "digest": digest_of(text),
                "topic": "t",
                "occurred_at": event.occurred_at.isoformat(),
            }
        )
    return out


def view_of(story: Story, keep: int | None = None) -> ComplaintView:
    events = story.tell()[:keep]
    return ComplaintView.of(story.complaint_id, story.office_id, entries(events))


def statuses(view: ComplaintView, now) -> dict[str, str]:
    return {c.step: c.status for c in view.checks(now, POLICY)}


def story(fault: str | None = None, validity: str = "valid") -> Story:
    return Story(run="d", office_id="hk-central", sequence_number=1, received_at=START, validity=validity, fault=fault)


def test_a_complete_story_satisfies_every_step() -> None:
    view = view_of(story())
    assert statuses(view, START + timedelta(days=30)) == dict.fromkeys(
        ["recorded", "handled", "result", "reply", "return-visit"], "done"
    )
    assert view.state == "closed"


def test_a_missing_result_is_pending_until_its_deadline_then_overdue() -> None:
    view = view_of(story(MISSING_RESULT))
    before = statuses(view, START + timedelta(hours=11))
    after = view.checks(START + timedelta(hours=13), POLICY)
    assert before["result"] == "pending"
    assert [(c.step, c.status) for c in after if c.violation] == [("result", "overdue")]
    assert after[2].since == START + timedelta(hours=12)
    assert statuses(view, START + timedelta(hours=13))["reply"] == "waiting"  # not judged before a result


def test_a_late_reply_and_a_missing_visit_are_violations() -> None:
    late = view_of(story(LATE_REPLY))
    missing = view_of(story(MISSING_VISIT))
    now = START + timedelta(days=5)
    assert [c.step for c in late.violations(now, POLICY)] == ["reply"]
    assert statuses(late, now)["reply"] == "late"
    assert [c.step for c in missing.violations(now, POLICY)] == ["return-visit"]


def test_a_recorded_waiver_is_not_a_violation() -> None:
    view = view_of(story(WAIVED, validity="invalid"))
    now = START + timedelta(days=5)
    assert statuses(view, now) == {
        "recorded": "done",
        "handled": "done",  # declined: the judgement handled it
        "result": "done",  # the explanation given is its result
        "reply": "done",
        "return-visit": "waived",
    }
    assert view.violations(now, POLICY) == []


def test_an_approved_extension_makes_a_late_result_met_under_extension() -> None:
    view = view_of(story(EXTENDED))
    now = START + timedelta(days=5)
    assert statuses(view, now)["result"] == "done-under-extension"
    assert view.compliance(now, POLICY) == "met-under-extension"
    assert view.violations(now, POLICY) == []


def test_deadlines_come_from_the_sla_clocks_and_none_are_computed_here() -> None:
    s = story(MISSING_RESULT, validity="valid")
    s.severity = "important"  # the SLA's important clock allows one day
    view = view_of(s)
    assert statuses(view, START + timedelta(hours=13))["result"] == "pending"
    assert statuses(view, START + timedelta(hours=25))["result"] == "overdue"
    facts_only = [e for e in s.events if not e.type.startswith("complaints.sla.")]
    alone = ComplaintView.of(s.complaint_id, s.office_id, entries(facts_only))
    assert statuses(alone, START + timedelta(days=30))["result"] == "waiting"  # no SLA clock: no verdict


def test_arrival_order_does_not_matter() -> None:
    events = story(LATE_REPLY).tell()
    forward = ComplaintView.of(events[0].complaint_id, "hk-central", entries(events))
    backward = ComplaintView.of(events[0].complaint_id, "hk-central", entries(events[::-1]))
    now = START + timedelta(days=5)
    assert forward.checks(now, POLICY) == backward.checks(now, POLICY)
    assert forward.facts() == backward.facts()


def test_events_without_a_registration_show_the_record_step_overdue() -> None:
    view = ComplaintView.of(story().complaint_id, "hk-central", entries(story().tell()[1:4]))
    assert not view.registered
    assert statuses(view, START + timedelta(days=1))["recorded"] == "overdue"


# -- the hash chain -------------------------------------------------------------------------------


def chain(n: int = 5, office: str = "hk-central") -> list[Link]:
    head = ChainHead()
    links = []
    for i in range(n):
        text = canonical_json({"n": i, "what": f"event {i}"})
        digest = digest_of(text)
        new = head.next(digest)
        links.append(Link(office, new.position, head.hash, new.hash, digest, f"e{i}", text))
        head = new
    return links


def test_an_intact_chain_verifies() -> None:
    assert verify_chain(chain()) == []


def test_an_altered_event_is_named() -> None:
    links = chain()
    links[2] = dataclasses.replace(links[2], event_json=links[2].event_json.replace("event 2", "event X"))
    assert [(f.kind, f.position, f.event_id) for f in verify_chain(links)] == [("altered", 3, "e2")]


def test_a_removed_event_is_named_where_the_gap_is() -> None:
    links = chain()
    del links[2]
    assert [(f.kind, f.position) for f in verify_chain(links)] == [("removed", 3)]


def test_an_inserted_event_is_named() -> None:
    links = chain()
    text = canonical_json({"forged": True})
    forged = Link("hk-central", 3, "f" * 64, "a" * 64, digest_of(text), "forged", text)
    found = verify_chain([*links[:2], forged, *links[2:]])
    assert ("inserted", 3, "forged") in [(f.kind, f.position, f.event_id) for f in found]


def test_reordered_events_are_named() -> None:
    links = chain()
    a, b = links[1], links[2]
    links[1] = dataclasses.replace(b, position=2)
    links[2] = dataclasses.replace(a, position=3)
    kinds = {(f.kind, f.event_id) for f in verify_chain(links)}
    assert ("reordered", "e2") in kinds


# -- signals --------------------------------------------------------------------------------------


def test_robust_z_needs_peers_and_spread() -> None:
    assert robust_z({"a": 1, "b": 2}) == {}
    assert robust_z({"a": 5, "b": 5, "c": 5}) == {}
    z = robust_z({"a": 10, "b": 11, "c": 9, "d": 10.5, "e": 1})
    assert z["e"] < -3.5 < z["c"]


@pytest.mark.parametrize("units", [{}, {"a": 1000, "b": 1000, "c": 1000, "d": 1000, "e": 1000}])
def test_an_office_far_below_its_peers_is_an_outlier(units: dict[str, int]) -> None:
    views = []
    for office, count in {"a": 20, "b": 22, "c": 19, "d": 21, "e": 2}.items():
        for i in range(count):
            s = Story(run="o", office_id=office, sequence_number=i + 1, received_at=START)
            views.append(ComplaintView.of(s.complaint_id, office, entries(s.tell()[:1])))
    signals = outlier_offices(views, units, ["a", "b", "c", "d", "e"], POLICY)
    assert [(s.kind, s.office_id) for s in signals] == [("outlier-office", "e")]
    assert "below" in signals[0].detail


def test_a_reopened_case_needs_a_new_result_reply_and_visit() -> None:
    from shared.contracts.handling import CaseReopened

    s = story()
    facts = s._tell_facts()
    closed = facts[-1].occurred_at
    del facts[-1]  # reopened instead of closed: the customer was dissatisfied
    s.events = facts
    s._event(CaseReopened, closed + timedelta(hours=1), facts[-1].actor, {"reason": "still leaking"})
    view = ComplaintView.of(s.complaint_id, s.office_id, entries(s.events + sla_events(s.events)))
    soon, later = closed + timedelta(hours=2), closed + timedelta(days=2)
    assert view.state == "reopened"
    assert statuses(view, soon)["result"] == "pending"
    assert [c.step for c in view.violations(later, POLICY)] == ["result"]
    assert view.checks(later, POLICY)[2].due_at == closed + timedelta(hours=13)


def test_an_invalid_complaint_with_a_case_opened_needs_no_result_but_a_same_day_explanation() -> None:
    from shared.contracts.handling import CaseAccepted, CaseOpened

    s = story(validity="invalid")
    s.events = s._tell_facts()
    triaged_at = s.events[1].occurred_at
    del s.events[2:]  # keep registration and triage; an older handling opened a case for it
    s._event(CaseOpened, triaged_at, s.events[-1].actor, {"department": "engineering", "first_responsible": "Lee"})
    s._event(CaseAccepted, triaged_at + timedelta(minutes=5), s.events[-1].actor, {"department": "engineering"})
    view = ComplaintView.of(s.complaint_id, s.office_id, entries(s.events + sla_events(s.events)))
    now = START + timedelta(days=3)
    assert statuses(view, now) == {
        "recorded": "done",
        "handled": "done",
        "result": "waiting",  # its result is the explanation, owed (and timed) by the reply step
        "reply": "overdue",
        "return-visit": "not-applicable",  # an invalid complaint owes no return visit
    }
    # "The same day" is the SLA's: the end of the day of the judgement, in the office's time zone.
    assert view.checks(now, POLICY)[3].due_at == sla_end_of_day(triaged_at, None, "Asia/Hong_Kong")


def test_events_of_the_same_instant_follow_their_causes() -> None:
    from shared.contracts.handling import CaseReopened

    s = story(MISSING_VISIT)
    s.tell()
    visit_at = s.events[-1].occurred_at + timedelta(hours=1)
    for _ in range(20):  # event ids are random-looking: try many, so both id orders occur
        s.events = s.events[:9]
        s._visit(visit_at)
        s._event(CaseReopened, visit_at, s.events[-1].actor, {"reason": "dissatisfied"})
        view = ComplaintView.of(s.complaint_id, s.office_id, entries(s.events[::-1]))
        assert view.state == "reopened"
        assert [r.short_type for r in view.events][-2:] == ["ReturnVisitMade", "CaseReopened"]
        s.run += "x"


def test_the_topics_copy_against_the_chain_names_altered_inserted_removed_and_reordered() -> None:
    from dataclasses import dataclass

    from services.projection.domain.crosscheck import crosscheck

    @dataclass(frozen=True)
    class Logged:
        event_id: str
        office_id: str
        digest: str
        topic: str
        partition: int
        offset: int

    links = chain(6)
    logged = [Logged(k.event_id, k.office_id, k.digest, "t", 0, n) for n, k in enumerate(links)]
    assert crosscheck(links, logged) == []

    doctored = list(logged)
    doctored[1] = dataclasses.replace(doctored[1], digest="0" * 64)  # altered
    del doctored[2]  # removed
    doctored.append(Logged("forged", "hk-central", "1" * 64, "t", 0, 99))  # inserted
    doctored[3], doctored[4] = (  # e4 and e5 swapped on the topic
        dataclasses.replace(doctored[4], offset=doctored[3].offset),
        dataclasses.replace(doctored[3], offset=doctored[4].offset),
    )
    found = {(f.kind, f.event_id) for f in crosscheck(links, doctored)}
    assert found == {("altered", "e1"), ("removed", "e2"), ("inserted", "forged"), ("reordered", "e4")}


def test_events_of_one_instant_follow_the_pipeline_then_kafka_order() -> None:
    at = "2026-11-02T09:30:00+00:00"

    def received(event_id: str, topic: str, offset: int, causation: str | None = None) -> Received:
        data = {"type": f"t.{event_id}", "occurred_at": at, "causation_id": causation}
        return Received.of(
            {"event_id": event_id, "event_json": json.dumps(data), "digest": "d", "topic": topic, "offset": offset}
        )

    regraded = received("a-regraded", "complaints.triage.events", 8, causation="cluster-elsewhere")
    triaged = received("z-triaged", "complaints.triage.events", 5)
    registered = received("m-registered", "complaints.intake.events", 40)

    order = business_order([regraded, triaged, registered])

    assert [r.event_id for r in order] == ["m-registered", "z-triaged", "a-regraded"]
