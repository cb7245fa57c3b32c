"""Follow-up's worker reads a batch's cases in one bulk load and saves every partition's position (three
topics, six partitions each) in one statement: a batch costs the same few round trips on PostgreSQL
however many messages and partitions it holds, and ends as one message a unit does."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.followup import bootstrap
from services.followup.adapters.inbound import CaseFacts
from services.followup.adapters.outbound import Translator
from services.followup.settings import FollowupSettings
from shared.bus.consumer import TrackedConsumer
from shared.contracts.sla import ClockStarted
from shared.contracts.topics import HANDLING_EVENTS, SLA_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged
from tests.fixtures.round_trips import published, published_one_by_one, round_trips_of_fetches
from tests.sla import contract_events as ce
from tests.support import T0


def topic_of(message: Any) -> str:
    if isinstance(message, ComplaintTriaged):
        return TRIAGE_EVENTS.name
    return (SLA_EVENTS if isinstance(message, ClockStarted) else HANDLING_EVENTS).name


def messages(count: int, first: int = 0) -> list[Any]:
    """Each complaint judged, accepted (not follow-up's business: passed over), given a result and a
    return-visit clock."""
    out: list[Any] = []
    for n in range(first, first + count):
        complaint, at = uuid.UUID(int=n + 1), T0 + timedelta(minutes=n)
        done = at + timedelta(hours=2)
        out += [
            ce.triaged(complaint, at, validity="invalid" if n % 7 == 0 else "valid"),
            ce.accepted(complaint, at + timedelta(hours=1)),
            ce.result(complaint, done),
            ce.clock_started(complaint, done, "return-visit", done + timedelta(days=3)),
        ]
    return out


@pytest.mark.postgres
def test_a_batch_costs_the_same_round_trips_whatever_its_size(
    store_settings: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store_settings["store"] != "postgres":
        pytest.skip("round trips are PostgreSQL's cost (SQLite reads locally)")
    warm, small, large = messages(5), messages(10, first=5), messages(60, first=15)
    reference = bootstrap.application(FollowupSettings(store="memory", state_dir=tmp_path / "ref"))
    try:
        deliveries = [ce.delivery(m) for m in [*warm, *small, *large]]
        expected = published_one_by_one(reference, CaseFacts(reference), Translator(reference), deliveries)
    finally:
        reference.close()

    app = bootstrap.application(FollowupSettings(**store_settings))
    try:
        consumer = TrackedConsumer(group_id="followup", topics=CaseFacts.topic_names(), app=app,
                                   handle=CaseFacts(app), bootstrap_servers="unused:1")  # fmt: skip
        trips = round_trips_of_fetches(consumer, warm, [small, large], topic_of, monkeypatch)
        # positions, the bulk read, the write (positions, events, sync, ids), commit: 28-42 before
        # (a position read and written for each of the fetch's partitions).
        assert trips == [6, 6], trips
        assert published(app, Translator(app)) == expected
    finally:
        app.close()
