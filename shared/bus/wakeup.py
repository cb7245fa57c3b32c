"""Waking a follower of a store when the store changed, instead of querying it on a timer.

A relay follows its store's notification log; so do the projection's read side and its event stream.
Asking the store for what is new costs a query through a thread (about half a millisecond of CPU on a
busy machine), and asking every `poll_seconds` adds half that interval, on average, to every hop a
message makes. On SQLite a connection can tell almost for free whether any other connection committed
since it last asked: `PRAGMA data_version` (read from the WAL index in shared memory; microseconds,
on the event loop, no thread). `StoreChanges` asks that every `tick` (10 ms) and wakes its follower
only when it changed, or after `idle_seconds` at the latest (a safety net; nothing is known to need
it). On other stores it waits `poll_seconds`, as before.

The follower reads the store after `wait()` returns and calls `wait()` again when it found nothing:
the version is noted when `wait()` returns, before that read, so a commit that lands between the read
and the next `wait()` wakes it at once (at worst one read too many, never one missed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import Any

log = logging.getLogger(__name__)


class StoreChanges:
    def __init__(
        self, sqlite_file: str | None, *, poll_seconds: float, tick: float = 0.01, idle_seconds: float = 1.0
    ) -> None:
        self.poll_seconds = poll_seconds
        self.tick = tick
        self.idle_seconds = max(idle_seconds, poll_seconds)
        self._connection: sqlite3.Connection | None = None
        self._seen: int | None = None
        self.wakes = 0  # returns on a change (for tests and curiosity)
        if sqlite_file is not None:
            try:
                self._connection = sqlite3.connect(sqlite_file, uri=True, check_same_thread=False, timeout=0.1)
                self._seen = self._version()
            except sqlite3.Error as error:  # no watcher: poll as before
                log.warning("no change watch on %s (%s); polling every %s s", sqlite_file, error, poll_seconds)
                self._connection = None

    @classmethod
    def of(cls, app: Any, poll_seconds: float, **kwargs: Any) -> StoreChanges:
        """For an eventsourcing application's store: watched when it is an SQLite file."""
        pool = getattr(getattr(app.recorder, "datastore", None), "pool", None)
        name = getattr(pool, "db_name", None)
        watched = isinstance(name, str) and name and not getattr(pool, "is_sqlite_memory_mode", True)
        return cls(name if watched else None, poll_seconds=poll_seconds, **kwargs)

    @property
    def watching(self) -> bool:
        return self._connection is not None

    def _version(self) -> int | None:
        assert self._connection is not None
        try:
            return int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None  # busy for a moment: counts as a change (one read too many)

    async def wait(self, stop: asyncio.Event) -> None:
        """Return once the store may hold something new: a commit since the last return (watched), or
        `poll_seconds` passed (not watched); at the latest after `idle_seconds`; at once on `stop`."""
        if self._connection is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.idle_seconds
        while not stop.is_set() and loop.time() < deadline:
            version = self._version()
            if version is None or version != self._seen:
                self._seen = version
                self.wakes += 1
                return
            await asyncio.sleep(self.tick)  # cheaper than a task waiting on `stop` each tick

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
