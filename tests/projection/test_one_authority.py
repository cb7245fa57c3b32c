"""The projection's verdicts come from the SLA's clocks and a person's judgement (issue 8), each a
defect of the code before: a handed-over case counted as handled while its clock breached, a re-grade
that erased the violation it reported, a category override that became a new Pareto bar "a/b"."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from services.projection.domain.chain import canonical_json, digest_of
from services.projection.domain.policy import Policy
from services.projection.domain.statistics import statistics
from services.projection.domain.view import ComplaintView
from shared.contracts import Actor, IntegrationEvent
from shared.contracts.common import Explanation
from shared.contracts.followup import CustomerReplied, ReturnVisitMade
from shared.contracts.handling import CaseAccepted, HandOverAccepted, HandOverRequested, ResultRecorded
from shared.contracts.triage import SeverityRegraded
from tests.sla.contract_events import overridden, registered, triaged
from tests.sla.scenario import T0
from tests.sla_feed import sla_events

POLICY = Policy()
STAFF = Actor(id="hk-central/staff", role="department-staff")


def event(model: type[IntegrationEvent], cid: uuid.UUID, at, payload: Any, actor: Actor = STAFF) -> Any:
    return model(event_id=uuid.uuid4(), complaint_id=cid, office_id="hk-central", occurred_at=at, actor=actor,
                 correlation_id=cid, payload=payload)  # fmt: skip


def view(facts: list[IntegrationEvent]) -> ComplaintView:
    entries = []
    for e in facts + sla_events(facts):
        text = canonical_json(e.model_dump(mode="json"))
        entries.append({"event_id": str(e.event_id), "event_json": text, "digest": digest_of(text), "topic": "t"})
    return ComplaintView.of(facts[0].complaint_id, "hk-central", entries)


def statuses(v: ComplaintView, now) -> dict[str, str]:
    return {c.step: c.status for c in v.checks(now, POLICY)}


def regraded(cid: uuid.UUID, at, severity: str, previous: str = "minor") -> SeverityRegraded:
    return event(SeverityRegraded, cid, at, {
        "previous": previous, "severity": severity, "criterion": f"{severity}.test",
        "explanation": Explanation(reason="test", rule="triage.test@v1"),
    }, Actor.system("triage"))  # fmt: skip


def handled(cid: uuid.UUID, result_at, visit: bool = True) -> list[IntegrationEvent]:
    out = [
        event(ResultRecorded, cid, result_at, {"result": "fixed", "resolved": True}),
        event(CustomerReplied, cid, result_at + timedelta(minutes=30), {
            "agreed_by": "sup", "replied_at": result_at + timedelta(minutes=30), "channel": "phone",
            "summary": "told", "explanation_only": False,
        }),
    ]  # fmt: skip
    if visit:
        out.append(event(ReturnVisitMade, cid, result_at + timedelta(hours=3), {
            "outcome": "satisfied", "attempt": 1, "satisfaction": 5, "acknowledged": True, "final": True,
        }))  # fmt: skip
    return out


def test_a_hand_over_accepted_in_time_is_handled_with_no_breach() -> None:
    cid = uuid.uuid4()
    facts = [
        registered(cid, T0),
        triaged(cid, T0 + timedelta(minutes=1), "minor"),
        event(HandOverRequested, cid, T0 + timedelta(minutes=3),
              {"from_department": "reception", "to_department": "engineering", "reason": "a lift"}),
        event(HandOverAccepted, cid, T0 + timedelta(minutes=8), {"department": "engineering"}),
        *handled(cid, T0 + timedelta(hours=2)),
    ]  # fmt: skip
    v = view(facts)
    assert statuses(v, T0 + timedelta(days=10))["handled"] == "done"
    assert v.violations(T0 + timedelta(days=10), POLICY) == []


def test_a_mass_incident_regraded_major_and_handled_within_major_limits_has_no_violation() -> None:
    cid = uuid.uuid4()
    facts = [
        registered(cid, T0),
        triaged(cid, T0 + timedelta(minutes=1), "minor"),
        event(CaseAccepted, cid, T0 + timedelta(minutes=4), {"department": "engineering"}),
        regraded(cid, T0 + timedelta(minutes=30), "major"),
        *handled(cid, T0 + timedelta(days=1, hours=12)),  # far past the minor half-day, within 2 days
    ]
    v = view(facts)
    assert v.violations(T0 + timedelta(days=30), POLICY) == []
    assert v.compliance(T0 + timedelta(days=30), POLICY) == "met"


def test_the_day_seven_regrade_keeps_the_result_violation() -> None:
    cid = uuid.uuid4()
    facts = [
        registered(cid, T0),
        triaged(cid, T0 + timedelta(minutes=1), "minor"),
        event(CaseAccepted, cid, T0 + timedelta(minutes=4), {"department": "engineering"}),
        regraded(cid, T0 + timedelta(days=7), "major"),
        *handled(cid, T0 + timedelta(days=8)),
    ]
    v = view(facts)
    result = next(c for c in v.checks(T0 + timedelta(days=30), POLICY) if c.step == "result")
    assert (result.status, result.since) == ("late", T0 + timedelta(hours=12))
    assert v.compliance(T0 + timedelta(days=30), POLICY) == "breached"


def test_an_override_to_invalid_removes_the_result_and_return_visit_obligations() -> None:
    cid = uuid.uuid4()
    explained = T0 + timedelta(hours=1)
    facts = [
        registered(cid, T0),
        triaged(cid, T0 + timedelta(minutes=1), "minor"),
        overridden(cid, T0 + timedelta(minutes=20), "validity", "invalid", "valid"),
        event(CustomerReplied, cid, explained, {
            "agreed_by": "sup", "replied_at": explained, "channel": "phone", "summary": "explained",
            "explanation_only": True,
        }),
    ]  # fmt: skip
    v = view(facts)
    assert statuses(v, T0 + timedelta(days=10)) == {
        "recorded": "done",
        # declined by the person's judgement at 20 minutes; the hand-over's 10 minutes had run out
        # before it, and a breach on record stays (as a re-grade never erases one)
        "handled": "late",
        "result": "done",  # the explanation given is its result
        "reply": "done",
        "return-visit": "not-applicable",
    }
    assert v.state == "explained"
    assert any(e.short_type == "DecisionOverridden" for e in v.events)  # visible in the timeline


def test_statistics_count_the_overridden_category_typed_not_as_a_new_bar() -> None:
    cid = uuid.uuid4()
    facts = [
        registered(cid, T0),
        triaged(cid, T0 + timedelta(minutes=1), "minor"),
        overridden(cid, T0 + timedelta(minutes=20), "category", "service-attitude/staff"),
    ]
    v = view(facts)
    assert (v.content_category, v.business_area) == ("service-attitude", "staff")
    stats = statistics([v], T0 + timedelta(days=1), POLICY)
    assert [c["category"] for c in stats["categories"]] == ["staff"]
    assert stats["content_categories"] == {"service-attitude": 1}


def test_a_nature_override_is_counted_as_its_nature() -> None:
    cid = uuid.uuid4()
    facts = [registered(cid, T0), triaged(cid, T0 + timedelta(minutes=1), "minor")]
    facts.append(overridden(cid, T0 + timedelta(minutes=20), "nature", "venting", "effective"))
    assert view(facts).nature == "communication"
