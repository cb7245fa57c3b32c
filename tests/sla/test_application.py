"""The SLA application on each production store: facts in, a simulated clock ticking, exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from services.sla import bootstrap
from services.sla.adapters.inbound import ClockFacts
from services.sla.adapters.outbound import Translator
from services.sla.domain.clocks import ComplaintClocks
from services.sla.domain.policy import Allowance, SlaPolicy
from services.sla.settings import SlaSettings
from shared.auth import Principal
from shared.clock import SimulatedClock
from shared.contracts.notifications import NotificationRequested
from shared.contracts.sla import (
    ClockStarted,
    DeadlineBreached,
    DeadlineWarning,
    ExtensionDecided,
    ExtensionRequested,
    RegradeRequested,
)
from tests.sla.contract_events import accepted, delivery, registered, result, triaged
from tests.sla.scenario import T0, office_calendar

MANAGER = Principal("hk-central/manager", "hk-central", frozenset({"manager"}))


@pytest.fixture
def settings(store_settings: dict[str, Any]) -> SlaSettings:
    return SlaSettings(**store_settings)


@pytest.fixture
def sla(settings: SlaSettings):
    app = bootstrap.application(settings)
    yield app
    app.close()


def feed(app, *messages: Any) -> None:
    handler = ClockFacts(app)
    for message in messages:
        uow = app.unit_of_work()
        handler(uow, delivery(message))
        app.commit(uow)


def published(app) -> list[Any]:
    translate = Translator(app)
    out = []
    for notification in app.process_recorder.select_notifications(1, 100_000):
        out += [p.message for p in translate(app.mapper.to_domain_event(notification))]
    return out


def test_days_of_sla_time_in_a_simulated_clock(sla) -> None:
    complaint = uuid.uuid4()
    clock = SimulatedClock(T0)
    feed(sla, registered(complaint, T0), triaged(complaint, T0 + timedelta(minutes=1), "important"))
    feed(sla, accepted(complaint, T0 + timedelta(minutes=4)))
    for _ in range(48):  # two days, an hour at a time
        sla.tick(clock.advance(timedelta(hours=1)))

    messages = [m for m in published(sla) if m.complaint_id == complaint]
    warnings = [
        (m.payload.clock, m.payload.fraction, m.occurred_at) for m in messages if isinstance(m, DeadlineWarning)
    ]
    assert warnings == [
        ("resolution", 0.5, T0 + timedelta(hours=12)),
        ("resolution", 0.8, T0 + timedelta(hours=19.2)),
    ]
    breaches = [
        (m.payload.clock, m.payload.escalation_level, m.occurred_at)
        for m in messages
        if isinstance(m, DeadlineBreached)
    ]
    assert breaches == [
        ("resolution", 1, T0 + timedelta(days=1)),
        ("resolution", 2, T0 + timedelta(days=1.5)),
        ("resolution", 3, T0 + timedelta(days=2)),
    ]
    notifications = [m for m in messages if isinstance(m, NotificationRequested)]
    assert len(notifications) == 5
    # what a staff mail in the reader's language writes: the occasion, the clock, its deadline, the share used
    assert [(n.payload.occasion, n.payload.clock, n.payload.fraction) for n in notifications] == [
        ("deadline-warning", "resolution", 0.5),
        ("deadline-warning", "resolution", 0.8),
        *[("deadline-breached", "resolution", None)] * 3,
    ]
    assert {n.payload.deadline for n in notifications} == {T0 + timedelta(days=1)}
    assert {r.role for r in notifications[-1].payload.recipients} == {"manager", "company-leader"}
    started = [m for m in messages if isinstance(m, ClockStarted)]
    assert {m.payload.policy_version for m in started} == {1}
    assert all(m.payload.explanation.caused_by for m in started)


def test_a_warning_and_a_breach_say_why_and_name_the_clock_they_are_about(sla) -> None:
    """Every decision explains itself: a warning or breach carries its reason, the clock's rule and the
    clock's start as its cause (as the notice beside it does), not only its causation."""
    complaint = uuid.uuid4()
    feed(sla, registered(complaint, T0), triaged(complaint, T0 + timedelta(minutes=1), "important"))
    sla.tick(T0 + timedelta(days=1))

    messages = [m for m in published(sla) if m.complaint_id == complaint]
    [resolution] = [m for m in messages if isinstance(m, ClockStarted) and m.payload.clock == "resolution"]
    decided = [m for m in messages if isinstance(m, DeadlineWarning | DeadlineBreached)]
    about = [m for m in decided if m.payload.clock == "resolution"]
    assert [type(m).__name__ for m in about] == ["DeadlineWarning", "DeadlineWarning", "DeadlineBreached"]
    for m in decided:
        assert m.payload.explanation is not None and m.payload.explanation.caused_by == [m.causation_id]
    for m in about:
        assert m.payload.explanation.caused_by == [resolution.event_id]
        assert m.payload.explanation.rule == resolution.payload.explanation.rule == "sla.resolution.important@v1"
    assert about[0].payload.explanation.reason.startswith("resolution clock: 50% of the allowed time used")
    assert about[-1].payload.explanation.reason.startswith("resolution clock breached (escalation level 1)")
    notices = [m for m in messages if isinstance(m, NotificationRequested) and m.payload.clock == "resolution"]
    assert [n.payload.explanation for n in notices] == [m.payload.explanation for m in about]


def test_a_warning_or_breach_published_before_explanations_travelled_still_reads(sla) -> None:
    complaint = uuid.uuid4()
    feed(sla, registered(complaint, T0), triaged(complaint, T0 + timedelta(minutes=1), "important"))
    sla.tick(T0 + timedelta(days=1))
    for m in published(sla):
        if isinstance(m, DeadlineWarning | DeadlineBreached):
            older = m.model_dump(mode="json")
            del older["payload"]["explanation"]
            assert type(m).model_validate(older).payload.explanation is None


def test_a_restarted_application_fires_what_is_due_once(settings: SlaSettings) -> None:
    first = bootstrap.application(settings)
    complaint = uuid.uuid4()
    feed(first, registered(complaint, T0), triaged(complaint, T0 + timedelta(minutes=1), "minor"))
    # Never accepted: the hand-over clock warned twice and climbed its 3 levels; resolution warned at 50%.
    assert first.tick(T0 + timedelta(hours=7)) == 6
    first.close()

    second = bootstrap.application(settings)  # a fresh process: the due index is rebuilt from the store
    assert second.tick(T0 + timedelta(hours=7)) == 0
    assert second.tick(T0 + timedelta(hours=12)) == 2  # 80% warning + breach
    third = bootstrap.application(settings)
    assert third.tick(T0 + timedelta(hours=12)) == 0  # two schedulers never record one thing twice
    view = third.clocks("hk-central", complaint)
    resolution = next(c for c in view.clocks if c.key == "resolution#0")
    assert (resolution.warnings_issued, resolution.breach_levels_issued) == ([0.5, 0.8], [1])
    second.close()
    third.close()


def test_a_policy_change_is_recorded_and_new_clocks_run_under_it(sla) -> None:
    old = uuid.uuid4()
    feed(sla, registered(old, T0), triaged(old, T0, "minor"))
    adopted = sla.adopt_policy(
        SlaPolicy(
            resolution={"minor": Allowance(unit="days", amount=0.25), "important": Allowance(unit="days", amount=1)}
        ),
        MANAGER,
        T0,
    )
    assert adopted.version == 2 and sla.current_policy().version == 2
    new = uuid.uuid4()
    feed(sla, registered(new, T0), triaged(new, T0, "minor"))

    def resolution(cid):
        return next(c for c in sla.clocks(None, cid).clocks if c.key == "resolution#0")

    assert (resolution(old).policy_version, resolution(old).deadline) == (1, T0 + timedelta(hours=12))
    assert (resolution(new).policy_version, resolution(new).deadline) == (2, T0 + timedelta(hours=6))


def test_an_office_calendar_applies_to_its_complaints_only(sla) -> None:
    friday = T0 + timedelta(days=4, hours=7, minutes=30)  # Friday 17:00
    sla.set_calendar("kln-east", office_calendar(), MANAGER, T0)
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    feed(sla, registered(mine, friday, "kln-east"), triaged(mine, friday, "important", office_id="kln-east"))
    feed(sla, registered(theirs, friday), triaged(theirs, friday, "important"))
    mine_clock = next(c for c in sla.clocks("kln-east", mine).clocks if c.key == "resolution#0")
    theirs_clock = next(c for c in sla.clocks("hk-central", theirs).clocks if c.key == "resolution#0")
    assert mine_clock.calendar == "weekdays-9-18"
    assert mine_clock.deadline == friday + timedelta(days=2, hours=23)  # Monday 16:00
    assert theirs_clock.deadline == friday + timedelta(days=1)


def test_regrade_request_and_each_stored_event_translate_to_valid_contracts(sla) -> None:
    complaint = uuid.uuid4()
    feed(sla, registered(complaint, T0), triaged(complaint, T0, "important"))
    feed(sla, result(complaint, T0 + timedelta(days=2), resolved=False))
    sla.tick(T0 + timedelta(days=7))
    (regrade,) = [m for m in published(sla) if isinstance(m, RegradeRequested)]
    assert regrade.payload.severity == "major"
    assert regrade.payload.criterion == "major.unresolved-week"
    assert regrade.occurred_at == T0 + timedelta(days=7)
    assert regrade.actor.role == "system"
    assert regrade.payload.explanation.caused_by  # the triage event that set the watch
    # Translation is deterministic: ids are derived from the stored events.
    assert [m.event_id for m in published(sla)] == [m.event_id for m in published(sla)]


def test_duplicate_facts_change_nothing(sla) -> None:
    complaint = uuid.uuid4()
    message = triaged(complaint, T0, "minor")
    feed(sla, registered(complaint, T0), message)
    before = sla.process_recorder.max_notification_id()
    feed(sla, message)
    assert sla.process_recorder.max_notification_id() == before
    assert isinstance(sla.repository.get(ComplaintClocks.create_id(complaint)), ComplaintClocks)


def test_an_extension_request_names_its_clock_and_the_managers_decision_names_the_request(sla) -> None:
    """People's decisions carry who and why; these also name what they answer, so a timeline links them."""
    complaint = uuid.uuid4()
    feed(sla, registered(complaint, T0), triaged(complaint, T0 + timedelta(minutes=1), "important"))
    feed(sla, accepted(complaint, T0 + timedelta(minutes=4)))
    staff = Principal("hk-central/engineering", "hk-central", frozenset({"department-staff"}))
    at = T0 + timedelta(hours=2)
    sla.request_extension("hk-central", complaint, "resolution#0", T0 + timedelta(days=2), "parts", staff, at)
    sla.decide_extension("hk-central", complaint, "resolution#0", True, "the supplier is slow", MANAGER, at)

    messages = [m for m in published(sla) if m.complaint_id == complaint]
    [started] = [m for m in messages if isinstance(m, ClockStarted) and m.payload.key == "resolution#0"]
    [requested] = [m for m in messages if isinstance(m, ExtensionRequested)]
    [decided] = [m for m in messages if isinstance(m, ExtensionDecided)]
    assert requested.causation_id == started.event_id and requested.actor.id == staff.actor_id
    assert decided.causation_id == requested.event_id and decided.actor.id == MANAGER.actor_id
    assert decided.payload.reason == "the supplier is slow"
    [view] = [c for c in sla.clocks("hk-central", complaint).clocks if c.key == "resolution#0"]
    assert view.extension is not None and set(view.extension) == {"until", "reason", "approved"}


def test_a_hand_over_warning_before_triage_judged_the_complaint_names_no_severity(sla) -> None:
    """Before triage's decision only the hand-over clock runs: its warnings and breaches travel with no
    severity (None), never a 'minor' nobody judged; once triaged, the judged one."""
    complaint = uuid.uuid4()
    feed(sla, registered(complaint, T0))
    sla.tick(T0 + timedelta(hours=1))  # the hand-over clock's 10 minutes are long gone
    early = [m for m in published(sla) if m.complaint_id == complaint and isinstance(m, NotificationRequested)]
    assert early and {n.payload.clock for n in early} == {"hand-over"}
    assert {n.payload.severity for n in early} == {None}
    feed(sla, triaged(complaint, T0 + timedelta(hours=2), "important"))
    sla.tick(T0 + timedelta(days=2))
    later = [m for m in published(sla) if m.complaint_id == complaint and isinstance(m, NotificationRequested)]
    assert {n.payload.severity for n in later[len(early) :]} == {"important"}
