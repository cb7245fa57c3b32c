"""The projection's application on each production store: the scenario's statistics and violations
equal an independent count; the chain verifies; out-of-order arrival changes nothing."""

from __future__ import annotations

import random
from typing import Any

import pytest

from services.projection import bootstrap
from services.projection.domain.errors import ComplaintNotFound
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import (
    assert_statistics_match,
    build,
    expected_statistics,
    expected_violations,
)
from tests.projection.support import feed


@pytest.fixture
def projection(store_settings: dict[str, Any]):
    app = bootstrap.application(ProjectionSettings(**store_settings, office_units={}))
    yield app
    app.close()


def test_scenario_statistics_and_violations_equal_an_independent_count(projection) -> None:
    scenario = build("app", per_office=70)
    feed(projection, scenario.events())

    assert_statistics_match(projection.statistics(None, scenario.now), expected_statistics(scenario))
    for office in scenario.offices():
        assert_statistics_match(projection.statistics(office, scenario.now), expected_statistics(scenario, office))
    listed = {(v["complaint_id"], v["step"]) for v in projection.violations(None, scenario.now)}
    assert listed == expected_violations(scenario)
    assert projection.verify() == []


def test_arrival_order_across_topics_does_not_change_the_outcome(projection) -> None:
    scenario = build("shuffled", per_office=20, seed=3)
    events = scenario.events()
    random.Random(5).shuffle(events)  # handling before triage, replies before results...
    feed(projection, events, batch=7)

    assert_statistics_match(projection.statistics(None, scenario.now), expected_statistics(scenario))
    listed = {(v["complaint_id"], v["step"]) for v in projection.violations(None, scenario.now)}
    assert listed == expected_violations(scenario)


def test_a_republished_event_is_recorded_once(projection) -> None:
    scenario = build("dup", per_office=8, offices=("hk-central", "kln-east"))
    events = scenario.events()
    feed(projection, events)
    feed(projection, events[:5])

    story = scenario.stories[0]
    history = projection.history(story.complaint_id, None, scenario.now)
    assert len(history["timeline"]) == len(story.tell())


def test_an_office_key_never_sees_another_offices_complaint(projection) -> None:
    scenario = build("tenancy", per_office=3, offices=("hk-central", "kln-east"))
    feed(projection, scenario.events())
    other = next(s for s in scenario.stories if s.office_id == "kln-east")

    with pytest.raises(ComplaintNotFound):
        projection.complaint(other.complaint_id, "hk-central")
    assert projection.complaint(other.complaint_id, None).office_id == "kln-east"


def test_concealment_signals_name_the_gap_the_hotline_report_and_the_late_registration(projection) -> None:
    scenario = build("signals", per_office=20, seed=11)
    feed(projection, scenario.events())

    signals = projection.signals(None, scenario.now)
    gaps = {(s.office_id, s.reference) for s in signals if s.kind == "sequence-gap"}
    assert gaps == {(office, str(number)) for office, number in scenario.skipped.items()}
    unregistered = [s.reference for s in signals if s.kind == "hotline-unregistered"]
    assert unregistered == [scenario.unregistered_hotline]
    late = [s.complaint_id for s in signals if s.kind == "late-registration"]
    assert late == [str(scenario.late_registered)]
    assert not [s for s in signals if s.kind == "hotline-registered-late"]


def test_a_restarted_application_reads_the_same_tables_and_applies_nothing(projection, store_settings) -> None:
    scenario = build("rebuild", per_office=10)
    feed(projection, scenario.events())
    again = bootstrap.application(ProjectionSettings(**store_settings))
    try:
        assert again.read.applied == 0  # start-up read no history
        assert again.statistics(None, scenario.now) == projection.statistics(None, scenario.now)
        heads = {o: projection.read.head(o) for o in scenario.offices()}
        assert {o: again.read.head(o) for o in scenario.offices()} == heads
    finally:
        again.close()


def test_a_unit_of_work_that_never_committed_leaves_no_trace_in_the_chain(projection) -> None:
    from services.projection.adapters.inbound import ProjectionHandler
    from shared.bus.consumer import Delivery

    scenario = build("retry", per_office=4, offices=("hk-central",))
    events = scenario.events()
    feed(projection, events[:10])
    handler = ProjectionHandler(projection.read)

    def deliver(uow, batch):
        for n, event in enumerate(batch):
            handler(uow, Delivery(event, "complaints.intake.events", 0, 1000 + n, event.key))

    deliver(projection.unit_of_work(), events[10:20])  # handled, then the commit never happened
    uow = projection.unit_of_work()
    deliver(uow, events[10:20])
    projection.commit(uow)
    projection.refresh()

    positions = sorted(link.position for link in projection.read.links("hk-central"))
    assert positions == list(range(1, len([e for e in events[:20] if e.office_id == "hk-central"]) + 1))
    assert projection.verify() == []


def test_a_hotline_report_registered_after_the_set_time_is_flagged_late(projection) -> None:
    from datetime import timedelta

    from tests.projection.scenario import START, Story, hotline_report

    report = hotline_report("late", "hk-central", 7, START)
    story = Story(
        run="late",
        office_id="hk-central",
        sequence_number=1,
        received_at=START + timedelta(days=2),
        quote=f"Group hotline {report.payload.hotline_reference}",
    )
    feed(projection, [report, *story.tell()])

    signals = projection.signals("hk-central", START + timedelta(days=5))
    assert [(s.kind, s.complaint_id) for s in signals if s.kind.startswith("hotline")] == [
        ("hotline-registered-late", str(story.complaint_id))
    ]
    assert projection.signals("kln-east", START + timedelta(days=5)) == []
