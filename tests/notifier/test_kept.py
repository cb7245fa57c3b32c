"""What the notifier keeps of a registration after its complaint closes (`domain/kept.py`, pure): the
close and reopening marks decide the same whatever order and however often they are heard, and an
entry is forgotten only when closed longer than the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.notifier.domain.kept import DEFAULT_KEEP_AFTER_CLOSE, KeptContact, kept_contact
from services.notifier.settings import NotifierSettings

from .support import registered

T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)


def _kept() -> KeptContact:
    return KeptContact(
        reference="R-1 (office-a no. 42)", office_reference="R-1", office_id="office-a", sequence_number=42
    )


def _hear(kept: KeptContact, mark: tuple[str, datetime]) -> KeptContact:
    what, at = mark
    return kept.heard_closed(at) if what == "closed" else kept.heard_reopened(at)


# A complaint's history: closes and reopenings at distinct minutes (a close and a reopening are never
# recorded at the same instant: one follows from the other).
histories = st.lists(
    st.tuples(st.sampled_from(["closed", "reopened"]), st.integers(0, 60 * 24 * 90)),
    max_size=8,
    unique_by=lambda m: m[1],
).map(lambda marks: [(what, T0 + timedelta(minutes=m)) for what, m in marks])


@given(histories, st.randoms(use_true_random=False), st.integers(0, 3))
def test_the_marks_decide_as_the_history_in_order_whatever_order_and_repeats_they_are_heard_in(
    history: list[tuple[str, datetime]], shuffler: object, repeats: int
) -> None:
    in_order = _kept()
    for mark in sorted(history, key=lambda m: m[1]):
        in_order = _hear(in_order, mark)
    heard = list(history) + list(history[:repeats])  # redelivered, re-read by the reconciler
    shuffler.shuffle(heard)  # type: ignore[attr-defined]
    as_heard = _kept()
    for mark in heard:
        as_heard = _hear(as_heard, mark)
    assert as_heard.closed == in_order.closed
    last = max(history, key=lambda m: m[1], default=None)
    assert as_heard.closed == (last is not None and last[0] == "closed")  # the latest fact decides


@given(st.integers(0, 60 * 24 * 60), st.integers(0, 60 * 24 * 60))
def test_an_entry_is_forgotten_only_when_closed_longer_than_the_window(closed_after: int, now_after: int) -> None:
    closed_at = T0 + timedelta(minutes=closed_after)
    now = closed_at + timedelta(minutes=now_after)
    kept = _kept().heard_closed(closed_at)
    assert kept.forgettable(now, WINDOW) == (now - closed_at > WINDOW)
    reopened = kept.heard_reopened(closed_at + timedelta(minutes=1))
    assert not reopened.forgettable(now + WINDOW * 10, WINDOW)  # a reopened complaint keeps its contact
    assert not _kept().forgettable(now + WINDOW * 10, WINDOW)  # an open one too


def test_a_contact_kept_before_the_marks_reads_as_open_and_the_window_is_a_setting() -> None:
    old = KeptContact.model_validate_json(
        '{"personal": null, "reference": "R-1 (office-a no. 42)", "office_reference": "R-1", "partition": 3}'
    )
    assert not old.closed and not old.forgettable(T0, WINDOW)
    assert NotifierSettings().keep_after_close() == DEFAULT_KEEP_AFTER_CLOSE == WINDOW
    assert NotifierSettings(contact_keep_after_close_days=90).keep_after_close() == timedelta(days=90)
    # never shorter than the ledger's keep: a registration re-read within it would keep the contact again
    with pytest.raises(ValidationError, match="NOTIFIER_CONTACT_KEEP_AFTER_CLOSE_DAYS"):
        NotifierSettings(contact_keep_after_close_days=3, ledger_keep_days=7)


def test_the_reference_is_kept_from_intake_s_registration_in_each_language() -> None:
    kept = kept_contact(registered("chan@mail.test"))
    names = {"en": "Central office", "zh-Hant": "中環管理處", "zh-Hans": "中环管理处"}
    assert kept.reference_in("en", names.__getitem__) == f"{kept.office_reference} (Central office no. 42)"
    assert kept.reference_in("zh-Hant", names.__getitem__) == f"{kept.office_reference}（中環管理處第 42 號）"  # noqa: RUF001
    assert kept.reference_in("zh-Hans", names.__getitem__) == f"{kept.office_reference}（中环管理处第 42 号）"  # noqa: RUF001
