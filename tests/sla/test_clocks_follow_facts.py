"""Clocks follow the facts as they change (issue 8): hand-over hops, re-grades, overrides, waivers, closing.

Each test here failed on the code before it: a clock kept running after the fact that ends it, or a
re-grade started a back-dated clock, or erased a breach that had already happened.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.sla.domain.clocks import ComplaintClocks
from tests.sla.scenario import T0, Story

Started = ComplaintClocks.ClockStarted
Breached = ComplaintClocks.BreachRecorded
Stopped = ComplaintClocks.ClockStopped
Superseded = ComplaintClocks.ClockSuperseded


def running(story: Story) -> set[str]:
    return {k for k, c in story.clocks.clocks.items() if c["stopped_at"] is None}


def test_an_accepted_hand_over_stops_its_hops_clock_and_each_hop_has_its_own() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("accepted", T0 + timedelta(minutes=3))
    story.fact("handover-requested", T0 + timedelta(hours=1), to_department="engineering")
    story.fact("handover-accepted", T0 + timedelta(hours=1, minutes=6), department="engineering")
    story.fact("handover-requested", T0 + timedelta(hours=2), to_department="security")
    story.fact("handover-accepted", T0 + timedelta(hours=2, minutes=9), department="security")
    story.fact("result", T0 + timedelta(hours=3), resolved=True)
    story.tick(T0 + timedelta(days=3))

    hops = {e.key: e.outcome for e in story.of(Stopped) if e.kind == "hand-over"}
    assert hops == {"hand-over#0": "met", "hand-over#1": "met", "hand-over#2": "met"}
    assert [e for e in story.of(Breached) if e.kind == "hand-over"] == []


def test_a_hand_over_accepted_late_breaches_only_its_own_hop() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("accepted", T0 + timedelta(minutes=3))
    story.fact("handover-requested", T0 + timedelta(hours=1), to_department="engineering")
    story.tick(T0 + timedelta(hours=1, minutes=30))
    story.fact("handover-accepted", T0 + timedelta(hours=1, minutes=31), department="engineering")
    story.tick(T0 + timedelta(hours=5))
    assert {e.key for e in story.of(Breached)} == {"hand-over#1"}
    assert {e.key: e.outcome for e in story.of(Stopped)}["hand-over#1"] == "breached"
    assert "hand-over#1" not in running(story)


def test_a_mass_incident_regrade_supersedes_the_minor_clock_and_times_major_from_the_regrade() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("accepted", T0 + timedelta(minutes=3))
    regraded_at = T0 + timedelta(minutes=20)
    story.fact("regraded", regraded_at, severity="major")
    # Handled within the major limits, long after the minor half-day.
    story.fact("progress", T0 + timedelta(days=1))
    story.fact("result", T0 + timedelta(days=10), resolved=True)
    story.fact("replied", T0 + timedelta(days=10, hours=1))
    story.fact("visited", T0 + timedelta(days=10, hours=5), outcome="satisfied")
    story.tick(T0 + timedelta(days=40))

    assert story.of(Breached) == []
    (superseded,) = story.of(Superseded)
    assert (superseded.key, superseded.at, superseded.breached) == ("resolution#0", regraded_at, False)
    starts = {e.key: (e.started_at, e.deadline) for e in story.of(Started)}
    assert starts["clear-answer#0"] == (regraded_at, regraded_at + timedelta(days=2))
    assert starts["settlement#0"] == (regraded_at, regraded_at + timedelta(days=15))
    assert running(story) == set()


def test_minor_to_important_gets_the_one_day_limit() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("regraded", T0 + timedelta(hours=2), severity="important")
    story.fact("result", T0 + timedelta(hours=20), resolved=True)  # after ½ day, within 1 day of the re-grade
    story.tick(T0 + timedelta(days=3))
    assert [e for e in story.of(Breached) if e.kind == "resolution"] == []
    stopped = {e.key: e.outcome for e in story.of(Stopped)}
    assert stopped["resolution#0.1"] == "met"


def test_major_to_minor_starts_no_back_dated_clock() -> None:
    story = Story()
    story.registered()
    story.triaged("major")
    story.tick(T0 + timedelta(days=3))
    story.fact("regraded", T0 + timedelta(days=3), severity="minor")
    new = story.tick(T0 + timedelta(days=3, minutes=1))
    assert [e for e in new if isinstance(e, Breached) and e.kind == "resolution"] == []
    (resolution,) = [e for e in story.of(Started) if e.kind == "resolution"]
    assert resolution.started_at == T0 + timedelta(days=3)
    assert resolution.deadline == T0 + timedelta(days=3, hours=12)


def test_the_day_seven_regrade_keeps_the_breach_it_reports() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("accepted", T0 + timedelta(minutes=3))
    story.tick(T0 + timedelta(days=7))
    story.fact("regraded", T0 + timedelta(days=7), severity="major")
    story.fact("result", T0 + timedelta(days=8), resolved=True)
    story.tick(T0 + timedelta(days=9))
    (superseded,) = [e for e in story.of(Superseded) if e.key == "resolution#0"]
    assert superseded.breached is True  # the half-day was missed: the re-grade does not erase it
    escalations_after = [e for e in story.of(Breached) if e.key == "resolution#0" and e.at > T0 + timedelta(days=7)]
    assert escalations_after == []  # and the old clock no longer climbs the ladder


def test_an_override_to_invalid_removes_resolution_and_return_visit_and_owes_the_explanation() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    overridden_at = T0 + timedelta(minutes=30)
    story.fact("overridden", overridden_at, aspect="validity", value="invalid")
    story.fact("replied", T0 + timedelta(hours=2))
    story.fact("closed", T0 + timedelta(hours=3))
    story.tick(T0 + timedelta(days=10))

    assert story.of(Breached) == []
    superseded = {e.key: e.reason for e in story.of(Superseded)}
    assert set(superseded) == {"hand-over#0", "resolution#0"}
    assert "validity overridden to invalid" in superseded["resolution#0"]
    kinds = {e.kind for e in story.of(Started)}
    assert "return-visit" not in kinds
    reply = [e for e in story.of(Started) if e.kind == "reply"]
    assert [r.started_at for r in reply] == [overridden_at]
    assert {e.key: e.outcome for e in story.of(Stopped)}[reply[0].key] == "met"
    assert running(story) == set()


def test_a_waived_return_visit_has_no_clock() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("waived", T0 + timedelta(minutes=1), step="return-visit", reason="consultation")
    story.fact("result", T0 + timedelta(hours=2), resolved=True)
    story.fact("replied", T0 + timedelta(hours=3))
    story.tick(T0 + timedelta(days=5))
    assert "return-visit" not in {e.kind for e in story.of(Started)}
    assert story.of(Breached) == [e for e in story.of(Breached) if e.kind == "hand-over"]


def test_a_closed_complaint_has_no_running_clock() -> None:
    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("accepted", T0 + timedelta(minutes=3))
    story.fact("commitment", T0 + timedelta(hours=1), due_at=T0 + timedelta(days=3), promise="call back")
    story.fact("closed", T0 + timedelta(hours=2))
    assert running(story) == set()
    assert story.tick(T0 + timedelta(days=30)) == []


def test_an_override_heard_after_the_result_gives_the_same_outcomes_as_before() -> None:
    def outcomes(order: list[int]) -> dict[str, tuple[str, bool]]:
        story = Story()
        facts = [
            ("registered", T0, {}),
            ("triaged", T0 + timedelta(minutes=1), {"severity": "minor", "validity": "valid"}),
            ("accepted", T0 + timedelta(minutes=2), {}),
            ("regraded", T0 + timedelta(hours=20), {"severity": "major"}),
            ("result", T0 + timedelta(hours=6), {"resolved": True}),
        ]
        for i in order:
            name, at, data = facts[i]
            story.fact(name, at, **data)
        story.tick(T0 + timedelta(days=30))
        ends: dict[str, tuple[str, bool]] = {}
        for clock in story.clocks.clocks.values():
            if clock["outcome"] == "superseded" and clock["stopped_at"] == clock["started_at"]:
                continue  # withdrawn at its start: never applied
            ends[f"{clock['kind']}@{clock['started_at']}"] = (
                clock["outcome"],
                clock["outcome"] == "breached" or bool(clock.get("superseded_breached")),
            )
        return ends

    assert outcomes([0, 1, 2, 3, 4]) == outcomes([0, 1, 2, 4, 3]) == outcomes([4, 0, 3, 1, 2])


def test_a_cluster_regrade_dated_before_the_members_own_triage_still_amends_it() -> None:
    # Found on the real broker: the cluster completed by an earlier complaint re-grades a later member at
    # the earlier instant. The re-grade amends the judgement; it never sorts before it.
    story = Story()
    story.registered()
    story.fact("regraded", T0 - timedelta(minutes=20), severity="major")
    story.triaged("minor")
    assert story.clocks.severity is not None and story.clocks.severity.value == "major"
    assert {e.kind for e in story.of(Started)} >= {"clear-answer", "settlement"}


def test_a_withdrawn_waiver_makes_the_next_results_visit_timed_again() -> None:
    import uuid

    from services.sla.adapters.inbound import clock_fact
    from shared.contracts import Actor
    from shared.contracts.followup import WaiverWithdrawn

    cid = uuid.uuid4()
    withdrawn = WaiverWithdrawn(
        event_id=uuid.uuid4(), complaint_id=cid, office_id="hk-central", occurred_at=T0 + timedelta(minutes=30),
        actor=Actor.system("followup"), correlation_id=cid,
        payload={"step": "return-visit", "reason": "overridden", "policy_rule": "followup.waive@v1"},
    )  # fmt: skip
    name, at, data = clock_fact(withdrawn) or ("", None, {})
    assert (name, data.get("withdrawn")) == ("waived", True)

    story = Story()
    story.registered()
    story.triaged("minor")
    story.fact("waived", T0 + timedelta(minutes=1), step="return-visit", reason="consultation")
    story.fact(name, at, **data)
    story.fact("result", T0 + timedelta(hours=2), resolved=True)
    assert "return-visit" in {e.kind for e in story.of(Started)}


def test_judged_valid_after_all_the_hand_over_is_timed_from_that_judgement() -> None:
    story = Story()
    story.registered()
    story.triaged("minor", validity="invalid")
    story.fact("overridden", T0 + timedelta(hours=1), aspect="validity", value="valid")
    story.fact("accepted", T0 + timedelta(hours=1, minutes=4))
    story.tick(T0 + timedelta(hours=3))
    hand_overs = [(e.started_at, e.key) for e in story.of(Started) if e.kind == "hand-over"]
    assert hand_overs == [(T0, "hand-over#0"), (T0 + timedelta(hours=1), "hand-over#0.1")]
    assert [e for e in story.of(Breached) if e.kind == "hand-over"] == []
    assert {e.key: e.outcome for e in story.of(Stopped)}["hand-over#0.1"] == "met"


def heard(story: Story, fact: str, at: datetime, cause_id: str, **data: Any) -> None:
    """A fact with a known cause id (to check which event a clock names as its cause)."""
    story.clocks.note(fact, at, cause_id, story.policy, story.calendar, **data)
    story.events += list(story.clocks.collect_events())


def test_closed_as_invalid_then_judged_valid_runs_the_valid_clocks_from_the_override() -> None:
    """Follow-up opens the closed case again (`unclosed`, at the override): the close no longer ends
    the valid complaint's clocks; they start at the override, caused by it, in either order heard."""
    overridden_at = T0 + timedelta(days=1)
    for unclosed_first in (False, True):
        story = Story()
        story.registered()
        story.triaged("minor", validity="invalid")
        story.fact("replied", T0 + timedelta(hours=1))
        story.fact("closed", T0 + timedelta(hours=2))
        if unclosed_first:
            heard(story, "unclosed", overridden_at, "reopen-1")
        heard(story, "overridden", overridden_at, "override-1", aspect="validity", value="valid")
        if not unclosed_first:
            assert running(story) == set()  # the override alone does not open a closed case
            heard(story, "unclosed", overridden_at, "reopen-1")
        assert running(story) == {"hand-over#0.1", "resolution#0"}
        starts = {e.key: (e.started_at, e.cause_id) for e in story.of(Started)}
        assert starts["hand-over#0.1"] == (overridden_at, "override-1")
        assert starts["resolution#0"] == (overridden_at, "override-1")
        story.tick(overridden_at + timedelta(hours=1))
        assert {e.key for e in story.of(Breached)} == {"hand-over#0.1"}  # late since the override


def test_a_second_close_ends_the_reopened_complaints_clocks() -> None:
    story = Story()
    story.registered()
    story.triaged("minor", validity="invalid")
    story.fact("closed", T0 + timedelta(hours=2))
    story.fact("overridden", T0 + timedelta(days=1), aspect="validity", value="valid")
    story.fact("unclosed", T0 + timedelta(days=1))
    story.fact("accepted", T0 + timedelta(days=1, minutes=5))
    story.fact("result", T0 + timedelta(days=1, hours=2), resolved=True)
    story.fact("replied", T0 + timedelta(days=1, hours=3))
    story.fact("visited", T0 + timedelta(days=1, hours=4), outcome="satisfied")
    story.fact("closed", T0 + timedelta(days=1, hours=5))
    assert running(story) == set()
    assert story.clocks.closed
