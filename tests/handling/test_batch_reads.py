"""Handling's worker reads a batch's cases — and the routing kept for invalid complaints — in one bulk
load, and saves every partition's position in one statement: a batch costs the same few round trips
on PostgreSQL however many messages and partitions it holds, and ends as one message a unit does."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.handling import bootstrap
from services.handling.adapters.inbound import HandlingHandler
from services.handling.adapters.outbound import CaseTranslator
from services.handling.settings import HandlingSettings
from shared.bus.consumer import TrackedConsumer
from shared.contracts.topics import FOLLOWUP_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged, TriageDecisionOverridden
from tests.fixtures.round_trips import published, published_one_by_one, round_trips_of_fetches
from tests.sla import contract_events as ce
from tests.support import T0


def topic_of(message: Any) -> str:
    return (TRIAGE_EVENTS if isinstance(message, ComplaintTriaged | TriageDecisionOverridden) else FOLLOWUP_EVENTS).name


def messages(count: int, first: int = 0) -> list[Any]:
    """Judgements (every fifth invalid, then judged valid by a person: its kept routing is read) and
    regrades, over many complaints, so a fetch spans both topics' partitions."""
    out: list[Any] = []
    for n in range(first, first + count):
        complaint, at = uuid.UUID(int=n + 1), T0 + timedelta(minutes=n)
        invalid = n % 5 == 0
        out.append(ce.triaged(complaint, at, validity="invalid" if invalid else "valid"))
        if invalid:
            out.append(ce.overridden(complaint, at + timedelta(hours=1), "validity", "valid", "invalid"))
    return out


@pytest.mark.postgres
def test_a_batch_costs_the_same_round_trips_whatever_its_size(
    store_settings: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store_settings["store"] != "postgres":
        pytest.skip("round trips are PostgreSQL's cost (SQLite reads locally)")
    warm, small, large = messages(5), messages(10, first=5), messages(60, first=15)
    reference = bootstrap.application(HandlingSettings(store="memory", state_dir=tmp_path / "ref"))
    try:
        deliveries = [ce.delivery(m) for m in [*warm, *small, *large]]
        expected = published_one_by_one(reference, HandlingHandler(reference), CaseTranslator(reference), deliveries)
    finally:
        reference.close()

    app = bootstrap.application(HandlingSettings(**store_settings))
    try:
        consumer = TrackedConsumer(group_id="handling", topics=HandlingHandler.topic_names(), app=app,
                                   handle=HandlingHandler(app), bootstrap_servers="unused:1")  # fmt: skip
        trips = round_trips_of_fetches(consumer, warm, [small, large], topic_of, monkeypatch)
        # positions, the bulk read, the write (positions, events, sync, ids), commit: 33 before
        # (a position read and written a partition, a kept routing read a complaint).
        assert trips == [6, 6], trips
        assert published(app, CaseTranslator(app)) == expected
    finally:
        app.close()
