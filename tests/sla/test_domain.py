"""The SLA clocks, pure: given facts and a simulated time, then these warnings, breaches and outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.domain.clocks import ComplaintClocks
from services.sla.domain.errors import OutOfOrder
from services.sla.domain.policy import DEFAULT_POLICY
from tests.sla.scenario import T0, Story

Started = ComplaintClocks.ClockStarted
Warned = ComplaintClocks.WarningIssued
Breached = ComplaintClocks.BreachRecorded
Stopped = ComplaintClocks.ClockStopped

# severity -> (clock key that judges the handling, its allowed time)
SEVERITY_CLOCKS = {
    "minor": ("resolution#0", timedelta(hours=12)),
    "important": ("resolution#0", timedelta(days=1)),
    "major": ("settlement#0", timedelta(days=15)),
}


@pytest.mark.parametrize("severity", SEVERITY_CLOCKS)
def test_handled_in_time_is_met_with_no_warning(severity: str) -> None:
    key, allowed = SEVERITY_CLOCKS[severity]
    story = Story()
    story.registered()
    story.triaged(severity)
    story.tick(T0 + allowed * 0.4)
    story.fact("result", T0 + allowed * 0.45, resolved=True)
    story.tick(T0 + allowed * 3)

    (started,) = story.of(Started, key)
    assert started.deadline == T0 + allowed
    assert started.policy_version == DEFAULT_POLICY.version
    assert story.of(Warned, key) == [] and story.of(Breached, key) == []
    (stopped,) = story.of(Stopped, key)
    assert stopped.outcome == "met"


@pytest.mark.parametrize("severity", SEVERITY_CLOCKS)
def test_late_handling_warns_at_half_and_80_percent_then_breaches_at_the_deadline(severity: str) -> None:
    key, allowed = SEVERITY_CLOCKS[severity]
    story = Story()
    story.registered()
    story.triaged(severity)

    assert [e for e in story.tick(T0 + allowed * 0.49) if getattr(e, "key", None) == key] == []
    half = story.tick(T0 + allowed * 0.5)
    assert [(e.fraction, e.at) for e in half if isinstance(e, Warned) and e.key == key] == [(0.5, T0 + allowed * 0.5)]
    story.tick(T0 + allowed * 0.99)
    assert [w.fraction for w in story.of(Warned, key)] == [0.5, 0.8]
    assert story.of(Warned, key)[1].at == T0 + allowed * 0.8
    assert story.of(Breached, key) == []
    story.tick(T0 + allowed)
    (breach,) = story.of(Breached, key)
    assert (breach.level, breach.at, breach.recipients) == (1, T0 + allowed, ["supervisor", "leader"])

    # Escalation goes on up the ladder while it stays open: level 2 at 150%, level 3 at 200%.
    story.tick(T0 + allowed * 2)
    assert [(b.level, b.at) for b in story.of(Breached, key)] == [
        (1, T0 + allowed),
        (2, T0 + allowed * 1.5),
        (3, T0 + allowed * 2),
    ]
    story.fact("result", T0 + allowed * 2.1, resolved=True)
    assert story.of(Stopped, key)[0].outcome == "breached"
    later = story.tick(T0 + allowed * 10)
    assert [e for e in later if e.key == key] == []  # a stopped clock is quiet
    assert {e.key for e in later} == {"reply#0", "return-visit#0"}  # the result's clocks run now


@pytest.mark.parametrize("severity", SEVERITY_CLOCKS)
def test_firing_twice_records_each_warning_and_breach_once(severity: str) -> None:
    key, allowed = SEVERITY_CLOCKS[severity]
    story = Story()
    story.registered()
    story.triaged(severity)
    story.tick(T0 + allowed)
    story.tick(T0 + allowed)
    story.tick(T0 + allowed * 1.01)
    assert [w.fraction for w in story.of(Warned, key)] == [0.5, 0.8]
    assert [b.level for b in story.of(Breached, key)] == [1]


@pytest.mark.parametrize("severity", SEVERITY_CLOCKS)
def test_approved_extension_is_met_under_extension(severity: str) -> None:
    key, allowed = SEVERITY_CLOCKS[severity]
    story = Story()
    story.registered()
    story.triaged(severity)
    story.tick(T0 + allowed * 0.8)
    until = T0 + allowed * 1.5
    story.clocks.request_extension(key, until, "parts on order", "hk-central/staff", "department-staff",
                                   T0 + allowed * 0.85)  # fmt: skip
    story.clocks.decide_extension(key, True, "agreed with the customer", "hk-central/manager", "manager",
                                  T0 + allowed * 0.9)  # fmt: skip
    story.tick(T0 + allowed * 1.2)  # past the original deadline, inside the extension
    assert story.of(Breached, key) == []
    story.fact("result", T0 + allowed * 1.3, resolved=True)

    (stopped,) = story.of(Stopped, key)
    assert stopped.outcome == "met-under-extension"
    assert stopped.deadline == T0 + allowed  # the original deadline is kept
    assert stopped.extended_deadline == until


@pytest.mark.parametrize("severity", SEVERITY_CLOCKS)
def test_rejected_extension_breaches_at_the_original_deadline(severity: str) -> None:
    key, allowed = SEVERITY_CLOCKS[severity]
    story = Story()
    story.registered()
    story.triaged(severity)
    story.clocks.request_extension(key, T0 + allowed * 2, "short of staff", "hk-central/staff",
                                   "department-staff", T0 + allowed * 0.6)  # fmt: skip
    story.clocks.decide_extension(key, False, "not a reason", "hk-central/manager", "manager",
                                  T0 + allowed * 0.7)  # fmt: skip
    story.tick(T0 + allowed * 1.2)
    assert [(b.level, b.at) for b in story.of(Breached, key)] == [(1, T0 + allowed)]
    story.fact("result", T0 + allowed * 1.3, resolved=True)
    assert story.of(Stopped, key)[0].outcome == "breached"


def test_extension_rules_refuse_out_of_order_requests_and_record_nothing() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    with pytest.raises(OutOfOrder):  # nothing to decide yet
        story.clocks.decide_extension("resolution#0", True, "ok", "m", "manager", T0 + timedelta(hours=1))
    with pytest.raises(OutOfOrder):  # an extension must end later than the deadline
        story.clocks.request_extension("resolution#0", T0, "why", "s", "staff", T0 + timedelta(hours=1))
    with pytest.raises(OutOfOrder):  # too late: the deadline has passed
        story.clocks.request_extension(
            "resolution#0", T0 + timedelta(days=2), "why", "s", "staff", T0 + timedelta(hours=13)
        )
    with pytest.raises(OutOfOrder):  # no such clock
        story.clocks.request_extension("settlement#0", T0 + timedelta(days=2), "x", "s", "staff", T0)
    assert list(story.clocks.collect_events()) == []


def test_major_needs_a_clear_answer_within_two_days() -> None:
    story = Story()
    story.registered()
    story.triaged("major")
    story.fact("progress", T0 + timedelta(days=1))
    story.tick(T0 + timedelta(days=3))
    (stopped,) = story.of(Stopped, "clear-answer#0")
    assert stopped.outcome == "met"
    assert story.of(Breached, "clear-answer#0") == []


def test_hand_over_within_ten_minutes_and_late_hand_over_breaches() -> None:
    story = Story()
    story.registered()
    story.tick(T0 + timedelta(minutes=10))
    assert [(b.key, b.at) for b in story.of(Breached)] == [("hand-over#0", T0 + timedelta(minutes=10))]
    story.fact("accepted", T0 + timedelta(minutes=12))
    assert story.of(Stopped, "hand-over#0")[0].outcome == "breached"


def test_reply_same_day_and_return_visit_within_a_day_after_the_result() -> None:
    story = Story()
    story.registered()
    story.triaged("important")
    result_at = T0 + timedelta(hours=5)  # 14:30 UTC = 22:30 in Hong Kong
    story.fact("result", result_at, resolved=True)
    (reply,) = story.of(Started, "reply#0")
    assert reply.deadline == T0.replace(hour=16, minute=0)  # midnight in Hong Kong
    (visit,) = story.of(Started, "return-visit#0")
    assert visit.deadline == result_at + timedelta(days=1)
    story.fact("replied", T0 + timedelta(hours=6))
    story.fact("visited", T0 + timedelta(hours=20), outcome="satisfied")
    assert [s.outcome for s in story.of(Stopped) if s.key in ("reply#0", "return-visit#0")] == ["met", "met"]


def test_a_commitment_to_the_customer_is_a_clock() -> None:
    story = Story()
    story.registered()
    story.fact("commitment", T0 + timedelta(hours=1), due_at=T0 + timedelta(hours=3), promise="call back")
    story.tick(T0 + timedelta(hours=4))
    assert [b.at for b in story.of(Breached, "commitment#0")][:1] == [T0 + timedelta(hours=3)]


def test_facts_in_any_order_give_the_same_clocks() -> None:
    in_order, reversed_ = Story(), Story()
    in_order.registered()
    in_order.triaged("important")
    in_order.fact("accepted", T0 + timedelta(minutes=5))
    in_order.fact("result", T0 + timedelta(hours=3), resolved=True)

    reversed_.fact("result", T0 + timedelta(hours=3), resolved=True)
    reversed_.fact("accepted", T0 + timedelta(minutes=5))
    reversed_.triaged("important")
    reversed_.registered()

    def summary(story: Story) -> dict[str, tuple]:
        return {
            k: (c["started_at"], c["deadline"], c["stopped_at"], c["outcome"]) for k, c in story.clocks.clocks.items()
        }

    assert summary(in_order) == summary(reversed_)
    assert summary(in_order)["resolution#0"][3] == "met"


def test_valid_and_unresolved_at_day_seven_asks_for_a_major_regrade_once() -> None:
    story = Story()
    story.registered()
    story.triaged("important")
    story.tick(T0 + timedelta(days=6, hours=23))
    assert story.of(ComplaintClocks.RegradeRequested) == []
    story.tick(T0 + timedelta(days=7))
    story.tick(T0 + timedelta(days=8))
    (regrade,) = story.of(ComplaintClocks.RegradeRequested)
    assert regrade.at == T0 + timedelta(days=7)
    assert "unresolved 7 days" in regrade.reason
    assert regrade.rule == "sla.regrade.unresolved-week@v1"


@pytest.mark.parametrize(
    ("validity", "severity", "resolved_on_day"),
    [("invalid", "important", None), ("valid", "major", None), ("valid", "minor", 3)],
)
def test_no_regrade_when_invalid_already_major_or_resolved(
    validity: str, severity: str, resolved_on_day: int | None
) -> None:
    story = Story()
    story.registered()
    story.triaged(severity, validity=validity)
    if resolved_on_day:
        story.fact("result", T0 + timedelta(days=resolved_on_day), resolved=True)
    story.tick(T0 + timedelta(days=9))
    assert story.of(ComplaintClocks.RegradeRequested) == []


def test_reopened_case_runs_a_new_resolution_clock() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("result", T0 + timedelta(hours=2), resolved=True)
    story.fact("replied", T0 + timedelta(hours=3))
    story.fact("visited", T0 + timedelta(hours=4), outcome="dissatisfied")
    story.fact("reopened", T0 + timedelta(hours=5))
    (second,) = story.of(Started, "resolution#1")
    assert second.deadline == T0 + timedelta(hours=17)
    story.fact("result", T0 + timedelta(hours=8), resolved=True)
    assert story.of(Stopped, "resolution#1")[0].outcome == "met"
    assert story.of(Started, "return-visit#1")


def test_regraded_major_starts_the_major_clocks_from_the_regrade() -> None:
    story = Story()
    story.registered()
    story.triaged("important")
    day_seven = T0 + timedelta(days=7)
    story.tick(day_seven)
    story.fact("regraded", day_seven + timedelta(minutes=5), severity="major")
    (settlement,) = story.of(Started, "settlement#0")
    assert settlement.started_at == day_seven + timedelta(minutes=5)
    assert settlement.deadline == day_seven + timedelta(days=15, minutes=5)
    assert story.of(Started, "clear-answer#0")[0].rule == "sla.clear-answer.major@v1"
    story.tick(day_seven + timedelta(days=30))
    assert len(story.of(ComplaintClocks.RegradeRequested)) == 1  # asked once; major now


@pytest.mark.parametrize(("severity", "article"), [("minor", "a minor"), ("important", "an important")])
def test_the_resolution_clock_says_why_in_plain_english(severity: str, article: str) -> None:
    """The timeline read 'a important complaint is resolved within 1 day(s)' (seen walking the desk)."""
    story = Story()
    story.registered()
    story.triaged(severity)
    (started,) = story.of(Started, "resolution#0")
    assert started.reason.startswith(f"{article} complaint is resolved within"), started.reason


def test_a_progress_note_does_not_keep_a_promise() -> None:
    """Water promised back by 20:00, then a note "the water department is repairing": the promise still
    runs and breaches at 20:00 unless the department says it was kept (or the problem is resolved)."""
    story = Story()
    story.registered()
    story.triaged("important")
    due = T0 + timedelta(hours=8)
    story.fact("commitment", T0 + timedelta(hours=1), due_at=due, promise="今晚8點前恢復供水")
    story.fact("progress", T0 + timedelta(hours=2))
    assert "commitment#0" in {k for k, c in story.clocks.clocks.items() if c["stopped_at"] is None}
    story.tick(due + timedelta(minutes=1))
    assert [b.at for b in story.of(Breached, "commitment#0")][:1] == [due]


def test_a_promise_kept_or_resolved_stops_its_clock_met_or_breached() -> None:
    due = T0 + timedelta(hours=8)
    for fact, at, data, outcome in (
        ("commitment-kept", T0 + timedelta(hours=6), {"number": 0}, "met"),
        ("commitment-kept", T0 + timedelta(hours=9), {"number": 0}, "breached"),
        ("result", T0 + timedelta(hours=5), {"resolved": True}, "met"),
    ):
        story = Story()
        story.registered()
        story.triaged("important")
        story.fact("commitment", T0 + timedelta(hours=1), due_at=due, promise="今晚8點前恢復供水")
        story.fact("commitment", T0 + timedelta(hours=2), due_at=due, promise="call back")
        story.fact(fact, at, **data)
        stopped = {s.key: s.outcome for s in story.of(Stopped)}
        assert stopped.get("commitment#0") == outcome, fact
        assert ("commitment#1" in stopped) is (fact == "result")  # a kept promise keeps only itself


def test_an_unresolved_result_keeps_no_promise() -> None:
    story = Story()
    story.registered()
    story.triaged("important")
    story.fact("commitment", T0 + timedelta(hours=1), due_at=T0 + timedelta(hours=8), promise="fixed tonight")
    story.fact("result", T0 + timedelta(hours=2), resolved=False)
    assert "commitment#0" not in {s.key for s in story.of(Stopped)}
