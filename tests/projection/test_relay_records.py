"""The projection relay's translator brings each complaint's record forward event by event instead of
reading it from the store at every event's version: the histories it publishes are the same, message for
message, as those rebuilt from the store (SQLite and PostgreSQL), whatever order it meets events in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.projection import bootstrap
from services.projection.adapters import outbound
from services.projection.adapters.outbound import ProjectionTranslator
from services.projection.application import history_of
from services.projection.domain.records import Record
from services.projection.domain.view import ComplaintView
from services.projection.settings import ProjectionSettings
from shared.contracts.projection import ComplaintHistoryUpdated, StepCheck, TimelineEntry
from tests.projection.scenario import LATE_REPLY, MISSING_VISIT, Story
from tests.projection.support import feed

BASE = datetime(2025, 12, 26, 1, 0, tzinfo=UTC)


@pytest.fixture
def projection(store_settings: dict[str, Any]):
    app = bootstrap.application(ProjectionSettings(**store_settings))
    yield app
    app.close()


def histories(translator: ProjectionTranslator, events: list[Any]) -> list[dict[str, Any]]:
    translator.begin_batch(10**9)  # office statistics wait for the batch's end: histories only here
    return [
        p.message.model_dump(mode="json")
        for event in events
        for p in translator(event)
        if isinstance(p.message, ComplaintHistoryUpdated)
    ]


def test_histories_brought_forward_equal_those_read_from_the_store(projection, monkeypatch) -> None:
    stories = [
        Story(
            "fwd",
            ("hk-central", "kln-east")[n % 2],
            n,
            BASE + timedelta(hours=n),
            fault=(LATE_REPLY, MISSING_VISIT, None)[n % 3],
        )
        for n in range(1, 6)
    ]
    # Interleaved as a busy store holds them: the complaints' events alternate.
    events = [e for s in stories for e in s.tell()]
    random.Random(5).shuffle(events)
    events.sort(key=lambda e: e.occurred_at)
    feed(projection, events, batch=7)
    stored = [projection.mapper.to_domain_event(n) for n in projection.process_recorder.select_notifications(1, 10**4)]
    received = [e for e in stored if isinstance(e, Record.Received)]
    assert len(received) == len(events)

    from_store = [m for event in received for m in histories(ProjectionTranslator(projection), [event])]

    reads: list[int] = []
    get = projection.repository.get

    def counting(aggregate_id: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return get(aggregate_id, *args, **kwargs)

    monkeypatch.setattr(projection.repository, "get", counting)
    forward = histories(ProjectionTranslator(projection), received)
    assert forward == from_store
    assert len(reads) == len(stories)  # one read per complaint, at its first event; then brought forward

    # Out of order (a redrive of an old event, a record evicted meanwhile): read from the store again.
    monkeypatch.setattr(outbound, "RECORDS_KEPT", 2)
    mixed = received[::2] + received[1::2] + received[:3]
    expected = [m for event in mixed for m in histories(ProjectionTranslator(projection), [event])]
    reads.clear()
    assert histories(ProjectionTranslator(projection), mixed) == expected
    assert 0 < len(reads) <= len(mixed)


TIMELINE_KEYS = ("event_id", "type", "occurred_at", "actor", "causation_id", "topic", "summary", "digest")


def test_each_history_is_what_history_of_says_of_the_record_at_that_event(projection) -> None:
    """Brought forward event by event (arrivals shuffled: late events and instants already seen are
    refolded), every message says what `history_of` says of the complaint's record read from the store
    at that event's version: its facts, state, checks judged at its last event, and whole timeline."""
    stories = [
        Story("ref", "hk-central", n, BASE + timedelta(hours=n), fault=(LATE_REPLY, None)[n % 2]) for n in (1, 2)
    ]
    events = [e for s in stories for e in s.tell()]
    random.Random(11).shuffle(events)  # arrival order across topics is not business order
    feed(projection, events, batch=5)
    stored = [projection.mapper.to_domain_event(n) for n in projection.process_recorder.select_notifications(1, 10**4)]
    received = [e for e in stored if isinstance(e, Record.Received)]
    translator = ProjectionTranslator(projection)
    messages = histories(translator, received)
    assert len(messages) == len(received)
    for event, message in zip(received, messages, strict=True):
        record = projection.repository.get(event.originator_id, version=event.originator_version)
        view = ComplaintView.of(record.id, record.office_id, record.entries)
        expected = history_of(view, view.last_event_at, projection.policy)
        payload = message["payload"]
        assert payload["complaint"] == expected["complaint"]
        assert payload["state"] == expected["state"] == view.state
        assert payload["checks"] == [as_json(StepCheck, c) for c in expected["checks"]]
        assert payload["entries"] == len(record.entries)
        assert payload["timeline"] == [
            as_json(TimelineEntry, {k: t[k] for k in TIMELINE_KEYS}) for t in expected["timeline"]
        ]


def as_json(model: Any, data: dict[str, Any]) -> dict[str, Any]:
    """As the message carries it (validated, then dumped as JSON)."""
    return model.model_validate(data).model_dump(mode="json")
