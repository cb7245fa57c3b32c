"""The store-change watcher that wakes an idle relay (shared/bus/wakeup.py), on a real SQLite file in WAL
mode written by another connection, as a service's HTTP app or worker writes the relay's store. No
timing is judged beyond "at once" versus "only after the safety net's second"."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from services.intake.settings import IntakeSettings
from shared.bus.wakeup import StoreChanges
from shared.eventstore import store_environment
from tests.kafka_support import Tally, TallyApplication


def writer(path: Path, journal: str = "WAL") -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA journal_mode={journal}")
    db.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    return db


async def timed(changes: StoreChanges, stop: asyncio.Event) -> float:
    start = time.monotonic()
    await changes.wait(stop)
    return time.monotonic() - start


@pytest.mark.parametrize("journal", ["WAL", "DELETE"])
async def test_a_commit_by_another_connection_wakes_the_follower_and_a_quiet_store_does_not(
    tmp_path: Path, journal: str
) -> None:
    """WAL, as the services' stores; a rollback journal (made and deleted at each commit) too. Another
    store's commits in the same folder wake nothing."""
    path = tmp_path / "store.sqlite"
    db = writer(path, journal)
    neighbour = writer(tmp_path / "store.sqlite.other", journal)
    changes = StoreChanges(str(path), poll_seconds=0.05, idle_seconds=1.0)
    stop = asyncio.Event()
    await changes.open()
    assert changes.watching
    try:
        # Quiet, but for a neighbour's commits: only the safety net ends the wait.
        async def neighbour_commits() -> None:
            for n in range(5):
                await asyncio.sleep(0.05)
                neighbour.execute("INSERT INTO t VALUES (?)", (n,))

        other = asyncio.create_task(neighbour_commits())
        assert await timed(changes, stop) >= 0.9
        await other
        assert changes.wakes == 0

        # A commit while waiting wakes it.
        async def commit_soon() -> None:
            await asyncio.sleep(0.1)
            db.execute("INSERT INTO t VALUES (1)")

        writing = asyncio.create_task(commit_soon())
        assert await timed(changes, stop) < 0.9
        await writing
        assert changes.wakes == 1

        # A commit after the wait returned (while the follower reads the store) is not missed: the
        # next wait returns at once.
        db.execute("INSERT INTO t VALUES (2)")
        assert await timed(changes, stop) < 0.5
        assert changes.wakes == 2

        # A reading connection changes nothing; stop ends a wait at once.
        db.execute("SELECT count(*) FROM t").fetchone()
        stop.set()
        assert await timed(changes, stop) < 0.5
        assert changes.wakes == 2
    finally:
        changes.close()
        db.close()
        neighbour.close()


async def test_without_a_file_it_waits_the_poll_interval_as_before() -> None:
    changes = StoreChanges(None, poll_seconds=0.2)
    await changes.open()
    assert not changes.watching
    elapsed = await timed(changes, asyncio.Event())
    assert 0.15 <= elapsed < 1.0


async def test_a_services_store_wakes_its_follower_on_a_commit(store_settings: dict[str, Any]) -> None:
    """SQLite through its file, PostgreSQL through the NOTIFY the event-sourcing library sends in every
    insert transaction: the store a relay follows, written as a service writes it."""
    settings = IntakeSettings(**store_settings).model_copy(update={"service_name": "tally"})
    app = TallyApplication(env=store_environment(settings))
    changes = StoreChanges.of(app, 0.05, idle_seconds=1.0)
    stop = asyncio.Event()
    try:
        await changes.open()
        assert changes.watching
        assert await timed(changes, stop) >= 0.9  # quiet

        def write() -> None:
            uow = app.unit_of_work()
            tally = Tally(uuid.uuid4())
            tally.count_one(uuid.uuid4())
            uow.add(tally)
            app.commit(uow)

        async def write_soon() -> None:
            await asyncio.sleep(0.1)
            await asyncio.to_thread(write)

        writing = asyncio.create_task(write_soon())
        assert await timed(changes, stop) < 0.9
        await writing
        await asyncio.to_thread(write)  # while the follower would be reading: the next wait ends at once
        assert await timed(changes, stop) < 0.5
        assert changes.wakes >= 2
    finally:
        await changes.aclose()
        app.close()


@pytest.mark.parametrize("file_writes", [True, False], ids=["inotify", "ticking"])
async def test_position_only_commits_do_not_wake_a_follower_that_says_where_it_is(
    tmp_path: Path, file_writes: bool
) -> None:
    """A worker commits its position (a tracking record, no event) at every fetch: a relay, which says
    which notification it has, is not woken for those, and is woken by the next event."""
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path).model_copy(update={"service_name": "tally"})
    app = TallyApplication(env=store_environment(settings))
    # The backstop and the safety net a minute away: only the word of a write (or the tick) wakes it.
    changes = StoreChanges.of(app, 0.05, idle_seconds=60.0, backstop=60.0, file_writes=file_writes)
    stop = asyncio.Event()
    try:
        await changes.open()
        assert changes.watching
        last = app.process_recorder.max_notification_id() or 0

        def position(offset: int) -> None:
            app.commit(app.unit_of_work(), Tracking("worker/some.topic/0", offset))

        def event() -> None:
            uow = app.unit_of_work()
            tally = Tally(uuid.uuid4())
            tally.count_one(uuid.uuid4())
            uow.add(tally)
            app.commit(uow)

        async def write() -> None:
            for offset in range(1, 6):
                await asyncio.to_thread(position, offset)
                await asyncio.sleep(0.05)
            await asyncio.to_thread(event)

        writing = asyncio.create_task(write())
        # The safety net is a minute away: only a change can end this wait.
        await asyncio.wait_for(changes.wait(stop, after=last), 30)
        # Woken by the event, not by a position before it.
        assert (app.process_recorder.max_notification_id() or 0) > last
        assert changes.wakes == 1
        assert changes.passed_over >= 1
        await writing

        # Without `after` (the projection's stream) every commit wakes, as before.
        await asyncio.to_thread(position, 6)
        await asyncio.wait_for(changes.wait(stop), 30)
        assert changes.wakes == 2
    finally:
        await changes.aclose()
        app.close()
