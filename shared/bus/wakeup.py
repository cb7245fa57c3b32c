"""Waking a follower of a store when the store changed, instead of querying it on a timer.

A relay follows its store's notification log; so does the projection's event stream. Asking the store
for what is new costs a query through a thread (about half a millisecond of CPU on a busy machine), and
asking every `poll_seconds` adds half that interval, on average, to every hop a message makes.

- SQLite: a connection can tell almost for free whether any other connection committed since it last
  asked: `PRAGMA data_version` (read from the WAL index in shared memory; microseconds, on the event
  loop, no thread). On Linux it is asked when the kernel says a file of the store was written (inotify
  on the store's file, its WAL and its journal; then every `tick` until the commit shows, as its
  last file write precedes it), and every `backstop` (0.25 s) in case a signal is missed; elsewhere,
  or when inotify cannot be had, every `tick` (10 ms). Asking every 10 ms was most of an idle
  relay's CPU (~15 ms a second on a loaded 2-core machine; docs/performance.md).
- A follower that says which notification it has (`wait(stop, after=...)`) is woken only when the
  store holds a later one: on a change, the notification table's largest id is read on the same
  connection (`MAX(rowid)`, one seek to the table's last page). A worker commits its position
  (a tracking record, no event) at every fetch; each such commit woke the relay for a read, through a
  thread, that found nothing (~0.5 ms of CPU each).
- PostgreSQL: the event-sourcing library's recorder sends `NOTIFY <its events table>` in every insert
  transaction that inserts events (delivered at commit; a position-only commit sends none). A
  connection of its own `LISTEN`s there; a notification wakes the follower.

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
import os
import sqlite3
import sys
from typing import Any

from inotify_simple import INotify
from inotify_simple import flags as inotify_flags

log = logging.getLogger(__name__)

_STORE_FILES = ("", "-wal", "-journal")  # what a commit writes: the WAL, or the journal and the file


class FileWrites:
    """Linux's inotify on an SQLite store's files (the file, its `-wal`, its `-journal`; inotify_simple,
    the kernel's calls as they are): `changed` is set on each write. The folder is watched only for those
    files' creation (a WAL or a journal made later), so the other stores of a shared folder wake nothing.
    None where inotify cannot be had."""

    def __init__(self, inotify: INotify, path: str) -> None:
        self._inotify: INotify | None = inotify
        self._folder = os.path.dirname(os.path.abspath(path))
        self._name = os.path.basename(path)
        self._files: set[int] = set()  # the watch descriptors of the store's files
        self._folder_watch = inotify.add_watch(self._folder, inotify_flags.CREATE | inotify_flags.MOVED_TO)
        for suffix in _STORE_FILES:  # after the folder's watch: a file made meanwhile is reported
            self._watch_file(self._name + suffix)
        self.changed = asyncio.Event()
        asyncio.get_running_loop().add_reader(inotify.fileno(), self._read)

    @classmethod
    def watch(cls, path: str) -> FileWrites | None:
        if not sys.platform.startswith("linux") or path.startswith("file:"):
            return None
        inotify = None
        try:
            inotify = INotify(nonblocking=True)
            return cls(inotify, path)
        except (OSError, AttributeError) as error:  # no inotify here, or no watch to be had
            if inotify is not None:
                inotify.close()
            log.info("no inotify on %s (%s): its version is asked every tick", path, error)
            return None

    def _watch_file(self, name: str) -> None:
        assert self._inotify is not None
        with contextlib.suppress(OSError):  # absent for now: its creation is reported by the folder's watch
            self._files.add(self._inotify.add_watch(os.path.join(self._folder, name), inotify_flags.MODIFY))

    def _read(self) -> None:
        if self._inotify is None:
            return
        try:
            events = self._inotify.read(timeout=0)
        except BlockingIOError:
            return
        except OSError:
            self.close()  # the backstop goes on
            return
        for event in events:
            if event.wd == self._folder_watch:
                if event.name in {self._name + suffix for suffix in _STORE_FILES}:
                    self._watch_file(event.name)
                    self.changed.set()
            elif event.mask & inotify_flags.IGNORED:  # the file went (a journal deleted at commit)
                self._files.discard(event.wd)
            elif event.wd in self._files:
                self.changed.set()

    def close(self) -> None:
        if self._inotify is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._inotify.fileno())
            self._inotify.close()
            self._inotify = None
        self.changed.set()  # a waiter does not sleep on a signal that will not come


class StoreChanges:
    def __init__(
        self,
        sqlite_file: str | None,
        *,
        poll_seconds: float,
        tick: float = 0.01,
        backstop: float = 0.25,
        settle: float = 0.1,
        idle_seconds: float = 1.0,
        postgres: tuple[dict[str, Any], str] | None = None,
        notifications_table: str | None = None,
        file_writes: bool = True,
    ) -> None:
        """`postgres`: the connection's keyword arguments and the channel to listen on.
        `notifications_table`: the SQLite table whose rowid is the notification id (for `wait(after=)`).
        `file_writes`: whether to wait for the kernel's word of a write (Linux) rather than tick."""
        self.poll_seconds = poll_seconds
        self.tick = tick
        self.backstop = max(backstop, tick)
        self.settle = settle
        self.idle_seconds = max(idle_seconds, poll_seconds)
        self._sqlite_file = sqlite_file
        self._postgres = postgres
        self._table = notifications_table
        self._use_file_writes = file_writes
        self._connection: sqlite3.Connection | None = None
        self._writes: FileWrites | None = None
        self._listener: Any = None  # psycopg.AsyncConnection, LISTENing
        self._seen: int | None = None
        self.wakes = 0  # returns on a change (for tests and curiosity)
        self.passed_over = 0  # changes that added no notification after `after` (not returned on)

    @classmethod
    def of(cls, app: Any, poll_seconds: float, **kwargs: Any) -> StoreChanges:
        """For an eventsourcing application's store: an SQLite file, or PostgreSQL, or neither."""
        datastore = getattr(app.recorder, "datastore", None)
        pool = getattr(datastore, "pool", None)
        name = getattr(pool, "db_name", None)
        if isinstance(name, str) and name and not getattr(pool, "is_sqlite_memory_mode", True):
            table = getattr(app.recorder, "events_table_name", None)
            return cls(name, poll_seconds=poll_seconds, notifications_table=table, **kwargs)
        channel = getattr(app.recorder, "channel_name", None)
        connect = getattr(pool, "kwargs", None)
        if isinstance(channel, str) and isinstance(connect, dict) and isinstance(connect.get("password"), str):
            keep = {k: v for k, v in connect.items() if k in ("dbname", "host", "port", "user", "password")}
            return cls(None, poll_seconds=poll_seconds, postgres=(keep, channel), **kwargs)
        return cls(None, poll_seconds=poll_seconds, **kwargs)

    async def open(self) -> None:
        if self._sqlite_file is not None and self._connection is None:
            try:
                # Watched before the version is first noted: no write after that goes unheard.
                self._writes = FileWrites.watch(self._sqlite_file) if self._use_file_writes else None
                self._connection = sqlite3.connect(self._sqlite_file, uri=True, check_same_thread=False, timeout=0.1)
                self._seen = self._version()
            except sqlite3.Error as error:  # no watch: poll as before
                log.warning(
                    "no change watch on %s (%s); polling every %s s", self._sqlite_file, error, self.poll_seconds
                )
                self.close()
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

    def _last_notification(self) -> int | None:
        """The store's largest notification id, or None when it cannot be told (then: a change)."""
        assert self._connection is not None and self._table is not None
        try:
            table = self._table.replace('"', '""')
            row = self._connection.execute(f'SELECT MAX(rowid) FROM "{table}"').fetchone()
        except sqlite3.Error:
            return None
        return int(row[0]) if row and row[0] is not None else 0

    def _news(self, after: int | None) -> bool | None:
        """True: the store changed since the last return and (given `after`) holds a notification later
        than it. False: it changed, with nothing to read. None: unchanged. The version is noted either
        way: a later commit changes it again."""
        version = self._version()
        if version is not None and version == self._seen:
            return None
        self._seen = version
        if after is None or self._table is None or version is None:
            return True
        last = self._last_notification()
        if last is None or last > after:
            return True
        self.passed_over += 1  # a position-only commit, say: nothing to read
        return False

    async def wait(self, stop: asyncio.Event, after: int | None = None) -> None:
        """Return once the store may hold something new: a commit since the last return (watched) —
        given `after`, one that left a notification later than `after` — or `poll_seconds` passed (not
        watched); at the latest after `idle_seconds`; at once on `stop`."""
        if self._listener is not None:
            await self._wait_notified(stop)
            return
        if self._connection is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.idle_seconds
        # A commit's last file write comes just before it is visible (the WAL index, in shared memory,
        # is updated after it, and tells inotify nothing): after a word of a write the version is asked
        # every tick until it changed, for `settle` at most, and once more a tick after (a second commit
        # may be under way: it wrote before the first was seen).
        settling_until = 0.0
        while not stop.is_set() and loop.time() < deadline:
            writes = self._writes
            if writes is not None:
                writes.changed.clear()  # before the version is asked: a write after it sets it again
            news = self._news(after)
            if news:
                self.wakes += 1
                return
            if news is False:
                settling_until = min(settling_until, loop.time() + self.tick)
            if writes is None or loop.time() < settling_until:
                await asyncio.sleep(self.tick)  # cheaper than a task waiting on `stop` each tick
                continue
            # `stop` is looked at every backstop; a missed signal costs at most one backstop
            timeout = min(self.backstop, max(0.0, deadline - loop.time()))
            try:
                await asyncio.wait_for(writes.changed.wait(), timeout)
            except TimeoutError:
                continue
            settling_until = loop.time() + self.settle

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
        if self._writes is not None:
            self._writes.close()
            self._writes = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
