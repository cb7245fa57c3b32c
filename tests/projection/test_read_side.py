"""The read side's tables: the instant a complaint starts to violate is exact and monotone (property
test against the view), a folded row judges like the whole view, the chain head never moves back,
a write that fails half-way leaves nothing, and a start over a long history applies nothing."""

from __future__ import annotations

import sqlite3
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.sqlite import SQLiteProcessRecorder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.projection import bootstrap
from services.projection.adapters.inbound import ProjectionHandler
from services.projection.adapters.readside import ReadSide
from services.projection.adapters.tables import folded_json, stored_view
from services.projection.domain.chain import canonical_json, digest_of
from services.projection.domain.policy import Policy
from services.projection.domain.view import ComplaintView
from services.projection.domain.violation_time import violating_from
from services.projection.settings import ProjectionSettings
from shared.bus.consumer import Delivery
from shared.contracts import IntegrationEvent
from shared.contracts.topics import topic_for_event_type
from tests.projection.scenario import (
    EXTENDED,
    LATE_REPLY,
    MISSING_RESULT,
    MISSING_VISIT,
    START,
    WAIVED,
    Story,
    build,
)
from tests.projection.support import feed

POLICY = Policy()


def entries_of(events: list[IntegrationEvent]) -> list[dict[str, Any]]:
    """The entries the consumer would record for these events (chain links left out)."""
    entries = []
    for offset, event in enumerate(events):
        event_json = canonical_json(event.model_dump(mode="json"))
        entries.append(
            {
                "event_id": str(event.event_id),
                "type": event.type,
                "occurred_at": event.occurred_at.isoformat(),
                "event_json": event_json,
                "digest": digest_of(event_json),
                "topic": topic_for_event_type(event.type).name,
                "partition": 0,
                "offset": offset,
            }
        )
    return entries


stories = st.builds(
    Story,
    run=st.just("prop"),
    office_id=st.sampled_from(["hk-central", "kln-east"]),
    sequence_number=st.integers(1, 50),
    received_at=st.integers(0, 60 * 24 * 20).map(lambda m: START + timedelta(minutes=m)),
    validity=st.sampled_from(["valid", "assisted", "invalid"]),
    severity=st.sampled_from(["minor", "important", "major"]),
    fault=st.sampled_from([None, MISSING_RESULT, MISSING_VISIT, LATE_REPLY, WAIVED, EXTENDED]),
    registered_after=st.integers(0, 240).map(lambda m: timedelta(minutes=m)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    story=stories,
    cut=st.integers(1, 40),
    data=st.data(),
)
def test_the_violation_instant_is_exact_and_violations_are_monotone_in_now(story: Story, cut: int, data) -> None:
    if story.validity == "invalid" and story.fault not in (None, WAIVED):
        story.fault = None
    if story.fault == EXTENDED:  # the scenario's extension fits a minor valid complaint's clock
        story.validity, story.severity = "valid", "minor"
    events = story.tell()
    entries = entries_of(events[: min(cut, len(events))])  # the complaint as known part-way
    view = ComplaintView.of(story.complaint_id, story.office_id, entries)
    start = violating_from(view, POLICY)
    offsets = data.draw(st.lists(st.integers(-60 * 24, 60 * 24 * 60), min_size=2, max_size=8).map(sorted))
    instants = [story.received_at + timedelta(minutes=m) for m in offsets]
    if start is not None and start.year > 1:
        instants += [start - timedelta(microseconds=1), start]
    violating = [bool(view.violations(t, POLICY)) for t in sorted(instants)]
    assert violating == sorted(violating)  # once violating, it stays so: monotone in `now`
    for t in instants:
        assert bool(view.violations(t, POLICY)) == (start is not None and start <= t)
    # The summary row's folded facts judge like the whole view.
    folded = stored_view(str(view.complaint_id), view.office_id, folded_json(view))
    for t in instants:
        assert folded.checks(t, POLICY) == view.checks(t, POLICY)
        assert folded.compliance(t, POLICY) == view.compliance(t, POLICY)
    assert folded.facts(True) == view.facts(True)
    assert folded.first_event_at == view.first_event_at


@pytest.fixture
def projection(store_settings: dict[str, Any]):
    app = bootstrap.application(ProjectionSettings(**store_settings))
    yield app
    app.close()


def test_the_chain_head_is_the_highest_position_whatever_order_rows_were_written_in(projection) -> None:
    # One batch holds two complaints of one office, interleaved: the store writes them grouped by
    # complaint, so the last row written is not the office's highest position.
    a, b = (Story("head", "hk-central", n, START + timedelta(hours=n)) for n in (1, 2))
    first, second = a.tell(), b.tell()
    feed(projection, [first[0], second[0], first[1]], batch=3)
    assert projection.read.head("hk-central").position == 3
    feed(projection, first[2:] + second[1:], batch=4)
    positions = [link.position for link in projection.read.links("hk-central")]
    assert positions == list(range(1, len(first) + len(second) + 1))
    assert projection.verify() == []


def test_the_database_refuses_a_second_event_at_one_chain_position(projection) -> None:
    feed(projection, Story("unique", "hk-central", 1, START).tell()[:2])
    with pytest.raises(IntegrityError), projection.read.db.transaction(write=True) as cursor:
        cursor.execute(
            "INSERT INTO projection_chain (office_id, position, previous, hash, digest, event_id, subject_id, "
            "version, notification_id) VALUES ('hk-central', 2, 'p', 'h', 'd', 'e', 's', 9, 99)"
        )


def test_a_write_that_fails_half_way_leaves_nothing_and_the_next_one_applies_everything(
    projection, tmp_path: Path, monkeypatch
) -> None:
    scenario = build("crash", offices=("hk-central",), per_office=12)
    events = scenario.events()
    clean = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path / "clean"))
    try:
        feed(clean, events)
        original = ReadSide._write_summaries
        failures = iter([True])

        def crash_once(self, cursor, summaries) -> None:
            original(self, cursor, summaries)
            if next(failures, False):
                raise OSError("the process died before its commit")

        monkeypatch.setattr(ReadSide, "_write_summaries", crash_once)
        with pytest.raises(OSError):
            feed(projection, events, batch=len(events))  # stored; the read side's write then dies
        assert projection.read.position == 0
        assert projection.read.dump()["timeline"] == []
        assert projection.refresh() > 0
        assert projection.refresh() == 0
        assert projection.read.dump() == clean.read.dump()
    finally:
        clean.close()


def _start_peak(settings_: ProjectionSettings) -> int:
    """The peak of memory allocated while the application starts (tracemalloc), in bytes."""
    tracemalloc.start()
    try:
        app = bootstrap.application(settings_)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    app.close()
    return peak


def test_start_up_memory_does_not_grow_with_the_history(tmp_path: Path) -> None:
    peaks = []
    for size in (5, 60):
        settings_ = ProjectionSettings(store="sqlite", state_dir=tmp_path / str(size))
        app = bootstrap.application(settings_)
        feed(app, build(f"memory{size}", per_office=size).events())
        app.close()
        _start_peak(settings_)  # the first start in a process warms imports and caches
        peaks.append(_start_peak(settings_))
    small, large = peaks
    # Twelve times the history (about 2,500 stored events more) and the same start: a start that
    # read the history would hold at least its events' JSON (over 1 MB here).
    assert large < small + 200_000, peaks


def test_a_start_over_a_long_history_reads_none_of_it(tmp_path: Path, monkeypatch) -> None:
    settings_ = ProjectionSettings(store="sqlite", state_dir=tmp_path)
    app = bootstrap.application(settings_)
    scenario = build("start", per_office=40)
    feed(app, scenario.events())
    stored = app.process_recorder.max_notification_id()
    expected = app.statistics(None, scenario.now)
    app.close()

    read: list[int] = []
    select = SQLiteProcessRecorder.select_notifications

    def counted(self, *args: Any, **kwargs: Any) -> Any:
        found = select(self, *args, **kwargs)
        read.append(len(found))
        return found

    monkeypatch.setattr(SQLiteProcessRecorder, "select_notifications", counted)
    again = bootstrap.application(settings_)
    try:
        assert stored and stored > 500
        assert sum(read) == 0  # not one stored event read at start
        assert again.read.applied == 0
        assert again.statistics(None, scenario.now) == expected
    finally:
        again.close()


def test_pages_of_complaints_are_slices_of_the_whole_list(projection) -> None:
    scenario = build("pages", per_office=15)
    feed(projection, scenario.events())
    everything = [v.complaint_id for v in projection.complaints(None, scenario.now)]
    assert projection.count(None, scenario.now) == len(everything) == 45
    pages = [
        [v.complaint_id for v in projection.complaints(None, scenario.now, limit=7, offset=start)]
        for start in range(0, 45, 7)
    ]
    assert [c for page in pages for c in page] == everything
    violating = projection.complaints(None, scenario.now, violating=True)
    assert violating and all(v.violations(scenario.now, projection.policy) for v in violating)
    assert projection.count(None, scenario.now, violating=False) == 45 - len(violating)


def test_a_follower_that_does_not_wait_applies_nothing_while_another_writer_holds_the_lock(tmp_path: Path) -> None:
    """The SSE stream and the periodic refreshes (`wait=False`) never queue behind another writer
    (the worker applies what it commits); they apply what is left once the lock is free."""
    app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path))
    clean = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path / "clean"))
    try:
        events = build("follow", offices=("hk-central",), per_office=6).events()
        feed(clean, events)
        handler = ProjectionHandler(app.read)
        uow = app.unit_of_work()
        for offset, event in enumerate(events, 1):  # stored, the read side not written (no refresh)
            topic = topic_for_event_type(event.type).name
            handler(uow, Delivery(message=event, topic=topic, partition=0, offset=offset, key=event.key))
        app.commit(uow, Tracking("t", len(events)))
        assert app.read.position == 0

        other = sqlite3.connect(app.recorder.datastore.pool.db_name, timeout=30)  # another process's writer
        other.execute("BEGIN IMMEDIATE")
        assert app.refresh(wait=False) == 0 and app.read.position == 0
        other.rollback()
        other.close()

        with app.read._applying:  # another thread of this process is applying
            assert app.refresh(wait=False) == 0
        assert app.refresh(wait=False) > 0
        assert app.refresh() == 0
        assert app.read.dump() == clean.read.dump()
    finally:
        app.close()
        clean.close()


@pytest.mark.parametrize("after_commit", [True, False])
def test_the_worker_writes_a_committed_unit_s_rows_at_once_unless_told_to_leave_them(
    tmp_path: Path, after_commit: bool
) -> None:
    app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path))
    try:
        events = build("after", offices=("hk-central",), per_office=6).events()
        handler = ProjectionHandler(app.read, apply_after_commit=after_commit)
        uow = app.unit_of_work()
        for offset, event in enumerate(events, 1):
            topic = topic_for_event_type(event.type).name
            handler(uow, Delivery(message=event, topic=topic, partition=0, offset=offset, key=event.key))
        app.commit(uow, Tracking("t", len(events)))
        handler.committed(uow)  # what the tracked consumer calls after the commit
        stored = app.process_recorder.max_notification_id()
        assert app.read.position == (stored if after_commit else 0)
        app.refresh()
        assert app.read.position == stored  # left to the followers: they write the same rows
    finally:
        app.close()


def test_the_workers_safety_net_writes_only_what_no_other_writer_wrote_for_a_whole_turn(tmp_path: Path) -> None:
    settings = ProjectionSettings(store="sqlite", state_dir=tmp_path)
    app = bootstrap.application(settings)
    other = bootstrap.application(settings)  # the stream or the relay, in another process
    try:
        events = build("net", offices=("hk-central",), per_office=4).events()
        feed_unapplied = ProjectionHandler(app.read)
        half = len(events) // 2
        for start, end in ((0, half), (half, len(events))):
            uow = app.unit_of_work()
            for offset, event in enumerate(events[start:end], start + 1):
                topic = topic_for_event_type(event.type).name
                feed_unapplied(uow, Delivery(message=event, topic=topic, partition=0, offset=offset, key=event.key))
            app.commit(uow, Tracking("t", end))
            if start == 0:
                first_commit = app.process_recorder.max_notification_id()
                assert app.refresh_if_left(None) == 0 and app.read.position == 0, "behind since now: it only looks"
                other.refresh()  # another writer applies the first commit meanwhile
        assert app.refresh_if_left(0) == first_commit, "it moved: someone else is writing, it only looks"
        assert app.read.position == first_commit
        assert app.refresh_if_left(first_commit) is None, "left behind for a whole turn: it writes"
        assert app.read.position == app.process_recorder.max_notification_id()
        assert app.refresh_if_left(None) is None  # up to date: nothing to do

        clean = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path / "clean"))
        feed(clean, events)
        assert app.read.dump() == clean.read.dump()
        clean.close()
    finally:
        app.close()
        other.close()


def test_the_read_side_commits_without_waiting_for_the_disk_and_the_event_store_still_does(
    projection, monkeypatch
) -> None:
    """The read side's rows are derived and committed with their position, so their commit skips the
    disk flush (SQLite `synchronous = NORMAL` in WAL mode, PostgreSQL `synchronous_commit = off`);
    the connection goes back to the pool as durable as it came, for the store's own events."""
    db = projection.read.db
    ask = "SELECT current_setting('synchronous_commit') AS level" if db.postgres else "PRAGMA synchronous"
    column = "level" if db.postgres else "synchronous"
    seen: list[tuple[str, Any]] = []
    original = ReadSide._write_summaries

    def noting(self, cursor, summaries) -> None:
        seen.append((str(cursor.one(ask)[column]), None if db.postgres else cursor.cursor.sqlite_cursor.connection))
        original(self, cursor, summaries)

    monkeypatch.setattr(ReadSide, "_write_summaries", noting)
    feed(projection, Story("flush", "hk-central", 1, START).tell())
    assert seen and {level for level, _ in seen} == {"off" if db.postgres else "1"}  # 1: NORMAL
    with db.transaction(write=True) as cursor:  # how the event store's writes commit
        assert str(cursor.one(ask)[column]) == ("on" if db.postgres else "2")  # 2: FULL
        if not db.postgres:
            assert cursor.one("PRAGMA journal_mode")["journal_mode"] == "wal"  # where NORMAL cannot corrupt the file
    if not db.postgres:
        for _, connection in seen:  # each connection the read side wrote with, given back as it came
            assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert projection.verify() == []
