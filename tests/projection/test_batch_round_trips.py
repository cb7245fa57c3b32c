"""A consumed batch costs the projection a fixed number of round trips to PostgreSQL, however many
offices and complaints it holds (issue 10, item 5: "no per-event round trips").

The tracked consumer handles real encoded records (`process_fetched`, as the worker does after a
fetch) into a PostgreSQL store while every statement is counted. Two batches over the same Kafka
partitions (the consumer's own costs are per partition) — one of two offices' two complaints, one
of twelve offices' four complaints — must cost the same number of round trips: the records and chain
claims are prefetched together, the read side is caught up once and every office's head is read in
one query, and the read side's writes are sent together (plain inserts by COPY). Before, each office
of a batch cost a catch-up and a head read of its own (each a few round trips), and each `executemany`
a round trip.

Round trips are counted as psycopg sends them: a statement (or a COPY) outside a pipeline waits for
its answer; inside one, only a fetch, a sync and the transaction's end wait. No timing is asserted."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from aiokafka import ConsumerRecord, TopicPartition

from services.projection import bootstrap
from services.projection.application import ProjectionApplication
from services.projection.settings import ProjectionSettings
from shared.bus.consumer import TrackedConsumer
from shared.contracts import IntegrationEvent, encode
from shared.contracts.topics import topic_for_event_type
from tests.projection.scenario import START, Story

pytestmark = pytest.mark.postgres


@dataclass
class RoundTrips:
    count: int = 0


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[RoundTrips]:
    """Counts what waits on the server while open (see the module's docstring), in this thread only: the
    projection's list indexes are built after start-up on a thread of their own (`list_indexes.py`),
    and once counted into the batch's figure (22 where 21)."""
    trips = RoundTrips()
    batch_thread = threading.get_ident()

    def wrap(cls: Any, name: str, waits: Any) -> None:
        original = getattr(cls, name)

        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() == batch_thread and waits(self):
                trips.count += 1
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, wrapped)

    def outside_pipeline(cursor: Any) -> bool:
        return cursor.connection._pipeline is None

    def inside_pipeline(cursor: Any) -> bool:
        return cursor.connection._pipeline is not None

    for name in ("execute", "executemany", "copy"):
        wrap(psycopg.Cursor, name, outside_pipeline)
    for name in ("fetchone", "fetchall", "fetchmany"):
        wrap(psycopg.Cursor, name, inside_pipeline)
    wrap(psycopg.Pipeline, "sync", lambda _: True)
    wrap(psycopg.Transaction, "__enter__", lambda t: t.connection._pipeline is None)  # BEGIN
    wrap(psycopg.Transaction, "__exit__", lambda _: True)  # COMMIT or ROLLBACK
    yield trips


class Feed:
    """Encoded records of contract events, each on partition 0 of its topic, at the next offset."""

    def __init__(self) -> None:
        self.offsets: Counter[str] = Counter()

    def fetch(self, events: Sequence[IntegrationEvent]) -> dict[TopicPartition, list[Any]]:
        batches: dict[TopicPartition, list[Any]] = defaultdict(list)
        for event in events:
            wire = encode(event, key=event.key, source="/test", event_id=str(event.event_id))
            topic = topic_for_event_type(event.type).name
            record = ConsumerRecord(
                topic, 0, self.offsets[topic], 0, 0, wire.key, wire.value, None, 0, 0, list(wire.headers)
            )
            self.offsets[topic] += 1
            batches[TopicPartition(topic, 0)].append(record)
        return dict(batches)


def stories(run: str, offices: int, per_office: int) -> list[IntegrationEvent]:
    told = [
        Story(run, f"office-{o:02d}", n + 1, START + timedelta(hours=n, minutes=o)).tell()
        for o in range(offices)
        for n in range(per_office)
    ]
    return sorted((e for events in told for e in events), key=lambda e: e.occurred_at)


@pytest.fixture
def projection(postgres_database: Any, tmp_path: Any) -> Iterator[tuple[ProjectionApplication, TrackedConsumer]]:
    server = postgres_database
    settings = ProjectionSettings(
        store="postgres",
        state_dir=tmp_path,
        postgres_host=server.host,
        postgres_port=server.port,
        postgres_user=server.user,
        postgres_password=server.password,
        postgres_dbname=server.dbname,
        reports_schedule=False,
    )
    app = bootstrap.application(settings)
    consumer = bootstrap.consumer(settings, app)
    consumer.authors = None  # the records are the test's own, unsigned
    yield app, consumer
    app.close()


def test_a_batch_costs_the_same_round_trips_whatever_its_offices_and_complaints(
    projection: tuple[ProjectionApplication, TrackedConsumer], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, consumer = projection
    feed = Feed()
    small, large = stories("small", offices=2, per_office=2), stories("large", offices=12, per_office=4)
    assert {topic_for_event_type(e.type).name for e in small} == {topic_for_event_type(e.type).name for e in large}
    consumer.process_fetched(feed.fetch(stories("warm", offices=1, per_office=1)))  # the read side has work
    trips = []
    for events in (small, large):
        fetched = feed.fetch(events)
        with counting(monkeypatch) as counted:
            consumer.process_fetched(fetched)
        monkeypatch.undo()
        trips.append(counted.count)
    assert consumer.progress.dead_lettered == 0
    assert consumer.progress.handled == len(small) + len(large) + len(stories("warm", 1, 1))
    # Nothing per office or per complaint: twelve offices and 48 complaints cost what two and four do.
    assert trips[0] == trips[1], trips
    # And few: the consumer's own reads and writes are about two a partition (five here), the
    # projection's under twenty (prefetch, catch-up with a COPY a table, heads); before, the large
    # batch cost 122 and the small one 52.
    assert trips[1] <= 2 * len(fetched) + 20, trips
    app.refresh()
    assert app.verify() == []
    positions = {o: [link.position for link in app.read.links(o)] for o in app.read.offices()}
    assert all(p == list(range(1, len(p) + 1)) for p in positions.values())
