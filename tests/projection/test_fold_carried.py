"""A complaint's summary carried forward from its stored fold equals the summary refolded from all its
events (services/projection/adapters/readside.py, `_carried_forward`; `StoredView.continued`).

The read side rewrites a touched complaint's summary at every batch. It reads back the fold stored in
the summary row and folds only the new events onto it when they all follow it in business order, and
refolds from the timeline rows otherwise. Pure property test: for generated histories (the statistics
tests' `histories`: every fault, re-grades, overrides, reopenings), arriving in any order and split
into any batches, the summary row, the statistics rows and the search terms made from the carried
fold equal those of the whole refold at every batch. Then the same through the read side itself, on
SQLite and PostgreSQL: a store applied one event per batch dumps byte-equal to one applied at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.projection import bootstrap
from services.projection.adapters.readside import ReadSide, quote_terms, summary_row
from services.projection.adapters.statistics_tables import share_rows
from services.projection.adapters.tables import FOLD_FORMAT, folded_json, stored_view
from services.projection.domain.search import complaint_terms
from services.projection.domain.statistics_rows import schedule, violating_since
from services.projection.domain.view import ComplaintView, Received, business_order
from services.projection.domain.violation_time import violating_from
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import EXTENDED, LATE_REPLY, START, Story
from tests.projection.support import feed
from tests.projection.test_read_side import entries_of
from tests.projection.test_statistics_sql import POLICY, History, histories


def received(history: History) -> list[Received]:
    return [Received.of(e) for e in entries_of(history.events())]


def everything(view: ComplaintView, entries: int) -> tuple[Any, ...]:
    """What the read side writes of a complaint: its summary row (folded facts included), its
    statistics rows, its search terms."""
    segments = schedule(view, POLICY) if view.registered else None
    terms = complaint_terms(view)
    return (
        summary_row(view, entries, POLICY, segments),
        share_rows([view], POLICY, b"k"),
        sorted(terms.public),
        sorted(terms.personal),
        sorted(quote_terms(view)),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories, data=st.data())
def test_a_fold_carried_forward_over_any_batches_equals_the_whole_refold(history: History, data) -> None:
    events = received(history)
    arrival = data.draw(st.permutations(events) | st.just(sorted(events, key=lambda r: r.occurred_at)))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(arrival) - 1)), max_size=len(arrival))))
    batches = [arrival[a:b] for a, b in zip([0, *cuts], [*cuts, len(arrival)], strict=True) if arrival[a:b]]
    complaint, office = history.story.complaint_id, history.story.office_id
    stored: str | None = None
    seen: list[Received] = []
    for batch in batches:
        seen += batch
        whole = ComplaintView.of_received(complaint, office, seen)
        carried = stored_view(str(complaint), office, stored).continued(batch) if stored else None
        view = carried or ComplaintView.of_received(complaint, office, seen)
        assert everything(view, len(seen)) == everything(whole, len(seen))
        stored = folded_json(view)
        assert stored == folded_json(whole)  # the stored form too, byte for byte (what `dump` compares)
    # the instant it violates from, read off the schedule, is the one the view is judged to start at
    whole = ComplaintView.of_received(complaint, office, events)
    if whole.registered:
        assert violating_since(schedule(whole, POLICY)) == violating_from(whole, POLICY)


def test_events_that_follow_are_carried_forward_and_one_that_belongs_earlier_is_not() -> None:
    story = Story("carry", "hk-central", 1, START)
    events = business_order(Received.of(e) for e in entries_of(story.tell()))
    complaint, office = str(story.complaint_id), story.office_id
    stored = folded_json(ComplaintView.of_received(story.complaint_id, office, events[:4]))
    later = stored_view(complaint, office, stored).continued(events[4:6])
    assert later is not None and later.last_event_at == events[5].occurred_at
    assert stored_view(complaint, office, folded_json(later)).continued([events[0]]) is None  # earlier: refold
    old = stored.replace(f'"stored_fold":{FOLD_FORMAT}', '"stored_fold":0')  # an older fold's format
    assert stored_view(complaint, office, old).continued(events[4:6]) is None


@pytest.mark.parametrize("cipher", [False, True], ids=["plain", "cipher"])
def test_one_event_per_batch_ends_byte_equal_to_one_batch(store_settings: dict[str, Any], cipher: bool) -> None:
    stories = [Story("batches", office, n, START) for n, office in enumerate(("hk-central", "kln-east"), 1)]
    stories += [Story("batches", "hk-central", n, START, fault=f) for n, f in ((3, LATE_REPLY), (4, EXTENDED))]
    told = [s.tell() for s in stories]  # each: its facts, then the SLA's clock events (most earlier)
    events = [e for n in range(max(map(len, told))) for t in told for e in t[n : n + 1]]  # interleaved
    extra = {"cipher_key": AESCipher.create_key(32)} if cipher else {}
    app = bootstrap.application(ProjectionSettings(**store_settings, **extra))
    try:
        feed(app, events, batch=500)  # the store; its read side written in batches as it came
        one_batch = app.read.dump()
        stats = statistics_rows(app.read)
        with app.read.db.transaction(write=True) as cursor:
            for table in READ_SIDE:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("UPDATE projection_position SET notification_id = 0 WHERE name = 'read-side'")
        single = ReadSide(app, app.policy, batch_size=1)
        single.catch_up()
        assert single.folds["carried"] > 0 and single.folds["refolded"] > 0  # both ways taken
        assert single.dump() == one_batch
        assert statistics_rows(single) == stats
        single.close()
    finally:
        app.close()


READ_SIDE = (
    "projection_subjects",
    "projection_timeline",
    "projection_chain",
    "projection_hotline",
    "projection_changes",
    "projection_search",
    "projection_unreadable",
    "projection_statistics",
    "projection_statistics_clocks",
    "projection_statistics_visits",
)


def statistics_rows(read: ReadSide) -> dict[str, list[tuple[Any, ...]]]:
    """The statistics rows `dump` leaves out (it holds the visits only)."""
    with read.db.transaction(write=False) as cursor:
        return {
            table: [tuple(r[k] for k in _keys(r)) for r in cursor.all(f"SELECT * FROM {table} ORDER BY {order}")]
            for table, order in (
                ("projection_statistics", "subject_id, since_key"),
                ("projection_statistics_clocks", "subject_id, kind, outcome, breached_after"),
            )
        }


def _keys(row: Any) -> list[str]:
    return list(row.keys())
