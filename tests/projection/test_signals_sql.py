"""The concealment signals computed in SQL (`ProjectionApplication.signals`: window functions, flagged
rows, indexed hotline look-ups, grouped counts) equal the domain's own computation over every
registered complaint (`domain.signals.all_signals`, how they were computed before), on generated
histories: duplicate and missing numbers, late receipts and registrations, hotline references quoted
in every kind of surrounding."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.projection import bootstrap
from services.projection.application import ProjectionApplication
from services.projection.domain.signals import all_signals, quote_tokens, quotes
from services.projection.domain.view import ComplaintView
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import START, Story, build, hotline_report
from tests.projection.support import feed

OFFICES = ("hk-central", "kln-east", "sz-futian")
REFERENCES = ("HL-h-001", "HL-h-002", "hl-2026/15", "H\u212a-9")
AROUND = ("", " ", "x", "0", "é", "ref:", "A-", "熱線", "投訴", ".", "/2", "-1", "\u017f", "_", ":")


def old_signals(app: ProjectionApplication, office_id: str | None, now: Any) -> list[dict[str, Any]]:
    """The signals as computed before: the domain over every registered complaint's summary."""
    views = app.complaints(None, now)
    found = all_signals(views, app.read.hotline_reports(), app.units, app.offices(), now, app.policy)
    return [s.as_dict() for s in found if office_id is None or s.office_id == office_id]


def new_signals(app: ProjectionApplication, office_id: str | None, now: Any) -> list[dict[str, Any]]:
    return [s.as_dict() for s in app.signals(office_id, now)]


def application(folder: Path, units: dict[str, int] | None = None) -> ProjectionApplication:
    return bootstrap.application(ProjectionSettings(store="sqlite", state_dir=folder, office_units=units or {}))


def test_the_scenario_gives_the_same_signals_both_ways(store_settings: dict[str, Any]) -> None:
    scenario = build("sql", per_office=40)
    app = bootstrap.application(ProjectionSettings(**store_settings, office_units={}))
    try:
        feed(app, scenario.events())
        for office in (None, *scenario.offices()):
            expected = old_signals(app, office, scenario.now)
            assert new_signals(app, office, scenario.now) == expected
        kinds = {s["kind"] for s in expected} | {s["kind"] for s in old_signals(app, None, scenario.now)}
        assert {"sequence-gap", "hotline-unregistered", "late-registration"} <= kinds
    finally:
        app.close()


complaint = st.fixed_dictionaries(
    {
        "office": st.sampled_from(OFFICES),
        "number": st.integers(1, 9),
        "received_hours": st.integers(0, 120),
        "incident_hours": st.integers(0, 300),
        "registered_minutes": st.sampled_from([0, 2, 30, 200, 2000, 6000]),
        "quote": st.one_of(
            st.just(""),
            st.tuples(st.sampled_from(AROUND), st.sampled_from(REFERENCES), st.sampled_from(AROUND)).map("".join),
        ),
        "reference_is_quoted": st.booleans(),
    }
)
report = st.tuples(st.sampled_from(OFFICES), st.sampled_from(REFERENCES), st.integers(0, 100))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    complaints=st.lists(complaint, min_size=0, max_size=14),
    reports=st.lists(report, max_size=4, unique_by=lambda r: r[1]),
    now_hours=st.integers(24, 400),
    units=st.sampled_from([{}, {"hk-central": 1000, "kln-east": 50, "sz-futian": 80}]),
)
def test_generated_histories_give_the_same_signals_both_ways(
    complaints: list[dict[str, Any]], reports: list[tuple[str, str, int]], now_hours: int, units: dict[str, int]
) -> None:
    events: list[Any] = []
    for n, c in enumerate(complaints):
        story = Story(
            run=f"g{n}",
            office_id=c["office"],
            sequence_number=c["number"],
            received_at=START + timedelta(hours=c["received_hours"]),
            incident_before=timedelta(hours=c["incident_hours"]),
            registered_after=timedelta(minutes=c["registered_minutes"]),
            quote=c["quote"],
        )
        events.append(story.tell()[0])  # the registration: all a signal reads of a complaint
    for n, (office, reference, hours) in enumerate(reports):
        made = hotline_report("g", office, n, START + timedelta(hours=hours))
        payload = made.payload.model_copy(update={"hotline_reference": reference})
        events.append(made.model_copy(update={"payload": payload}))
    now = START + timedelta(hours=now_hours)
    with tempfile.TemporaryDirectory() as folder:
        app = application(Path(folder), units)
        try:
            feed(app, events)
            for office in (None, *OFFICES):
                assert new_signals(app, office, now) == old_signals(app, office, now)
        finally:
            app.close()


@settings(max_examples=400, deadline=None)
@given(
    before=st.lists(st.sampled_from([*"aZ09 -_./:é\u017f\u212a\u0130\u0131熱", "HL"]), max_size=6).map("".join),
    reference=st.sampled_from([*REFERENCES, "hl-h-001", "\u017fl-1", "H\u017f-2", "\u212a9", "x"]),
    after=st.lists(st.sampled_from([*"aZ09 -_./:é\u017f\u212a\u0130\u0131投", "HL"]), max_size=6).map("".join),
)
def test_a_quoted_reference_leaves_every_run_with_a_digit_in_the_text(before: str, reference: str, after: str) -> None:
    """What makes the indexed look-up exact: a text that quotes a reference holds every one of its
    runs of ASCII letters and digits that hold a digit (`quote_tokens`)."""
    text = before + reference + after
    view = ComplaintView.__new__(ComplaintView)
    view.office_reference, view.description, view.customer_request = None, text, ""
    if quotes(view, reference):
        assert quote_tokens(reference) <= quote_tokens(text)


def test_a_read_side_written_before_the_signal_columns_gets_them_at_start(tmp_path: Path) -> None:
    """A store whose tables predate `late_signal` and the hotline terms: the next start adds the
    column, fills it and the terms once from the summary rows, and the signals are the same."""
    import sqlite3

    scenario = build("old", per_office=12)
    app = application(tmp_path)
    try:
        feed(app, scenario.events())
        expected = new_signals(app, None, scenario.now)
        assert expected == old_signals(app, None, scenario.now)
    finally:
        app.close()
    with sqlite3.connect(tmp_path / "stores" / "projection.sqlite") as db:
        db.execute("DROP INDEX projection_subjects_late")
        db.execute("ALTER TABLE projection_subjects DROP COLUMN late_signal")
        db.execute("DELETE FROM projection_search WHERE personal = 2")
        db.execute("DELETE FROM projection_position WHERE name = 'signal-columns'")
    db.close()
    app = application(tmp_path)
    try:
        assert new_signals(app, None, scenario.now) == expected
    finally:
        app.close()
