"""A complaint's clocks as the queue shows them: each record-rule step still owed (and, beside them, a
major complaint's clear answer and the times promised to the customer), when it is due, how long is
left, and whether it is on time, in warning or breached. The deadlines and verdicts are the
SLA's (read through the projection's history, which carries them); the desk only counts down. A
clock is a warning when the SLA warned about it, at the shares of the allowed time its policy names:
the desk keeps no rule of its own (one of an hour showed a 10-minute hand-over in warning from its
first second, five minutes before the SLA's first warning).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

# A step still owed: the projection's statuses for "not done yet".
OWED = frozenset({"pending", "overdue", "waiting"})
BREACHED = frozenset({"overdue", "late"})


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


@dataclass(frozen=True)
class Countdown:
    step: str
    due_at: datetime | None
    remaining_seconds: int | None  # negative once past due
    level: Level
    status: str
    done_at: datetime | None = None  # the step is done: nothing left to count down
    late_seconds: int | None = None  # done after its deadline, by this much


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


# The SLA's clock kinds -> the record-rule step each one times (the projection's check steps).
CLOCK_STEP = {
    "hand-over": "handled",
    "resolution": "result",
    "clear-answer": "result",
    "settlement": "result",
    "reply": "reply",
    "return-visit": "return-visit",
}


def _warned(entry: dict[str, Any], step: str, due: datetime | None) -> bool:
    """The SLA warned about this step's clock: a `DeadlineWarning` for the clock that times the step
    and, where both are known, for the deadline the step has now (not a superseded clock's)."""
    if not str(entry.get("type", "")).endswith("DeadlineWarning"):
        return False
    payload = entry.get("payload") or {}
    if CLOCK_STEP.get(str(payload.get("clock"))) != step:
        return False
    deadline = _instant(payload.get("deadline"))
    return deadline is None or due is None or deadline == due


def countdowns(history: dict[str, Any], now: datetime) -> list[Countdown]:
    """The owed steps of one complaint history (the projection's `GET /complaints/{id}`), soonest first.
    A step the SLA warned about (a `DeadlineWarning` on the timeline for that step's clock) is a warning
    whatever the time left; a warning about another step's clock is not this one's."""
    timeline = history.get("timeline", [])
    found = []
    for check in history.get("checks", []):
        status = str(check.get("status"))
        if status not in OWED and status not in BREACHED:
            continue
        due = _instant(check.get("extended_until")) or _instant(check.get("due_at"))
        remaining = None if due is None else int((due - now).total_seconds())
        if status in BREACHED or check.get("violation") or (remaining is not None and remaining < 0):
            level = Level.BREACHED
        elif any(_warned(entry, str(check.get("step")), _instant(check.get("due_at"))) for entry in timeline):
            level = Level.WARNING
        else:
            level = Level.OK
        done = _instant(check.get("done_at")) if status == "late" else None
        late = int((done - due).total_seconds()) if done and due and done > due else None
        if status == "late":  # done, but late: nothing left to count down
            remaining = None
        found.append(Countdown(str(check.get("step")), due, remaining, level, status, done, late))
    if history.get("state") != "closed":
        found.extend(_running(kind, due, now, said) for kind, due, said in _clocks_beside_steps(timeline))
    return sorted(found, key=lambda c: (c.due_at is None, c.due_at or now))


def settled(clocks: list[Countdown], sla_clocks: list[dict[str, Any]]) -> list[Countdown]:
    """The countdowns as the SLA's own answer (`GET /complaints/{id}/clocks`) settles them: a step whose
    clock the SLA stopped is done, when the SLA says, late by the time past the deadline in force where
    it says breached, whatever the projection has heard yet. The SLA's clock for a step is the one of
    that step's kind with the step's deadline (its original or the one in force)."""
    found = []
    for countdown in clocks:
        stopped = next((c for c in sla_clocks if _times(c, countdown)), None)
        if stopped is None:
            found.append(countdown)
            continue
        done = _instant(stopped["stopped_at"]) or countdown.done_at
        in_force = _instant(stopped.get("deadline_in_force")) or countdown.due_at
        late = int((done - in_force).total_seconds()) if done and in_force and done > in_force else None
        if stopped.get("outcome") != "breached":
            late = None
        level = Level.BREACHED if late else Level.OK
        found.append(replace(countdown, remaining_seconds=None, level=level, done_at=done, late_seconds=late))
    return found


def _times(clock: dict[str, Any], countdown: Countdown) -> bool:
    """`clock` (the SLA's) timed `countdown`'s step and has stopped, not set aside for another."""
    if CLOCK_STEP.get(str(clock.get("kind"))) != countdown.step and clock.get("kind") != countdown.step:
        return False
    if not clock.get("stopped_at") or clock.get("outcome") == "superseded" or countdown.due_at is None:
        return False
    return countdown.due_at in (_instant(clock.get("deadline")), _instant(clock.get("deadline_in_force")))


# The SLA's clocks that time no step of the record rule, counted down beside the steps: a major
# complaint's clear answer to the customer (2 days; the result's own limit is the 15 days' settlement,
# so the queue showed a major complaint as due in two weeks), and each time promised to the customer.
BESIDE_STEPS = frozenset({"clear-answer", "commitment"})


def _clocks_beside_steps(timeline: list[dict[str, Any]]) -> list[tuple[str, datetime, Level]]:
    """Those clocks still running, from the SLA's events on the timeline: (kind, deadline in force, what
    the SLA said of it). Started, not stopped or superseded; an approved extension moves the deadline."""
    running: dict[str, tuple[str, datetime, Level]] = {}
    for entry in timeline:
        kind_of_event = str(entry.get("type", "")).rsplit(".", 1)[-1]
        payload = entry.get("payload") or {}
        key, clock = payload.get("key"), str(payload.get("clock"))
        if not key or clock not in BESIDE_STEPS:
            continue
        if kind_of_event == "ClockStarted" and (deadline := _instant(payload.get("deadline"))):
            running[key] = (clock, deadline, Level.OK)
        elif kind_of_event in ("ClockStopped", "ClockSuperseded"):
            running.pop(key, None)
        elif key in running and kind_of_event == "ExtensionDecided" and payload.get("approved"):
            until = _instant(payload.get("until"))
            running[key] = (clock, until or running[key][1], running[key][2])
        elif key in running and kind_of_event == "DeadlineWarning" and running[key][2] is Level.OK:
            running[key] = (*running[key][:2], Level.WARNING)
        elif key in running and kind_of_event == "DeadlineBreached":
            running[key] = (*running[key][:2], Level.BREACHED)
    return list(running.values())


def _running(kind: str, due: datetime, now: datetime, said: Level) -> Countdown:
    remaining = int((due - now).total_seconds())
    if said is Level.BREACHED or remaining < 0:
        level = Level.BREACHED
    elif said is Level.WARNING:
        level = Level.WARNING
    else:
        level = Level.OK
    return Countdown(kind, due, remaining, level, "overdue" if level is Level.BREACHED else "pending")


def worst(levels: list[Countdown]) -> Level:
    order = [Level.OK, Level.WARNING, Level.BREACHED]
    return max((c.level for c in levels), key=order.index, default=Level.OK)


# -- whose move it is ---------------------------------------------------------------------------

# The next step -> the roles that take it (the queue's "for my role" view).
NEXT_STEP_ROLES = {
    "triage": frozenset({"supervisor", "manager", "leader"}),
    "accept": frozenset({"department-staff", "supervisor"}),
    "handle": frozenset({"department-staff", "supervisor"}),
    "approve": frozenset({"leader"}),
    "reply": frozenset({"supervisor", "manager"}),
    "visit": frozenset({"receptionist", "department-staff", "supervisor", "manager"}),
    "close": frozenset({"supervisor", "manager"}),
}


def _kinds(history: dict[str, Any]) -> list[str]:
    return [str(e.get("type", "")).rsplit(".", 1)[-1] for e in history.get("timeline", [])]


def next_step(history: dict[str, Any]) -> str | None:
    """Whose move it is, read from the facts the services published (None: nothing is owed)."""
    facts = history.get("complaint") or {}
    state = history.get("state") or facts.get("state")
    kinds = _kinds(history)
    if state == "closed":
        return None
    if state in ("registered", "unregistered"):
        return "triage"
    if state in ("visited", "explained"):  # explained: an invalid complaint answered, nothing else owed
        return "close"
    if state == "declined":  # judged invalid: its polite explanation is owed
        return "reply"
    if state == "replied":
        return "visit"
    if state == "resulted" or (facts.get("validity") == "invalid" and not facts.get("replied_at")):
        return "reply"
    if state in ("triaged", "routed"):
        return "accept"
    # in handling (or reopened): a proposal still awaiting a leader is the leader's move
    last_proposal = max((i for i, k in enumerate(kinds) if k == "SolutionProposed"), default=-1)
    last_decision = max((i for i, k in enumerate(kinds) if k in ("SolutionApproved", "SolutionRejected")), default=-1)
    return "approve" if last_proposal > last_decision else "handle"
