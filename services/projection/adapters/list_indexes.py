"""The list's indexes (`tables.LIST_INDEXES`) on a store that lacks them.

SQLite builds them inside the start-up transaction (no other writer can run meanwhile anyway; 200,000
complaints take ~1.7 s, once), and so does PostgreSQL over a small table (a new store). Over a large
one a plain CREATE INDEX holds a SHARE lock on `projection_subjects` for the whole build: at a million
complaints the worker's writes and the process's start-up would wait for it. There they are built with
CREATE INDEX CONCURRENTLY, after start-up, in a thread of their own: the list answers the same
meanwhile, only slower.

- One process builds at a time (a PostgreSQL advisory lock); the others see it held and leave it.
- A concurrent build that was interrupted (a crash, a restart) leaves an INVALID index behind, which
  IF NOT EXISTS would keep for ever: with the lock held no other build can be running, so an invalid
  one is dropped and built again.
"""

from __future__ import annotations

import logging
import threading
import zlib

from .sql import Cursor, Database
from .tables import LIST_INDEXES

LOG = logging.getLogger(__name__)
LOCK_KEY = zlib.crc32(b"projection-list-indexes")  # the advisory lock's key: any stable integer


SMALL = 10_000  # complaints and hotline reports: a build over fewer takes well under a second


def build_in_transaction(database: Database, cursor: Cursor) -> bool:
    """In the start-up transaction, where that costs little: always on SQLite (no other writer can run
    meanwhile anyway; 200,000 complaints ~1.7 s, once), on PostgreSQL when the table is small (a new
    store). False: PostgreSQL's are left to `build_in_background`."""
    if database.postgres:
        rows = cursor.one(f"SELECT count(*) AS n FROM (SELECT 1 FROM projection_subjects LIMIT {SMALL}) AS head")
        if rows is None or rows["n"] >= SMALL:
            return False
        have = present_in(cursor)  # asked first: CREATE INDEX IF NOT EXISTS locks the table even when there
        for name in [name for name, valid in have.items() if not valid]:  # left by an interrupted build
            cursor.execute(f"DROP INDEX {name}")
        missing = [name for name in LIST_INDEXES if not have.get(name)]
    else:
        missing = list(LIST_INDEXES)
    for name in missing:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {LIST_INDEXES[name]}")
    return True


def present(database: Database) -> dict[str, bool]:
    """PostgreSQL: the list's indexes there are, by name, and whether each is valid (usable)."""
    with database.transaction(write=False) as cursor:
        return present_in(cursor)


def present_in(cursor: Cursor) -> dict[str, bool]:
    rows = cursor.all(
        "SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname = ANY(?)",
        (list(LIST_INDEXES),),
    )
    return {r["name"]: bool(r["valid"]) for r in rows}


def build_postgres(database: Database) -> list[str]:
    """Build every missing (or invalid) list index concurrently; the names built. Nothing when
    another process holds the lock (it is building them)."""
    assert database.postgres
    built: list[str] = []
    with database.datastore.get_connection() as conn:
        if not conn.autocommit:  # CONCURRENTLY cannot run inside a transaction block
            conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s) AS held", (LOCK_KEY,))
            row = cursor.fetchone()
            if not (row and row["held"]):
                return built
            try:
                have = present(database)
                for name, body in LIST_INDEXES.items():
                    if have.get(name) is True:
                        continue
                    if name in have:  # left invalid by an interrupted build
                        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
                    LOG.info("building the list index %s concurrently", name)
                    cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {body}")
                    built.append(name)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    if built:
        LOG.info("list indexes built: %s", ", ".join(built))
    return built


def build_in_background(database: Database) -> threading.Thread | None:
    """PostgreSQL: start the build in a daemon thread when an index is missing or invalid (a catalogue
    look-up, not a lock on the table, when all are there). A failure is logged; the next start
    tries again."""
    have = present(database)
    if all(have.get(name) for name in LIST_INDEXES):
        return None

    def build() -> None:
        try:
            build_postgres(database)
        except Exception:  # a closed pool at shutdown, a cancelled build: the next start repeats it
            LOG.exception("building the list indexes failed; the next start tries again")

    thread = threading.Thread(target=build, name="projection-list-indexes", daemon=True)
    thread.start()
    return thread
