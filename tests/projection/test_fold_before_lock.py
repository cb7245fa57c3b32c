"""The read side computes a batch's rows — the touched complaints' folds, judging, search terms and
statistics shares — before it takes the write lock, then writes them only if nothing moved meanwhile
(the read side's position: every writer of these rows moves it in the same commit). A batch whose
position moved is computed again from where the other writer left it: nothing lost, nothing twice,
the tables byte-equal to a read side written in one go. On SQLite the store's one write lock is free
while the batch is being folded, so the worker's commit of the next events does not wait for it."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.projection import bootstrap
from services.projection.adapters import readside
from services.projection.adapters.readside import ReadSide
from services.projection.application import ProjectionApplication
from services.projection.settings import ProjectionSettings
from shared.contracts import IntegrationEvent
from tests.projection.scenario import EXTENDED, LATE_REPLY, START, Story
from tests.projection.support import feed
from tests.projection.test_fold_carried import READ_SIDE, statistics_rows


def _interleaved() -> list[IntegrationEvent]:
    """Four complaints' events, interleaved as a pipeline delivers them (each touched by many batches)."""
    stories = [Story("lock", office, n, START) for n, office in enumerate(("hk-central", "kln-east"), 1)]
    stories += [Story("lock", "hk-central", n, START, fault=f) for n, f in ((3, LATE_REPLY), (4, EXTENDED))]
    told = [s.tell() for s in stories]
    return [e for n in range(max(map(len, told))) for t in told for e in t[n : n + 1]]


def _emptied(app: ProjectionApplication) -> None:
    """The read side's rows gone and its position back at the start (the store's events kept)."""
    with app.read.db.transaction(write=True) as cursor:
        for table in READ_SIDE:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("UPDATE projection_position SET notification_id = 0 WHERE name = 'read-side'")


@pytest.fixture
def written(store_settings: dict[str, Any]):
    """A store holding the interleaved events, its read side written in one go (what every other way
    of writing it must equal), then emptied."""
    app = bootstrap.application(ProjectionSettings(**store_settings, reports_schedule=False))
    try:
        feed(app, _interleaved(), batch=500)
        expected = (app.read.dump(), statistics_rows(app.read))
        _emptied(app)
        yield app, expected
    finally:
        app.close()


@pytest.mark.parametrize("other_applies", ["part", "all"])
def test_a_batch_whose_position_moved_while_it_was_folded_is_computed_again_and_ends_byte_equal(
    written, other_applies: str
) -> None:
    app, expected = written
    total = app.recorder.max_notification_id() or 0
    slow, other = ReadSide(app, app.policy, batch_size=1000), ReadSide(app, app.policy, batch_size=7)
    prepared: list[int] = []
    moved: list[int] = []
    prepare = slow._prepare

    def meanwhile(cursor: Any, notifications: Any) -> Any:
        batch = prepare(cursor, notifications)
        prepared.append(notifications[0].id)
        if len(prepared) == 1:  # another process writes while this batch was being folded
            other.catch_up(upto=total // 2 if other_applies == "part" else None)
            moved.append(other.position)
        return batch

    slow._prepare = meanwhile  # type: ignore[method-assign]
    try:
        applied = slow.catch_up()
        moved_to = moved[0]
        assert (slow.dump(), statistics_rows(slow)) == expected
        assert slow.position == total
        folds = slow.folds["carried"] + slow.folds["refolded"]
        if other_applies == "part":
            assert 0 < moved_to < total
            assert prepared == [1, moved_to + 1]  # computed again, from where the other left it
            assert applied == total - moved_to  # the first computation was written by nobody
            assert folds > 0
        else:
            assert prepared == [1]
            assert applied == 0
            assert folds == 0  # folds are counted for a committed batch only
    finally:
        slow.close()
        other.close()


def test_the_store_write_lock_is_free_while_a_batch_is_folded_and_nothing_is_folded_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path, reports_schedule=False))
    try:
        feed(app, _interleaved(), batch=500)
        expected = (app.read.dump(), statistics_rows(app.read))
        _emptied(app)
        read = ReadSide(app, app.policy, batch_size=1000)
        folding, go = threading.Event(), threading.Event()
        prepare, transaction = read._prepare, read.db.transaction
        writing = threading.local()
        folded_while_writing: list[str] = []
        summary_row = readside.summary_row

        def paused(cursor: Any, notifications: Any) -> Any:
            batch = prepare(cursor, notifications)
            folding.set()
            assert go.wait(30)
            return batch

        @contextlib.contextmanager
        def noting_writes(*, write: bool, **kwargs: Any) -> Iterator[Any]:
            with transaction(write=write, **kwargs) as cursor:
                writing.on = write
                try:
                    yield cursor
                finally:
                    writing.on = False

        def noted(view: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(writing, "on", False):
                folded_while_writing.append(str(view.complaint_id))
            return summary_row(view, *args, **kwargs)

        read._prepare = paused  # type: ignore[method-assign]
        read.db.transaction = noting_writes  # type: ignore[method-assign]
        monkeypatch.setattr(readside, "summary_row", noted)
        writer = threading.Thread(target=read.catch_up)
        writer.start()
        try:
            assert folding.wait(30)
            # what the worker's commit does: take the store's write lock, here at once or never
            other = sqlite3.connect(app.read.db.datastore.pool.db_name, timeout=0, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other.close()
        finally:
            go.set()
            writer.join(30)
        assert not writer.is_alive()
        assert folded_while_writing == []
        assert (read.dump(), statistics_rows(read)) == expected
        read.close()
    finally:
        app.close()


def test_a_follower_computes_its_backlog_a_slice_at_a_time_and_ends_byte_equal(written) -> None:
    app, expected = written
    total = app.recorder.max_notification_id() or 0
    assert total > readside.FOLLOWER_SLICE
    read = ReadSide(app, app.policy, batch_size=1000)
    sizes: list[int] = []
    prepare = read._prepare

    def noted(cursor: Any, notifications: Any) -> Any:
        sizes.append(len(notifications))
        return prepare(cursor, notifications)

    read._prepare = noted  # type: ignore[method-assign]
    try:
        assert read.catch_up(wait=False) == total  # the whole backlog, in slices
        assert max(sizes) == readside.FOLLOWER_SLICE and sum(sizes) == total
        assert (read.dump(), statistics_rows(read)) == expected
    finally:
        read.close()
