"""A scenario of complaints told as the other services' contract events, with faults planted on purpose.

Each `Story` knows what it should make the projection say (its validity, category, planted violation),
so a test can count independently of the projection.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from shared.contracts import Actor, IntegrationEvent, derived_id
from shared.contracts.common import Explanation
from shared.contracts.followup import (
    CaseClosed,
    CustomerReplied,
    ReturnVisitMade,
    StepWaived,
)
from shared.contracts.handling import CaseAccepted, CaseOpened, ResultRecorded
from shared.contracts.hotline import HotlineComplaintReported
from shared.contracts.intake import ComplaintRegistered, PersonalData, RegistrationForm, SealedPersonal
from shared.contracts.triage import ComplaintTriaged
from shared.personal import clear_form
from tests.sla_feed import Extension, sla_events

# 09:00 in Hong Kong on Monday 2 November 2026: replies due "the same day" stay on the same day.
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
AREAS = ["electromechanical", "sanitation", "parking", "safety", "customer-service", "finance"]
MISSING_RESULT, MISSING_VISIT, LATE_REPLY = "missing-result", "missing-visit", "late-reply"
WAIVED, EXTENDED = "waived-visit", "extended"


def system(service: str) -> Actor:
    return Actor.system(service)


@dataclass
class Story:
    run: str
    office_id: str
    sequence_number: int
    received_at: datetime
    validity: str = "valid"
    area: str = "sanitation"
    severity: str = "minor"
    fault: str | None = None
    contact: str = "+852 9000 0000"
    satisfaction: int = 5
    incident_before: timedelta = timedelta(hours=1)
    quote: str = ""
    registered_after: timedelta = timedelta(minutes=2)
    events: list[IntegrationEvent] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return f"{self.run}-{self.office_id}-{self.sequence_number:04d}"

    @property
    def complaint_id(self) -> UUID:
        return derived_id("complaint", self.office_id, self.reference)

    @property
    def with_case(self) -> bool:
        return self.validity != "invalid"

    def expected_violation(self) -> str | None:
        return {MISSING_RESULT: "result", MISSING_VISIT: "return-visit", LATE_REPLY: "reply"}.get(self.fault or "")

    def compliance(self) -> str | None:
        if not self.with_case:
            return None
        return {MISSING_RESULT: "breached", EXTENDED: "met-under-extension"}.get(self.fault or "", "met")

    def visit_due(self) -> bool:
        return self.fault not in (MISSING_RESULT, WAIVED)

    def visit_made(self) -> bool:
        return self.visit_due() and self.fault != MISSING_VISIT

    def _event(self, model: type[IntegrationEvent], at: datetime, actor: Actor, payload: Any) -> IntegrationEvent:
        event = model(
            event_id=derived_id("test-event", self.complaint_id, len(self.events), model.type_name()),
            complaint_id=self.complaint_id,
            office_id=self.office_id,
            occurred_at=at,
            actor=actor,
            causation_id=self.events[-1].event_id if self.events else None,
            correlation_id=self.complaint_id,
            payload=payload,
        )
        self.events.append(event)
        return event

    def tell(self) -> list[IntegrationEvent]:
        """Every event of the story, in the order the services would publish them, then the SLA
        service's clock events for them (made by the real SLA domain: the one authority on time)."""
        facts = list(self._tell_facts())
        extensions = []
        if self.fault == EXTENDED and self.with_case:
            t = self.received_at
            extensions.append(Extension(t + timedelta(hours=10), "resolution", t + timedelta(hours=20)))
        self.events = facts + sla_events(facts, extensions)
        return self.events

    def _tell_facts(self) -> list[IntegrationEvent]:
        self.events = []
        t = self.received_at
        reception = Actor(id=f"{self.office_id}/reception", role="receptionist")
        registered_at = t + self.registered_after
        self._event(
            ComplaintRegistered,
            registered_at,
            reception,
            {
                "sequence_number": self.sequence_number,
                "registered_at": registered_at,
                "form": clear_form(
                    RegistrationForm.model_validate(
                        {
                            "office_reference": self.reference,
                            "complainant": {"name": "A Customer", "contact": self.contact},
                            "unit_address": "Block 1, 3/F, Flat A",
                            "channel": "phone",
                            "occurred_at": t - self.incident_before,
                            "received_at": t,
                            "object": f"{self.area} issue",
                            "description": f"Something about {self.area}. {self.quote}".strip(),
                            "customer_request": "Please fix it.",
                            "received_by": "reception",
                        }
                    )
                ),
            },
        )
        why = Explanation(reason="rules matched", rule="triage@v1")
        self._event(
            ComplaintTriaged,
            t + timedelta(minutes=3),
            system("triage"),
            {
                "validity": self.validity,
                "nature": "effective",
                "communication_kind": None,
                "content_category": "service-quality",
                "business_area": self.area,
                "severity": self.severity,
                "severity_criteria": [f"{self.severity}.default"],
                "department": "engineering",
                "first_responsible": "Mr Lee",
                "rules_version": 1,
                "explanations": {"validity": why, "severity": why},
                "history": {
                    "earlier_complaints": 0,
                    "recent_complaint_ids": [],
                    "invalid_complaints": 0,
                    "flagged_for_review": False,
                },
            },
        )
        staff = Actor(id=f"{self.office_id}/staff", role="department-staff")
        supervisor = Actor(id=f"{self.office_id}/supervisor", role="supervisor")
        if not self.with_case:
            replied = t + timedelta(hours=1)
            self._reply(replied, supervisor, explanation_only=True)
            if self.fault == WAIVED:
                self._event(
                    StepWaived,
                    replied + timedelta(minutes=1),
                    system("followup"),
                    {
                        "step": "return-visit",
                        "reason": "invalid, explained",
                        "policy_rule": "followup.waive@v1",
                    },
                )
            else:
                self._visit(replied + timedelta(hours=3))
            return self.events
        self._event(
            CaseOpened,
            t + timedelta(minutes=4),
            system("handling"),
            {"department": "engineering", "first_responsible": "Mr Lee"},
        )
        self._event(CaseAccepted, t + timedelta(minutes=8), staff, {"department": "engineering"})
        if self.fault == MISSING_RESULT:
            return self.events
        result_at = t + timedelta(hours=3)
        if self.fault == EXTENDED:  # a manager approves overtime until t + 20 h (see `tell`)
            result_at = t + timedelta(hours=13)  # after 12 h, within the extension
        self._event(ResultRecorded, result_at, staff, {"result": "fixed", "resolved": True})
        replied = result_at + (timedelta(hours=20) if self.fault == LATE_REPLY else timedelta(minutes=10))
        self._reply(replied, supervisor, explanation_only=False)
        if self.fault == MISSING_VISIT:
            return self.events
        visited = self._visit(replied + timedelta(hours=2))
        self._event(
            CaseClosed,
            visited + timedelta(minutes=10),
            supervisor,
            {"cause": "wear", "lessons": "check", "improvement": "schedule", "responsibility": "none"},
        )
        return self.events

    def _reply(self, at: datetime, actor: Actor, explanation_only: bool) -> None:
        self._event(
            CustomerReplied,
            at,
            actor,
            {
                "agreed_by": actor.id,
                "replied_at": at,
                "channel": "phone",
                "summary": "told the customer",
                "explanation_only": explanation_only,
            },
        )

    def _visit(self, at: datetime) -> datetime:
        self._event(
            ReturnVisitMade,
            at,
            Actor(id=f"{self.office_id}/reception", role="receptionist"),
            {
                "outcome": "satisfied",
                "attempt": 1,
                "satisfaction": self.satisfaction,
                "acknowledged": True,
                "remarks": None,
                "final": True,
            },
        )
        return at


def hotline_report(run: str, office_id: str, number: int, at: datetime) -> HotlineComplaintReported:
    reference = f"HL-{run}-{number:03d}"
    report_id = derived_id("hotline", reference)
    return HotlineComplaintReported(
        event_id=derived_id("test-event", report_id),
        complaint_id=report_id,
        office_id=office_id,
        occurred_at=at,
        actor=Actor(id="group/hotline", role="group"),
        causation_id=None,
        correlation_id=report_id,
        payload={
            "hotline_reference": reference,
            "reported_at": at,
            "personal": SealedPersonal(
                person_id=derived_id("test-person", reference),
                legacy_clear=PersonalData(name="A Caller", contact="+852 9111 1111", unit_address="Block 2"),
            ),
            "summary": "The office did not pick up.",
        },
    )


@dataclass
class Scenario:
    run: str
    stories: list[Story]
    hotline: list[HotlineComplaintReported]
    skipped: dict[str, int]  # office -> the sequence number planted missing
    unregistered_hotline: str  # the hotline reference no office registered
    late_registered: UUID
    now: datetime

    def events(self) -> list[IntegrationEvent]:
        return [e for s in self.stories for e in s.tell()] + list(self.hotline)

    def offices(self) -> list[str]:
        return sorted({s.office_id for s in self.stories})


def build(
    run: str,
    offices: tuple[str, ...] = ("hk-central", "kln-east", "sz-futian"),
    per_office: int = 70,
    seed: int = 7,
) -> Scenario:
    """`per_office` complaints per office, about 1 in 10 with a planted fault, some waived or extended,
    one missing sequence number per office, one hotline report registered and one never registered,
    one complaint received long after its incident."""
    rng = random.Random(seed)
    stories: list[Story] = []
    skipped: dict[str, int] = {}
    faults = [MISSING_RESULT, MISSING_VISIT, LATE_REPLY, WAIVED, EXTENDED]
    for office in offices:
        skip = rng.randint(2, per_office - 1) if per_office >= 4 else 0
        if skip:
            skipped[office] = skip
        number = 0
        for i in range(per_office):
            number += 1
            if number == skip:
                number += 1  # planted: a registration number never seen
            validity = rng.choices(["valid", "assisted", "invalid"], [8, 1, 1])[0]
            fault = faults[i % len(faults)] if rng.random() < 0.25 else None
            if fault == WAIVED and validity != "invalid":
                fault = None
            if validity == "invalid":
                fault = WAIVED if rng.random() < 0.5 else None
            day = i // 14  # 14 complaints a working day, over about 5 days
            received = START + timedelta(days=day, minutes=15 * (i % 14))
            stories.append(
                Story(
                    run=run,
                    office_id=office,
                    sequence_number=number,
                    received_at=received,
                    validity=validity,
                    area=rng.choices(AREAS, [30, 20, 15, 10, 10, 5])[0],
                    fault=fault,
                    contact=f"+852 {rng.randint(1, 40):04d} 0000",  # a few repeat complainants
                    satisfaction=rng.randint(3, 5),
                )
            )
    # One hotline complaint the office registered (quoting the reference), one it never registered.
    hotline_at = START + timedelta(days=1, hours=1)
    quoted = hotline_report(run, offices[0], 1, hotline_at)
    stories[3].quote = f"Hotline ref {quoted.payload.hotline_reference}."
    stories[3].received_at = max(stories[3].received_at, hotline_at + timedelta(minutes=30))
    missing = hotline_report(run, offices[1 % len(offices)], 2, hotline_at)
    # One complaint received ten days after the incident.
    late = stories[min(5, len(stories) - 1)]
    late.incident_before = timedelta(days=10)
    last = max(s.received_at for s in stories)
    return Scenario(
        run=run,
        stories=stories,
        hotline=[quoted, missing],
        skipped=skipped,
        unregistered_hotline=missing.payload.hotline_reference,
        late_registered=late.complaint_id,
        now=last + timedelta(days=3),
    )


def expected_statistics(scenario: Scenario, office_id: str | None = None) -> dict[str, Any]:
    """The statistics counted straight from the stories, without the projection."""
    stories = [s for s in scenario.stories if office_id is None or s.office_id == office_id]
    valid = [s for s in stories if s.validity == "valid"]
    areas: dict[str, int] = {}
    for story in valid:
        areas[story.area] = areas.get(story.area, 0) + 1
    compliance = [s.compliance() for s in stories]
    due = sum(s.visit_due() for s in stories)
    made = sum(s.visit_made() for s in stories)
    rated = [s.satisfaction for s in stories if s.visit_made()]
    people: dict[str, int] = {}
    for story in stories:
        key = "".join(ch for ch in story.contact if ch.isdigit())
        people[key] = people.get(key, 0) + 1
    return {
        "complaints": len(stories),
        "valid": len(valid),
        "assisted": sum(s.validity == "assisted" for s in stories),
        "invalid": sum(s.validity == "invalid" for s in stories),
        "areas": areas,
        "met": compliance.count("met"),
        "met_under_extension": compliance.count("met-under-extension"),
        "breached": compliance.count("breached"),
        "visits_due": due,
        "visits_made": made,
        "average_satisfaction": round(sum(rated) / len(rated), 3) if rated else None,
        "repeat_complainants": sum(1 for n in people.values() if n > 1),
        "violations": sum(s.expected_violation() is not None for s in stories),
        # judged invalid and explained (each invalid story's explanation is replied; none is closed)
        "explained": sum(s.validity == "invalid" for s in stories),
        "satisfied": sum(s.visit_made() for s in stories),  # one visit each, satisfied
    }


def expected_violations(scenario: Scenario, office_id: str | None = None) -> set[tuple[str, str]]:
    return {
        (str(s.complaint_id), step)
        for s in scenario.stories
        if (office_id is None or s.office_id == office_id) and (step := s.expected_violation())
    }


def assert_statistics_match(stats: dict[str, Any], expected: dict[str, Any]) -> None:
    assert stats["complaints"] == expected["complaints"]
    assert (stats["valid"], stats["assisted"], stats["invalid"]) == (
        expected["valid"],
        expected["assisted"],
        expected["invalid"],
    )
    assert {c["category"]: c["count"] for c in stats["categories"]} == expected["areas"]
    shares = [c["count"] for c in stats["categories"]]
    assert shares == sorted(shares, reverse=True), "the Pareto lists the largest category first"
    assert stats["categories"][-1]["cumulative_share"] == 1.0
    assert stats["compliance"] == {
        "met": expected["met"],
        "met_under_extension": expected["met_under_extension"],
        "breached": expected["breached"],
    }
    assert (stats["return_visits"]["due"], stats["return_visits"]["made"]) == (
        expected["visits_due"],
        expected["visits_made"],
    )
    assert stats["satisfaction"]["average"] == expected["average_satisfaction"]
    assert stats["satisfaction"]["satisfied"] == stats["satisfaction"]["rated"] == expected["satisfied"]
    assert stats["states"].get("explained", 0) == expected["explained"]
    assert "declined" not in stats["states"] and "triaged" not in stats["states"]
    assert stats["repeat_complainants"] == expected["repeat_complainants"]
    assert stats["violations"] == expected["violations"]
