"""What the projection stores: every event it received, per complaint (or hotline report), chained.

A `Record` is one subject's received events in arrival order. Its stored events are the timeline
entries; the views (state, checks, statistics) are computed from them and never stored, so the
store is the only truth and an index rebuilt from it cannot drift.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

COMPLAINT = "complaint"
HOTLINE = "hotline"


def hotline_record_id(hotline_reference: str) -> UUID:
    return derived_id("hotline", hotline_reference)


class Record(Aggregate):
    @staticmethod
    def create_id(subject_id: UUID, **_: Any) -> UUID:
        return subject_id

    @event("Opened")
    def __init__(self, subject_id: UUID, kind: str, office_id: str) -> None:
        self.kind = kind
        self.office_id = office_id
        self.entries: list[dict[str, Any]] = []
        self.event_ids: set[str] = set()

    def has(self, event_id: UUID | str) -> bool:
        return str(event_id) in self.event_ids

    @event("Received")
    def receive(self, entry: dict[str, Any]) -> None:
        """`entry`: event_id, event_json (canonical), digest, topic, partition, offset,
        and the chain link: office_id, position, previous, hash."""
        self.entries.append(entry)
        self.event_ids.add(entry["event_id"])


class OfficeChainClaim(Aggregate):
    """One per office: a unit of work that links events into an office's chain first claims it (one
    event per office per batch), so two projection instances extending one office's chain at once
    conflict on this aggregate's version; the loser's batch is retried and links after the winner's
    events. Holds no head itself: the head is the store's last link, read after the claim."""

    @staticmethod
    def create_id(office_id: str, **_: Any) -> UUID:
        return derived_id("office-chain", office_id)

    @event("Opened")
    def __init__(self, office_id: str) -> None:
        self.office_id = office_id

    @event("Claimed")
    def claim(self) -> None:
        pass
