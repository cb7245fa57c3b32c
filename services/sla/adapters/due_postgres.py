"""The due table on PostgreSQL (`<app>_due_clocks`, e.g. `sla_due_clocks`, in the store's schema).

N schedulers: a claim leases the most overdue free rows in one short transaction; `FOR UPDATE SKIP
LOCKED` lets concurrent claims pass each other instead of queueing on the same rows, and PostgreSQL
re-checks the lease on a row another claim just took, so no two claims take one row. Lease expiry
uses the database's clock (`clock_timestamp()`), so hosts whose clocks differ still agree.

The rows are written in `_insert_events`, which the library runs inside the insert transaction
before it locks the events table; the claim transaction locks only due rows, so no lock cycle exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from .due_clocks import DUE_CLOCKS, DueRow

_FREE = "due_at IS NOT NULL AND due_at <= %(now)s AND (lease_until IS NULL OR lease_until <= clock_timestamp())"


class PostgresDueClocksRecorder(PostgresProcessRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        if datastore.enable_db_functions:  # that insert path ignores our keyword: rows would be lost
            raise ProgrammingError("the SLA's due table needs POSTGRES_ENABLE_DB_FUNCTIONS off")
        name = self.events_table_name.removesuffix("_events") + "_due_clocks"
        self.check_identifier_length(name)
        table = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(name))
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (clocks_id uuid PRIMARY KEY, due_at timestamptz, "
                "version bigint NOT NULL, lease_owner text, lease_until timestamptz)"
            ).format(table),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (due_at) WHERE due_at IS NOT NULL").format(
                Identifier(name + "_due_at"), table
            ),
        ]
        upsert = (
            "INSERT INTO {0} AS d (clocks_id, due_at, version) VALUES (%s, %s, %s) "
            "ON CONFLICT (clocks_id) DO UPDATE SET due_at = excluded.due_at, version = excluded.version, "
            "lease_owner = NULL, lease_until = NULL WHERE excluded.version {1} d.version"
        )
        self._write = SQL(upsert).format(table, SQL(">="))
        self._write_if_newer = SQL(upsert).format(table, SQL(">"))
        self._claim = SQL(
            "UPDATE {0} AS d SET lease_owner = %(owner)s, "
            "lease_until = clock_timestamp() + make_interval(secs => %(lease)s) "
            "WHERE d.clocks_id IN (SELECT clocks_id FROM {0} WHERE " + _FREE + " "
            "ORDER BY due_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) "
            "AND (d.lease_until IS NULL OR d.lease_until <= clock_timestamp()) RETURNING d.clocks_id"
        ).format(table)
        self._release = SQL(
            "UPDATE {} SET lease_owner = NULL, lease_until = NULL WHERE clocks_id = %s AND lease_owner = %s"
        ).format(table)
        self._has_due: Composed = SQL("SELECT 1 FROM {} WHERE " + _FREE + " LIMIT 1").format(table)
        self._count = SQL("SELECT COUNT(*) AS n FROM {} WHERE due_at IS NOT NULL").format(table)

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        rows = kwargs.get(DUE_CLOCKS, ())
        if rows:  # the events' own transaction: both or neither
            curs.executemany(self._write, [(r.clocks_id, r.due_at, r.version) for r in rows])

    def claim(self, now: datetime, limit: int, owner: str, lease_seconds: float) -> list[UUID]:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._claim, {"owner": owner, "lease": lease_seconds, "now": now, "limit": limit})
            return [row["clocks_id"] for row in curs.fetchall()]

    def settle(self, row: DueRow, owner: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._write, (row.clocks_id, row.due_at, row.version))

    def release(self, clocks_id: UUID, owner: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._release, (clocks_id, owner))

    def upsert_if_newer(self, rows: Sequence[DueRow]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.executemany(self._write_if_newer, [(r.clocks_id, r.due_at, r.version) for r in rows])

    def has_due(self, now: datetime) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._has_due, {"now": now})
            return curs.fetchone() is not None

    def due_count(self) -> int:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._count)
            row = curs.fetchone()
            return int(row["n"]) if row else 0
