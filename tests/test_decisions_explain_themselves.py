"""Every decision explains itself (the project's rule), audited over what the services really publish.

Triage, handling, the SLA and follow-up run in this process, each on its own store with its own inbound
handler and outbound translator, wired as Kafka would wire them (every published event is handed to each
service whose table names its type). People act through the applications; the SLA's scheduler ticks a
simulated time. Stories: a major complaint breached, reopened, extended and closed; a minor one a person
designates major then judges invalid; a valid one unresolved for a week; a mass incident; a routing
override. Then, for every decision-type event published:

- an automated one (a service's actor) carries its reason and names at least one causing event on the
  complaint's own timeline (the events keyed by it, as the projection and the desk show them); a cause
  in another complaint (the incident announced on its first member's, the repeat that re-grades an
  earlier complaint) may be named beside it;
- a person's one carries who (a person's actor id) and why (its reason);
- every event named as a cause was published (no dangling id);
- any other event is a person's act (a registration, a step of the work: a first cause) or, derived by a
  service (follow-up's visit scheduled from the SLA's clock), names the published event it came from.

The desk's timeline links a decision to its causes by these ids ("because of:"), so an id named and not
in the history, or none named, is a decision nobody can trace.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from services.followup import bootstrap as followup_boot
from services.followup.adapters.inbound import CaseFacts
from services.followup.adapters.outbound import Translator as FollowupTranslator
from services.followup.settings import FollowupSettings
from services.handling import bootstrap as handling_boot
from services.handling.adapters.inbound import HandlingHandler
from services.handling.adapters.outbound import CaseTranslator
from services.handling.settings import HandlingSettings
from services.sla import bootstrap as sla_boot
from services.sla.adapters.inbound import ClockFacts
from services.sla.adapters.outbound import Translator as SlaTranslator
from services.sla.settings import SlaSettings
from services.triage import bootstrap as triage_boot
from services.triage.adapters.inbound import TriageHandler
from services.triage.adapters.outbound import translate as triage_translate
from services.triage.settings import TriageSettings
from shared.auth import Principal
from shared.bus.consumer import Delivery
from shared.contracts import ComplaintRegistered, IntegrationEvent
from shared.contracts.followup import CaseClosed, StepWaived, WaiverWithdrawn
from shared.contracts.handling import CaseOpened, CaseReopened, HandOverRequested
from shared.contracts.notifications import NotificationRequested
from shared.contracts.sla import (
    ClockStarted,
    ClockStopped,
    ClockSuperseded,
    DeadlineBreached,
    DeadlineWarning,
    ExtensionDecided,
    ExtensionRequested,
    RegradeRequested,
)
from shared.contracts.triage import (
    ComplaintTriaged,
    IncidentClusterDetected,
    SeverityRegraded,
    TriageDecisionConfirmed,
    TriageDecisionOverridden,
)
from tests.support import T0
from tests.triage.support import registered

OFFICE = "hk-central"
SUPERVISOR = Principal(f"{OFFICE}/supervisor", OFFICE, frozenset({"supervisor"}))
STAFF = Principal(f"{OFFICE}/engineering", OFFICE, frozenset({"department-staff"}))
LEADER = Principal(f"{OFFICE}/leader", OFFICE, frozenset({"leader"}))
MANAGER = Principal(f"{OFFICE}/manager", OFFICE, frozenset({"manager"}))
RECEPTION = Principal(f"{OFFICE}/reception", OFFICE, frozenset({"receptionist"}))
_offsets = itertools.count()


class Service:
    """One service as the pipeline runs it: its application, inbound table and relay's translator."""

    def __init__(self, app: Any, handler: Any, translate: Callable[[Any], Any]) -> None:
        self.app, self.handler, self.translate = app, handler, translate
        self.position = 0

    def published(self) -> list[IntegrationEvent]:
        """What its relay would publish since the last call (the notification log, translated)."""
        out: list[IntegrationEvent] = []
        while notifications := self.app.process_recorder.select_notifications(self.position + 1, 500):
            for notification in notifications:
                out += [p.message for p in self.translate(self.app.mapper.to_domain_event(notification))]
            self.position = notifications[-1].id
        return out

    def hear(self, event: IntegrationEvent) -> None:
        if type(event) not in self.handler.HANDLERS:
            return
        uow = self.app.unit_of_work()
        delivery = Delivery(event, "test", 0, next(_offsets), str(event.complaint_id))
        self.handler(uow, delivery)
        self.app.commit(uow)


class Pipeline:
    """The four deciding services wired as Kafka wires them; `history` is everything published."""

    def __init__(self, state: Path) -> None:
        def where(name: str) -> dict[str, Any]:
            return {"store": "sqlite", "state_dir": state / name}

        self.triage = triage_boot.application(TriageSettings(**where("triage"), reading_model=False))
        self.handling = handling_boot.application(HandlingSettings(**where("handling")))
        self.sla = sla_boot.application(SlaSettings(**where("sla")))
        self.followup = followup_boot.application(FollowupSettings(**where("followup")))
        self.services = [
            Service(self.triage, TriageHandler(self.triage), triage_translate),
            Service(self.handling, HandlingHandler(self.handling), CaseTranslator(self.handling)),
            Service(self.sla, ClockFacts(self.sla), SlaTranslator(self.sla)),
            Service(self.followup, CaseFacts(self.followup), FollowupTranslator(self.followup)),
        ]
        self.history: list[IntegrationEvent] = []

    def close(self) -> None:
        for service in self.services:
            service.app.close()

    def publish(self, *events: IntegrationEvent) -> None:
        """Events from outside the four (intake's registrations) reach every service that reads them."""
        self.history += events
        for event in events:
            for service in self.services:
                service.hear(event)
        self.settle()

    def settle(self) -> None:
        """Relay and consume until nothing new is published."""
        while new := [event for service in self.services for event in service.published()]:
            self.history += new
            for event in new:
                for service in self.services:
                    service.hear(event)

    def tick(self, now: Any) -> None:
        self.sla.tick(now)
        self.settle()

    def act(self, command: Callable[[], Any]) -> None:
        command()
        self.settle()

    def of(self, kind: type, complaint_id: UUID | None = None) -> list[Any]:
        return [e for e in self.history if isinstance(e, kind) and complaint_id in (None, e.complaint_id)]


# -- what each decision says -----------------------------------------------------------------------


def reasons(event: Any) -> list[str]:
    """The reasons a decision carries (every one must be said)."""
    p = event.payload
    if isinstance(event, ComplaintTriaged):
        return [e.reason for e in p.explanations.values()]
    if isinstance(event, CaseClosed):
        return [p.cause]  # a person closes with the cause, lessons and improvement on file
    explanation = getattr(p, "explanation", None)
    if explanation is not None:
        return [explanation.reason]
    reason = getattr(p, "reason", None)
    return [reason] if reason is not None else []


def named_causes(event: Any) -> set[UUID]:
    """The events a decision names as its causes: its causation and its explanations' `caused_by`."""
    p = event.payload
    named = {event.causation_id} - {None}
    explanations = list(p.explanations.values()) if isinstance(event, ComplaintTriaged) else []
    explanation = getattr(p, "explanation", None)
    for e in [*explanations, *([explanation] if explanation is not None else [])]:
        named |= set(e.caused_by)
    return named


DECISIONS = (
    ComplaintTriaged,
    SeverityRegraded,
    TriageDecisionOverridden,
    TriageDecisionConfirmed,
    IncidentClusterDetected,
    NotificationRequested,
    ClockStarted,
    ClockStopped,
    ClockSuperseded,
    DeadlineWarning,
    DeadlineBreached,
    RegradeRequested,
    ExtensionRequested,
    ExtensionDecided,
    CaseOpened,
    HandOverRequested,
    CaseReopened,
    StepWaived,
    WaiverWithdrawn,
    CaseClosed,
)
# Decided by what they record, not by a reason: a clock stops when the fact it waited for happens.
WITHOUT_A_REASON = (ClockStopped,)


def history_of(history: list[Any], complaint_id: UUID) -> set[UUID]:
    """The ids on a complaint's timeline: the events keyed by it (an incident's announcement is on its
    first member's; every member's re-grade names the member's own registration beside it)."""
    return {e.event_id for e in history if e.complaint_id == complaint_id}


def unexplained(history: list[Any]) -> list[str]:
    """Every decision of `history` that does not explain itself, said why."""
    problems = []
    published = {e.event_id for e in history}
    for event in history:
        if not isinstance(event, DECISIONS):
            # Anything else is a person's act (a first cause) or derived by a service from a named event.
            if event.actor.role == "system" and event.causation_id not in published:
                problems.append(f"{type(event).__name__} {event.event_id}: automated, caused by nothing published")
            continue
        what = f"{type(event).__name__} {event.event_id} by {event.actor.id}"
        said = reasons(event)
        if not isinstance(event, WITHOUT_A_REASON) and (not said or not all(r and r.strip() for r in said)):
            problems.append(f"{what}: no reason")
        named = named_causes(event)
        if missing := named - published:
            problems.append(f"{what}: names {sorted(map(str, missing))}, which nobody published")
        timeline = history_of(history, event.complaint_id)
        if event.actor.role == "system":
            if not named:
                problems.append(f"{what}: an automated decision naming no cause")
            elif not named & timeline:
                problems.append(f"{what}: names no cause on the complaint's history")
        elif event.actor.id.startswith("system:"):
            problems.append(f"{what}: a person's decision without a person")
    return problems


# -- the stories ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    pipeline = Pipeline(tmp_path_factory.mktemp("decisions"))
    try:
        _major_breached_reopened_extended_closed(pipeline)
        _designated_major_then_invalid(pipeline)
        _unresolved_for_a_week(pipeline)
        _mass_incident(pipeline)
        _routing_overridden(pipeline)
        _promised_service_repeated(pipeline)
        yield pipeline
    finally:
        pipeline.close()


def _handle_to_a_result(p: Pipeline, cid: UUID, at: Any, accept: bool = True) -> None:
    def step(action: Callable[[Any], None]) -> None:
        p.act(lambda: p.handling.act(OFFICE, cid, action))

    if accept:
        step(lambda c: c.accept(STAFF.actor_id, STAFF.role, at))
    step(lambda c: c.record_cause("a worn relay", "duty engineer", STAFF.actor_id, STAFF.role, at))
    step(lambda c: c.propose("repair", "replace the relay", STAFF.actor_id, STAFF.role, at))
    step(lambda c: c.approve(None, LEADER.actor_id, LEADER.role, at))
    step(lambda c: c.carry_out("relay replaced", STAFF.actor_id, STAFF.role, at))
    step(lambda c: c.record_result("power back", True, STAFF.actor_id, STAFF.role, at))


def _major_breached_reopened_extended_closed(p: Pipeline) -> None:
    complaint = registered("Sudden power failure in the whole building, all lifts stopped.", at=T0)
    cid = complaint.complaint_id
    p.publish(complaint)
    p.tick(T0 + timedelta(hours=1))  # nobody took it: the hand-over clock warns and breaches
    _handle_to_a_result(p, cid, T0 + timedelta(hours=2))
    p.act(lambda: p.followup.reply(OFFICE, cid, SUPERVISOR, "phone", "fixed", T0 + timedelta(hours=3)))
    visit = T0 + timedelta(hours=4)
    p.act(lambda: p.followup.record_visit(OFFICE, cid, RECEPTION, "dissatisfied", 2, False, "dim", visit))
    [reopened] = p.of(CaseReopened, cid)
    at = T0 + timedelta(hours=5)
    running = [c for c in p.sla.clocks(OFFICE, cid).clocks if c.stopped_at is None and c.kind == "settlement"]
    key = running[0].key
    until = running[0].deadline + timedelta(days=2)
    p.act(lambda: p.sla.request_extension(OFFICE, cid, key, until, "parts on order", STAFF, at))
    p.act(lambda: p.sla.decide_extension(OFFICE, cid, key, True, "the supplier is slow", MANAGER, at))
    _handle_to_a_result(p, cid, T0 + timedelta(hours=6), accept=False)
    later = T0 + timedelta(hours=7)
    p.act(lambda: p.followup.reply(OFFICE, cid, SUPERVISOR, "phone", "fixed again", later))
    p.act(lambda: p.followup.record_visit(OFFICE, cid, RECEPTION, "satisfied", 5, True, None, later))
    p.act(lambda: p.followup.close_case(OFFICE, cid, SUPERVISOR, "a worn relay", "check", "a spare", "eng", later))
    assert reopened.causation_id is not None


def _designated_major_then_invalid(p: Pipeline) -> None:
    complaint = registered("A corridor light flickers.", at=T0 + timedelta(days=1))
    cid = complaint.complaint_id
    p.publish(complaint)
    at = T0 + timedelta(days=1, minutes=5)
    p.act(lambda: p.triage.decide(OFFICE, cid, "severity", "major", "VIP owner, the lobby is dark", SUPERVISOR, at))
    p.act(lambda: p.triage.decide(OFFICE, cid, "nature", "consultation", "only asked when", SUPERVISOR, at))
    p.act(lambda: p.triage.decide(OFFICE, cid, "nature", "effective", "a fault after all", SUPERVISOR, at))
    p.act(lambda: p.triage.decide(OFFICE, cid, "validity", "invalid", "the light is the owner's", SUPERVISOR, at))
    p.act(lambda: p.triage.decide(OFFICE, cid, "routing", "engineering", "it is theirs", SUPERVISOR, at))


def _unresolved_for_a_week(p: Pipeline) -> None:
    start = T0 + timedelta(days=2)
    complaint = registered("The gate intercom is broken again, please repair it.", at=start)
    cid = complaint.complaint_id
    p.publish(complaint)
    p.act(lambda: p.handling.accept(OFFICE, cid, STAFF, start + timedelta(minutes=3)))
    p.tick(start + timedelta(days=8))  # still unresolved: the SLA asks triage to re-grade it major


def _mass_incident(p: Pipeline) -> None:
    start = T0 + timedelta(days=20)
    p.publish(
        *[registered("No water in my flat since this morning.", at=start + timedelta(minutes=i)) for i in range(6)]
    )


def _routing_overridden(p: Pipeline) -> None:
    at = T0 + timedelta(days=21)
    complaint = registered("The carpark barrier does not open for my car.", at=at)
    p.publish(complaint)
    p.act(
        lambda: p.triage.decide(OFFICE, complaint.complaint_id, "routing", "security", "guards run it", SUPERVISOR, at)
    )


def _promised_service_repeated(p: Pipeline) -> None:
    at = T0 + timedelta(days=22)
    said = "The cleaning promised in the contract was not done; the rubbish room is dirty."
    p.publish(registered(said, contact="r@x.hk", at=at))
    p.publish(registered(said, contact="r@x.hk", at=at + timedelta(hours=1)))  # re-grades the first major


# -- the audit ------------------------------------------------------------------------------------------


def test_the_stories_publish_every_kind_of_decision(run: Pipeline) -> None:
    """The audit below is only as good as what it sees: every decision type is in the history."""
    published = {type(e) for e in run.history}
    assert set(DECISIONS) - published == set()
    assert {n.payload.occasion for n in run.of(NotificationRequested)} == {
        "major-complaint",
        "mass-incident",  # the incident story's leaders, told once as an incident (not once per member)
        "deadline-warning",
        "deadline-breached",
    }


def test_every_decision_carries_its_reason_and_names_causes_on_the_complaints_history(run: Pipeline) -> None:
    assert unexplained(run.history) == []


def test_every_notification_names_a_cause_on_the_timeline(run: Pipeline) -> None:
    """What the desk found: each notice links to the event that caused it, a person's override included."""
    for notice in run.of(NotificationRequested):
        timeline = history_of(run.history, notice.complaint_id)
        assert notice.causation_id is not None
        assert notice.payload.explanation.caused_by
        assert {notice.causation_id, *notice.payload.explanation.caused_by} & timeline


def test_the_audit_finds_a_decision_that_names_no_cause(run: Pipeline) -> None:
    """The check can fail: a notice stripped of its causes, or naming an event nobody published."""
    notice = run.of(NotificationRequested)[0]
    bare = notice.model_copy(
        update={
            "causation_id": None,
            "payload": notice.payload.model_copy(
                update={"explanation": notice.payload.explanation.model_copy(update={"caused_by": []})}
            ),
        }
    )
    assert unexplained([bare]) == [f"NotificationRequested {notice.event_id} by {notice.actor.id}: an automated "
                                   "decision naming no cause"]  # fmt: skip
    stray = notice.model_copy(update={"causation_id": UUID(int=7)})
    assert any("which nobody published" in problem for problem in unexplained([stray]))
    elsewhere = [e for e in run.history if e.complaint_id != notice.complaint_id]
    what = f"NotificationRequested {notice.event_id} by {notice.actor.id}"
    assert f"{what}: names no cause on the complaint's history" in unexplained([*elsewhere, notice])


def test_a_repeat_re_grades_the_earlier_complaint_naming_its_own_registration(run: Pipeline) -> None:
    [regrade] = [e for e in run.of(SeverityRegraded) if e.payload.criterion == "major.promised-service-repeated"]
    [earlier] = [r for r in run.of(ComplaintRegistered, regrade.complaint_id)]
    assert earlier.event_id in regrade.payload.explanation.caused_by


def test_a_registration_is_a_first_cause(run: Pipeline) -> None:
    """Everything traces back to registrations (first causes) and people's commands."""
    registrations = run.of(ComplaintRegistered)
    assert registrations and all(r.actor.role != "system" for r in registrations)
