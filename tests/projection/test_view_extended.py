"""A view brought forward one event at a time (`ComplaintView.extended`, else `of_received`) is the view
`ComplaintView.of` folds from all the events at once, whatever order they arrive in: the projection
relay publishes each complaint's history from the view it brings forward (services/projection/adapters/
outbound.py), so its cost an event no longer grows with the complaint."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.projection.domain.chain import canonical_json, digest_of
from services.projection.domain.policy import Policy
from services.projection.domain.view import ComplaintView, Received
from shared.contracts import IntegrationEvent
from shared.contracts.topics import topic_for_event_type
from tests.projection.scenario import EXTENDED, LATE_REPLY, MISSING_VISIT, START, WAIVED, Story

POLICY = Policy()
FAULTS = (None, LATE_REPLY, MISSING_VISIT, WAIVED, EXTENDED)


def received(events: list[IntegrationEvent]) -> list[Received]:
    out = []
    for offset, event in enumerate(events):
        text = canonical_json(event.model_dump(mode="json"))
        entry = {
            "event_id": str(event.event_id),
            "event_json": text,
            "digest": digest_of(text),
            "topic": topic_for_event_type(event.type).name,
            "offset": offset,
        }
        out.append(Received.of(entry))
    return out


def summary(view: ComplaintView) -> tuple:
    now = START + timedelta(days=30)
    last = view.last_event_at
    return (
        [r.event_id for r in view.events],
        view.facts(),
        view.state,
        view.checks(now, POLICY),
        view.checks(last, POLICY) if last else None,
    )


@settings(max_examples=60, deadline=None)
@given(fault=st.sampled_from(FAULTS), order=st.randoms(use_true_random=False))
def test_brought_forward_equals_folded_at_once(fault: str | None, order) -> None:
    story = Story("ext", "hk-central", 1, START, fault=fault)
    events = received(story.tell())
    order.shuffle(events)
    view: ComplaintView | None = None
    seen: list[Received] = []
    for n, r in enumerate(events, 1):
        seen.append(r)
        if view is None:
            view = ComplaintView.of_received(story.complaint_id, story.office_id, [r])
        else:
            view = view.extended(r) or ComplaintView.of_received(story.complaint_id, story.office_id, [*view.events, r])
        at_once = ComplaintView.of_received(story.complaint_id, story.office_id, list(seen))
        assert summary(view) == summary(at_once), f"after {n} events"


def test_an_event_at_an_instant_already_seen_is_refolded_not_appended() -> None:
    story = Story("ext", "hk-central", 2, START)
    events = received(story.tell())
    events.sort(key=lambda r: r.occurred_at)
    view = ComplaintView.of_received(story.complaint_id, story.office_id, events[:-1])
    same_instant = events[-2]
    assert view.extended(same_instant) is None
    later = events[-1]
    if later.occurred_at > view.events[-1].occurred_at:
        assert view.extended(later) is view and view.events[-1] is later
