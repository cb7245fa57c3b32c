"""The ledger's age rule (services/notifier/domain/ledger_age.py), pure: an entry is forgotten only once
the record it guards is no longer acted on, whatever the clocks say within the margin; the value format
is additive (an old value reads, undated)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifier.application import DEFAULT_AGE_RULE
from services.notifier.domain.ledger_age import AgeRule, Entry
from services.notifier.settings import NotifierSettings

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
seconds = st.floats(min_value=0, max_value=60 * 86400, allow_nan=False)


@st.composite
def rules(draw: st.DrawFn) -> AgeRule:
    margin = draw(st.floats(min_value=0, max_value=86400, allow_nan=False))
    keep = margin + draw(st.floats(min_value=1, max_value=30 * 86400, allow_nan=False))
    return AgeRule(keep=timedelta(seconds=keep), margin=timedelta(seconds=margin))


@given(rules(), seconds, seconds, st.floats(min_value=-1, max_value=1), st.booleans())
def test_an_entry_is_forgotten_only_when_its_record_is_no_longer_acted_on(
    rule: AgeRule, handled_after: float, later: float, skew_share: float, through_the_changelog: bool
) -> None:
    """The record is appended (broker clock) at T0; the worker writes its entry `handled_after` later by
    its own clock, which may disagree with the broker's by up to the margin either way. Whenever a sweep
    forgets the entry, a redelivery at that moment or after is not acted on: nothing is sent twice."""
    skew = rule.margin * skew_share
    written = T0 + timedelta(seconds=handled_after) + skew
    if through_the_changelog:  # the time as the changelog keeps it (whole seconds, rounded up)
        kept = Entry.decode(Entry("sent", written, 0).encode()).written_at
        assert kept is not None
        written = kept
    now = written + timedelta(seconds=later)
    if rule.forgets(written, now):
        assert not rule.acts_on(T0, now)
        assert not rule.acts_on(T0, now + timedelta(seconds=later))  # and ever after


@given(rules(), seconds)
def test_a_record_is_acted_on_until_the_window_ends_and_one_of_unknown_age_always(rule: AgeRule, age: float) -> None:
    now = T0 + timedelta(seconds=age)
    assert rule.acts_on(T0, now) == (timedelta(seconds=age) <= rule.keep - rule.margin)
    assert rule.acts_on(None, now)


def test_the_rule_needs_a_keep_longer_than_its_margin() -> None:
    with pytest.raises(ValueError, match="must exceed its margin"):
        AgeRule(keep=timedelta(hours=1), margin=timedelta(hours=1))
    with pytest.raises(ValueError, match="must exceed its margin"):
        AgeRule(keep=timedelta(hours=1), margin=timedelta(seconds=-1))


@given(
    st.sampled_from(["sent", "dead-lettered", "taken"]),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.integers(min_value=0, max_value=1023),
)
def test_a_value_keeps_its_outcome_partition_and_a_time_no_earlier_than_written(
    outcome: str, written: datetime, partition: int
) -> None:
    read = Entry.decode(Entry(outcome, written, partition).encode())
    assert (read.outcome, read.partition) == (outcome, partition)
    assert read.written_at is not None and written <= read.written_at < written + timedelta(seconds=1)


def test_a_value_written_before_entries_carried_their_time_reads_undated() -> None:
    assert Entry.decode(b"sent") == Entry("sent")
    assert Entry.decode(b"dead-lettered") == Entry("dead-lettered")
    assert Entry.decode(b"taken|not a time|x") == Entry("taken|not a time|x")  # kept, never forgotten
    assert Entry.decode(b"sent|2026-11-30T21:51:14Z|3") == Entry(
        "sent", datetime(2026, 11, 30, 21, 51, 14, tzinfo=UTC), 3
    )
    assert Entry("sent").encode() == b"sent"


def test_the_setting_is_seven_days_by_default_and_refuses_a_keep_within_its_margin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("NOTIFIER_LEDGER_KEEP_DAYS", "NOTIFIER_LEDGER_MARGIN_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    assert NotifierSettings().age_rule() == DEFAULT_AGE_RULE == AgeRule(timedelta(days=7), timedelta(hours=1))
    monkeypatch.setenv("NOTIFIER_LEDGER_KEEP_DAYS", "30")
    assert NotifierSettings().age_rule().window == timedelta(days=30) - timedelta(hours=1)
    monkeypatch.setenv("NOTIFIER_LEDGER_KEEP_DAYS", "0.01")  # 864 s, within the hour's margin
    with pytest.raises(ValueError, match="must exceed its margin"):
        NotifierSettings()
