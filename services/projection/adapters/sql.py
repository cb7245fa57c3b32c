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
        # Plain INSERTs of many rows go through PostgreSQL's COPY, a fraction of the client's CPU of a
        # pipelined executemany (`transaction`); off, they are `executemany` (tests compare the two).
        self.copy_inserts = dialect == POSTGRES

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
    def transaction(self, *, write: bool, durable: bool = True) -> Iterator[Cursor]:
        """A cursor in a transaction that commits when `write` (else rolls back). On PostgreSQL every
        wait on the server counts (a round trip costs more than most statements):
        - a write transaction holds its writes back and sends them together, in one pipeline, when it
          reads, copies or commits (`Cursor.flush`): a batch's dozen `executemany` cost one round
          trip, not one each (a failed statement is raised at that wait, and the whole transaction is
          rolled back as before); plain INSERTs go through COPY (`copy_inserts`), a round trip each
          and a fraction of the client's CPU of an `executemany` (a few µs a row, not ~30);
        - a read runs on the pool's autocommit connection without BEGIN and ROLLBACK: in PostgreSQL's
          READ COMMITTED each statement sees its own snapshot inside a transaction too, so the
          transaction bought no consistency, only two round trips.

        `durable=False` (rows derived from the store's events, committed with the position they were
        derived up to): the commit does not wait for the disk. A crash may lose the last such
        commits, never a later durable one (SQLite's WAL and PostgreSQL's log are flushed in order),
        and what is lost is written again from the events (its position went back with it)."""
        if not self.postgres:
            if durable or not write:
                with self.datastore.transaction(commit=write) as cursor:
                    yield Cursor(cursor, False)
                return
            with (
                self.datastore.get_connection(commit=True) as conn,
                _synchronous_normal(conn),
                conn.transaction(commit=True) as cursor,
            ):
                yield Cursor(cursor, False)
            return
        with self.datastore.get_connection() as conn:
            if not write:
                with conn.cursor() as cursor:
                    yield Cursor(cursor, True)
                return
            with conn.transaction(), conn.cursor() as cursor:
                held = Cursor(cursor, True, copy_inserts=self.copy_inserts, deferred=True)
                if not durable:
                    held.execute("SET LOCAL synchronous_commit = off")
                yield held
                held.flush()  # before the commit; not after a failure (then all is rolled back)

    def close(self) -> None:
        if self.owned:
            self.datastore.close()


@contextlib.contextmanager
def _synchronous_normal(conn: Any) -> Iterator[None]:
    """SQLite: commit without an fsync (`synchronous = NORMAL`) on this connection while inside,
    then back to its own setting: the pool hands the connection to the event store's writes next.
    In WAL mode only: there NORMAL loses at most the last commits on a power cut and never corrupts
    the file; with a rollback journal it could."""
    setting = conn.cursor()
    setting.execute("PRAGMA journal_mode")
    if str(setting.fetchone()[0]).lower() != "wal":
        yield
        return
    setting.execute("PRAGMA synchronous")
    level = int(setting.fetchone()[0])
    setting.execute("PRAGMA synchronous = NORMAL")  # not allowed inside a transaction: set around it
    try:
        yield
    finally:
        setting.execute(f"PRAGMA synchronous = {level}")


# `INSERT INTO t (a, b) VALUES (?, ?)` and nothing more (no ON CONFLICT): what COPY can do alike.
PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \([?, ]+\)")


class Cursor:
    def __init__(self, cursor: Any, postgres: bool, copy_inserts: bool = False, deferred: bool = False) -> None:
        self.cursor = cursor
        self.postgres = postgres
        self.copy_inserts = copy_inserts and postgres
        # Writes held back until the transaction next waits on the server (PostgreSQL writes only).
        self.held: list[tuple[str, Any, bool]] | None = [] if deferred and postgres else None

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        if self.held is not None:
            self.held.append((self._sql(sql), tuple(params), False))
        else:
            self.cursor.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        plain = PLAIN_INSERT.fullmatch(sql) if self.copy_inserts else None
        if plain is not None:
            self.flush()  # COPY cannot run in a pipeline, and comes after what was written before it
            with self.cursor.copy(f"COPY {plain[1]} ({plain[2]}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        elif self.held is not None:
            self.held.append((self._sql(sql), [tuple(r) for r in rows], True))
        else:
            self.cursor.executemany(self._sql(sql), [tuple(r) for r in rows])

    def flush(self) -> None:
        """Send the writes held back, in one pipeline: one wait for all of them. Each statement gets
        a psycopg cursor of its own: in a pipeline, a statement's result may arrive after the next
        statement of its cursor was sent and be taken for that one's (psycopg 3.3: "the last
        operation didn't produce records (command status: INSERT 0 1)", seen under load); the
        event-sourcing library's insert keeps its executemany on a cursor of its own too."""
        if not self.held:
            return
        held, self.held = self.held, []
        connection = self.cursor.connection
        with connection.pipeline():
            for sql, params, many in held:
                with connection.cursor() as cursor:
                    if many:
                        cursor.executemany(sql, params)
                    else:
                        cursor.execute(sql, params)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self.flush()
        self.cursor.execute(self._sql(sql), tuple(params))
        return list(self.cursor.fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any | None:
        self.flush()
        self.cursor.execute(self._sql(sql), tuple(params))
        return self.cursor.fetchone()


def retrying(attempts: int = 20) -> Iterator[int]:
    """Attempt numbers for a write that another process may race (SQLite's busy writer, a
    PostgreSQL serialisation failure, the position moved under us): back off, then try again."""
    for attempt in range(1, attempts + 1):
        yield attempt
        time.sleep(min(0.02 * attempt, 0.5))


RETRYABLE = (OperationalError, IntegrityError)
