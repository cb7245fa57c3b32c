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

import base64
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from shared.contracts.hotline import HotlineComplaintReported

from ..domain.chain import ChainHead, Link
from ..domain.policy import Policy
from ..domain.records import COMPLAINT, HOTLINE, Record
from ..domain.signals import HotlineReport
from ..domain.statistics import period_key
from ..domain.view import ComplaintView
from ..domain.violation_time import violating_from
from .sql import RETRYABLE, Cursor, Database, retrying
from .tables import POSITION_NAME, StoredView, folded_json, instant_key, schema, stored_view

HOTLINE_TYPE = HotlineComplaintReported.model_fields["type"].default
CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class Unreadable:
    """A stored event that can no longer be read: altered where it is stored."""

    notification_id: int
    originator_id: str
    originator_version: int
    error: str


@dataclass(frozen=True)
class Change:
    """One change a subscriber hears of (the SSE stream)."""

    position: int
    kind: str
    subject_id: str
    office_id: str
    event_type: str


@dataclass(frozen=True)
class Filters:
    """The list filters, each a typed column of `projection_subjects`."""

    office_id: str | None = None
    state: str | None = None
    severity: str | None = None
    business_area: str | None = None
    validity: str | None = None
    week: str | None = None
    month: str | None = None
    year: str | None = None
    violating: bool | None = None
    registered: bool | None = None


class ReadSide:
    def __init__(self, app: Any, policy: Policy, batch_size: int = 1000) -> None:
        self.app = app
        self.policy = policy
        self.batch_size = batch_size
        self.db = Database.of(app.recorder)
        self.cipher = getattr(app.mapper, "cipher", None)
        self.applied = 0  # notifications this process applied (start-up is measured by it)
        self._create()

    def _create(self) -> None:
        for attempt in retrying():
            try:
                with self.db.transaction(write=True) as cursor:
                    for statement in schema(self.db.text()):
                        cursor.execute(statement)
                    cursor.execute(
                        "INSERT INTO projection_position (name, notification_id) VALUES (?, 0) ON CONFLICT DO NOTHING",
                        (POSITION_NAME,),
                    )
                return
            except RETRYABLE:  # another process creating them at the same moment
                if attempt == 20:
                    raise

    def close(self) -> None:
        self.db.close()

    # -- sealing what holds personal data ------------------------------------------------------

    def _seal(self, text: str) -> str:
        if self.cipher is None:
            return text
        return base64.b64encode(self.cipher.encrypt(text.encode("utf-8"))).decode("ascii")

    def _open(self, text: str) -> str:
        if self.cipher is None:
            return text
        return self.cipher.decrypt(base64.b64decode(text)).decode("utf-8")

    # -- following the store -------------------------------------------------------------------

    @property
    def position(self) -> int:
        with self.db.transaction(write=False) as cursor:
            return _position(cursor)

    def catch_up(self, upto: int | None = None) -> int:
        """Apply every notification recorded since the read side's position (up to `upto`)."""
        if self.position >= (self.app.process_recorder.max_notification_id() or 0):
            return 0  # nothing new: no write lock taken (every HTTP query asks)
        applied = 0
        while True:
            done = self._apply_next_batch(upto)
            if done is None:
                return applied
            applied += done

    def _apply_next_batch(self, upto: int | None) -> int | None:
        for attempt in retrying():
            try:
                with self.db.transaction(write=True) as cursor:
                    if not self.db.postgres:  # take SQLite's write lock before reading the position
                        cursor.execute(
                            "UPDATE projection_position SET notification_id = notification_id WHERE name = ?",
                            (POSITION_NAME,),
                        )
                    position = _position(cursor, lock=self.db.postgres)
                    limit = self.batch_size if upto is None else min(self.batch_size, upto - position)
                    if limit <= 0:
                        return None
                    notifications = self.app.process_recorder.select_notifications(position + 1, limit)
                    if not notifications:
                        return None
                    self._apply(cursor, notifications)
                    cursor.execute(
                        "UPDATE projection_position SET notification_id = ? WHERE name = ?",
                        (notifications[-1].id, POSITION_NAME),
                    )
                self.applied += len(notifications)
                return len(notifications)
            except RETRYABLE:
                if attempt == 20:
                    raise
        return None

    def _apply(self, cursor: Cursor, notifications: Sequence[Notification]) -> None:
        subjects: list[tuple[str, str, str]] = []
        timeline: list[tuple[Any, ...]] = []
        chain: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        hotline: list[tuple[Any, ...]] = []
        unreadable: list[tuple[Any, ...]] = []
        touched: dict[str, str] = {}
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
            subject_id = str(event.originator_id)
            if isinstance(event, Record.Opened):
                subjects.append((subject_id, event.kind, event.office_id))
            elif isinstance(event, Record.Received):
                entry = event.entry
                kind = HOTLINE if entry["type"] == HOTLINE_TYPE else COMPLAINT
                office = entry["office_id"]
                subjects.append((subject_id, kind, office))  # its opening may have been unreadable
                occurred = instant_key(datetime.fromisoformat(entry["occurred_at"]))
                timeline.append(
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
                chain.append(
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
                changes.append((notification.id, kind, subject_id, office, entry["type"]))
                if kind == HOTLINE:
                    data = _payload(entry)
                    hotline.append(
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
        cursor.executemany(
            "INSERT INTO projection_subjects (subject_id, kind, office_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            subjects,
        )
        cursor.executemany(
            "INSERT INTO projection_timeline (subject_id, version, event_id, type, occurred_key, topic, "
            "kafka_partition, kafka_offset, digest, event_json, notification_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            timeline,
        )
        # UNIQUE (office_id, position): a second event at one chain position is refused here.
        cursor.executemany(
            "INSERT INTO projection_chain (office_id, position, previous, hash, digest, event_id, subject_id, "
            "version, notification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            chain,
        )
        cursor.executemany(
            "INSERT INTO projection_changes (position, kind, subject_id, office_id, event_type) VALUES (?, ?, ?, ?, ?)",
            changes,
        )
        cursor.executemany(
            "INSERT INTO projection_hotline (subject_id, office_id, hotline_reference, reported_at, occurred_key, "
            "event_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            hotline,
        )
        cursor.executemany(
            "INSERT INTO projection_unreadable (notification_id, originator_id, originator_version, error) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            unreadable,
        )
        self._summarise(cursor, touched)

    def _summarise(self, cursor: Cursor, touched: dict[str, str]) -> None:
        """Refold every touched complaint from its own timeline rows and rewrite its summary row."""
        rows = []
        for subject_id, entries in self._entries_of(cursor, list(touched)):
            view = ComplaintView.of(UUID(subject_id), touched[subject_id], entries)
            rows.append(self._summary_row(view, len(entries)))
        cursor.executemany(
            "UPDATE projection_subjects SET registered = ?, state = ?, severity = ?, business_area = ?, "
            "validity = ?, week = ?, month = ?, sequence_number = ?, office_reference = ?, received_key = ?, "
            "violating_from = ?, entries = ?, folded = ? WHERE subject_id = ?",
            rows,
        )

    def _summary_row(self, view: ComplaintView, entries: int) -> tuple[Any, ...]:
        violates = violating_from(view, self.policy)
        return (
            int(view.registered),
            view.state,
            view.severity,
            view.business_area,
            view.validity,
            period_key(view, self.policy, "week"),
            period_key(view, self.policy, "month"),
            view.sequence_number,
            view.office_reference,
            instant_key(view.received_at) if view.received_at else None,
            instant_key(violates) if violates else None,
            entries,
            self._seal(folded_json(view)),
            str(view.complaint_id),
        )

    def _entries_of(self, cursor: Cursor, subject_ids: list[str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        for start in range(0, len(subject_ids), CHUNK):
            chunk = subject_ids[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            grouped: dict[str, list[dict[str, Any]]] = {s: [] for s in chunk}
            for row in cursor.all(
                f"SELECT t.subject_id, t.version, t.event_id, t.type, t.topic, t.kafka_partition, t.kafka_offset, "
                f"t.digest, t.event_json, c.office_id, c.position, c.previous, c.hash "
                f"FROM projection_timeline t LEFT JOIN projection_chain c "
                f"ON c.subject_id = t.subject_id AND c.version = t.version "
                f"WHERE t.subject_id IN ({marks}) ORDER BY t.subject_id, t.version",
                chunk,
            ):
                grouped[row["subject_id"]].append(self._entry(row))
            yield from grouped.items()

    def _entry(self, row: Any) -> dict[str, Any]:
        event_json = self._open(row["event_json"])
        return {
            "event_id": row["event_id"],
            "type": row["type"],
            "occurred_at": _payload_time(event_json),
            "event_json": event_json,
            "digest": row["digest"],
            "topic": row["topic"],
            "partition": row["kafka_partition"],
            "offset": row["kafka_offset"],
            "office_id": row["office_id"],
            "position": row["position"],
            "previous": row["previous"],
            "hash": row["hash"],
        }

    # -- the chain's head (the consumer links new events after it) -----------------------------

    def head(self, office_id: str) -> ChainHead:
        """The office's chain head: the link at MAX(position), never merely the last row written."""
        with self.db.transaction(write=False) as cursor:
            row = cursor.one(
                "SELECT position, hash FROM projection_chain WHERE office_id = ? ORDER BY position DESC LIMIT 1",
                (office_id,),
            )
        return ChainHead(row["position"], row["hash"]) if row else ChainHead()

    # -- reading -------------------------------------------------------------------------------

    def kind_of(self, subject_id: UUID) -> tuple[str, str] | None:
        with self.db.transaction(write=False) as cursor:
            row = cursor.one("SELECT kind, office_id FROM projection_subjects WHERE subject_id = ?", (str(subject_id),))
        return (row["kind"], row["office_id"]) if row else None

    def view(self, complaint_id: UUID) -> ComplaintView | None:
        """A complaint's whole view, rebuilt from its own timeline rows only."""
        found = self.kind_of(complaint_id)
        if found is None or found[0] != COMPLAINT:
            return None
        entries = self.entries(complaint_id)
        return ComplaintView.of(complaint_id, found[1], entries) if entries else None

    def entries(self, subject_id: UUID) -> list[dict[str, Any]]:
        with self.db.transaction(write=False) as cursor:
            return next(iter(self._entries_of(cursor, [str(subject_id)])))[1]

    def _where(self, filters: Filters, now: datetime | None) -> tuple[str, list[Any]]:
        clauses: list[str] = ["kind = ?"]
        params: list[Any] = [COMPLAINT]
        for column in ("office_id", "state", "severity", "business_area", "validity", "week", "month"):
            value = getattr(filters, column)
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if filters.year:
            clauses.append("substr(month, 1, 4) = ?")
            params.append(filters.year)
        if filters.registered is not None:
            clauses.append("registered = ?")
            params.append(int(filters.registered))
        if filters.violating is not None:
            assert now is not None
            if filters.violating:
                clauses.append("violating_from IS NOT NULL AND violating_from <= ?")
            else:
                clauses.append("(violating_from IS NULL OR violating_from > ?)")
            params.append(instant_key(now))
        return " AND ".join(clauses), params

    def count(self, filters: Filters, now: datetime | None = None) -> int:
        where, params = self._where(filters, now)
        with self.db.transaction(write=False) as cursor:
            row = cursor.one(f"SELECT COUNT(*) AS n FROM projection_subjects WHERE {where}", params)
        return int(row["n"]) if row else 0

    def summaries(
        self, filters: Filters, now: datetime | None = None, *, limit: int | None = None, offset: int = 0
    ) -> list[StoredView]:
        """The complaints that pass the filters, by office, sequence number and id; one page of them
        when `limit` is given."""
        where, params = self._where(filters, now)
        page = ""
        if limit is not None:
            page = " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                f"SELECT subject_id, office_id, folded FROM projection_subjects WHERE {where} AND folded IS NOT NULL "
                f"ORDER BY office_id, COALESCE(sequence_number, 0), subject_id{page}",
                params,
            )
        return [stored_view(r["subject_id"], r["office_id"], self._open(r["folded"])) for r in rows]

    def offices(self) -> list[str]:
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all("SELECT DISTINCT office_id FROM projection_subjects ORDER BY office_id")
        return [r["office_id"] for r in rows]

    def hotline_reports(self, office_id: str | None = None, until: datetime | None = None) -> list[HotlineReport]:
        clauses, params = ["1 = 1"], []
        if office_id is not None:
            clauses.append("office_id = ?")
            params.append(office_id)
        if until is not None:
            clauses.append("occurred_key <= ?")
            params.append(instant_key(until))
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                f"SELECT * FROM projection_hotline WHERE {' AND '.join(clauses)} ORDER BY office_id, subject_id",
                params,
            )
        return [
            HotlineReport(
                report_id=r["subject_id"],
                office_id=r["office_id"],
                hotline_reference=r["hotline_reference"],
                reported_at=datetime.fromisoformat(r["reported_at"]),
                event_id=r["event_id"],
            )
            for r in rows
        ]

    def views_as_of(
        self, instant: datetime, office_id: str | None = None, subject_id: UUID | None = None
    ) -> Iterator[ComplaintView]:
        """Views built only from the events that had happened by `instant` (business time), one
        complaint at a time."""
        clauses, params = ["s.kind = ?", "t.occurred_key <= ?"], [COMPLAINT, instant_key(instant)]
        if office_id is not None:
            clauses.append("s.office_id = ?")
            params.append(office_id)
        if subject_id is not None:
            clauses.append("s.subject_id = ?")
            params.append(str(subject_id))
        with self.db.transaction(write=False) as cursor:
            ids = cursor.all(
                "SELECT DISTINCT s.subject_id, s.office_id FROM projection_subjects s JOIN projection_timeline t "
                f"ON t.subject_id = s.subject_id WHERE {' AND '.join(clauses)} ORDER BY s.subject_id",
                params,
            )
        key = instant_key(instant)
        for row in ids:
            entries = [
                e
                for e in self.entries(UUID(row["subject_id"]))
                if instant_key(datetime.fromisoformat(e["occurred_at"])) <= key
            ]
            if entries:
                yield ComplaintView.of(UUID(row["subject_id"]), row["office_id"], entries)

    def changes_since(self, position: int, limit: int = 1000) -> list[Change]:
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                "SELECT position, kind, subject_id, office_id, event_type FROM projection_changes "
                "WHERE position > ? ORDER BY position LIMIT ?",
                (position, limit),
            )
        return [Change(r["position"], r["kind"], r["subject_id"], r["office_id"], r["event_type"]) for r in rows]

    def links(self, office_id: str | None = None) -> list[Link]:
        clauses, params = "", []
        if office_id is not None:
            clauses, params = "WHERE c.office_id = ?", [office_id]
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                "SELECT c.*, t.event_json FROM projection_chain c JOIN projection_timeline t "
                f"ON t.subject_id = c.subject_id AND t.version = c.version {clauses} ORDER BY c.office_id, c.position",
                params,
            )
        return [
            Link(
                office_id=r["office_id"],
                position=r["position"],
                previous=r["previous"],
                hash=r["hash"],
                digest=r["digest"],
                event_id=r["event_id"],
                event_json=self._open(r["event_json"]),
            )
            for r in rows
        ]

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every table's content that does not depend on arrival order (store positions, chain
        positions and links, record versions do), decrypted, in a fixed order: a read side rebuilt
        from the topics dumps equal to the live one."""
        with self.db.transaction(write=False) as cursor:
            subjects = cursor.all(
                "SELECT subject_id, kind, office_id, registered, state, severity, business_area, validity, week, "
                "month, sequence_number, office_reference, received_key, violating_from, entries, folded "
                "FROM projection_subjects ORDER BY subject_id"
            )
            timeline = cursor.all(
                "SELECT subject_id, event_id, type, occurred_key, topic, kafka_partition, kafka_offset, digest, "
                "event_json FROM projection_timeline ORDER BY subject_id, event_id"
            )
            chain = cursor.all("SELECT office_id, event_id, digest FROM projection_chain ORDER BY office_id, event_id")
            hotline = cursor.all("SELECT * FROM projection_hotline ORDER BY subject_id")
        return {
            "subjects": [(*tuple(r[k] for k in _keys(r))[:-1], _maybe_open(self, r["folded"])) for r in subjects],
            "timeline": [(*tuple(r[k] for k in _keys(r))[:-1], self._open(r["event_json"])) for r in timeline],
            "chain": [tuple(r[k] for k in _keys(r)) for r in chain],
            "hotline": [tuple(r[k] for k in _keys(r)) for r in hotline],
        }


def _keys(row: Any) -> Iterable[str]:
    return list(row.keys())


def _maybe_open(read: ReadSide, text: str | None) -> str | None:
    return None if text is None else read._open(text)


def _position(cursor: Cursor, lock: bool = False) -> int:
    row = cursor.one(
        "SELECT notification_id FROM projection_position WHERE name = ?" + (" FOR UPDATE" if lock else ""),
        (POSITION_NAME,),
    )
    return int(row["notification_id"]) if row else 0


def _payload(entry: dict[str, Any]) -> dict[str, Any]:
    return json.loads(entry["event_json"]).get("payload") or {}


def _payload_time(event_json: str) -> str:
    return json.loads(event_json)["occurred_at"]


def stored_links(app: Any, office_id: str | None) -> tuple[list[Link], list[tuple[Unreadable, str]]]:
    """Every chain link as the store holds it, and every stored event it cannot read (with its
    office, from the read side's subjects, else '?')."""
    links: list[Link] = []
    unreadable: list[Unreadable] = []
    position = 0
    while True:
        notifications = app.process_recorder.select_notifications(position + 1, 1000)
        if not notifications:
            break
        for notification in notifications:
            position = notification.id
            try:
                event = app.mapper.to_domain_event(notification)
            except Exception as error:  # altered at rest: fails decryption (AES-GCM) or decoding
                unreadable.append(
                    Unreadable(
                        notification.id,
                        str(notification.originator_id),
                        notification.originator_version,
                        f"{type(error).__name__}: {error}",
                    )
                )
                continue
            if isinstance(event, Record.Received) and (office_id is None or event.entry["office_id"] == office_id):
                links.append(link_of(event.entry))
    offices = {}
    for bad in unreadable:
        found = app.read.kind_of(UUID(bad.originator_id))
        offices[bad.notification_id] = found[1] if found else "?"
    return links, [(bad, offices[bad.notification_id]) for bad in unreadable]


def link_of(entry: dict[str, Any]) -> Link:
    return Link(
        office_id=entry["office_id"],
        position=entry["position"],
        previous=entry["previous"],
        hash=entry["hash"],
        digest=entry["digest"],
        event_id=entry["event_id"],
        event_json=entry["event_json"],
    )
