"""The SLA limits' tally (domain/clock_tally.py): every clock counted once, in the column its recorded
outcome names; a running clock is breached once its breach was published, however often escalated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from services.projection.domain.clock_tally import clock_outcomes
from services.projection.domain.view import ComplaintView, Received

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
KINDS = ["hand-over", "resolution", "clear-answer", "settlement", "reply", "return-visit", "commitment"]

# A clock's life: its kind, its recorded outcome (None: still running), how many escalations were published.
clock_lives = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.sampled_from([None, "met", "met-under-extension", "breached"]),
        st.integers(min_value=0, max_value=3),
    ),
    max_size=12,
)


def received(n: int, kind: str, at: datetime, payload: dict) -> Received:
    return Received(
        event_id=f"e{n}",
        type=f"complaints.sla.{kind}",
        occurred_at=at,
        data={"type": f"complaints.sla.{kind}", "payload": payload},
        digest="",
        topic="complaints.sla.events",
        offset=n,
    )


@given(st.lists(clock_lives, max_size=5))
def test_every_clock_is_counted_once_in_the_column_the_sla_recorded(complaints) -> None:
    views, expected = [], {}
    for lives in complaints:
        events: list[Received] = []
        for i, (kind, outcome, escalations) in enumerate(lives):
            # one clock after another (a kind may run again, e.g. after a reopening)
            start = T0 + timedelta(hours=10 * i)
            deadline = (start + timedelta(hours=2)).isoformat()  # the clock's identity, with its kind
            events.append(received(len(events), "ClockStarted", start, {"clock": kind, "deadline": deadline}))
            breached_late = outcome is None and escalations > 0
            for level in range(1, escalations + 1 if outcome in (None, "breached") else 1):
                events.append(
                    received(
                        len(events),
                        "DeadlineBreached",
                        start + timedelta(hours=level),
                        {"clock": kind, "deadline": deadline, "escalation_level": level},
                    )
                )
            if outcome is not None:
                events.append(
                    received(
                        len(events),
                        "ClockStopped",
                        start + timedelta(hours=5),
                        {"clock": kind, "deadline": deadline, "outcome": outcome},
                    )
                )
            recorded = {"met": "met", "met-under-extension": "met_under_extension", "breached": "breached"}
            column = recorded.get(outcome or "", "breached" if breached_late else "pending")
            counts = expected.setdefault(kind, {"met": 0, "met_under_extension": 0, "breached": 0, "pending": 0})
            counts[column] += 1
        views.append(ComplaintView(complaint_id=uuid4(), office_id="hk-central", events=events))
    assert clock_outcomes(views) == dict(sorted(expected.items()))
