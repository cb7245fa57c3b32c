"""Keys issued through the directory, honoured by every service: the table of live keys.

The directory service is the one author of keys; it publishes each key's hash and state
(`ApiKeyChanged` on `complaints.directory.events`). Every HTTP app that is told to
(`COMPLAINTS_DIRECTORY_KEYS=true`) reads that topic from its start in a background thread, without a
consumer group (each process needs every key), and keeps only the keys that are live: an issued key
is added, a revoked one removed, an expired one refused at its `expires_at` and dropped. The table is
bounded by the live keys, and what a start reads by the keys ever issued: the topic is compacted
(shared/contracts/topics.py), so it holds each key's latest state — a revoked key's revocation stays,
which is how a key the file lists stays refused — not every change ever made.

The development key file (`.state/keys.json`, `python -m shared.auth dev-keys`) is still read, so tests
and a fresh checkout work without the directory; a key the directory revoked is refused even if the
file still lists it (the directory seeds the file's keys as its own in `make up`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from aiokafka import TopicPartition

from .auth import KeyRegistry, Principal
from .bus.authors import AuthorCheck, decode_checked
from .clock import Clock, utc_now
from .contracts import WireMessage
from .contracts.directory import ApiKeyChanged, ApiKeyRecord, DirectoryEvent
from .contracts.topics import DIRECTORY_EVENTS
from .settings import ServiceSettings

log = logging.getLogger(__name__)
KEY_EVENT = str(ApiKeyChanged.model_fields["type"].default)


class LiveKeys:
    """The current keys by hash; thread-safe (the feed writes, requests read)."""

    def __init__(self, watched: frozenset[str] = frozenset(), clock: Clock = utc_now) -> None:
        self._live: dict[str, ApiKeyRecord] = {}
        self._watched = watched  # hashes known elsewhere (the file): remember when the directory withdraws one
        self._withdrawn: set[str] = set()
        self._lock = threading.Lock()
        self.clock = clock
        self.applied = 0

    def apply(self, record: ApiKeyRecord) -> None:
        with self._lock:
            self.applied += 1
            if record.revoked:
                self._live.pop(record.key_sha256, None)
                if record.key_sha256 in self._watched:
                    self._withdrawn.add(record.key_sha256)
            else:
                self._live[record.key_sha256] = record
                self._withdrawn.discard(record.key_sha256)

    def withdrawn(self, key_sha256: str) -> bool:
        with self._lock:
            return key_sha256 in self._withdrawn

    def principal(self, key_sha256: str, now: datetime | None = None) -> Principal | None:
        with self._lock:
            record = self._live.get(key_sha256)
            if record is None:
                return None
            if record.expires_at is not None and (now or self.clock()) >= record.expires_at:
                del self._live[key_sha256]  # expired: dropped, so the table holds live keys only
                return None
        return Principal(record.actor_id, record.office_id, frozenset(record.roles))

    def __len__(self) -> int:
        return len(self._live)


class DirectoryFeed:
    """Reads the directory topic from its start and hands each event of the wanted types to `apply`,
    in its own thread and event loop. No consumer group: every process reads every entity."""

    def __init__(
        self,
        bootstrap_servers: str,
        apply: Callable[[DirectoryEvent], None],
        types: frozenset[str] | None = None,
        authors: AuthorCheck | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.apply = apply
        self.types = types  # None: every directory event
        # Who may write the topic: a key "issued" by anyone but the directory must grant nothing.
        self.authors = authors
        self.read = 0  # records read (for tests and health: the feed turns)
        self.refused = 0  # records not signed by the directory (or unreadable): skipped
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="directory-feed", daemon=True)

    def start(self) -> DirectoryFeed:
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                asyncio.run(self._follow())
            except Exception:  # the broker away, a topic not created yet: try again shortly
                log.warning("directory feed failed; retrying", exc_info=True)
                self._stop.wait(2.0)

    async def _follow(self) -> None:
        from .bus import kafka  # the bus pulls in aiokafka's producer side: only when a feed runs

        consumer = kafka.consumer(self.bootstrap_servers, group_id=None)
        await consumer.start()
        try:
            # The cluster's metadata, asked for: nothing is subscribed (no group: every key, every process).
            cluster = await consumer._client.fetch_all_metadata()
            partitions = cluster.partitions_for_topic(DIRECTORY_EVENTS.name)
            if not partitions:
                raise LookupError(f"no topic {DIRECTORY_EVENTS.name} yet")
            assigned = [TopicPartition(DIRECTORY_EVENTS.name, p) for p in sorted(partitions)]
            consumer.assign(assigned)
            await consumer.seek_to_beginning(*assigned)
            while not self._stop.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                for records in batches.values():
                    for record in records:
                        self.read += 1
                        self._apply(WireMessage(record.key, record.value or b"", list(record.headers)))
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    def _apply(self, wire: WireMessage) -> None:
        if self.types is not None and wire.header("ce_type") not in self.types:
            return
        try:
            message = decode_checked(self.authors, DIRECTORY_EVENTS.name, wire)
        except ValueError as refused:  # MalformedMessage, Unauthored among them
            self.refused += 1
            log.warning("directory feed: an event was skipped: %s", refused)
            return
        if isinstance(message, DirectoryEvent):
            self.apply(message)


def _apply_key(table: LiveKeys) -> Callable[[DirectoryEvent], None]:
    def apply(message: DirectoryEvent) -> None:
        if isinstance(message, ApiKeyChanged):
            table.apply(message.payload)

    return apply


def service_keys(settings: ServiceSettings) -> KeyRegistry:
    """A service's keys: the file's, and the directory's live keys when `settings.directory_keys`
    (the feed starts now, so keys issued before this process started are known within moments)."""
    registry = KeyRegistry.load(settings.keys_file)
    if settings.directory_keys:
        table = LiveKeys(watched=registry.hashes, clock=settings.clock())
        registry.live = table
        feed = DirectoryFeed(
            settings.kafka_bootstrap_servers,
            _apply_key(table),
            frozenset({KEY_EVENT}),
            AuthorCheck.from_settings(settings),
        )
        registry.feed = feed.start()
    return registry
