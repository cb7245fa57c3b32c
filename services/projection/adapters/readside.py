"""The projection's read side: SQL tables that follow the store's notification log.

The store (one `Record` per complaint, written with the Kafka position in the consumer's
transaction) stays the only truth; the tables are its materialised view. `catch_up()` reads the
notifications recorded after the read side's position and writes their rows — timeline, chain
links, changes, the touched complaints' summaries — and the new position in ONE transaction, so a
crash between any two steps loses nothing and applies nothing twice (a writer racing another
process for the same notifications finds the position moved and tries again).

Nothing is held in memory: a query reads the rows it needs; a start reads no history (the
position is in the table).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, Recording

from shared import tracing
from shared.contracts.hotline import HotlineComplaintReported
from shared.contracts.intake import ComplaintRegistered

from ..domain.policy import Policy
from ..domain.records import COMPLAINT, HOTLINE, Record
from ..domain.search import complaint_terms
from ..domain.signals import quote_tokens, registered_late
from ..domain.statistics import period_key
from ..domain.statistics_rows import Segment, schedule, violating_since
from ..domain.view import ComplaintView, Received
from ..domain.violation_time import violating_from
from . import list_indexes, office_names
from .readside_queries import CHUNK, Change, Filters, TableQueries
from .sql import RETRYABLE, Cursor, Database, retrying
from .statistics_tables import StatisticsQueries, replace_shares, share_rows, write_shares
from .statistics_tables import schema as statistics_schema
from .tables import (
    POSITION_NAME,
    QUOTE_TERMS,
    REVIEW_INDEXES,
    REVIEW_POSITION_NAME,
    SEARCH_POSITION_NAME,
    SIGNAL_INDEXES,
    SIGNALS_POSITION_NAME,
    folded_json,
    instant_key,
    review_columns,
    schema,
    signal_columns,
    stored_view,
)

HOTLINE_TYPE = HotlineComplaintReported.model_fields["type"].default
REGISTERED_TYPE = ComplaintRegistered.model_fields["type"].default
STATISTICS_FILLED = "statistics-filled"  # a projection_position row: the statistics rows exist for every summary
# a projection_position row: complaints folded before per-visit rows and the invalid states were refolded
VISITS_REFOLDED = "visits-refolded"
RETURN_VISIT_TYPE = "complaints.followup.ReturnVisitMade"
# Notifications a follower (`catch_up(wait=False)`) computes before it writes. A batch is computed
# outside the write lock, so two processes may compute the same one and the later drops its own; a
# follower's backlog (the worker's safety net, a stream woken late) was whole batches of 1,000
# computed and dropped beside the stream that wrote them (docs/performance.md).
FOLLOWER_SLICE = 50
__all__ = ["HOTLINE_TYPE", "Change", "Filters", "ReadSide", "Unreadable"]


@dataclass(frozen=True)
class Unreadable:
    """A stored event that can no longer be read: altered where it is stored."""

    notification_id: int
    originator_id: str
    originator_version: int
    error: str


class ReadSide(TableQueries):
    def __init__(self, app: Any, policy: Policy, batch_size: int = 1000) -> None:
        self.app = app
        self.policy = policy
        self.batch_size = batch_size
        # A rebuild into a fresh store writes the rows first and folds each complaint once at the end
        # (`summarise_all`), not once per batch that touched it.
        self.defer_summaries = False
        self.db = Database.of(app.recorder)
        self.cipher = getattr(app.mapper, "cipher", None)
        key = getattr(self.cipher, "key", None)  # both of eventsourcing's ciphers keep theirs as bytes
        # search terms are keyed hashes under a key of their own, derived from the store's
        self.search_key = hmac.new(key, b"projection-search-terms", hashlib.sha256).digest() if key else None
        self.applied = 0  # notifications this process applied (start-up is measured by it)
        self.folds = {"carried": 0, "refolded": 0}  # summaries carried forward / refolded (bench.readside_fold)
        # The complainant digest in the statistics is keyed by the store's cipher key, when it has one.
        self.secret = str((getattr(app, "env", None) or {}).get("CIPHER_KEY") or "").encode("utf-8")
        self.stats = StatisticsQueries(self.db)
        self._applying = threading.Lock()  # one thread of this process catches up at a time
        self.index_builder: threading.Thread | None = None  # PostgreSQL: the list indexes' build, if one was due
        self._list_indexes_later = False
        self._create()

    def _create(self) -> None:
        for attempt in retrying():
            try:
                with self.db.transaction(write=True) as cursor:
                    text = self.db.text()
                    for statement in schema(text) + statistics_schema(text) + office_names.schema(text):
                        cursor.execute(statement)
                    self._add_signal_columns(cursor)
                    cursor.execute(
                        "INSERT INTO projection_position (name, notification_id) VALUES (?, 0) ON CONFLICT DO NOTHING",
                        (POSITION_NAME,),
                    )
                    self._index_existing(cursor)
                    self._fill_statistics(cursor)
                    self._fill_signal_columns(cursor)
                    self._fill_review_column(cursor)
                    self._refold_visits_and_invalid(cursor)
                break
            except RETRYABLE:  # another process creating them at the same moment
                if attempt == 20:
                    raise
        if self._list_indexes_later:
            self.index_builder = list_indexes.build_in_background(self.db)

    def _index_existing(self, cursor: Cursor) -> None:
        """A store whose tables were written before search existed: index every complaint it holds
        (once; the marker row says it is done), from the summary rows."""
        if cursor.one("SELECT notification_id FROM projection_position WHERE name = ?", (SEARCH_POSITION_NAME,)):
            return
        rows = cursor.all(
            "SELECT subject_id, office_id, folded FROM projection_subjects WHERE kind = ? AND registered = 1 "
            "AND folded IS NOT NULL",
            (COMPLAINT,),
        )
        self._index_terms(cursor, [stored_view(r["subject_id"], r["office_id"], self._open(r["folded"])) for r in rows])
        cursor.execute(
            "INSERT INTO projection_position (name, notification_id) VALUES (?, 0) ON CONFLICT DO NOTHING",
            (SEARCH_POSITION_NAME,),
        )

    def _add_signal_columns(self, cursor: Cursor) -> None:
        """A table made before the signal columns gets them (then `_fill_signal_columns` fills them)."""
        if self.db.postgres:  # asked first: ALTER TABLE takes an exclusive lock even when it has nothing to do
            have = {
                r["column_name"]
                for r in cursor.all(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = 'projection_subjects'"
                )
            }
        else:
            have = {r["name"] for r in cursor.all("PRAGMA table_info(projection_subjects)")}
        statements = [] if "late_signal" in have else signal_columns(self.db.text(), postgres=self.db.postgres)
        statements += [] if "needs_review" in have else review_columns(postgres=self.db.postgres)
        for statement in [*statements, *SIGNAL_INDEXES, *REVIEW_INDEXES]:
            cursor.execute(statement)
        self._add_list_indexes(cursor)

    def _add_list_indexes(self, cursor: Cursor) -> None:
        """The list's indexes: here, in the start-up transaction, on SQLite or a small table; else after
        it, concurrently (`list_indexes`: a plain build would hold the table's writers for its length)."""
        self._list_indexes_later = not list_indexes.build_in_transaction(self.db, cursor)

    def _fill_review_column(self, cursor: Cursor) -> None:
        """Once per database: the triaged complaints summarised before the review column existed are
        refolded from their timeline rows (their folded facts lack triage's review reasons too)."""
        if cursor.one("SELECT notification_id FROM projection_position WHERE name = ?", (REVIEW_POSITION_NAME,)):
            return
        after = ""
        while rows := cursor.all(
            "SELECT subject_id, office_id FROM projection_subjects WHERE kind = ? AND severity IS NOT NULL "
            "AND subject_id > ? ORDER BY subject_id LIMIT 1000",
            (COMPLAINT, after),
        ):
            self._summarise(cursor, {r["subject_id"]: r["office_id"] for r in rows}, set())
            after = rows[-1]["subject_id"]
        cursor.execute(
            "INSERT INTO projection_position (name, notification_id) VALUES (?, 1) ON CONFLICT DO NOTHING",
            (REVIEW_POSITION_NAME,),
        )

    def _refold_visits_and_invalid(self, cursor: Cursor) -> None:
        """Once per database: the complaints summarised before every return visit had a statistics row
        (`projection_statistics_visits`), and before an invalid complaint had its own states
        (`declined`, `explained`) and its judgement's time and reason, are refolded from their timeline
        rows: those with a return visit, and those judged invalid. A fresh database has none."""
        if cursor.one("SELECT notification_id FROM projection_position WHERE name = ?", (VISITS_REFOLDED,)):
            return
        after = ""
        while rows := cursor.all(
            "SELECT subject_id, office_id FROM projection_subjects AS s WHERE kind = ? AND subject_id > ? "
            "AND (validity = 'invalid' OR EXISTS (SELECT 1 FROM projection_timeline AS t "
            "WHERE t.subject_id = s.subject_id AND t.type = ?)) ORDER BY subject_id LIMIT 1000",
            (COMPLAINT, after, RETURN_VISIT_TYPE),
        ):
            self._summarise(cursor, {r["subject_id"]: r["office_id"] for r in rows}, set())
            after = rows[-1]["subject_id"]
        cursor.execute(
            "INSERT INTO projection_position (name, notification_id) VALUES (?, 1) ON CONFLICT DO NOTHING",
            (VISITS_REFOLDED,),
        )

    def _fill_signal_columns(self, cursor: Cursor) -> None:
        """Once per database: the signal column and hotline look-up terms of the complaints summarised
        before they existed."""

        def fill(views: list[ComplaintView]) -> None:
            cursor.executemany(
                "UPDATE projection_subjects SET late_signal = ? WHERE subject_id = ?",
                [(int(registered_late(v, self.policy)), str(v.complaint_id)) for v in views],
            )
            self._index_quotes(cursor, views)

        self._fill_once(cursor, SIGNALS_POSITION_NAME, fill)

    def _index_quotes(self, cursor: Cursor, views: Sequence[ComplaintView]) -> None:
        """(Re)write what a hotline reference finds these complaints by: `quote_terms`."""
        cursor.executemany(
            "DELETE FROM projection_search WHERE subject_id = ? AND personal = ?",
            [(str(v.complaint_id), QUOTE_TERMS) for v in views],
        )
        rows = [
            (self._term_key(term), str(view.complaint_id), QUOTE_TERMS)
            for view in views
            for term in sorted(quote_terms(view))
        ]
        cursor.executemany("INSERT INTO projection_search (term, subject_id, personal) VALUES (?, ?, ?)", rows)

    def _index_terms(self, cursor: Cursor, views: Sequence[ComplaintView]) -> None:
        """(Re)write the search terms of these complaints (`domain/search.py`)."""
        self._write_terms(cursor, [str(v.complaint_id) for v in views], self._term_rows(views))

    def _term_rows(self, views: Sequence[ComplaintView]) -> list[tuple[Any, ...]]:
        """The search rows of these complaints: their terms, keyed (`_term_key`)."""
        rows = []
        for view in views:
            terms = complaint_terms(view)
            subject = str(view.complaint_id)
            rows += [(self._term_key(term), subject, 0) for term in sorted(terms.public)]
            rows += [(self._term_key(term), subject, 1) for term in sorted(terms.personal)]
            rows += [(self._term_key(term), subject, QUOTE_TERMS) for term in sorted(quote_terms(view))]
        return rows

    def _write_terms(self, cursor: Cursor, subject_ids: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Replace these complaints' search rows by `rows` (`_term_rows`)."""
        cursor.executemany("DELETE FROM projection_search WHERE subject_id = ?", [(s,) for s in subject_ids])
        cursor.executemany("INSERT INTO projection_search (term, subject_id, personal) VALUES (?, ?, ?)", rows)

    def _fill_statistics(self, cursor: Cursor) -> None:
        """Once per database: the statistics rows of the complaints summarised before the statistics
        tables existed."""
        self._fill_once(cursor, STATISTICS_FILLED, lambda views: write_shares(cursor, views, self.policy, self.secret))

    def _fill_once(self, cursor: Cursor, done_name: str, fill: Callable[[list[ComplaintView]], None]) -> None:
        """A table or column added after complaints were summarised: `fill` it from their summary rows,
        page by page, once per database (marked done under `done_name` in the position table)."""
        if cursor.one("SELECT notification_id FROM projection_position WHERE name = ?", (done_name,)):
            return
        after = ""
        while True:
            rows = cursor.all(
                "SELECT subject_id, office_id, folded FROM projection_subjects WHERE kind = ? AND subject_id > ? "
                "AND folded IS NOT NULL ORDER BY subject_id LIMIT 1000",
                (COMPLAINT, after),
            )
            if not rows:
                break
            fill([stored_view(r["subject_id"], r["office_id"], self._open(r["folded"])) for r in rows])
            after = rows[-1]["subject_id"]
        cursor.execute("INSERT INTO projection_position (name, notification_id) VALUES (?, 1)", (done_name,))

    def close(self) -> None:
        self.db.close()

    # -- following the store -------------------------------------------------------------------

    @property
    def position(self) -> int:
        with self.db.transaction(write=False) as cursor:
            return _position(cursor)

    def catch_up(self, upto: int | None = None, *, wait: bool = True) -> int:
        """Apply every notification recorded since the read side's position (up to `upto`). Nothing
        new costs two reads (the position, then no notification after it) and takes no write lock
        (every HTTP query asks); each batch applied, those two and one write transaction.

        `wait=False` (the followers: the SSE stream, the periodic refreshes) applies nothing while
        another writer holds the write lock — another thread of this process, or another process on
        SQLite — instead of queueing behind it: that writer's commit is what wakes them next. Five
        callers in three processes raced for every change (the worker's unit, its follower, the
        relay, the HTTP app's follower and stream); the losers slept in SQLite's busy handler and
        the retry back-off, and the worker, whose unit cannot go on without the rows, waited
        behind them."""
        if not self._applying.acquire(blocking=wait):
            return 0
        try:
            applied = 0
            while True:
                done, more = self._apply_next_batch(upto, wait)
                applied += done
                if not more:
                    return applied
        finally:
            self._applying.release()

    def _apply_next_batch(self, upto: int | None, wait: bool = True) -> tuple[int, bool]:
        """Apply the next batch; return how many notifications it applied and whether more may
        follow (a full batch: a short one was the end of the log when it was read)."""
        failures = moved = 0
        while failures < 20 and moved < 1000:
            started = time.time_ns()
            try:
                # The notifications are read before the write transaction, never inside it: the
                # recorder shares this connection pool, and a thread holding one connection while
                # waiting for a second deadlocked once every connection was held that way.
                position = self.position
                limit = self.batch_size if upto is None else min(self.batch_size, upto - position)
                if not wait:  # a follower computes a slice at a time: what it drops, when another
                    limit = min(limit, FOLLOWER_SLICE)  # process wrote first, is bounded
                if limit <= 0:
                    return 0, False
                notifications = self.app.process_recorder.select_notifications(position + 1, limit)
                if not notifications:
                    return 0, False
                # Everything but the writes — decoding, the rows, the touched complaints' folds,
                # judging and JSON — is done before the write lock is taken (WAL lets this read run
                # beside the event store's writer): it was ~90 % of the time the lock was held, and
                # the worker's commit of the next events waits for that lock (docs/performance.md).
                with self.db.transaction(write=False) as reading:
                    batch = self._prepare(reading, notifications)
                # Not durable: the rows are derived from the events and committed with their
                # position, so a crash that loses them loses the position too and they are written
                # again. The fsync was a tenth of the time this holds SQLite's one write lock.
                with self.db.transaction(write=True, durable=False) as cursor:
                    if not self.db.postgres:  # take SQLite's write lock before reading the position
                        _lock_position(cursor, wait)
                    # Every writer of these rows moves the position in the same commit, so an
                    # unmoved position means nothing the batch was computed from changed since.
                    if _position(cursor, lock=self.db.postgres) != position:
                        moved += 1  # another writer applied them meanwhile: read from its position,
                        continue  # at once (no back-off: nothing failed)
                    self._store(cursor, batch)
                    cursor.execute(
                        "UPDATE projection_position SET notification_id = ? WHERE name = ?",
                        (notifications[-1].id, POSITION_NAME),
                    )
                self._count(batch)
                self.applied += len(notifications)
                tracing.within_recorded(
                    "projection read-side write", batch.traces, start_time=started, notifications=len(notifications)
                )
                return len(notifications), len(notifications) == limit
            except _Busy:
                return 0, False  # another process is writing: its commit wakes the follower again
            except RETRYABLE:
                failures += 1
                if failures == 20:
                    raise
                time.sleep(min(0.02 * failures, 0.5))
        return 0, False

    def apply_recorded(self, recordings: Sequence[Recording[Any]]) -> bool:
        """The rows of events this process has just recorded, written from the events themselves
        (no read back, no decoding of the stored form), when they are the next ones after the read
        side's position; False, writing nothing, when they are not (`catch_up` applies them later).
        For the store's sole writer (the auditors' replay into a fresh store): it builds the rows
        beside its store's batches instead of in a second pass over the whole store."""
        if not recordings:
            return True
        first = recordings[0].notification.id
        position = self.position
        following = self.app.process_recorder.select_notifications(position + 1, 1)
        if not following or following[0].id != first:
            return False  # something not yet applied lies between: leave it all to `catch_up`
        for attempt in retrying():
            try:
                with self.db.transaction(write=True) as cursor:
                    if not self.db.postgres:  # take SQLite's write lock before reading the position
                        cursor.execute(
                            "UPDATE projection_position SET notification_id = notification_id WHERE name = ?",
                            (POSITION_NAME,),
                        )
                    if _position(cursor, lock=self.db.postgres) != position:
                        return False  # another writer moved it meanwhile
                    batch = self._rows(cursor, [(r.notification, r.domain_event) for r in recordings], [])
                    self._store(cursor, batch)
                    cursor.execute(
                        "UPDATE projection_position SET notification_id = ? WHERE name = ?",
                        (recordings[-1].notification.id, POSITION_NAME),
                    )
                self._count(batch)
                self.applied += len(recordings)
                return True
            except RETRYABLE:
                if attempt == 20:
                    raise
        return False

    def _prepare(self, cursor: Cursor, notifications: Sequence[Notification]) -> _Batch:
        """The rows of these notifications, computed in a read (`_rows`); unreadable ones listed."""
        traces: list[str | None] = []
        events: list[tuple[Notification, Any]] = []
        unreadable: list[tuple[Any, ...]] = []
        for notification in notifications:
            try:
                event = self.app.mapper.to_domain_event(notification)
            except Exception as error:  # altered at rest: fails decryption (AES-GCM) or decoding
                unreadable.append(
                    (
                        notification.id,
                        str(notification.originator_id),
                        notification.originator_version,
                        f"{type(error).__name__}: {error}",
                    )
                )
                continue
            traces.append(tracing.last_read_trace())
            events.append((notification, event))
        batch = self._rows(cursor, events, unreadable)
        batch.traces = traces
        return batch

    def _rows(
        self, cursor: Cursor, events: Sequence[tuple[Notification, Any]], unreadable: list[tuple[Any, ...]]
    ) -> _Batch:
        """The rows of these stored events (each with its notification) and of the unreadable ones,
        with the touched complaints' summaries, computed from what `cursor` reads: the tables as they
        stand before these rows are written (`_store` writes them)."""
        batch = _Batch(unreadable=unreadable)
        touched: dict[str, str] = {}
        registered: set[str] = set()  # complaints whose form (what search finds them by) came now
        arrived: dict[str, list[Received]] = {}  # each complaint's events among these
        for notification, event in events:
            subject_id = str(event.originator_id)
            if isinstance(event, Record.Opened):
                batch.subjects.append((subject_id, event.kind, event.office_id))
            elif isinstance(event, Record.Received):
                entry = event.entry
                kind = HOTLINE if entry["type"] == HOTLINE_TYPE else COMPLAINT
                office = entry["office_id"]
                batch.subjects.append((subject_id, kind, office))  # its opening may have been unreadable
                occurred = instant_key(datetime.fromisoformat(entry["occurred_at"]))
                batch.timeline.append(
                    (
                        subject_id,
                        event.originator_version,
                        entry["event_id"],
                        entry["type"],
                        occurred,
                        entry["topic"],
                        entry["partition"],
                        entry["offset"],
                        entry["digest"],
                        self._seal(entry["event_json"]),
                        notification.id,
                    )
                )
                batch.chain.append(
                    (
                        office,
                        entry["position"],
                        entry["previous"],
                        entry["hash"],
                        entry["digest"],
                        entry["event_id"],
                        subject_id,
                        event.originator_version,
                        notification.id,
                    )
                )
                batch.changes.append((notification.id, kind, subject_id, office, entry["type"]))
                if kind == HOTLINE:
                    data = _payload(entry)
                    batch.hotline.append(
                        (
                            subject_id,
                            office,
                            data["hotline_reference"],
                            data["reported_at"],
                            occurred,
                            entry["event_id"],
                        )
                    )
                else:
                    touched[subject_id] = office
                    if not self.defer_summaries:  # a rebuild folds each complaint once, at its end
                        arrived.setdefault(subject_id, []).append(Received.of(entry))
                    if entry["type"] == REGISTERED_TYPE:
                        registered.add(subject_id)
        if not self.defer_summaries:
            batch.summaries = self._summaries(cursor, touched, registered, arrived, written=False)
        return batch

    def _store(self, cursor: Cursor, batch: _Batch) -> None:
        """Write a batch's rows (`_rows`), in the caller's write transaction."""
        first: dict[str, tuple[str, str, str]] = {}  # a subject once (its first row: the one DO NOTHING keeps)
        for row in batch.subjects:
            first.setdefault(row[0], row)
        cursor.executemany(
            "INSERT INTO projection_subjects (subject_id, kind, office_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            list(first.values()),
        )
        cursor.executemany(
            "INSERT INTO projection_timeline (subject_id, version, event_id, type, occurred_key, topic, "
            "kafka_partition, kafka_offset, digest, event_json, notification_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch.timeline,
        )
        # UNIQUE (office_id, position): a second event at one chain position is refused here.
        cursor.executemany(
            "INSERT INTO projection_chain (office_id, position, previous, hash, digest, event_id, subject_id, "
            "version, notification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch.chain,
        )
        cursor.executemany(
            "INSERT INTO projection_changes (position, kind, subject_id, office_id, event_type) VALUES (?, ?, ?, ?, ?)",
            batch.changes,
        )
        cursor.executemany(
            "INSERT INTO projection_hotline (subject_id, office_id, hotline_reference, reported_at, occurred_key, "
            "event_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            batch.hotline,
        )
        cursor.executemany(
            "INSERT INTO projection_unreadable (notification_id, originator_id, originator_version, error) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            batch.unreadable,
        )
        if batch.summaries is not None:
            self._write_summaries(cursor, batch.summaries)

    def _count(self, batch: _Batch) -> None:
        """A committed batch's summaries, carried forward or refolded (`folds`: bench.readside_fold)."""
        if batch.summaries is not None:
            self.folds["carried"] += batch.summaries.carried
            self.folds["refolded"] += batch.summaries.refolded

    def traces_at(self, positions: Sequence[int]) -> list[str | None]:
        """The traces the events at these store positions were recorded under (read only when
        tracing is on: the SSE push names them)."""
        if not tracing.enabled() or not positions:
            return []
        wanted = set(positions)
        first, last = min(wanted), max(wanted)
        traces: list[str | None] = []
        for notification in self.app.process_recorder.select_notifications(first, last - first + 1):
            if notification.id in wanted:
                try:
                    self.app.mapper.to_domain_event(notification)
                except Exception:  # unreadable: listed by the read side, no trace to name
                    continue
                traces.append(tracing.last_read_trace())
        return traces

    def summarise_all(self, batch: int = 1000) -> Iterator[int]:
        """Refold every complaint's summary row from its timeline rows, `batch` complaints per
        transaction in subject order (after a rebuild that deferred them); yields each batch's size."""
        after = ""
        while True:
            with self.db.transaction(write=True) as cursor:
                rows = cursor.all(
                    "SELECT subject_id, office_id FROM projection_subjects WHERE kind = ? AND subject_id > ? "
                    "ORDER BY subject_id LIMIT ?",
                    (COMPLAINT, after, batch),
                )
                if not rows:
                    return
                touched = {r["subject_id"]: r["office_id"] for r in rows}
                self._summarise(cursor, touched, set(touched))  # every one indexed for search too
            after = rows[-1]["subject_id"]
            yield len(rows)

    def _summarise(self, cursor: Cursor, touched: dict[str, str], registered: set[str]) -> None:
        """Refold and rewrite these complaints' summary rows, statistics and (for the `registered`)
        search terms from all their timeline rows, in the caller's write transaction (start-up fills,
        `summarise_all`)."""
        summaries = self._summaries(cursor, touched, registered, {}, written=True)
        self._write_summaries(cursor, summaries)
        self.folds["refolded"] += summaries.refolded

    def _summaries(
        self,
        cursor: Cursor,
        touched: dict[str, str],
        registered: set[str],
        arrived: dict[str, list[Received]],
        *,
        written: bool,
    ) -> _Summaries:
        """Every touched complaint's summary row, statistics rows, and search terms when its
        registration is among the new events: its stored fold carried forward by the events that
        `arrived` (`_carried_forward`), else refolded from all its own timeline rows. `written`: the
        arrived events' timeline rows are in the table already; else (a batch computed before its
        write) they are added to those read."""
        carried = self._carried_forward(cursor, touched, arrived, written) if arrived else {}
        refold = [s for s in touched if s not in carried]
        rows, views, searchable = [], [], []
        schedules: dict[str, list[Segment]] = {}  # each registered complaint judged once, for both
        pending = {} if written else arrived
        for subject_id, (view, count) in [*carried.items(), *self._refolded(cursor, touched, refold, pending)]:
            if view.registered:
                schedules[subject_id] = schedule(view, self.policy)
            rows.append(summary_row(view, count, self.policy, schedules.get(subject_id), self._seal))
            views.append(view)
            if subject_id in registered:
                searchable.append(view)
        return _Summaries(
            rows=rows,
            searched=[str(v.complaint_id) for v in searchable],
            terms=self._term_rows(searchable),
            shared=[str(v.complaint_id) for v in views],
            # the statistics: old share out, new in (with the schedules the summary rows judged by)
            shares=share_rows(views, self.policy, self.secret, schedules),
            carried=len(carried),
            refolded=len(refold),
        )

    def _write_summaries(self, cursor: Cursor, summaries: _Summaries) -> None:
        """Write what `_summaries` computed, in the caller's write transaction."""
        self._write_terms(cursor, summaries.searched, summaries.terms)
        replace_shares(cursor, summaries.shared, summaries.shares)
        cursor.executemany(SUMMARY_UPDATE, summaries.rows)

    def _refolded(
        self, cursor: Cursor, touched: dict[str, str], subject_ids: list[str], pending: dict[str, list[Received]]
    ) -> Iterator[tuple[str, tuple[ComplaintView, int]]]:
        """Each complaint folded from all its timeline rows and its `pending` events (not yet written
        there), with how many it has."""
        for subject_id, stored in self._received_of(cursor, subject_ids):
            entries = [*stored, *pending.get(subject_id, ())]
            if entries:  # every event of it unreadable: nothing to fold (as a live batch)
                view = ComplaintView.of_received(UUID(subject_id), touched[subject_id], entries)
                yield subject_id, (view, len(entries))

    def _carried_forward(
        self, cursor: Cursor, touched: dict[str, str], arrived: dict[str, list[Received]], written: bool
    ) -> dict[str, tuple[ComplaintView, int]]:
        """The complaints whose stored fold can be carried forward by the events that arrived, each
        with its new count of timeline rows: those whose summary row folded every timeline row but
        these (its `entries` and the new ones are all its rows: none was written without a summary, as
        a rebuild's deferred ones are; `written`: the new ones are among the rows counted), whose fold
        reads back, and whose new events all follow it in business order (`StoredView.continued`). A
        fold is never carried forward on a doubt: the others are refolded from their timeline rows,
        as before."""
        found: dict[str, tuple[ComplaintView, int]] = {}
        subject_ids = [s for s in touched if s in arrived]
        for start in range(0, len(subject_ids), CHUNK):
            chunk = subject_ids[start : start + CHUNK]
            for row in cursor.all(
                "SELECT s.subject_id, s.entries, s.folded, (SELECT COUNT(*) FROM projection_timeline AS t "
                "WHERE t.subject_id = s.subject_id) AS timeline FROM projection_subjects AS s "
                f"WHERE s.subject_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                subject_id, new = row["subject_id"], arrived[row["subject_id"]]
                counted = row["entries"] + (len(new) if written else 0)
                if row["folded"] is None or not row["entries"] or counted != row["timeline"]:
                    continue
                try:
                    view = stored_view(subject_id, touched[subject_id], self._open(row["folded"])).continued(new)
                except Exception:  # unreadable, or of another shape: refolded from its rows instead
                    continue
                if view is not None:
                    found[subject_id] = (view, row["entries"] + len(new))
        return found


@dataclass
class _Summaries:
    """The touched complaints' summary rows, search terms and statistics shares, computed (folded,
    judged, encoded) before the write transaction that writes them."""

    rows: list[tuple[Any, ...]]  # SUMMARY_UPDATE's
    searched: list[str]  # complaints whose search terms are replaced by `terms`
    terms: list[tuple[Any, ...]]
    shared: list[str]  # complaints whose statistics shares are replaced by `shares`
    shares: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]
    carried: int
    refolded: int


@dataclass
class _Batch:
    """A batch's rows, computed before the write transaction (`ReadSide._rows`), written in it
    (`ReadSide._store`)."""

    unreadable: list[tuple[Any, ...]]
    subjects: list[tuple[str, str, str]] = field(default_factory=list)
    timeline: list[tuple[Any, ...]] = field(default_factory=list)
    chain: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    hotline: list[tuple[Any, ...]] = field(default_factory=list)
    summaries: _Summaries | None = None
    traces: list[str | None] = field(default_factory=list)  # the traces the events were recorded under


def summary_row(
    view: ComplaintView,
    entries: int,
    policy: Policy,
    segments: list[Segment] | None = None,
    seal: Callable[[str], str] = str,
) -> tuple[Any, ...]:
    """A complaint's summary row (`SUMMARY_UPDATE`'s parameters; `seal`: how its folded facts are
    stored). `segments`: its statistics schedule, when it has one: the instant it violates from is
    read off it instead of judging the view again (`violating_since`)."""
    violates = violating_since(segments) if segments is not None else violating_from(view, policy)
    return (
        int(view.registered),
        view.state,
        view.severity,
        view.business_area,
        view.validity,
        period_key(view, policy, "week"),
        period_key(view, policy, "month"),
        view.sequence_number,
        view.office_reference,
        instant_key(view.received_at) if view.received_at else None,
        instant_key(violates) if violates else None,
        entries,
        seal(folded_json(view)),
        int(registered_late(view, policy)),
        int(bool(view.to_review)),
        str(view.complaint_id),
    )


# A complaint's summary row, from `summary_row` (the column order is that tuple's).
SUMMARY_UPDATE = (
    "UPDATE projection_subjects SET registered = ?, state = ?, severity = ?, business_area = ?, "
    "validity = ?, week = ?, month = ?, sequence_number = ?, office_reference = ?, received_key = ?, "
    "violating_from = ?, entries = ?, folded = ?, late_signal = ?, needs_review = ? WHERE subject_id = ?"
)


def _position(cursor: Cursor, lock: bool = False) -> int:
    row = cursor.one(
        "SELECT notification_id FROM projection_position WHERE name = ?" + (" FOR UPDATE" if lock else ""),
        (POSITION_NAME,),
    )
    return int(row["notification_id"]) if row else 0


def _payload(entry: dict[str, Any]) -> dict[str, Any]:
    return json.loads(entry["event_json"]).get("payload") or {}


def quote_terms(view: ComplaintView) -> set[str]:
    """What a hotline reference finds a complaint by (`domain/signals.py`, `quotes`): its office
    reference case-folded, and the runs of ASCII letters and digits with a digit of its description
    and request."""
    terms = {f"quote:{t}" for t in quote_tokens(view.description) | quote_tokens(view.customer_request)}
    if view.office_reference is not None:
        terms.add(f"ref:{view.office_reference.casefold()}")
    return terms


class _Busy(Exception):
    """Another connection holds SQLite's write lock (a follower that does not wait goes on)."""


def _lock_position(cursor: Cursor, wait: bool) -> None:
    """Take SQLite's write lock (a no-op update of the position row). Without `wait`, a lock another
    connection holds raises `_Busy` at once instead of sleeping in the busy handler until it is free."""
    lock = "UPDATE projection_position SET notification_id = notification_id WHERE name = ?"
    if wait:
        cursor.execute(lock, (POSITION_NAME,))
        return
    row = cursor.one("PRAGMA busy_timeout")
    assert row is not None  # the pragma always answers
    timeout = row[0]
    cursor.execute("PRAGMA busy_timeout = 0")
    try:
        cursor.execute(lock, (POSITION_NAME,))
    except (sqlite3.OperationalError, *RETRYABLE) as busy:  # raised raw inside the transaction
        raise _Busy from busy
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout)}")
