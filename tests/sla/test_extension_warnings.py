"""An approved extension re-arms the clock's warnings for the new deadline, pure (no I/O).

Before: the warnings fired at 50% and 80% of the *original* allowed time and never again, so nobody
was warned before an extended deadline (and a warning still pending at the approval later fired
against the old one). The order of the approval and the old warnings varies, and so does how late
the scheduler runs: hypothesis drives both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.sla.domain.clocks import ComplaintClocks
from services.sla.domain.warnings import rearmed
from tests.sla.scenario import T0, Story, office_calendar

Warned = ComplaintClocks.WarningIssued
Breached = ComplaintClocks.BreachRecorded
KEY, ALLOWED = "resolution#0", timedelta(hours=12)  # a minor complaint: half a day
DEADLINE = T0 + ALLOWED


def _extended(story: Story, until: datetime, asked: datetime, decided: datetime, approved: bool = True) -> None:
    story.clocks.request_extension(KEY, until, "parts on order", "hk-central/staff", "department-staff", asked)
    story.clocks.decide_extension(KEY, approved, "agreed with the customer", "hk-central/manager", "manager", decided)
    story._new()


def _minor() -> Story:
    story = Story()
    story.registered()
    story.triaged("minor")
    return story


def test_extension_approved_before_any_warning_warns_at_half_and_80_percent_of_the_extended_time() -> None:
    story = _minor()
    until = T0 + ALLOWED * 2
    _extended(story, until, T0 + ALLOWED * 0.1, T0 + ALLOWED * 0.2)
    story.tick(T0 + ALLOWED * 1.9)

    assert [(w.fraction, w.at, w.deadline) for w in story.of(Warned, KEY)] == [
        (0.5, T0 + ALLOWED, until),
        (0.8, T0 + ALLOWED * 1.6, until),
    ]  # nothing against the old deadline, which no longer applies
    assert story.of(Breached, KEY) == []


def test_extension_approved_after_the_old_warnings_warns_again_before_the_new_deadline() -> None:
    story = _minor()
    story.tick(T0 + ALLOWED * 0.9)  # both warnings of the original deadline went out
    until = T0 + ALLOWED * 3
    _extended(story, until, T0 + ALLOWED * 0.9, T0 + ALLOWED * 0.95)
    story.tick(T0 + ALLOWED * 2.9)

    assert [(w.fraction, w.at, w.deadline) for w in story.of(Warned, KEY)] == [
        (0.5, T0 + ALLOWED * 0.5, DEADLINE),
        (0.8, T0 + ALLOWED * 0.8, DEADLINE),
        (0.5, T0 + ALLOWED * 1.5, until),
        (0.8, T0 + ALLOWED * 2.4, until),
    ]
    story.tick(T0 + ALLOWED * 10)
    assert len(story.of(Warned, KEY)) == 4  # each once, however often the scheduler comes back


def test_a_short_extension_warns_at_the_approval_once_not_in_a_burst() -> None:
    story = _minor()
    story.tick(T0 + ALLOWED * 0.9)
    until = DEADLINE + timedelta(hours=1)  # 80% of 13 hours is long past
    decided = T0 + ALLOWED * 0.95
    _extended(story, until, decided, decided)

    new = [(w.fraction, w.at, w.deadline) for w in story.of(Warned, KEY) if w.deadline == until]
    assert new == [(0.8, decided, until)]  # recorded with the approval itself
    story.tick(until - timedelta(seconds=1))
    assert len(story.of(Warned, KEY)) == 3


def test_a_rejected_extension_leaves_the_warnings_as_they_were() -> None:
    story = _minor()
    _extended(story, T0 + ALLOWED * 2, T0 + ALLOWED * 0.1, T0 + ALLOWED * 0.2, approved=False)
    story.tick(T0 + ALLOWED * 0.99)
    assert [(w.fraction, w.deadline) for w in story.of(Warned, KEY)] == [(0.5, DEADLINE), (0.8, DEADLINE)]


def test_rearmed_points_run_in_the_clocks_calendar() -> None:
    calendar = office_calendar()  # Mon-Fri 09:00-18:00 UTC
    start = T0  # Monday 09:30
    until = start + timedelta(days=2)  # Wednesday 09:30: 18 working hours
    warnings = rearmed(start, until, [0.5, 0.8], calendar, start + timedelta(minutes=5))
    # 9 working hours after Monday 09:30 is Tuesday 09:30; 14.4 hours is Tuesday 14:54.
    assert warnings == [
        {"fraction": 0.5, "at": start + timedelta(days=1)},
        {"fraction": 0.8, "at": start + timedelta(days=1, hours=5, minutes=24)},
    ]


# -- the order varies: when the approval comes against the old warnings, and when the scheduler runs --

_fractions = st.floats(min_value=0.01, max_value=0.99)


@settings(max_examples=150, deadline=None)
@given(
    decided=_fractions,  # when the manager approves, as a share of the original allowed time
    longer=st.floats(min_value=0.01, max_value=3.0),  # how much longer the extension runs
    ticks=st.lists(st.floats(min_value=0.0, max_value=5.0), max_size=8),  # scheduler runs
)
def test_each_deadline_is_warned_of_once_and_before_it_whatever_the_order(
    decided: float, longer: float, ticks: list[float]
) -> None:
    decided_at = T0 + ALLOWED * decided
    until = DEADLINE + ALLOWED * longer
    story = _minor()
    for tick in sorted(t for t in ticks if T0 + ALLOWED * t < decided_at):
        story.tick(T0 + ALLOWED * tick)
    _extended(story, until, decided_at, decided_at)
    for tick in sorted(t for t in ticks if decided_at <= T0 + ALLOWED * t < until):
        story.tick(T0 + ALLOWED * tick)
    story.tick(until - timedelta(microseconds=1))  # the scheduler has caught up just before the new deadline

    warned = story.of(Warned, KEY)
    old = [w for w in warned if w.deadline == DEADLINE]
    new = [w for w in warned if w.deadline == until]
    assert len(old) + len(new) == len(warned)
    # The old deadline's warnings: only those due before the approval, each once.
    assert [w.fraction for w in old] == [f for f in (0.5, 0.8) if T0 + ALLOWED * f <= decided_at]
    assert all(w.at <= decided_at for w in old)
    # The new deadline: warned of at least once, before it, never before the approval, each fraction once.
    assert new, "no warning before the extended deadline"
    assert all(decided_at <= w.at < until for w in new)
    assert len({w.fraction for w in new}) == len(new)
    # However late the scheduler ran, the record is the same as an on-time scheduler's.
    on_time = _minor()
    for share in (0.5, 0.8):
        if T0 + ALLOWED * share < decided_at:
            on_time.tick(T0 + ALLOWED * share)
    _extended(on_time, until, decided_at, decided_at)
    on_time.tick(until - timedelta(microseconds=1))
    assert [(w.fraction, w.at, w.deadline) for w in on_time.of(Warned, KEY)] == [
        (w.fraction, w.at, w.deadline) for w in warned
    ]
    assert story.of(Breached, KEY) == []
