"""An in-memory index of the projection's store, kept by following the store's notification log.

The store is the only truth: the index is rebuilt from it at start and advanced by reading the
notifications recorded since, so after a crash it cannot drift (it holds nothing the store lacks).
Fine at this scale (tens of thousands of complaints in memory); a larger group would keep the same
shape in SQL tables written in the consumer's transaction.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from shared.eventstore import ServiceApplication

from ..domain.chain import ChainHead, Link
from ..domain.records import COMPLAINT, HOTLINE, Record
from ..domain.signals import HotlineReport
from ..domain.view import ComplaintView, Received


@dataclass
class RecordState:
    subject_id: UUID
    kind: str
    office_id: str
    entries: list[dict[str, Any]] = field(default_factory=list)


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


class ProjectionIndex:
    def __init__(self, app: ServiceApplication, keep_changes: int = 10_000) -> None:
        self.app = app
        self.position = 0
        self.records: dict[UUID, RecordState] = {}
        self.heads: dict[str, ChainHead] = {}
        self.changes: deque[Change] = deque(maxlen=keep_changes)
        self.unreadable: list[Unreadable] = []
        self._views: dict[UUID, ComplaintView] = {}
        self._lock = threading.RLock()

    # -- following the store -------------------------------------------------------------------

    def catch_up(self, upto: int | None = None, batch: int = 1000) -> int:
        """Apply every notification recorded since the last call (up to `upto`); return how many."""
        applied = 0
        with self._lock:
            while upto is None or self.position < upto:
                limit = batch if upto is None else min(batch, upto - self.position)
                notifications = self.app.process_recorder.select_notifications(self.position + 1, limit)
                if not notifications:
                    break
                for notification in notifications:
                    self.apply_notification(notification)
                applied += len(notifications)
        return applied

    def apply_notification(self, notification: Notification) -> Any:
        try:
            domain_event = self.app.mapper.to_domain_event(notification)
        except Exception as error:  # altered at rest: fails decryption (AES-GCM) or decoding
            with self._lock:
                self.unreadable.append(
                    Unreadable(
                        notification.id,
                        str(notification.originator_id),
                        notification.originator_version,
                        f"{type(error).__name__}: {error}",
                    )
                )
                self.position = notification.id
            return None
        with self._lock:
            self.apply(domain_event, notification.id)
            self.position = notification.id
        return domain_event

    def apply(self, domain_event: Any, position: int) -> None:
        if isinstance(domain_event, Record.Opened):
            self.records[domain_event.originator_id] = RecordState(
                domain_event.originator_id, domain_event.kind, domain_event.office_id
            )
        elif isinstance(domain_event, Record.Received):
            entry = domain_event.entry
            record = self.records.setdefault(
                domain_event.originator_id,
                RecordState(domain_event.originator_id, COMPLAINT, entry["office_id"]),  # its opening was unreadable
            )
            record.entries.append(entry)
            self._views.pop(record.subject_id, None)
            office = entry["office_id"]
            self.heads[office] = ChainHead(entry["position"], entry["hash"])
            self.changes.append(Change(position, record.kind, str(record.subject_id), record.office_id, entry["type"]))

    # -- reading -------------------------------------------------------------------------------

    def head(self, office_id: str) -> ChainHead:
        with self._lock:
            return self.heads.get(office_id, ChainHead())

    def offices(self) -> list[str]:
        with self._lock:
            return sorted({r.office_id for r in self.records.values()})

    def view(self, complaint_id: UUID) -> ComplaintView | None:
        with self._lock:
            record = self.records.get(complaint_id)
            if record is None or record.kind != COMPLAINT:
                return None
            view = self._views.get(complaint_id)
            if view is None:
                view = ComplaintView.of(record.subject_id, record.office_id, record.entries)
                self._views[complaint_id] = view
            return view

    def views(self, office_id: str | None = None) -> list[ComplaintView]:
        with self._lock:
            ids = [
                r.subject_id
                for r in self.records.values()
                if r.kind == COMPLAINT and (office_id is None or r.office_id == office_id)
            ]
            return [v for v in (self.view(i) for i in ids) if v is not None]

    def views_as_of(self, instant: datetime, office_id: str | None = None) -> list[ComplaintView]:
        """Views built only from the events that had happened by `instant` (business time)."""
        with self._lock:
            records = [r for r in self.records.values() if r.kind == COMPLAINT]
        views = []
        for record in records:
            if office_id is not None and record.office_id != office_id:
                continue
            entries = [e for e in record.entries if datetime.fromisoformat(e["occurred_at"]) <= instant]
            if entries:
                views.append(ComplaintView.of(record.subject_id, record.office_id, entries))
        return views

    def hotline_reports(self, office_id: str | None = None, until: datetime | None = None) -> list[HotlineReport]:
        reports = []
        with self._lock:
            records = [r for r in self.records.values() if r.kind == HOTLINE]
        for record in records:
            if office_id is not None and record.office_id != office_id:
                continue
            for entry in record.entries[:1]:
                received = Received.of(entry)
                if until is not None and received.occurred_at > until:
                    continue
                payload = received.payload
                reports.append(
                    HotlineReport(
                        report_id=str(record.subject_id),
                        office_id=record.office_id,
                        hotline_reference=payload["hotline_reference"],
                        reported_at=datetime.fromisoformat(payload["reported_at"]),
                        event_id=received.event_id,
                    )
                )
        return reports

    def entries(self, subject_id: UUID) -> list[dict[str, Any]]:
        with self._lock:
            record = self.records.get(subject_id)
            return list(record.entries) if record else []

    def links(self, office_id: str | None = None) -> list[Link]:
        with self._lock:
            records = list(self.records.values())
        return [
            link_of(entry)
            for record in records
            for entry in record.entries
            if office_id is None or entry["office_id"] == office_id
        ]

    def changes_since(self, position: int) -> Iterable[Change]:
        with self._lock:
            return [c for c in self.changes if c.position > position]


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
