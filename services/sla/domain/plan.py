"""Which clocks the facts call for: a pure function of the *set* of facts heard, never of their order.

Each target is one *generation* of a clock: its kind, cycle, start, allowance and, once the facts say
so, its end. A clock ends in one of two ways:

- **stopped** by the fact it waits for (an acceptance, a result, a reply, a visit) — met or breached;
- **superseded** when it no longer applies: a re-grade, an override of validity or severity, a waiver,
  or the case being closed (until follow-up opens a case closed as invalid again, when a person judges
  it valid: the valid complaint's clocks then start at that override). A superseded clock keeps what it
  already was: if its deadline had passed, it is on record as breached.

When a clock is superseded, the clock that now applies starts as a new generation. The start instants
(documented per rule in the SLA README):

- the hand-over clock of hop 0 starts at receipt; each hand-over request starts its own hop's clock,
  stopped by that hop's acceptance;
- the resolution (minor / important) and major clocks of the grade triage gave start at receipt (or at
  the reopening, for a later cycle); a grade or validity that changes later starts its clocks *at the
  instant of the change* — a complaint re-graded major gets its 2-day answer and 15-day settlement from
  the moment it became major, never a back-dated clock that breaches at once;
- reply and return-visit clocks start at each result; an invalid complaint's reply clock starts when it
  was judged invalid (by triage or by a person), and it owes no resolution and no return visit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Literal

from shared.contracts.common import Severity, Validity
from shared.contracts.sla import ClockKind

from .policy import Allowance, SlaPolicy

Fact = dict[str, Any]
Facts = dict[str, list[Fact]]


@dataclass(frozen=True)
class End:
    at: datetime
    how: Literal["stopped", "superseded"]
    cause_id: str | None
    reason: str = ""
    rule: str = ""


@dataclass(frozen=True)
class Target:
    key: str  # the first generation's key, e.g. 'resolution#0'; later generations add '.1', '.2', ...
    kind: ClockKind
    cycle: int
    start: datetime
    allowance: Allowance | None  # None: an explicit deadline (a commitment)
    explicit_deadline: datetime | None
    reason: str
    rule: str
    cause_id: str | None
    end: End | None

    @property
    def identity(self) -> tuple[str, int, datetime]:
        return (self.kind.value, self.cycle, self.start)


@dataclass(frozen=True)
class State:
    """What holds at an instant: the judgement in force, waivers, closing."""

    validity: Validity | None = None
    severity: Severity | None = None
    return_visit_waived: bool = False
    closed: bool = False

    @property
    def invalid(self) -> bool:
        return self.validity is Validity.INVALID


@dataclass(frozen=True)
class Change:
    at: datetime
    cause_id: str | None
    what: str  # 'triaged' | 'regraded' | 'overridden' | 'waived' | 'closed' | 'unclosed'
    data: Fact


def _sorted(items: list[Fact]) -> list[Fact]:
    """By business time; facts of one instant keep the order they were heard in (one topic's order)."""
    return sorted(items, key=lambda f: f["at"])


def facts_of(facts: Facts, name: str) -> list[Fact]:
    return _sorted(facts.get(name, []))


class Timeline:
    """The facts of one complaint laid out in business time."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        changes: list[Change] = []
        triaged = facts_of(facts, "triaged")[:1]
        for f in triaged:
            changes.append(Change(f["at"], f["cause_id"], "triaged", f))
        # A re-grade or an override amends triage's judgement: it never takes effect before it, even when
        # its own time is earlier (a cluster completed by an earlier complaint re-grades a later member).
        judged_at = triaged[0]["at"] if triaged else None

        def amending(at: datetime) -> datetime:
            return max(at, judged_at) if judged_at is not None else at

        for f in facts_of(facts, "regraded"):
            changes.append(Change(amending(f["at"]), f["cause_id"], "regraded", f))
        for f in facts_of(facts, "overridden"):
            if f.get("aspect") in ("validity", "severity"):
                changes.append(Change(amending(f["at"]), f["cause_id"], "overridden", f))
        for f in facts_of(facts, "waived"):
            if f.get("step") == "return-visit":
                changes.append(Change(f["at"], f["cause_id"], "waived", f))
        for f in facts_of(facts, "closed"):
            changes.append(Change(f["at"], f["cause_id"], "closed", f))
        # Follow-up opens a case closed as invalid again when a person judges it valid (at the override).
        for f in facts_of(facts, "unclosed"):
            changes.append(Change(f["at"], f["cause_id"], "unclosed", f))
        # Triage's judgement first among changes of one instant (an override amends it, never precedes it).
        order = {"triaged": 0, "regraded": 1, "overridden": 2, "waived": 3, "closed": 4, "unclosed": 5}
        self.changes = sorted(changes, key=lambda c: (c.at, order[c.what]))
        self.triaged = bool(triaged)

    def state_at(self, at: datetime) -> State:
        state = State()
        for change in self.changes:
            if change.at > at:
                break
            state = _apply(state, change)
        return state

    def first_failure(self, start: datetime, holds: Callable[[State], bool]) -> Change | None:
        """The first change after `start` after which `holds` is false."""
        state = self.state_at(start)
        for change in self.changes:
            if change.at <= start:
                continue
            state = _apply(state, change)
            if not holds(state):
                return change
        return None

    def regimes(self) -> list[tuple[Change, State]]:
        """Each instant the judgement (validity class, severity) changed, with the state after it."""
        out: list[tuple[Change, State]] = []
        state = State()
        for change in self.changes:
            state = _apply(state, change)
            if change.what not in ("triaged", "regraded", "overridden"):
                continue
            if state.validity is None or state.severity is None:
                continue
            if out and _judgement(out[-1][1]) == _judgement(state):
                continue
            out.append((change, state))
        return out


def _judgement(state: State) -> tuple[bool, Severity | None]:
    return (state.invalid, state.severity)


def _apply(state: State, change: Change) -> State:
    d = change.data
    if change.what == "triaged":
        return State(Validity(d["validity"]), Severity(d["severity"]), state.return_visit_waived, state.closed)
    if change.what == "regraded":
        return State(state.validity, Severity(d["severity"]), state.return_visit_waived, state.closed)
    if change.what == "overridden":
        if d["aspect"] == "validity":
            return State(Validity(d["value"]), state.severity, state.return_visit_waived, state.closed)
        return State(state.validity, Severity(d["value"]), state.return_visit_waived, state.closed)
    if change.what == "waived":
        return State(state.validity, state.severity, not d.get("withdrawn", False), state.closed)
    if change.what == "unclosed":
        return State(state.validity, state.severity, state.return_visit_waived, False)
    return State(state.validity, state.severity, state.return_visit_waived, True)


def _describe(change: Change) -> tuple[str, str]:
    """(reason, rule name) of a supersede caused by `change`."""
    d = change.data
    if change.what == "closed":
        return "the case is closed: no clock runs after a close", "supersede.closed"
    if change.what == "waived":
        if d.get("withdrawn"):
            return "the return-visit waiver was withdrawn", "supersede.waiver-withdrawn"
        return f"the return visit was waived: {d.get('reason', '')}".strip(": "), "supersede.waived"
    if change.what == "overridden":
        return (
            f"{d['aspect']} overridden to {d['value']} by a person: the limits of the new judgement apply",
            f"supersede.override.{d['aspect']}",
        )
    if change.what == "regraded":
        return (
            f"re-graded {d['severity']}: the limits of the new grade apply from the re-grade",
            "supersede.regrade",
        )
    return "judged by triage", "supersede.triaged"


def plan(facts: Facts, policy: SlaPolicy) -> list[Target]:
    """Every clock generation the facts call for, each with its end if the facts already give one."""
    timeline = Timeline(facts)
    received = facts_of(facts, "registered")[:1]
    results = facts_of(facts, "result")
    reopens = facts_of(facts, "reopened")
    visits = facts_of(facts, "visited")
    targets: list[Target] = []

    def first_at_or_after(start: datetime, *names: str) -> Fact | None:
        found = _sorted([f for n in names for f in facts.get(n, []) if f["at"] >= start])
        return found[0] if found else None

    def add(
        key: str, kind: ClockKind, cycle: int, start: datetime, allowance: Allowance | None,
        explicit: datetime | None, reason: str, rule: str, cause_id: str | None,
        stop: Fact | None, holds: Callable[[State], bool], judged_at: datetime | None = None,
    ) -> None:  # fmt: skip
        # A clock back-dated to receipt applies from the judgement that called for it.
        applies_from = max(start, judged_at) if judged_at is not None else start
        if not holds(timeline.state_at(applies_from)):
            return  # does not apply at its start: never runs
        end: End | None = None
        if stop is not None:
            end = End(max(stop["at"], start), "stopped", stop["cause_id"])
        failure = timeline.first_failure(applies_from, holds)
        if failure is not None and (end is None or failure.at < end.at):
            why, rule_name = _describe(failure)
            end = End(failure.at, "superseded", failure.cause_id, why, policy.rule(rule_name))
        targets.append(Target(key, kind, cycle, start, allowance, explicit, reason, rule, cause_id, end))

    def open_and_valid(state: State) -> bool:
        return not state.closed and not state.invalid

    # -- hand-over: hop 0 from receipt, one clock per hand-over request -----------------------------
    if received:
        first_acceptance = first_at_or_after(received[0]["at"], "accepted", "handover-accepted")
        if first_acceptance is None:
            accepted_any = _sorted(facts.get("accepted", []) + facts.get("handover-accepted", []))
            first_acceptance = accepted_any[0] if accepted_any else None
        add(
            "hand-over#0", ClockKind.HAND_OVER, 0, received[0]["at"], policy.hand_over, None,
            f"hand the complaint to the responsible department within {policy.hand_over.describe()}",
            policy.rule("hand-over"), received[0]["cause_id"], first_acceptance, open_and_valid,
        )  # fmt: skip
    regimes = timeline.regimes() if received else []
    for previous, (change, state) in pairwise(regimes):
        if previous[1].invalid and not state.invalid:  # judged valid after all: the case opens now
            add(
                "hand-over#0", ClockKind.HAND_OVER, 0, change.at, policy.hand_over, None,
                "judged valid after all: the department accepts the case within "
                f"{policy.hand_over.describe()}", policy.rule("hand-over"), change.cause_id,
                first_at_or_after(change.at, "accepted", "handover-accepted"), open_and_valid,
            )  # fmt: skip
    hand_over_accepted = facts_of(facts, "handover-accepted")
    for hop, request in enumerate(facts_of(facts, "handover-requested"), start=1):
        stop = hand_over_accepted[hop - 1] if len(hand_over_accepted) >= hop else None
        to = request.get("to_department") or "the next department"
        add(
            f"hand-over#{hop}", ClockKind.HAND_OVER, hop, request["at"], policy.hand_over, None,
            f"hand-over {hop} to {to} accepted within {policy.hand_over.describe()}",
            policy.rule("hand-over"), request["cause_id"], stop, open_and_valid,
        )  # fmt: skip

    # -- handling limits, per cycle and per judgement in force ----------------------------------------
    cycle_starts = [(received[0]["at"], received[0]["cause_id"])] if received else []
    cycle_starts += [(r["at"], r["cause_id"]) for r in reopens]
    for cycle, (cycle_start, cycle_cause) in enumerate(cycle_starts):
        result = results[cycle] if len(results) > cycle else None
        for index, (change, state) in enumerate(regimes):
            if state.invalid or state.severity is None:
                continue
            segment_end = regimes[index + 1][0].at if index + 1 < len(regimes) else None
            first_grade = index == 0 and change.what == "triaged"
            start = cycle_start if first_grade or change.at <= cycle_start else change.at
            cause = cycle_cause if start == cycle_start and cycle > 0 else change.cause_id
            if segment_end is not None and start >= segment_end:
                continue  # this judgement was replaced before the cycle began
            if result is not None and result["at"] < start:
                continue  # the cycle had its result before this judgement: nothing left to time
            judged = state.severity

            def same_judgement(s: State, judged: Severity = judged) -> bool:
                return open_and_valid(s) and s.severity is judged

            if judged in policy.resolution:
                allowance = policy.resolution[judged]
                add(
                    f"resolution#{cycle}", ClockKind.RESOLUTION, cycle, start, allowance, None,
                    f"{'an' if judged is Severity.IMPORTANT else 'a'} {judged} complaint is resolved within "
                    f"{allowance.describe()}",
                    policy.rule(f"resolution.{judged}"), cause, result, same_judgement, change.at,
                )  # fmt: skip
            elif judged is Severity.MAJOR:
                if cycle == 0:
                    add(
                        "clear-answer#0", ClockKind.CLEAR_ANSWER, 0, start, policy.clear_answer, None,
                        f"a major complaint gets a clear answer within {policy.clear_answer.describe()}",
                        policy.rule("clear-answer.major"), cause,
                        first_at_or_after(start, "progress", "result", "replied"), same_judgement, change.at,
                    )  # fmt: skip
                add(
                    f"settlement#{cycle}", ClockKind.SETTLEMENT, cycle, start, policy.settlement, None,
                    f"a major complaint is settled within {policy.settlement.describe()}",
                    policy.rule("settlement.major"), cause, result, same_judgement, change.at,
                )  # fmt: skip

    # -- the invalid path: the polite explanation the same day, nothing else --------------------------
    for change, state in regimes:
        if state.invalid:
            add(
                "reply#0", ClockKind.REPLY, 0, change.at, policy.reply, None,
                "an invalid complaint still gets its polite explanation, the same day",
                policy.rule("reply.invalid"), change.cause_id, first_at_or_after(change.at, "replied"),
                lambda s: not s.closed and s.invalid,
            )  # fmt: skip

    # -- after each result: the reply the same day and the return visit --------------------------------
    for cycle, result in enumerate(results):
        add(
            f"reply#{cycle}", ClockKind.REPLY, cycle, result["at"], policy.reply, None,
            "the agreed result is replied to the customer the same day",
            policy.rule("reply"), result["cause_id"], first_at_or_after(result["at"], "replied"),
            lambda s: not s.closed,
        )  # fmt: skip
        add(
            f"return-visit#{cycle}", ClockKind.RETURN_VISIT, cycle, result["at"], policy.return_visit, None,
            f"a return visit within {policy.return_visit.describe()} after handling",
            policy.rule("return-visit"), result["cause_id"],
            next((v for v in visits if v["at"] >= result["at"]), None),
            lambda s: open_and_valid(s) and not s.return_visit_waived,
        )  # fmt: skip

    # -- times promised to the customer -----------------------------------------------------------------
    # A promise is kept when the department says so (CommitmentKept names it) or the problem is resolved
    # (a resolving result); a progress note tells the customer how it goes, it does not keep the promise.
    for n, commitment in enumerate(facts_of(facts, "commitment")):
        kept = [f for f in facts_of(facts, "commitment-kept") if f.get("number") == n]
        resolving = [r for r in results if r.get("resolved") and r["at"] >= commitment["at"]]
        ends = _sorted(kept[:1] + resolving[:1])
        add(
            f"commitment#{n}", ClockKind.COMMITMENT, 0, commitment["at"], None, commitment["due_at"],
            f"a time promised to the customer: {commitment['promise']}", policy.rule("commitment"),
            commitment["cause_id"], ends[0] if ends else None,
            lambda s: not s.closed,
        )  # fmt: skip
    return targets
