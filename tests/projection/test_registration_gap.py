"""Issue 8 (6): the time intake heard of a complaint is judged beside the office's own claim, and a gap
between them is a concealment signal (`registered-late`), as well as the record rule's 'recorded' step."""

from __future__ import annotations

from datetime import timedelta

from services.projection.domain.policy import Policy
from services.projection.domain.signals import late_registrations
from tests.projection.scenario import START, Story
from tests.projection.test_domain import view_of

POLICY = Policy()


def story(registered_after: timedelta) -> Story:
    return Story(run="gap", office_id="hk-central", sequence_number=1, received_at=START,
                 registered_after=registered_after)  # fmt: skip


def test_a_registration_three_days_after_the_claimed_receipt_is_a_signal_and_a_late_record() -> None:
    view = view_of(story(timedelta(days=3)))

    signals = [s for s in late_registrations([view], POLICY) if s.kind == "registered-late"]
    recorded = next(c for c in view.checks(START + timedelta(days=4), POLICY) if c.step == "recorded")

    assert [(s.complaint_id, s.detail) for s in signals] == [
        (str(view.complaint_id), "registered 3 day(s) after the office says it received it")
    ]
    assert recorded.status == "late"


def test_a_registration_within_the_record_rule_is_no_signal() -> None:
    view = view_of(story(timedelta(minutes=30)))

    assert [s for s in late_registrations([view], POLICY) if s.kind == "registered-late"] == []
