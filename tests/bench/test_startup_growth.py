"""The start-up bench grows a store by copying its seed rows under new ids (bench/startup.py). What a
start reads must still be what a live store of that size holds: a copied store position lands on its
copied event, the copies are unique, and the positions a start begins from (the read side's, each
worker's redrive scan) are where a live store's would be. No broker; plain SQLite files."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from bench.startup import grow
from shared.bus.consumer import REDRIVE_SCAN_KEPT_EVERY

SEED_EVENTS = 40


def seed_store(path: Path) -> None:
    """The shapes of a service's store: stored events (the rowid is the notification id), a read-side
    table keyed by store position, a position table, Kafka tracking records."""
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB,
                                    PRIMARY KEY (originator_id, originator_version));
        CREATE TABLE projection_changes (position BIGINT PRIMARY KEY, subject_id TEXT NOT NULL);
        CREATE TABLE projection_position (name TEXT PRIMARY KEY, notification_id BIGINT NOT NULL);
        CREATE TABLE tracking (application_name TEXT PRIMARY KEY, notification_id INTEGER);
        """
    )
    for n in range(SEED_EVENTS):
        subject = str(uuid.UUID(int=n + 1))
        if n in (3, 4):  # two ids that differ only where a copy's number goes: each copy keeps one
            subject = f"00000000-0000-0000-{'ab'[n - 3] * 4}-000000000999"
        db.execute("INSERT INTO stored_events VALUES (?, 1, 'x:Created', x'00')", (subject,))
        if n % 4:  # not every event makes a change row
            db.execute("INSERT INTO projection_changes VALUES (?, ?)", (n + 1, subject))
    db.execute("INSERT INTO projection_position VALUES ('read-side', ?)", (SEED_EVENTS,))
    db.execute("INSERT INTO tracking VALUES ('projection/complaints.intake.events/0', 17)")
    db.commit()
    db.close()


def test_grown_copies_keep_every_store_position_on_its_copied_event(tmp_path: Path) -> None:
    seed, store = tmp_path / "seed.sqlite", tmp_path / "store.sqlite"
    seed_store(seed)
    seed_store(store)
    grow(store, seed, range(1, 300))
    db = sqlite3.connect(store)
    (events, last) = db.execute("SELECT COUNT(*), MAX(rowid) FROM stored_events").fetchone()
    assert events == 300 * SEED_EVENTS - 299  # one of the pair refused in each copy
    assert last == 300 * SEED_EVENTS
    # every change row's position is its copied event's notification id (the same subject)
    unmatched = db.execute(
        "SELECT COUNT(*) FROM projection_changes c LEFT JOIN stored_events e ON e.rowid = c.position "
        "WHERE e.originator_id IS NOT c.subject_id"
    ).fetchone()[0]
    assert unmatched == 0
    # so an event recorded after the growth takes a position no copy holds
    db.execute("INSERT INTO stored_events VALUES (?, 1, 'x:Created', x'00')", (str(uuid.uuid4()),))
    (new,) = db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
    assert db.execute("SELECT MAX(position) FROM projection_changes").fetchone()[0] < new
    # the read side is at the log's end; the redrive scan as far behind as a live worker leaves it
    assert db.execute("SELECT notification_id FROM projection_position").fetchone()[0] == last
    kept = db.execute("SELECT notification_id FROM tracking WHERE application_name = 'projection/redrives'")
    assert kept.fetchone()[0] == last - REDRIVE_SCAN_KEPT_EVERY + 1
