"""The due table on SQLite (`due_clocks`, beside the library's fixed `stored_events`).

One scheduler: SQLite is one file on one host. Leases are still taken (the same code path as
PostgreSQL, and a restarted worker waits out a crashed one's lease), in wall seconds of this host.
Instants are stored as fixed-width UTC text, which orders like time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteCursor, SQLiteProcessRecorder

from .due_clocks import DUE_CLOCKS, DueRow

TABLE = "due_clocks"

_UPSERT = (
    f"INSERT INTO {TABLE} (clocks_id, due_at, version, lease_owner, lease_until) VALUES (?, ?, ?, NULL, NULL) "
    "ON CONFLICT (clocks_id) DO UPDATE SET due_at = excluded.due_at, version = excluded.version, "
    f"lease_owner = NULL, lease_until = NULL WHERE excluded.version {{op}} {TABLE}.version"
)
_FREE = "due_at IS NOT NULL AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)"


def instant(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _params(row: DueRow) -> tuple[str, str | None, int]:
    return (row.clocks_id.hex, instant(row.due_at), row.version)


class SQLiteDueClocksRecorder(SQLiteProcessRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {TABLE} (clocks_id TEXT PRIMARY KEY, due_at TEXT, "
            "version INTEGER NOT NULL, lease_owner TEXT, lease_until REAL)",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_due_at ON {TABLE} (due_at) WHERE due_at IS NOT NULL",
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        returning = super()._insert_events(c, stored_events, **kwargs)
        rows = kwargs.get(DUE_CLOCKS, ())
        if rows:  # the events' own transaction: both or neither
            c.executemany(_UPSERT.format(op=">="), [_params(row) for row in rows])
        return returning

    def claim(self, now: datetime, limit: int, owner: str, lease_seconds: float) -> list[UUID]:
        wall = time.time()
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"UPDATE {TABLE} SET lease_owner = ?, lease_until = ? WHERE clocks_id IN "
                f"(SELECT clocks_id FROM {TABLE} WHERE {_FREE} ORDER BY due_at LIMIT ?) RETURNING clocks_id",
                (owner, wall + lease_seconds, instant(now), wall, limit),
            )
            return [UUID(r[0]) for r in c.fetchall()]

    def settle(self, row: DueRow, owner: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(_UPSERT.format(op=">="), _params(row))

    def release(self, clocks_id: UUID, owner: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"UPDATE {TABLE} SET lease_owner = NULL, lease_until = NULL WHERE clocks_id = ? AND lease_owner = ?",
                (clocks_id.hex, owner),
            )

    def upsert_if_newer(self, rows: Sequence[DueRow]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.executemany(_UPSERT.format(op=">"), [_params(row) for row in rows])

    def has_due(self, now: datetime) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT 1 FROM {TABLE} WHERE {_FREE} LIMIT 1", (instant(now), time.time()))
            return c.fetchone() is not None

    def due_count(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE due_at IS NOT NULL")
            return int(c.fetchone()[0])
