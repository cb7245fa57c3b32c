"""The event store every service writes to: an `eventsourcing` application over SQLite or PostgreSQL.

A service's application subclasses `ServiceApplication`. Its recorder is a *process* recorder, so
new events and the Kafka position they were caused by (a `Tracking` record) commit in one
transaction; its notification log is the outbox the relay publishes.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import time
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, project_aggregate
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import (
    IntegrityError,
    Mapper,
    OperationalError,
    ProcessRecorder,
    Recording,
    StoredEvent,
    Tracking,
)
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder
from psycopg.sql import SQL, Identifier

from .contracts import derived_id
from .settings import ServiceSettings, Store
from .tracing import TracingMapper

# Recently used aggregates stay in memory; on each use the cache fast-forwards them with any newer
# events from the store, so another process's writes are still seen.
CACHE = {"AGGREGATE_CACHE_MAXSIZE": "10000", "AGGREGATE_CACHE_FASTFORWARD": "y"}


def store_environment(settings: ServiceSettings) -> dict[str, str]:
    """The `eventsourcing` settings for a service's store, from its typed settings."""
    return CACHE | _persistence(settings) | _encryption(settings)


def _encryption(settings: ServiceSettings) -> dict[str, str]:
    # Complaints carry personal data: with a key, every stored event is AES-GCM encrypted at rest.
    if settings.cipher_key is None:
        return {}
    return {
        "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
        "CIPHER_KEY": settings.cipher_key.get_secret_value(),
    }


def first_events_read(app: Any, probe: int = 3) -> bool:
    """Whether a store reads with the cipher key it was opened with (or without one): its first `probe`
    events parse, or it holds none. Opened without its key, or with another store's, an encrypted store
    fails on every event (a utf-8 codec error, an invalid cipher tag), which tells "no key" or "the
    wrong key" from one altered event."""
    first = app.process_recorder.select_notifications(1, probe)
    unreadable = 0
    for notification in first:
        try:
            app.mapper.to_domain_event(notification)
        except Exception:  # ciphertext read as plain JSON, or under another key
            unreadable += 1
    return not first or unreadable < len(first)


def _persistence(settings: ServiceSettings) -> dict[str, str]:
    if settings.store is Store.MEMORY:
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if settings.store is Store.SQLITE:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.sqlite_path),
            # Several processes (HTTP, relay, consumer) share one file; wait for the writer.
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_HOST": settings.postgres_host,
        "POSTGRES_PORT": str(settings.postgres_port),
        "POSTGRES_USER": settings.postgres_user,
        "POSTGRES_PASSWORD": settings.postgres_password.get_secret_value(),
        "POSTGRES_DBNAME": settings.postgres_dbname,
        "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
        "POSTGRES_MAX_OVERFLOW": "2",
        # Not POSTGRES_ENABLE_DB_FUNCTIONS: in eventsourcing 9.5.6 that insert path drops the tracking
        # record (kwargs are ignored), so consumers would apply redelivered messages twice.
        "CREATE_TABLE": "y",
    }


@dataclass(frozen=True)
class Positions(Tracking):
    """Several tracking records in one transaction: this one and `more` (a tracked consumer's unit of
    work over several Kafka partitions at once). Each is checked as a single one is: a position that
    does not move forward makes the whole transaction fail and record nothing."""

    more: tuple[Tracking, ...] = ()


class _ManyPositions:
    """Mixed into an SQLite or PostgreSQL process recorder: writes a `Positions`' every record, in the
    transaction the library writes the first one in (with the events, or alone)."""

    def _insert_tracking(self, c: Any, tracking: Tracking) -> None:
        more = getattr(tracking, "more", ())
        names = {tracking.application_name, *(position.application_name for position in more)}
        if (
            more
            and len(names) == 1 + len(more)  # one row each (a name twice: one by one, as the library would)
            and isinstance(self, PostgresProcessRecorder)
            and self.datastore.single_row_tracking
        ):
            _upsert_positions(self, c, [tracking, *more])
            return
        super()._insert_tracking(c, tracking)  # type: ignore[misc]
        for position in more:
            super()._insert_tracking(c, position)  # type: ignore[misc]


def _upsert_positions(recorder: PostgresProcessRecorder, cursor: Any, positions: list[Tracking]) -> None:
    """Every position of a `Positions` in one statement (the library's single-row upsert, for many rows):
    one round trip, not one a partition (each upsert's answer is awaited inside the insert's pipeline).
    As there, a position that does not move forward updates no row, and the whole transaction fails."""
    recorder._check_has_multi_row_tracking_table(cursor)
    table = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(recorder.tracking_table_name))
    cursor.execute(
        SQL(
            "INSERT INTO {0} AS t (application_name, notification_id) "
            "SELECT * FROM unnest(%s::text[], %s::bigint[]) "
            "ON CONFLICT (application_name) DO UPDATE SET notification_id = EXCLUDED.notification_id "
            "WHERE t.notification_id < EXCLUDED.notification_id RETURNING t.notification_id"
        ).format(table),
        ([p.application_name for p in positions], [p.notification_id for p in positions]),
        prepare=True,
    )
    if len(cursor.fetchall()) != len(positions):
        names = ", ".join(f"{p.application_name} {p.notification_id}" for p in positions)
        raise IntegrityError(f"Failed to record tracking for one of {names}")


@functools.cache
def _with_many_positions(recorder_class: type) -> type:
    return type(recorder_class.__name__, (_ManyPositions, recorder_class), {})


class UnitOfWork:
    """Aggregates touched while handling one request or one batch of messages, saved together.

    Handlers `get` aggregates through it, so a batch that touches one aggregate twice sees its own
    pending changes instead of a stale copy from the store.
    """

    def __init__(self, app: ServiceApplication, *, copy_from_cache: bool = True) -> None:
        """`copy_from_cache=False`: take cached aggregates themselves, not copies — only for a sole
        writer that stops at its first failed commit (a rebuild into a fresh store), where no other
        reader shares the cache and a half-changed aggregate is never used again."""
        self._app = app
        self._aggregates: dict[UUID, Aggregate] = {}
        self._copy = copy_from_cache
        # Not in the store when first asked (prefetched or read): asked again in this unit — a batch's
        # every message asks for its office's policy, calendar, zone — it is not read again (the SLA's
        # worker read three absent aggregates from SQLite a message). As a prefetch on PostgreSQL did.
        self._absent: set[UUID] = set()

    def prefetch(self, aggregate_ids: Iterable[UUID]) -> None:
        """Load these aggregates in bulk, where the store can (PostgreSQL: two queries for the lot,
        not one per aggregate), so that a batch's handlers find them here without a round trip each.
        Only a cache: an id left out, or a store without bulk reads, is read by `get` as before."""
        wanted = [i for i in dict.fromkeys(aggregate_ids) if i not in self._aggregates and i not in self._absent]
        loaded = self._app.load_many(wanted) if wanted else {}
        if loaded is None:
            return
        for aggregate_id in wanted:
            if aggregate_id in loaded:
                self._aggregates[aggregate_id] = loaded[aggregate_id]
            else:
                self._absent.add(aggregate_id)

    def get(self, aggregate_id: UUID) -> Any:
        if aggregate_id in self._absent:
            raise AggregateNotFoundError(aggregate_id)
        if aggregate_id not in self._aggregates:
            try:
                self._aggregates[aggregate_id] = self._app.repository.get(aggregate_id, deepcopy_from_cache=self._copy)
            except AggregateNotFoundError:
                self._absent.add(aggregate_id)
                raise
        return self._aggregates[aggregate_id]

    def find(self, aggregate_id: UUID) -> Any | None:
        try:
            return self.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def add(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self._aggregates[aggregate.id] = aggregate
            self._absent.discard(aggregate.id)

    @property
    def aggregates(self) -> Iterable[Aggregate]:
        return self._aggregates.values()


class StoreIdentity(Aggregate):
    """A random id made once per store. The relay keys its position by it, so a store that is wiped
    and started afresh is never mistaken for the old one (whose position would skip its events)."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return derived_id("store-identity")

    @event("Created")
    def __init__(self, instance: UUID) -> None:
        self.instance = instance


class ServiceApplication(Application[UUID]):
    """Base of every service's application: tracked saves and a readable notification log."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A service's processes (HTTP, relay, worker) may open a new store at the same moment; the
        # library's set-up then loses a race (its migration record, or SQLite's switch to WAL mode
        # while another process holds the file). The loser simply retries.
        for attempt in range(1, 11):
            try:
                super().__init__(*args, **kwargs)
                recorder = self.recorder
                if isinstance(recorder, SQLiteProcessRecorder | PostgresProcessRecorder):
                    recorder.__class__ = _with_many_positions(type(recorder))  # commit(uow, Positions(...))
                return
            except (IntegrityError, OperationalError, sqlite3.OperationalError):
                if attempt == 10:
                    raise
                time.sleep(0.1 * attempt)

    def construct_mapper(self) -> Mapper[UUID]:
        # Keeps the trace an event was recorded under beside it, when tracing is on (shared/tracing.py).
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=TracingMapper)

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ProcessRecorder)
        return recorder

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self)

    @property
    def many_positions(self) -> bool:
        """Whether `commit` takes `Positions` (several tracking records in one transaction): SQLite and
        PostgreSQL stores; the in-memory one takes one at a time."""
        return isinstance(self.recorder, _ManyPositions)

    def commit(self, uow: UnitOfWork, tracking: Tracking | None = None) -> int:
        """Save every pending event of the unit, with the tracking record, atomically.

        Returns how many events were recorded. A tracking position recorded before raises the
        recorder's IntegrityError and records nothing.
        """
        return len(self.commit_recorded(uow, tracking))

    def commit_recorded(self, uow: UnitOfWork, tracking: Tracking | None = None) -> list[Recording[UUID]]:
        """`commit`, returning what was recorded: each event with its notification (its id in the
        store's log), for a writer that builds its read side from them without reading them back."""
        processing = ProcessingEvent[UUID](tracking)
        processing.collect_events(*uow.aggregates)
        if not processing.events and tracking is not None:
            self.process_recorder.insert_tracking(tracking)
            return []
        recordings = self._record(processing)
        self._take_snapshots(processing)
        return recordings

    def load_many(self, aggregate_ids: list[UUID]) -> dict[UUID, Any] | None:
        """The current state of each of these aggregates that exists (copies, as `repository.get`
        gives), read in two queries on PostgreSQL (latest snapshots; every newer event, or only those
        after a cached copy's version); None where the store has no bulk read (SQLite, memory: local
        reads are cheap there). Cached copies are brought forward in place, as the library's
        fast-forward does."""
        recorder = self.recorder
        if not isinstance(recorder, PostgresAggregateRecorder):
            return None
        cache = self.repository.cache
        base: dict[UUID, tuple[Any, list[Any]]] = {}  # id -> (cached aggregate or None, snapshot events)
        after: dict[UUID, int] = {}
        for aggregate_id in aggregate_ids:
            cached = None
            if cache is not None:
                with contextlib.suppress(KeyError):
                    cached = cache.get(aggregate_id)
            base[aggregate_id] = (cached, [])
            after[aggregate_id] = cached.version if cached is not None else 0
        schema = Identifier(recorder.datastore.schema)
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cold = [i for i, (cached, _) in base.items() if cached is None]
            snapshots = self.snapshots
            if cold and snapshots is not None and isinstance(snapshots.recorder, PostgresAggregateRecorder):
                cursor.execute(
                    SQL(
                        "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state "
                        "FROM {}.{} WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version DESC"
                    ).format(schema, Identifier(snapshots.recorder.events_table_name)),
                    (cold,),
                )
                for row in cursor.fetchall():
                    snapshot = self.mapper.to_domain_event(_stored(row))
                    base[row["originator_id"]] = (None, [snapshot])
                    after[row["originator_id"]] = row["originator_version"]
            ids = list(after)
            cursor.execute(
                SQL(
                    "SELECT e.originator_id, e.originator_version, e.topic, e.state "
                    "FROM unnest(%s::uuid[], %s::bigint[]) AS w(id, after) "
                    "JOIN {}.{} e ON e.originator_id = w.id AND e.originator_version > w.after "
                    "ORDER BY e.originator_id, e.originator_version"
                ).format(schema, Identifier(recorder.events_table_name)),
                (ids, [after[i] for i in ids]),
            )
            rows = cursor.fetchall()
        newer: dict[UUID, list[Any]] = {i: [] for i in ids}
        for row in rows:
            newer[row["originator_id"]].append(self.mapper.to_domain_event(_stored(row)))
        loaded: dict[UUID, Any] = {}
        for aggregate_id, (cached, first) in base.items():
            aggregate = project_aggregate(cached, [*first, *newer[aggregate_id]])
            if aggregate is None:
                continue
            if cache is not None and cached is None:
                cache.put(aggregate_id, aggregate)
            loaded[aggregate_id] = deepcopy(aggregate)
        return loaded

    def position(self, tracking_name: str) -> int | None:
        return self.process_recorder.max_tracking_id(tracking_name)

    def positions(self, tracking_names: list[str]) -> dict[str, int | None]:
        """Each of these positions: on PostgreSQL in one query (a tracked consumer's fetch spans many
        partitions), elsewhere one read each (local reads are cheap there)."""
        recorder = self.recorder
        if not isinstance(recorder, PostgresProcessRecorder) or not recorder.datastore.single_row_tracking:
            return {name: self.position(name) for name in tracking_names}
        table = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(recorder.tracking_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(
                SQL("SELECT application_name, notification_id FROM {} WHERE application_name = ANY(%s)").format(table),
                (tracking_names,),
            )
            found = {row["application_name"]: row["notification_id"] for row in cursor.fetchall()}
        return {name: found.get(name) for name in tracking_names}

    def store_instance(self) -> UUID:
        """This store's identity, created on first use."""
        identity_id = StoreIdentity.create_id()
        try:
            return self.repository.get(identity_id).instance
        except AggregateNotFoundError:
            pass
        with contextlib.suppress(IntegrityError):  # another process created it first
            self.save(StoreIdentity(instance=uuid4()))
        return self.repository.get(identity_id).instance


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )
