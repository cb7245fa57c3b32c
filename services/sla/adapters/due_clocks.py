"""Each complaint's next due instant, in a table of the SLA store's own database.

Why a table written by the recorder, in the insert transaction of the events that change it: a row
is then true exactly when the events are stored (a crash keeps both or neither), start-up reads
nothing, and schedulers on several hosts can claim rows. (A materialised view following the
notification log would add a second writer, its own lag and its own tracking, to say what the
events' transaction already knows.) The application passes the rows to the recorder as a keyword of
`insert_events` (`due_clocks=[DueRow, ...]`), the library's way of saving more with the events.

Claims are leases: a scheduler marks the due rows it takes with its name and an expiry (wall time),
picks up only rows whose lease is free or expired, and the recorder clears the lease when it writes
the complaint's next due instant with the fired events. An instance that crashes holding a lease
loses nothing: the lease expires and another instance takes the row. Two instances never fire one
thing twice even when a lease expires under a slow instance: the aggregate's version decides.

Backends: `due_sqlite.py` (one scheduler), `due_postgres.py` (N schedulers, `FOR UPDATE SKIP
LOCKED`), and the in-memory recorder below (tests, the popo store).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory, ProcessRecorder, StoredEvent
from eventsourcing.popo import POPOFactory, POPOProcessRecorder
from eventsourcing.utils import get_topic

# The keyword under which the application hands the recorder the rows to write with its events.
DUE_CLOCKS = "due_clocks"
# A tracking name that marks a store whose due table was filled from its history (once, on upgrade).
BACKFILL_TRACKING = "sla.due-clocks.backfill"


@dataclass(frozen=True)
class DueRow:
    """A complaint's next due instant (None: nothing left to fire), keyed by its clocks aggregate's
    id, at that aggregate's `version`. A row
    stays when nothing is due, so its version still refuses an older write."""

    clocks_id: UUID
    due_at: datetime | None
    version: int


@runtime_checkable
class DueClocks(Protocol):
    """What the scheduler needs of the due table (the recorder provides it)."""

    def claim(self, now: datetime, limit: int, owner: str, lease_seconds: float) -> list[UUID]:
        """Lease up to `limit` complaints due by `now`, the most overdue first."""

    def settle(self, row: DueRow, owner: str) -> None:
        """Write `row` (nothing fired: the recomputed instant) and free the lease, unless a newer
        version was written meanwhile."""

    def release(self, clocks_id: UUID, owner: str) -> None:
        """Free this owner's lease without changing the row (try again next tick)."""

    def upsert_if_newer(self, rows: Sequence[DueRow]) -> None:
        """Write rows whose version is newer than the stored one (the upgrade's back-fill)."""

    def has_due(self, now: datetime) -> bool:
        """Whether an unclaimed complaint is due by `now`."""

    def due_count(self) -> int:
        """How many complaints have something left to fire (a gauge)."""


def due_clocks_recorder(factory: InfrastructureFactory[Any]) -> ProcessRecorder:
    """The store's process recorder, extended with the due table for its backend."""
    if isinstance(factory, POPOFactory):
        return POPODueClocksRecorder()
    from eventsourcing.postgres import PostgresFactory
    from eventsourcing.sqlite import SQLiteFactory

    from .due_postgres import PostgresDueClocksRecorder
    from .due_sqlite import SQLiteDueClocksRecorder

    if isinstance(factory, SQLiteFactory):
        factory.env[factory.PROCESS_RECORDER_TOPIC] = get_topic(SQLiteDueClocksRecorder)
    elif isinstance(factory, PostgresFactory):
        factory.env[factory.PROCESS_RECORDER_TOPIC] = get_topic(PostgresDueClocksRecorder)
    else:  # pragma: no cover - the project runs only these three stores
        raise TypeError(f"no due-clocks table for {type(factory).__name__}")
    return factory.process_recorder()


class POPODueClocksRecorder(POPOProcessRecorder):
    """The in-memory store's due table: a dict written under the recorder's own lock."""

    def __init__(self) -> None:
        super().__init__()
        # complaint -> (due or None, version, lease owner, lease until); rows stay when nothing is due,
        # so their version still guards against an older write.
        self._due: dict[UUID, tuple[datetime | None, int, str | None, float]] = {}
        self._due_lock = threading.Lock()

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._update_table(stored_events, **kwargs)
        with self._due_lock:
            for row in kwargs.get(DUE_CLOCKS, ()):
                self._write(row)
        return ids

    def _write(self, row: DueRow) -> None:
        self._due[row.clocks_id] = (row.due_at, row.version, None, 0.0)

    def claim(self, now: datetime, limit: int, owner: str, lease_seconds: float) -> list[UUID]:
        wall = time.monotonic()
        with self._due_lock:
            free = sorted(
                (due, cid)
                for cid, (due, _, _, until) in self._due.items()
                if due is not None and due <= now and until <= wall
            )
            taken = [cid for _, cid in free[:limit]]
            for cid in taken:
                due, version, _, _ = self._due[cid]
                self._due[cid] = (due, version, owner, wall + lease_seconds)
            return taken

    def settle(self, row: DueRow, owner: str) -> None:
        with self._due_lock:
            stored = self._due.get(row.clocks_id)
            if stored is None or stored[1] <= row.version:
                self._write(row)

    def release(self, clocks_id: UUID, owner: str) -> None:
        with self._due_lock:
            stored = self._due.get(clocks_id)
            if stored is not None and stored[2] == owner:
                self._due[clocks_id] = (stored[0], stored[1], None, 0.0)

    def upsert_if_newer(self, rows: Sequence[DueRow]) -> None:
        with self._due_lock:
            for row in rows:
                stored = self._due.get(row.clocks_id)
                if stored is None or stored[1] < row.version:
                    self._write(row)

    def has_due(self, now: datetime) -> bool:
        wall = time.monotonic()
        with self._due_lock:
            return any(due is not None and due <= now and until <= wall for due, _, _, until in self._due.values())

    def due_count(self) -> int:
        with self._due_lock:
            return sum(1 for due, _, _, _ in self._due.values() if due is not None)
