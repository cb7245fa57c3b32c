"""The replay's decoding in worker processes gives what the live consumer's own path gives, record for
record: the same arrivals (canonical JSON, digest, chain subject) for what it accepts, and None for
exactly what the live consumer refuses (unsigned, signed by another service, altered, undecodable)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from services.projection.adapters.inbound import ProjectionHandler, arrival_of
from services.projection.adapters.replay_decoding import Decoding, arrivals, raw
from shared.bus.authors import AuthorCheck
from shared.bus.consumer import Delivery, TrackedConsumer
from shared.contracts import WireMessage, encode
from shared.contracts.topics import topic_for_event_type
from shared.signing import ServiceSigningKeys
from tests.projection.scenario import build
from tests.support import as_author


def _records() -> list[SimpleNamespace]:
    events = build("decoding", per_office=3, offices=("hk-central", "kowloon-east")).events()
    records = []
    for n, event in enumerate(events):
        topic = topic_for_event_type(event.type).name
        wire = encode(event, key=event.key, source="/tests", event_id=str(event.event_id), time=event.occurred_at)
        if n % 7 == 1:
            pass  # unsigned: refused
        elif n % 7 == 2:
            wire = as_author(topic, wire, service="intake" if "intake" not in topic else "triage")  # another's
        elif n % 7 == 3:
            wire = as_author(topic, wire)
            wire = WireMessage(wire.key, wire.value.replace(b'"', b"'", 1), wire.headers)  # altered after signing
        elif n % 7 == 4:
            wire = as_author(topic, WireMessage(wire.key, b"{not json", wire.headers))  # signed, undecodable
        else:
            wire = as_author(topic, wire)
        records.append(
            SimpleNamespace(topic=topic, partition=0, offset=n, key=wire.key, value=wire.value, headers=wire.headers)
        )
    return records


@pytest.fixture
def authors(service_signing_keys: Path) -> AuthorCheck:
    return AuthorCheck(ServiceSigningKeys.load(service_signing_keys))


def test_the_workers_decode_as_the_live_consumer_does(authors: AuthorCheck) -> None:
    records = _records()
    live = TrackedConsumer(
        group_id="g",
        topics=[],
        app=None,
        handle=ProjectionHandler,
        bootstrap_servers="",
        authors=authors,  # type: ignore[arg-type]
    )
    expected = []
    for record in records:
        delivery = live._decode(record)  # type: ignore[arg-type]
        accepted = isinstance(delivery, Delivery) and type(delivery.message) in ProjectionHandler.HANDLERS
        expected.append(arrival_of(delivery.message) if accepted else None)  # type: ignore[union-attr,arg-type]
    assert 0 < sum(a is None for a in expected) < len(expected)

    assert arrivals(authors, [raw(r) for r in records]) == expected
    for workers in (0, 2):
        decoding = Decoding(authors, workers)
        try:
            assert asyncio.run(decoding.decode(records)) == expected
        finally:
            decoding.close()
