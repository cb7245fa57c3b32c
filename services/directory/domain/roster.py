"""The roster: the ids of every office, department, staff member and key, so the directory can list
them without scanning its history. Saved in the same unit of work as the entity it names, so a list
never misses a recorded entity (a concurrent creation retries on the store's conflict)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

KINDS = ("office", "department", "staff", "key")


class Roster(Aggregate):
    @staticmethod
    def create_id(**_: Any) -> UUID:
        return derived_id("directory-roster")

    @event("Started")
    def __init__(self) -> None:
        self.ids: dict[str, list[UUID]] = {kind: [] for kind in KINDS}

    def enrol(self, kind: str, aggregate_id: UUID) -> None:
        if aggregate_id not in self.ids[kind]:
            self._enrolled(kind=kind, aggregate_id=aggregate_id)

    @event("Enrolled")
    def _enrolled(self, kind: str, aggregate_id: UUID) -> None:
        self.ids[kind].append(aggregate_id)
