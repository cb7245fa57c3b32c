"""The desk's own logic, without I/O: the queue's countdowns and whose move it is, the status page's
allow-list, how a form's text becomes a route's JSON, and the role table kept to the services'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.desk.domain import public_status
from services.desk.domain.forms import FORMS, FormProblem, HotlineForm, extendable
from services.desk.domain.queue import Level, countdowns, next_step, settled, worst
from services.desk.domain.roles import ACTION_ROLES, Action, allowed

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
HK = ZoneInfo("Asia/Hong_Kong")


def check(step: str, status: str, due: datetime | None, violation: bool = False) -> dict[str, object]:
    return {"step": step, "status": status, "violation": violation, "due_at": due.isoformat() if due else None}


def test_countdowns_count_the_owed_steps_soonest_first_with_their_level() -> None:
    history = {
        "checks": [
            check("recorded", "done", NOW - timedelta(hours=1)),
            check("return-visit", "pending", NOW + timedelta(days=1)),
            check("handled", "pending", NOW + timedelta(minutes=30)),
            check("reply", "overdue", NOW - timedelta(minutes=5), violation=True),
        ],
        "timeline": [],
    }
    found = countdowns(history, NOW)
    assert [(c.step, c.level) for c in found] == [
        ("reply", Level.BREACHED),
        ("handled", Level.OK),  # 30 minutes left, and the SLA has not warned: on time
        ("return-visit", Level.OK),
    ]
    assert found[0].remaining_seconds == -300 and found[1].remaining_seconds == 1800
    assert worst(found) is Level.BREACHED and worst([]) is Level.OK


def test_a_short_clock_is_on_time_until_the_sla_warns() -> None:
    """Seen at the desk under `make up`: a major complaint's 10-minute hand-over showed as a warning from
    its first second, while the SLA warns at half and four fifths of the allowed time (its policy): the
    desk had a rule of its own, any clock with under an hour left. When to warn is the SLA's fact."""
    due = NOW + timedelta(minutes=10)
    started = {
        "type": "complaints.sla.ClockStarted",
        "payload": {"clock": "hand-over", "key": "hand-over#0", "deadline": due.isoformat()},
    }
    history: dict[str, Any] = {"checks": [check("handled", "pending", due)], "timeline": [started]}
    assert [c.level for c in countdowns(history, NOW)] == [Level.OK]
    assert [c.level for c in countdowns(history, NOW + timedelta(minutes=9))] == [Level.OK]
    history["timeline"].append(
        {
            "type": "complaints.sla.DeadlineWarning",
            "payload": {"clock": "hand-over", "deadline": due.isoformat(), "fraction": 0.5},
        }
    )
    assert [c.level for c in countdowns(history, NOW + timedelta(minutes=5))] == [Level.WARNING]
    # the same for a clock beside the steps: a promise due in 20 minutes, not warned of yet
    promise = {
        "type": "complaints.sla.ClockStarted",
        "payload": {
            "clock": "commitment",
            "key": "commitment#0",
            "deadline": (NOW + timedelta(minutes=20)).isoformat(),
        },
    }
    assert [(c.step, c.level) for c in countdowns({"checks": [], "timeline": [promise]}, NOW)] == [
        ("commitment", Level.OK)
    ]  # fmt: skip


def test_an_sla_warning_on_the_timeline_makes_a_far_clock_a_warning() -> None:
    due = NOW + timedelta(hours=5)
    history = {
        "checks": [check("handled", "pending", due)],
        "timeline": [{"type": "complaints.sla.DeadlineWarning",
                      "payload": {"clock": "hand-over", "deadline": due.isoformat(), "fraction": 0.8}}],
    }  # fmt: skip
    assert [c.level for c in countdowns(history, NOW)] == [Level.WARNING]


def test_a_warning_about_one_clock_leaves_the_other_steps_on_time() -> None:
    """Seen in the queue under `make up`: the hand-over's warning (then breach) showed the result, the
    reply and the return visit, due hours later, as warnings too."""
    handed_over_by = NOW - timedelta(minutes=5)
    history = {
        "checks": [
            check("handled", "overdue", handed_over_by, violation=True),
            check("result", "pending", NOW + timedelta(hours=11)),
            check("reply", "waiting", None),
            check("return-visit", "waiting", None),
        ],
        "timeline": [{"type": "complaints.sla.DeadlineWarning",
                      "payload": {"clock": "hand-over", "deadline": handed_over_by.isoformat(), "fraction": 0.5}},
                     {"type": "complaints.sla.DeadlineWarning",  # a superseded resolution clock's
                      "payload": {"clock": "resolution", "deadline": (NOW + timedelta(hours=1)).isoformat()}}],
    }  # fmt: skip
    assert {c.step: c.level for c in countdowns(history, NOW)} == {
        "handled": Level.BREACHED,
        "result": Level.OK,
        "reply": Level.OK,
        "return-visit": Level.OK,
    }


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_a_pending_clock_is_breached_exactly_when_past_due(seconds: int) -> None:
    [clock] = countdowns({"checks": [check("handled", "pending", NOW + timedelta(seconds=seconds))]}, NOW)
    assert (clock.level is Level.BREACHED) == (seconds < 0)
    assert clock.remaining_seconds == seconds


def timeline(*kinds: str) -> list[dict[str, str]]:
    return [{"type": f"complaints.x.{k}", "occurred_at": NOW.isoformat()} for k in kinds]


@pytest.mark.parametrize(
    ("state", "kinds", "facts", "expected"),
    [
        ("registered", (), {}, "triage"),
        ("routed", ("CaseOpened",), {}, "accept"),
        ("in-handling", ("CaseAccepted",), {}, "handle"),
        ("in-handling", ("CaseAccepted", "SolutionProposed"), {}, "approve"),
        ("in-handling", ("SolutionProposed", "SolutionRejected"), {}, "handle"),
        ("in-handling", ("SolutionProposed", "SolutionApproved"), {}, "handle"),
        ("resulted", (), {}, "reply"),
        ("triaged", (), {"validity": "invalid"}, "reply"),
        ("declined", ("CaseOpened",), {"validity": "invalid"}, "reply"),  # judged invalid: its explanation
        ("explained", ("CustomerReplied",), {"validity": "invalid"}, "close"),  # no return visit owed
        ("replied", (), {}, "visit"),
        ("visited", (), {}, "close"),
        ("closed", (), {}, None),
    ],
)
def test_whose_move_it_is(state: str, kinds: tuple[str, ...], facts: dict[str, str], expected: str | None) -> None:
    assert next_step({"state": state, "complaint": facts, "timeline": timeline(*kinds)}) == expected


def test_the_status_page_keeps_only_milestones_never_people_or_notes() -> None:
    history = {
        "complaint": {"replied_at": NOW.isoformat()},
        "timeline": [
            {"type": "complaints.intake.ComplaintRegistered", "occurred_at": NOW.isoformat(), "actor": "hk/reception",
             "payload": {"form": {"received_by": "Amy Wong"}}},
            {"type": "complaints.handling.CauseRecorded", "occurred_at": NOW.isoformat(), "actor": "hk/staff",
             "payload": {"cause": "staff forgot", "responsible_person": "Mr Lee"}},
            {"type": "complaints.triage.DecisionOverridden", "occurred_at": NOW.isoformat(), "actor": "hk/sup",
             "payload": {"reason": "internal"}},
            {"type": "complaints.followup.ReturnVisitMade", "occurred_at": NOW.isoformat(), "actor": "hk/sup",
             "payload": {"outcome": "dissatisfied", "remarks": "rude customer"}},
        ],
    }  # fmt: skip
    found = public_status.milestones(history)
    assert [(m.key, m.detail) for m in found] == [("received", None), ("visited", "dissatisfied")]
    assert public_status.stage(history) == "replied"
    assert "Mr Lee" not in repr(found) and "rude" not in repr(found) and "Amy" not in repr(found)


def test_a_form_s_text_becomes_the_route_s_json() -> None:
    visit = FORMS["visit"].body({"outcome": "satisfied", "satisfaction": "5", "acknowledged": "true"}, HK)
    assert visit == {"outcome": "satisfied", "satisfaction": 5, "acknowledged": True}
    unreachable = FORMS["visit"].body({"outcome": "unreachable", "satisfaction": "", "remarks": " "}, HK)
    assert unreachable == {"outcome": "unreachable", "acknowledged": False}
    promise = FORMS["commitment"].body({"promise": "call back", "due_at": "2026-12-01T10:30"}, HK)
    assert promise["due_at"] == "2026-12-01T10:30:00+08:00"
    assert FORMS["result"].body({"result": "done"}, HK) == {"result": "done", "resolved": False}
    with pytest.raises(FormProblem):
        FORMS["visit"].body({"outcome": "satisfied", "satisfaction": "five"}, HK)
    with pytest.raises(FormProblem):
        FORMS["commitment"].body({"promise": "x", "due_at": "tomorrow"}, HK)
    assert FORMS["extension"].body({"until": "2026-11-30T18:00", "reason": "parts", "clock": "x"}, HK) == {
        "until": "2026-11-30T18:00:00+08:00",
        "reason": "parts",
    }
    assert FORMS["extension-decision"].body({"approved": "false", "reason": "no"}, HK) == {
        "approved": False,
        "reason": "no",
    }
    assert HotlineForm().body(
        {"office_id": "kln-east", "hotline_reference": "HL-7", "reported_at": "2026-11-30T09:15", "name": "Lee",
         "contact": "6000 2222", "unit_address": "Tower 2", "summary": "lift stopped"}, HK,
    ) == {"office_id": "kln-east", "hotline_reference": "HL-7", "reported_at": "2026-11-30T09:15:00+08:00",
          "complainant": {"name": "Lee", "contact": "6000 2222"}, "unit_address": "Tower 2",
          "summary": "lift stopped"}  # fmt: skip


def test_the_roles_offered_are_the_services_own() -> None:
    """The desk only hides forms; each service decides. The table must say what the services say."""
    from services.followup.entrypoints import http as followup
    from services.handling.entrypoints import http as handling
    from services.intake import application as intake
    from services.sla.entrypoints import http as sla
    from services.triage.entrypoints import http as triage

    assert ACTION_ROLES[Action.REGISTER] == intake.REGISTERING_ROLES
    assert ACTION_ROLES[Action.OVERRIDE] == frozenset(triage.DECIDING_ROLES)
    assert ACTION_ROLES[Action.HANDLE] == frozenset(handling.DEPARTMENT_ROLES)
    assert ACTION_ROLES[Action.APPROVE] == frozenset(handling.APPROVING_ROLES)
    assert ACTION_ROLES[Action.REPLY] == frozenset(followup.AGREEING_ROLES)
    assert ACTION_ROLES[Action.VISIT] == frozenset(followup.VISITING_ROLES)
    assert ACTION_ROLES[Action.CLOSE] == frozenset(followup.CLOSING_ROLES)
    assert ACTION_ROLES[Action.EXTEND] == frozenset(sla.REQUESTING_ROLES)
    assert ACTION_ROLES[Action.DECIDE_EXTENSION] == frozenset(sla.DECIDING_ROLES)
    assert ACTION_ROLES[Action.WAIVE] == frozenset(followup.AGREEING_ROLES)
    assert ACTION_ROLES[Action.HOTLINE] == intake.HOTLINE_ROLES
    assert allowed(frozenset({"group"}), None) == frozenset()
    assert allowed(frozenset({"hotline"}), None) == {Action.HOTLINE}
    assert allowed(frozenset({"leader"}), "hk-central") == {
        Action.OVERRIDE,
        Action.HANDLE,
        Action.APPROVE,
        Action.EXTEND,
    }
    assert Action.DECIDE_EXTENSION in allowed(frozenset({"manager"}), "hk-central")


def test_more_time_is_offered_only_on_a_running_clock_before_its_deadline_in_force() -> None:
    """The walk-through found the desk offering a breached clock, which the SLA then refused."""
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)

    def clock(key: str, in_force: str, **more: Any) -> dict[str, Any]:
        return {"key": key, "deadline_in_force": in_force, "extension": None, "stopped_at": None} | more

    clocks = [
        clock("resolution#0", "2026-11-30T05:00:00Z"),
        clock("hand-over#0", "2026-11-30T01:00:00Z"),  # ran out
        clock("reply#0", "2026-11-30T09:00:00+00:00", extension={"until": "x", "approved": None}),
        clock("return-visit#0", "2026-12-01T09:00:00+00:00", stopped_at="2026-11-30T01:30:00+00:00"),
    ]
    assert [c["key"] for c in extendable(clocks, now)] == ["resolution#0"]


def sla(kind: str, clock: str, key: str, **payload: Any) -> dict[str, Any]:
    return {"type": f"complaints.sla.{kind}", "payload": {"clock": clock, "key": key, **payload}}


def test_a_major_complaint_s_clear_answer_and_a_promise_are_counted_down_beside_the_steps() -> None:
    """Found on `make up`: six residents' lift complaint, major, showed 'result due in 2 weeks' (the
    settlement) in the queue and on its page; its 2-day clear answer to the customer and the time the
    department promised the customer were nowhere among the clocks."""
    settled_by, answer_by, promised_by = NOW + timedelta(days=15), NOW + timedelta(days=2), NOW + timedelta(hours=3)
    history = {
        "state": "in-handling",
        "checks": [check("result", "pending", settled_by)],
        "timeline": [
            sla("ClockStarted", "clear-answer", "clear-answer#0", deadline=answer_by.isoformat()),
            sla("ClockStarted", "settlement", "settlement#0", deadline=settled_by.isoformat()),
            sla("ClockStarted", "commitment", "commitment#0", deadline=promised_by.isoformat()),
        ],
    }
    assert [(c.step, c.due_at, c.level) for c in countdowns(history, NOW)] == [
        ("commitment", promised_by, Level.OK),
        ("clear-answer", answer_by, Level.OK),
        ("result", settled_by, Level.OK),
    ]
    # the SLA's word on each: a warning, a breach, an approved extension, and a clock that stopped
    history["timeline"] += [
        sla("DeadlineWarning", "commitment", "commitment#0", deadline=promised_by.isoformat(), fraction=0.8),
        sla("ExtensionDecided", "clear-answer", "clear-answer#0", approved=True,
            until=(answer_by + timedelta(days=1)).isoformat(), reason="ok"),
    ]  # fmt: skip
    assert {c.step: (c.due_at, c.level) for c in countdowns(history, NOW)} == {
        "commitment": (promised_by, Level.WARNING),
        "clear-answer": (answer_by + timedelta(days=1), Level.OK),
        "result": (settled_by, Level.OK),
    }
    history["timeline"] += [
        sla("DeadlineBreached", "commitment", "commitment#0", deadline=promised_by.isoformat(), escalation_level=1),
        sla("ClockStopped", "clear-answer", "clear-answer#0", deadline=answer_by.isoformat()),
    ]
    assert [(c.step, c.level) for c in countdowns(history, NOW)] == [
        ("commitment", Level.BREACHED),
        ("result", Level.OK),
    ]
    assert [c.step for c in countdowns(history | {"state": "closed"}, NOW)] == ["result"]


def test_a_clock_the_sla_stopped_is_a_step_done_and_only_a_breached_one_is_late() -> None:
    due = NOW - timedelta(hours=2)
    [owed] = countdowns({"checks": [check("handled", "overdue", due, violation=True)]}, NOW)

    def sla(kind: str, outcome: str | None, stopped: datetime | None) -> dict[str, Any]:
        return {"kind": kind, "deadline": due.isoformat(), "deadline_in_force": due.isoformat(),
                "stopped_at": stopped.isoformat() if stopped else None, "outcome": outcome}  # fmt: skip

    [late] = settled([owed], [sla("hand-over", "breached", due + timedelta(minutes=30))])
    assert (late.done_at, late.late_seconds, late.remaining_seconds) == (due + timedelta(minutes=30), 1800, None)
    [met] = settled([owed], [sla("hand-over", "met", due)])
    assert (met.done_at, met.late_seconds, met.level) == (due, None, Level.OK)
    # still running, set aside for another clock, or another step's: the countdown stays as it was
    for other in (sla("hand-over", None, None), sla("hand-over", "superseded", NOW), sla("reply", "breached", NOW)):
        assert settled([owed], [other]) == [owed]
