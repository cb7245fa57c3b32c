"""The SLA limits' tally (domain/clock_tally.py): every clock counted once, in the column its recorded
outcome names, read as the record-rule verdicts read it: a running clock past its deadline is breached,
a superseded one counts only if it had breached, a clock withdrawn at its start not at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from services.projection.domain.clock_tally import clock_outcomes
from services.projection.domain.view import ComplaintView, Received

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
KINDS = ["hand-over", "resolution", "clear-answer", "settlement", "reply", "return-visit", "commitment"]
ENDS = [None, "met", "met-under-extension", "breached", "superseded", "superseded-breached", "withdrawn"]

# A clock's life: its kind, how it ended (None: still running), and whether `now` is past its deadline.
clock_lives = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(ENDS), st.booleans()), max_size=12)


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


def story(lives: list[tuple[str, str | None, bool]], now: datetime) -> tuple[list[Received], dict]:
    events: list[Received] = []
    expected: dict[str, dict[str, int]] = {}
    for i, (kind, end, overdue) in enumerate(lives):
        key = f"{kind}#{i}"  # a kind may run again (a reopening, a new generation)
        start = now - timedelta(hours=3) if end is None else T0 + timedelta(hours=10 * i)
        deadline = (now - timedelta(hours=1)) if (end is None and overdue) else (start + timedelta(hours=2))
        if end is None and not overdue:
            deadline = now + timedelta(hours=1)
        payload = {"clock": kind, "key": key, "started_at": start.isoformat(), "deadline": deadline.isoformat()}
        events.append(received(len(events), "ClockStarted", start, payload))
        column: str | None = "breached" if overdue else "pending"
        if end in ("met", "met-under-extension", "breached"):
            stopped = payload | {"stopped_at": (start + timedelta(hours=1)).isoformat(), "outcome": end}
            events.append(received(len(events), "ClockStopped", start + timedelta(hours=1), stopped))
            column = {"met": "met", "met-under-extension": "met_under_extension", "breached": "breached"}[end]
        elif end is not None:
            at = start if end == "withdrawn" else start + timedelta(hours=3)
            gone = payload | {"superseded_at": at.isoformat(), "breached": end == "superseded-breached"}
            gone["explanation"] = {"reason": "re-graded", "rule": "sla.supersede@v1", "caused_by": []}
            events.append(received(len(events), "ClockSuperseded", at, gone))
            column = "breached" if end == "superseded-breached" else None
        counts = expected.setdefault(kind, {"met": 0, "met_under_extension": 0, "breached": 0, "pending": 0})
        if end == "withdrawn":
            continue
        if column is not None:
            counts[column] += 1
    return events, expected


@given(st.lists(clock_lives, max_size=5))
def test_every_clock_is_counted_once_in_the_column_the_sla_recorded(complaints) -> None:
    now = T0 + timedelta(days=30)
    views, expected = [], {}
    for lives in complaints:
        events, counts = story(lives, now)
        for kind, row in counts.items():
            total = expected.setdefault(kind, {"met": 0, "met_under_extension": 0, "breached": 0, "pending": 0})
            for column, n in row.items():
                total[column] += n
        view = ComplaintView(complaint_id=uuid4(), office_id="hk-central", events=events)
        for event in events:
            view._apply(event)  # as ComplaintView.of folds a complaint's entries
        views.append(view)
    found = clock_outcomes(views, now)
    assert {k: v for k, v in found.items() if any(v.values())} == {k: v for k, v in expected.items() if any(v.values())}
