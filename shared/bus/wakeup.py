"""Waking a follower of a store when the store changed, instead of querying it on a timer.

A relay follows its store's notification log; so does the projection's event stream. Asking the store
for what is new costs a query through a thread (about half a millisecond of CPU on a busy machine), and
asking every `poll_seconds` adds half that interval, on average, to every hop a message makes.

- SQLite: a connection can tell almost for free whether any other connection committed since it last
  asked: `PRAGMA data_version` (read from the WAL index in shared memory; microseconds, on the event
  loop, no thread). It is asked every `tick` (10 ms); the follower is woken only when it changed.
- PostgreSQL: the event-sourcing library's recorder sends `NOTIFY <its events table>` in every insert
  transaction (delivered at commit). A connection of its own `LISTEN`s there; a notification wakes the
  follower.

Either way the follower is woken after `idle_seconds` at the latest (a safety net; nothing is known to
need it), and where neither applies (the in-memory store, a failed connection) it waits `poll_seconds`,
as before. The follower reads the store after `wait()` returns and calls `wait()` again when it found
nothing: the version is noted (the notification consumed) when `wait()` returns, before that read, so a
commit that lands between the read and the next `wait()` wakes it at once (at worst one read too many,
never one missed). `open()` starts watching: call it before the first read.
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
        self,
        sqlite_file: str | None,
        *,
        poll_seconds: float,
        tick: float = 0.01,
        idle_seconds: float = 1.0,
        postgres: tuple[dict[str, Any], str] | None = None,
    ) -> None:
        """`postgres`: the connection's keyword arguments and the channel to listen on."""
        self.poll_seconds = poll_seconds
        self.tick = tick
        self.idle_seconds = max(idle_seconds, poll_seconds)
        self._sqlite_file = sqlite_file
        self._postgres = postgres
        self._connection: sqlite3.Connection | None = None
        self._listener: Any = None  # psycopg.AsyncConnection, LISTENing
        self._seen: int | None = None
        self.wakes = 0  # returns on a change (for tests and curiosity)

    @classmethod
    def of(cls, app: Any, poll_seconds: float, **kwargs: Any) -> StoreChanges:
        """For an eventsourcing application's store: an SQLite file, or PostgreSQL, or neither."""
        datastore = getattr(app.recorder, "datastore", None)
        pool = getattr(datastore, "pool", None)
        name = getattr(pool, "db_name", None)
        if isinstance(name, str) and name and not getattr(pool, "is_sqlite_memory_mode", True):
            return cls(name, poll_seconds=poll_seconds, **kwargs)
        channel = getattr(app.recorder, "channel_name", None)
        connect = getattr(pool, "kwargs", None)
        if isinstance(channel, str) and isinstance(connect, dict) and isinstance(connect.get("password"), str):
            keep = {k: v for k, v in connect.items() if k in ("dbname", "host", "port", "user", "password")}
            return cls(None, poll_seconds=poll_seconds, postgres=(keep, channel), **kwargs)
        return cls(None, poll_seconds=poll_seconds, **kwargs)

    async def open(self) -> None:
        if self._sqlite_file is not None and self._connection is None:
            try:
                self._connection = sqlite3.connect(self._sqlite_file, uri=True, check_same_thread=False, timeout=0.1)
                self._seen = self._version()
            except sqlite3.Error as error:  # no watch: poll as before
                log.warning(
                    "no change watch on %s (%s); polling every %s s", self._sqlite_file, error, self.poll_seconds
                )
                self._connection = None
        if self._postgres is not None and self._listener is None:
            import psycopg
            from psycopg import sql

            connect, channel = self._postgres
            try:
                self._listener = await psycopg.AsyncConnection.connect(autocommit=True, connect_timeout=5, **connect)
                await self._listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            except psycopg.Error as error:
                log.warning("no LISTEN on %s (%s); polling every %s s", channel, error, self.poll_seconds)
                await self._close_listener()

    @property
    def watching(self) -> bool:
        return self._connection is not None or self._listener is not None

    def _version(self) -> int | None:
        assert self._connection is not None
        try:
            return int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None  # busy for a moment: counts as a change (one read too many)

    async def wait(self, stop: asyncio.Event) -> None:
        """Return once the store may hold something new: a commit since the last return (watched), or
        `poll_seconds` passed (not watched); at the latest after `idle_seconds`; at once on `stop`."""
        if self._listener is not None:
            await self._wait_notified(stop)
            return
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

    async def _wait_notified(self, stop: asyncio.Event) -> None:
        import psycopg

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.idle_seconds
        try:
            while not stop.is_set() and loop.time() < deadline:
                timeout = min(0.25, max(0.0, deadline - loop.time()))  # `stop` is looked at in between
                async for _ in self._listener.notifies(timeout=timeout, stop_after=1):
                    self.wakes += 1
                    return
        except psycopg.Error as error:  # the connection went: poll from now on
            log.warning("LISTEN connection lost (%s); polling every %s s", error, self.poll_seconds)
            await self._close_listener()

    async def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None

    async def aclose(self) -> None:
        self.close()
        await self._close_listener()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
