"""The database the read side lives in: the projection store's own (SQLite file or PostgreSQL
database), reached through the store's own connection pool, so the read-side tables sit beside the
events they are a projection of. A store kept in memory (tests) gets a private in-memory SQLite.

SQL is written once with `?` placeholders; on PostgreSQL they become `%s`. Rows are read by column
name (sqlite3.Row and psycopg's dict rows both allow it).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import IntegrityError, OperationalError
from eventsourcing.sqlite import SQLiteDatastore

SQLITE, POSTGRES = "sqlite", "postgres"


class Database:
    def __init__(self, datastore: Any, dialect: str) -> None:
        self.datastore = datastore
        self.dialect = dialect
        self.owned = False
        # A rebuild into a fresh database (the auditors' replay) sets it: plain INSERTs of many rows go
        # through PostgreSQL's COPY, a fraction of the client's CPU of a pipelined executemany.
        self.copy_inserts = False

    @classmethod
    def of(cls, recorder: Any) -> Database:
        datastore = getattr(recorder, "datastore", None)
        if datastore is None:  # eventsourcing.popo: a private in-memory SQLite database
            database = cls(SQLiteDatastore(f"file:projection-{uuid4().hex}?mode=memory&cache=shared"), SQLITE)
            database.owned = True
            return database
        return cls(datastore, SQLITE if isinstance(datastore, SQLiteDatastore) else POSTGRES)

    @property
    def postgres(self) -> bool:
        return self.dialect == POSTGRES

    def text(self) -> str:
        """A text column that sorts byte by byte on both engines (PostgreSQL's default collation
        would order 'hk-central' and 'hkc' by the locale's rules)."""
        return 'TEXT COLLATE "C"' if self.postgres else "TEXT"

    @contextlib.contextmanager
    def transaction(self, *, write: bool) -> Iterator[Cursor]:
        """A cursor in a transaction that commits when `write` (else rolls back). On PostgreSQL, each
        wait on the server counts (a round trip costs more than the statement):
        - a write transaction is pipelined: its statements are sent without waiting for each answer,
          and only a read (`one`, `all`) or the commit waits, so a batch's dozen `executemany` cost
          one round trip, not one each (a failed statement is raised at the next wait, and the whole
          transaction is rolled back as before);
        - a read runs on the pool's autocommit connection without BEGIN and ROLLBACK: in PostgreSQL's
          READ COMMITTED each statement sees its own snapshot inside a transaction too, so the
          transaction bought no consistency, only two round trips.
        COPY (a rebuild's `copy_inserts`) cannot run in a pipeline: those transactions are not."""
        if not self.postgres:
            with self.datastore.transaction(commit=write) as cursor:
                yield Cursor(cursor, False)
            return
        with self.datastore.get_connection() as conn:
            if not write:
                with conn.cursor() as cursor:
                    yield Cursor(cursor, True)
            elif self.copy_inserts:
                with conn.transaction(), conn.cursor() as cursor:
                    yield Cursor(cursor, True, copy_inserts=True)
            else:
                with conn.pipeline(), conn.transaction(), conn.cursor() as cursor:
                    yield Cursor(cursor, True, pipelined=True)

    def close(self) -> None:
        if self.owned:
            self.datastore.close()


# `INSERT INTO t (a, b) VALUES (?, ?)` and nothing more (no ON CONFLICT): what COPY can do alike.
PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \([?, ]+\)")


class Cursor:
    def __init__(self, cursor: Any, postgres: bool, copy_inserts: bool = False, pipelined: bool = False) -> None:
        self.cursor = cursor
        self.postgres = postgres
        self.copy_inserts = copy_inserts and postgres
        # In a psycopg pipeline a statement's result may arrive after the next statement of its cursor
        # was sent, and be taken for that one's ("the last operation didn't produce records (command
        # status: INSERT 0 1)", psycopg 3.3, under load): there each statement gets a cursor of its own
        # (as the event-sourcing library's insert keeps its executemany on a cursor of its own).
        self.pipelined = pipelined

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        if self.pipelined:
            self.cursor = self.cursor.connection.cursor()
        self.cursor.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        plain = PLAIN_INSERT.fullmatch(sql) if self.copy_inserts else None
        if plain is None:
            if self.pipelined:
                self.cursor = self.cursor.connection.cursor()
            self.cursor.executemany(self._sql(sql), [tuple(r) for r in rows])
            return
        with self.cursor.copy(f"COPY {plain[1]} ({plain[2]}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self.execute(sql, params)
        return list(self.cursor.fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any | None:
        self.execute(sql, params)
        return self.cursor.fetchone()


def retrying(attempts: int = 20) -> Iterator[int]:
    """Attempt numbers for a write that another process may race (SQLite's busy writer, a
    PostgreSQL serialisation failure, the position moved under us): back off, then try again."""
    for attempt in range(1, attempts + 1):
        yield attempt
        time.sleep(min(0.02 * attempt, 0.5))


RETRYABLE = (OperationalError, IntegrityError)
