"""Each office's register: a gapless sequence number per complaint.

The number is assigned in the same transaction as the registration, so a gap in an office's
numbers can only mean a complaint was removed: the basis of concealment detection.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id


class OfficeLedger(Aggregate):
    @staticmethod
    def create_id(office_id: str, **_: Any) -> UUID:
        return derived_id("office-ledger", office_id)

    @event("Opened")
    def __init__(self, office_id: str) -> None:
        self.office_id = office_id
        self.last_sequence = 0

    def next_number(self, complaint_id: UUID) -> int:
        self._assign(complaint_id)
        return self.last_sequence

    @event("SequenceAssigned")
    def _assign(self, complaint_id: UUID) -> None:
        self.last_sequence += 1
