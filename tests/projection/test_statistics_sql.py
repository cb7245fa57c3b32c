"""The statistics read from SQL equal the domain's `statistics(views, now, ...)` — the specification —
over the same complaints: for the group, each office, each week, month and year, at instants on, just
before and just after every deadline the complaints hold, with re-grades, overrides and reopenings
moving the counts (property test on SQLite; the same histories through the read side on PostgreSQL)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.sqlite import SQLiteDatastore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.projection import bootstrap
from services.projection.adapters.outbound import ProjectionTranslator
from services.projection.adapters.readside import STATISTICS_FILLED, ReadSide
from services.projection.adapters.sql import SQLITE, Database
from services.projection.adapters.statistics_tables import (
    Scope,
    StatisticsQueries,
    schema,
    statistics_of,
    write_shares,
)
from services.projection.domain.clock_tally import clock_outcomes
from services.projection.domain.policy import Policy
from services.projection.domain.records import Record
from services.projection.domain.statistics import office_statistics, statistics
from services.projection.domain.view import ComplaintView
from services.projection.settings import ProjectionSettings
from shared.contracts import Actor, IntegrationEvent
from shared.contracts.common import Explanation
from shared.contracts.followup import ReturnVisitMade
from shared.contracts.handling import CaseReopened, ResultRecorded
from shared.contracts.projection import OfficeStatisticsPayload, OfficeStatisticsUpdated
from shared.contracts.triage import SeverityRegraded, TriageDecisionOverridden
from tests.projection.scenario import EXTENDED, LATE_REPLY, MISSING_RESULT, MISSING_VISIT, WAIVED, Story
from tests.projection.support import feed
from tests.projection.test_read_side import entries_of
from tests.sla_feed import sla_events

POLICY = Policy()
# Friday 26 December 2025, 09:00 in Hong Kong: histories cross weeks, months and a year's end.
BASE = datetime(2025, 12, 26, 1, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)
OFFICES = ("hk-central", "kln-east")
UNITS = {"hk-central": 4000, "kln-east": 2500}
PERIODS = ("week", "month", "year")


@dataclass
class History:
    """A story cut part-way (what is known so far), with later facts that move its counts."""

    story: Story
    cut: int
    regrade: tuple[int, str] | None = None  # minutes after receipt, new severity
    override: tuple[int, str, str] | None = None  # minutes after receipt, aspect, value
    reopen: bool = False

    def events(self) -> list[IntegrationEvent]:
        story = self.story
        if story.fault == EXTENDED:  # the scenario's extension fits a minor valid complaint's clock
            story.validity, story.severity = "valid", "minor"
        if story.validity == "invalid" and story.fault not in (None, WAIVED):
            story.fault = None
        told = list(story._tell_facts())
        kept = told[: self.cut]
        t = story.received_at
        if self.regrade and len(kept) > 1:
            minutes, severity = self.regrade
            why = Explanation(reason="a later fact", rule="triage.test@v1")
            payload = {"previous": story.severity, "severity": severity, "criterion": "x.test", "explanation": why}
            story._event(SeverityRegraded, t + timedelta(minutes=minutes), Actor.system("triage"), payload)
        if self.override and len(kept) > 1:
            minutes, aspect, value = self.override
            typed = (
                dict(zip(("content_category", "business_area"), value.split("/"), strict=True)) if "/" in value else {}
            )
            story._event(
                TriageDecisionOverridden,
                t + timedelta(minutes=minutes),
                Actor(id=f"{story.office_id}/supervisor", role="supervisor"),
                {"aspect": aspect, "previous": "?", "value": value, "reason": "seen on site"} | typed,
            )
        visits = [e for e in kept if isinstance(e, ReturnVisitMade)]
        if self.reopen and visits and story.with_case:
            staff = Actor(id=f"{story.office_id}/staff", role="department-staff")
            at = visits[-1].occurred_at + timedelta(minutes=20)
            story._event(CaseReopened, at, staff, {"reason": "the customer was dissatisfied"})
            story._event(ResultRecorded, at + timedelta(hours=5), staff, {"result": "again", "resolved": True})
        facts = sorted(kept + story.events[len(told) :], key=lambda e: e.occurred_at)  # stable: told order kept
        return facts + sla_events(facts)

    def view(self) -> ComplaintView:
        return ComplaintView.of(self.story.complaint_id, self.story.office_id, entries_of(self.events()))


histories = st.builds(
    History,
    story=st.builds(
        Story,
        run=st.just("stats"),
        office_id=st.sampled_from(OFFICES),
        sequence_number=st.integers(1, 10**6),
        received_at=st.integers(0, 60 * 24 * 45).map(lambda m: BASE + timedelta(minutes=m)),
        validity=st.sampled_from(["valid", "valid", "assisted", "invalid"]),
        area=st.sampled_from(["sanitation", "parking", "safety", "electromechanical"]),
        severity=st.sampled_from(["minor", "important", "major"]),
        fault=st.sampled_from([None, MISSING_RESULT, MISSING_VISIT, LATE_REPLY, WAIVED, EXTENDED]),
        contact=st.sampled_from(["+852 9000 0001", "+852 9000-0001", "a@b.hk", "+852 9000 0002", "n/a"]),
        satisfaction=st.integers(1, 5),
        registered_after=st.integers(0, 120).map(lambda m: timedelta(minutes=m)),
    ),
    cut=st.integers(1, 12),
    regrade=st.none() | st.tuples(st.integers(5, 60 * 24 * 9), st.sampled_from(["minor", "important", "major"])),
    override=st.none()
    | st.tuples(st.integers(5, 60 * 24 * 3), st.sampled_from(["valid", "invalid", "assisted", "category"])).map(
        lambda o: (o[0], "category", "service-attitude/staff") if o[1] == "category" else (o[0], "validity", o[1])
    ),
    reopen=st.booleans(),
)


def sqlite_database() -> Database:
    database = Database(SQLiteDatastore(f"file:stats-{uuid4().hex}?mode=memory&cache=shared"), SQLITE)
    database.owned = True
    with database.transaction(write=True) as cursor:
        for statement in schema("TEXT"):
            cursor.execute(statement)
    return database


def expected_tallies(views: list[ComplaintView], now: datetime) -> dict[str, Any]:
    """The report's tallies as the projection computed them in memory before they were SQL."""
    registered = [v for v in views if v.registered]
    by_area: dict[str, Counter[str]] = {}
    limits: dict[str, Counter[str]] = {}
    for view in registered:
        by_area.setdefault(view.business_area or "unknown", Counter())[view.validity or "untriaged"] += 1
        for check in view.checks(now, POLICY):
            limits.setdefault(check.step, Counter())[check.status] += 1
    return {
        "validity_by_area": {a: dict(c) for a, c in by_area.items()},
        "limits": {s: dict(c) for s, c in limits.items()},
        "clocks": clock_outcomes(registered, now),
    }


def period(view: ComplaintView, kind: str) -> str | None:
    instant = view.received_at or view.first_event_at
    if instant is None:
        return None
    return POLICY.week_of(instant) if kind == "week" else POLICY.month_of(instant)[: 4 if kind == "year" else 7]


def scopes(views: list[ComplaintView]) -> list[tuple[Scope, list[ComplaintView]]]:
    """The group, each office, and each week, month and year of the group and of each office."""
    found = []
    for office in (None, *OFFICES):
        mine = [v for v in views if office is None or v.office_id == office]
        found.append((Scope(office), mine))
        keys = sorted({(kind, period(v, kind)) for v in mine if v.registered for kind in PERIODS})
        for kind, key in keys:
            found.append((Scope(office, **{kind: key}), [v for v in mine if period(v, kind) == key]))
    return found


def units_of(office_id: str | None) -> int:
    return UNITS[office_id] if office_id else sum(UNITS.values())


def every_instant(view: ComplaintView) -> set[datetime]:
    """Every instant a view holds (broader than what `statistics_rows` judges at, on purpose)."""
    found = {t for c in view.clocks.values() for t in (c.started_at, c.deadline, c.extended_until, c.ended_at) if t}
    found |= {t for t in (view.received_at, view.registered_at, view.replied_at, view.visited_at) if t}
    if view.received_at:
        found.add(view.received_at + POLICY.record_within)
    return found


def judging_instants(views: list[ComplaintView], data: st.DataObject) -> list[datetime]:
    """Instants on, a tick before and a tick after the complaints' own instants, and a few others."""
    own = sorted({t for v in views for t in every_instant(v)})
    chosen = data.draw(st.lists(st.sampled_from(own), max_size=3)) if own else []
    near = [t + d for t in chosen for d in (-TICK, timedelta(0), TICK)]
    far = [BASE + timedelta(minutes=m) for m in data.draw(st.lists(st.integers(-600, 60 * 24 * 60), max_size=2))]
    return [*near, *far, BASE + timedelta(days=400)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drawn=st.lists(histories, max_size=6, unique_by=lambda h: h.story.complaint_id), data=st.data())
def test_sql_statistics_equal_the_domain_statistics_over_the_same_views(drawn: list[History], data) -> None:
    views = [h.view() for h in drawn]
    database = sqlite_database()
    try:
        with database.transaction(write=True) as cursor:
            write_shares(cursor, views, POLICY, b"k")
        queries = StatisticsQueries(database)
        for now in judging_instants(views, data):
            for scope, chosen in scopes(views):
                units = units_of(scope.office_id)
                got = queries.statistics(scope, now, units=lambda _, u=units: u)[""]
                assert got == statistics(chosen, now, POLICY, units), (scope, now)
                assert queries.tallies(scope, now) == expected_tallies(chosen, now), (scope, now)
            for office in OFFICES:
                spec = office_statistics([v for v in views if v.office_id == office], now, POLICY)
                assert queries.statistics(Scope(office), now, group="week") == spec["by_week"]
                assert queries.statistics(Scope(office), now, group="month") == spec["by_month"]
            if now == BASE + timedelta(days=400):  # the auditor's as-of: scratch rows, same queries
                assert statistics_of(iter(views), now, POLICY, 7, chunk=2) == statistics(views, now, POLICY, 7)
            by_office = queries.statistics(Scope(), now, group="office", units=UNITS.get)
            assert set(by_office) == {v.office_id for v in views if v.registered}
            for office, stats in by_office.items():
                assert stats == statistics([v for v in views if v.office_id == office], now, POLICY, UNITS[office])
    finally:
        database.close()


def test_a_changed_history_replaces_its_share_old_out_new_in() -> None:
    def told(**changes: Any) -> ComplaintView:
        story = Story("moved", "hk-central", 1, BASE, validity="valid", area="parking")
        return History(story, cut=12, **changes).view()

    before, after = told(), told(override=(30, "validity", "invalid"), reopen=True)
    database = sqlite_database()
    try:
        queries, now = StatisticsQueries(database), BASE + timedelta(days=30)
        for view, valid in ((before, 1), (after, 0)):
            with database.transaction(write=True) as cursor:
                write_shares(cursor, [view], POLICY, b"")
            stats = queries.statistics(Scope(), now)[""]
            assert (stats["complaints"], stats["valid"], stats["invalid"]) == (1, valid, 1 - valid)
            assert stats == statistics([view], now, POLICY)
    finally:
        database.close()


@pytest.fixture
def projection(store_settings: dict[str, Any]):
    app = bootstrap.application(ProjectionSettings(**store_settings, office_units=UNITS))
    yield app
    app.close()


def test_the_read_side_keeps_the_statistics_equal_to_the_domain_over_its_own_views(projection) -> None:
    """Through the consumer and the read side (SQLite and PostgreSQL): every statistics query of the
    application equals the domain statistics over the summary rows' views, as histories move on."""
    rng = random.Random(10)
    drawn = [
        History(
            Story(
                "rs",
                rng.choice(OFFICES),
                n,
                BASE + timedelta(hours=rng.randrange(0, 24 * 40)),
                validity=rng.choice(["valid", "assisted", "invalid"]),
                area=rng.choice(["sanitation", "parking", "safety"]),
                severity=rng.choice(["minor", "important", "major"]),
                fault=rng.choice([None, MISSING_RESULT, MISSING_VISIT, LATE_REPLY, WAIVED]),
                contact=rng.choice(["+852 9000 0001", "+852 9000 0002", "c@d.hk"]),
            ),
            cut=rng.randrange(2, 13),
            regrade=rng.choice([None, (600, "major")]),
            override=rng.choice([None, (40, "validity", "invalid"), (40, "category", "service-attitude/staff")]),
            reopen=rng.random() < 0.4,
        )
        for n in range(1, 25)
    ]
    events = [e for h in drawn for e in h.events()]
    rng.shuffle(events)  # topics are not ordered relative to each other
    half = len(events) // 2
    for part in (events[:half], events[half:]):
        feed(projection, part, batch=40)
        views = projection.complaints(None, BASE)
        for now in (BASE + timedelta(hours=6), BASE + timedelta(days=20), BASE + timedelta(days=90)):
            assert projection.statistics(None, now) == statistics(views, now, POLICY, units_of(None))
            assert projection.statistics_by_office(now) == {
                o: statistics([v for v in views if v.office_id == o], now, POLICY, UNITS[o]) for o in OFFICES
            }
            for office in OFFICES:
                mine = [v for v in views if v.office_id == office]
                assert projection.statistics(office, now) == statistics(mine, now, POLICY, UNITS[office])
                expected = office_statistics(mine, now, POLICY, UNITS[office])
                assert projection.office_statistics(office, now) == expected
                for kind in PERIODS:
                    for key in sorted({period(v, kind) for v in mine if v.registered} - {None}):
                        assert key is not None
                        chosen = [v for v in mine if period(v, kind) == key]
                        figures = projection.period_figures(office, now, kind, key)
                        beside = projection.period_statistics_by_office(now, kind, key)[office]
                        assert beside == statistics(chosen, now, POLICY, UNITS[office])
                        assert figures == {
                            "statistics": statistics(chosen, now, POLICY, UNITS[office]),
                            **expected_tallies(chosen, now),
                        }


def test_a_store_summarised_before_the_statistics_tables_gets_them_filled_once_at_start(projection) -> None:
    stories = [Story("old", OFFICES[n % 2], n, BASE + timedelta(hours=5 * n), fault=WAIVED) for n in range(1, 9)]
    feed(projection, [e for s in stories for e in History(s, cut=12).events()])
    now = BASE + timedelta(days=3)
    expected = projection.statistics(None, now)
    assert expected["complaints"] == 8
    with projection.read.db.transaction(write=True) as cursor:  # as a database of the version before
        cursor.execute("DROP TABLE projection_statistics")
        cursor.execute("DROP TABLE projection_statistics_clocks")
        cursor.execute("DELETE FROM projection_position WHERE name = ?", (STATISTICS_FILLED,))
    projection.read = ReadSide(projection, projection.policy, batch_size=3)
    assert projection.statistics(None, now) == expected
    assert projection.office_statistics("hk-central", now) == office_statistics(
        projection.complaints("hk-central", now), now, POLICY, UNITS["hk-central"]
    )


def test_the_relays_office_statistics_message_is_the_domains_over_the_offices_views(projection) -> None:
    """`OfficeStatisticsUpdated`: all time, by week and by month, judged at the latest instant the
    office's complaints reached — as the relay computed it from every view before."""
    stories = [Story("relay", OFFICES[n % 2], n, BASE + timedelta(days=3 * n), fault=LATE_REPLY) for n in range(1, 9)]
    feed(projection, [e for s in stories for e in History(s, cut=8 + s.sequence_number % 5).events()])
    translator = ProjectionTranslator(projection)
    stored = [projection.mapper.to_domain_event(n) for n in projection.process_recorder.select_notifications(1, 10**4)]
    event = [e for e in stored if isinstance(e, Record.Received)][-1]
    (*_, message) = [p.message for p in translator(event)]
    assert isinstance(message, OfficeStatisticsUpdated)
    office = message.office_id
    views = projection.complaints(office, BASE)
    judged_at = max(max(v.last_event_at for v in views if v.last_event_at), message.occurred_at)
    expected = office_statistics(views, judged_at, POLICY, UNITS[office])
    assert message.payload == OfficeStatisticsPayload.model_validate(expected)
    assert message.payload.by_week and message.payload.by_month
