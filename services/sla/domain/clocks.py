"""Each complaint's clocks: started and stopped by the facts other services publish, warned and breached
by the scheduler's `fire_due`, extended only with a manager's approval.

The aggregate keeps the facts it has heard (registration, triage, re-grades, overrides, acceptances and
hand-overs, results, replies, visits, waivers, closing, ...) and after every new fact *reconciles*: it
starts the clocks the facts call for (`plan.py`), stops the ones their fact ended and supersedes the ones
that no longer apply (`ClockSuperseded`, keeping a breach that already happened). Because it reasons over
the set of facts, not their arrival order, a handling event that arrives before the triage event it
follows (different topics are not ordered) gives the same clock outcomes.

Exactly once: a warning or breach is recorded only if it is not recorded yet; two schedulers firing the
same one at once collide on the aggregate's version and only one commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id, stored_event_id
from shared.contracts.common import Severity, Validity
from shared.contracts.sla import ClockOutcome

from .calendar import CALENDAR_TIME, OfficeCalendar, deadline, point
from .errors import OutOfOrder
from .plan import End, State, Target, Timeline, facts_of, plan
from .policy import EscalationLevel, SlaPolicy
from .warnings import rearmed

FACTS = (
    "registered",
    "triaged",
    "regraded",
    "overridden",
    "accepted",
    "handover-requested",
    "handover-accepted",
    "result",
    "progress",
    "commitment",
    "commitment-kept",
    "reopened",
    "replied",
    "visited",
    "waived",
    "closed",
    "unclosed",
)


@dataclass(frozen=True)
class Due:
    """Something the scheduler must record at `at`: a warning, a breach level, or a re-grade request."""

    at: datetime
    what: str  # "warning" | "breach" | "regrade"
    key: str = ""
    fraction: float = 0.0
    level: int = 0


def _identity(clock: dict[str, Any]) -> tuple[str, int, datetime]:
    return (clock["kind"], clock["cycle"], clock["started_at"])


def _withdrawn(clock: dict[str, Any]) -> bool:
    return bool(clock["outcome"] == "superseded" and clock["stopped_at"] == clock["started_at"])


def outcome_of(clock: dict[str, Any], stopped_at: datetime) -> ClockOutcome:
    if stopped_at <= clock["deadline"]:
        return ClockOutcome.MET
    extension = clock["extension"]
    if extension and extension.get("approved") and stopped_at <= extension["until"]:
        return ClockOutcome.MET_UNDER_EXTENSION
    return ClockOutcome.BREACHED


class ComplaintClocks(Aggregate):
    @staticmethod
    def create_id(complaint_id: UUID, **_: Any) -> UUID:
        return derived_id("sla-clocks", complaint_id)

    @event("Opened")
    def __init__(self, complaint_id: UUID, office_id: str) -> None:
        self.complaint_id = complaint_id
        self.office_id = office_id
        self.facts: dict[str, list[dict[str, Any]]] = {name: [] for name in FACTS}
        self.clocks: dict[str, dict[str, Any]] = {}
        self.regrade: dict[str, Any] | None = None  # the watch for 'valid and unresolved after a week'

    # -- facts ------------------------------------------------------------------------------------

    def note(
        self,
        fact: str,
        at: datetime,
        cause_id: str | None,
        policy: SlaPolicy,
        calendar: OfficeCalendar | None,
        **data: Any,
    ) -> None:
        """Record a fact heard from another service (once per cause), then reconcile the clocks."""
        if fact not in FACTS:
            raise ValueError(f"unknown fact {fact!r}")
        if cause_id is not None and any(f["cause_id"] == cause_id for f in self.facts.get(fact, [])):
            return  # the same message again (e.g. re-published): nothing new
        self._noted(fact=fact, at=at, cause_id=cause_id, data=data)
        self.reconcile(policy, calendar, cause_id)

    @event("FactNoted")
    def _noted(self, fact: str, at: datetime, cause_id: str | None, data: dict[str, Any]) -> None:
        self.facts.setdefault(fact, []).append({"at": at, "cause_id": cause_id, **data})

    def _first(self, fact: str) -> dict[str, Any] | None:
        found = facts_of(self.facts, fact)
        return found[0] if found else None

    @property
    def received_at(self) -> datetime | None:
        registered = self._first("registered")
        return registered["at"] if registered else None

    def _state(self) -> State:
        return Timeline(self.facts).state_at(datetime.max.replace(tzinfo=UTC))

    @property
    def severity(self) -> Severity | None:
        return self._state().severity

    @property
    def validity(self) -> Validity | None:
        return self._state().validity

    @property
    def closed(self) -> bool:
        return self._state().closed  # closed, unless a later judgement opened it again

    @property
    def resolved(self) -> bool:
        return any(r.get("resolved") for r in self.facts.get("result", []))

    # -- reconciling ------------------------------------------------------------------------------

    def reconcile(self, policy: SlaPolicy, calendar: OfficeCalendar | None, trigger: str | None = None) -> None:
        """Bring the recorded clocks in line with what the set of facts calls for: start what applies,
        stop what its fact ended, supersede what no longer applies. An end only ever moves earlier (a
        fact heard late may show a clock ended before the end on record); nothing is silently dropped."""
        targets = plan(self.facts, policy)
        wanted = {target.identity for target in targets}
        for target in sorted(targets, key=lambda t: (t.start, t.kind.value, t.cycle)):
            key = self._key_of(target.identity)
            if key is None:
                key = self._start_planned(target, policy, calendar)
            if target.end is not None:
                self._end(key, target.end)
        for key, clock in list(self.clocks.items()):
            if _identity(clock) not in wanted and not _withdrawn(clock):
                self._end(
                    key,
                    End(
                        clock["started_at"], "superseded", trigger,
                        "withdrawn: the facts now known show this clock never applied",
                        policy.rule("supersede.withdrawn"),
                    ),
                )  # fmt: skip
        self._watch_regrade_if_due(policy)

    def _key_of(self, identity: tuple[str, int, datetime]) -> str | None:
        """The recorded clock of this generation; one withdrawn at its start (the facts then known said
        it never applied) does not count: if the facts call for it again, it starts again."""
        return next(
            (k for k, c in self.clocks.items() if _identity(c) == identity and not _withdrawn(c)),
            None,
        )

    def _end(self, key: str, end: End) -> None:
        clock = self.clocks[key]
        at = max(end.at, clock["started_at"])
        ended = clock["stopped_at"]
        # Ended already, no later than this (at the same instant, the fact it waited for wins).
        stop_wins_tie = ended == at and clock["outcome"] == "superseded" and end.how == "stopped"
        if ended is not None and ended <= at and not stop_wins_tie:
            return
        extension = clock["extension"]
        extended = extension["until"] if extension and extension["approved"] else None
        if end.how == "stopped":
            self._stopped(
                key=key,
                kind=clock["kind"],
                at=at,
                outcome=outcome_of(clock, at).value,
                deadline=clock["deadline"],
                extended_deadline=extended,
                cause_id=end.cause_id,
            )
        else:
            self._superseded(
                key=key,
                kind=clock["kind"],
                started_at=clock["started_at"],
                at=at,
                deadline=clock["deadline"],
                extended_deadline=extended,
                breached=at > self._deadline_in_force(clock),
                reason=end.reason,
                rule=end.rule,
                cause_id=end.cause_id,
                started_event_id=clock["started_event_id"],
            )

    @event("ClockSuperseded")
    def _superseded(
        self,
        key: str,
        kind: str,
        started_at: datetime,
        at: datetime,
        deadline: datetime,
        extended_deadline: datetime | None,
        breached: bool,
        reason: str,
        rule: str,
        cause_id: str | None,
        started_event_id: str,
    ) -> None:
        self.clocks[key]["stopped_at"] = at
        self.clocks[key]["outcome"] = "superseded"
        self.clocks[key]["superseded_breached"] = breached

    def _start_planned(self, plan: Target, policy: SlaPolicy, calendar: OfficeCalendar | None) -> str:
        key = plan.key
        generation = 0
        while key in self.clocks:
            generation += 1
            key = f"{plan.key}.{generation}"
        if plan.allowance is not None:
            due = deadline(plan.start, plan.allowance, calendar, policy.timezone)
        else:
            assert plan.explicit_deadline is not None
            due = plan.explicit_deadline
        due = max(due, plan.start)
        self._started(
            key=key,
            kind=plan.kind.value,
            cycle=plan.cycle,
            started_at=plan.start,
            deadline=due,
            warnings=[{"fraction": f, "at": point(plan.start, due, f, calendar)} for f in policy.warnings],
            levels=_levels(plan.start, due, policy.escalation, calendar),
            ladder=[lv.model_dump() for lv in policy.escalation],
            warning_recipients=list(policy.warning_recipients),
            policy_version=policy.version,
            calendar=calendar.model_dump(mode="json") if calendar else None,
            reason=plan.reason,
            rule=plan.rule,
            cause_id=plan.cause_id,
            event_id=str(stored_event_id("sla", self.id, self.version + 1)),
        )
        return key

    @event("ClockStarted")
    def _started(
        self,
        key: str,
        kind: str,
        cycle: int,
        started_at: datetime,
        deadline: datetime,
        warnings: list[dict[str, Any]],
        levels: list[dict[str, Any]],
        ladder: list[dict[str, Any]],
        warning_recipients: list[str],
        policy_version: int,
        calendar: dict[str, Any] | None,
        reason: str,
        rule: str,
        cause_id: str | None,
        event_id: str,
    ) -> None:
        self.clocks[key] = {
            "key": key,
            "kind": kind,
            "cycle": cycle,
            "started_at": started_at,
            "deadline": deadline,
            "warnings": warnings,
            "levels": levels,
            "ladder": ladder,
            "warning_recipients": warning_recipients,
            "rule": rule,
            "reason": reason,
            "cause_id": cause_id,
            "policy_version": policy_version,
            "calendar": calendar,
            "calendar_name": calendar["name"] if calendar else CALENDAR_TIME,
            "started_event_id": event_id,
            "warned": [],
            "breached": [],
            "extension": None,
            "stopped_at": None,
            "outcome": None,
        }

    @event("ClockStopped")
    def _stopped(
        self,
        key: str,
        kind: str,
        at: datetime,
        outcome: str,
        deadline: datetime,
        extended_deadline: datetime | None,
        cause_id: str | None,
    ) -> None:
        self.clocks[key]["stopped_at"] = at
        self.clocks[key]["outcome"] = outcome
        self.clocks[key]["superseded_breached"] = False  # a stop heard late, before the supersede, wins

    # -- the week rule ------------------------------------------------------------------------------

    def _watch_regrade_if_due(self, policy: SlaPolicy) -> None:
        triaged = self._first("triaged")
        if self.regrade is not None or triaged is None or self.received_at is None:
            return
        if self.validity is not Validity.VALID or self.severity is Severity.MAJOR:
            return
        self._regrade_watched(
            due=self.received_at + timedelta(days=policy.regrade_after_days),
            days=policy.regrade_after_days,
            rule=policy.rule("regrade.unresolved-week"),
            cause_id=triaged["cause_id"],
        )

    @event("RegradeWatched")
    def _regrade_watched(self, due: datetime, days: float, rule: str, cause_id: str | None) -> None:
        self.regrade = {"due": due, "days": days, "rule": rule, "cause_id": cause_id, "requested": False}

    def _regrade_pending(self) -> bool:
        return (
            self.regrade is not None
            and not self.regrade["requested"]
            and not self.resolved
            and not self.closed
            and self.validity is Validity.VALID
            and self.severity is not Severity.MAJOR
        )

    @event("RegradeRequested")
    def _regrade_requested(self, at: datetime, reason: str, rule: str, caused_by: list[str]) -> None:
        assert self.regrade is not None
        self.regrade["requested"] = True

    # -- the scheduler's side --------------------------------------------------------------------

    def pending(self) -> list[Due]:
        """Everything still to be recorded, soonest first."""
        due: list[Due] = []
        for clock in self.clocks.values():
            if clock["stopped_at"] is not None:
                continue
            due += [
                Due(w["at"], "warning", clock["key"], fraction=w["fraction"])
                for w in clock["warnings"]
                if w["fraction"] not in clock["warned"]
            ]
            due += [
                Due(lv["at"], "breach", clock["key"], level=lv["level"])
                for lv in clock["levels"]
                if lv["level"] not in clock["breached"]
            ]
        if self._regrade_pending():
            assert self.regrade is not None
            due.append(Due(self.regrade["due"], "regrade"))
        return sorted(due, key=lambda d: (d.at, d.what != "warning", d.key, d.level))

    def next_due(self) -> datetime | None:
        pending = self.pending()
        return pending[0].at if pending else None

    def fire_due(self, now: datetime) -> int:
        """Record every warning, breach level and re-grade due by `now` (each once); return how many.
        Each is recorded at its own due instant, not at `now`: a late scheduler tells the truth."""
        fired = 0
        for due in self.pending():
            if due.at > now:
                break
            if due.what == "warning":
                clock = self.clocks[due.key]
                self._warned(
                    key=due.key,
                    kind=clock["kind"],
                    fraction=due.fraction,
                    at=due.at,
                    deadline=self._deadline_in_force(clock),  # an approved extension's, once re-armed
                    extended_from=clock["deadline"] if "warned_before_extension" in clock else None,
                    severity=self._severity_word(),
                    recipients=clock["warning_recipients"],
                    rule=clock["rule"],
                    started_event_id=clock["started_event_id"],
                )
            elif due.what == "breach":
                clock = self.clocks[due.key]
                level = next(lv for lv in clock["levels"] if lv["level"] == due.level)
                self._breached(
                    key=due.key,
                    kind=clock["kind"],
                    level=due.level,
                    at=due.at,
                    deadline=self._deadline_in_force(clock),
                    severity=self._severity_word(),
                    recipients=level["recipients"],
                    group_recipients=level["group_recipients"],
                    rule=clock["rule"],
                    started_event_id=clock["started_event_id"],
                )
            else:
                assert self.regrade is not None
                self._regrade_requested(
                    at=due.at,
                    reason=(
                        f"a valid complaint still unresolved {self.regrade['days']:g} days after it was "
                        "received is major (criterion 3)"
                    ),
                    rule=self.regrade["rule"],
                    caused_by=[c for c in [self.regrade["cause_id"]] if c],
                )
            fired += 1
        return fired

    def _severity_word(self) -> str | None:
        """The severity in force, or None before anyone judged it (only the hand-over clock runs then):
        a warning must not call a complaint 'minor' that nobody graded. Stored warnings and breaches
        recorded before this said 'minor' there."""
        severity = self.severity
        return severity.value if severity else None

    @event("WarningIssued")
    def _warned(
        self,
        key: str,
        kind: str,
        fraction: float,
        at: datetime,
        deadline: datetime,
        severity: str | None,
        recipients: list[str],
        rule: str,
        started_event_id: str,
        extended_from: datetime | None = None,  # the original deadline, on a warning of an extended one
    ) -> None:
        self.clocks[key]["warned"].append(fraction)

    @event("BreachRecorded")
    def _breached(
        self,
        key: str,
        kind: str,
        level: int,
        at: datetime,
        deadline: datetime,
        severity: str | None,
        recipients: list[str],
        group_recipients: list[str],
        rule: str,
        started_event_id: str,
    ) -> None:
        self.clocks[key]["breached"].append(level)

    # -- extensions --------------------------------------------------------------------------------

    def _open_clock(self, key: str) -> dict[str, Any]:
        clock = self.clocks.get(key)
        if clock is None:
            raise OutOfOrder("sla.no_such_clock", f"no clock {key!r} runs for this complaint", clock=key)
        if clock["stopped_at"] is not None:
            raise OutOfOrder(
                "sla.clock_stopped", f"clock {key!r} already stopped ({clock['outcome']})", clock=key,
                outcome=clock["outcome"],
            )  # fmt: skip
        return clock

    @staticmethod
    def _deadline_in_force(clock: dict[str, Any]) -> datetime:
        extension = clock["extension"]
        deadline: datetime = extension["until"] if extension and extension.get("approved") else clock["deadline"]
        return deadline

    def request_extension(
        self, key: str, until: datetime, reason: str, actor_id: str, actor_role: str, now: datetime
    ) -> None:
        clock = self._open_clock(key)
        in_force = self._deadline_in_force(clock)
        if now >= in_force:
            raise OutOfOrder(
                "sla.clock_ran_out", f"clock {key!r} ran out at {in_force.isoformat()}: overtime is asked before",
                clock=key, deadline=in_force.isoformat(),
            )  # fmt: skip
        if clock["extension"] is not None:
            raise OutOfOrder(
                "sla.extension_already_requested", f"clock {key!r} already has an extension request; one per clock",
                clock=key,
            )  # fmt: skip
        if until <= in_force:
            raise OutOfOrder(
                "sla.extension_after_deadline",
                f"an extension ends after the deadline in force ({in_force.isoformat()})",
                clock=key, deadline=in_force.isoformat(),
            )  # fmt: skip
        self._extension_requested(
            key=key,
            kind=clock["kind"],
            until=until,
            reason=reason,
            actor_id=actor_id,
            actor_role=actor_role,
            at=now,
            started_event_id=clock["started_event_id"],
        )

    @event("ExtensionRequested")
    def _extension_requested(
        self,
        key: str,
        kind: str,
        until: datetime,
        reason: str,
        actor_id: str,
        actor_role: str,
        at: datetime,
        started_event_id: str | None = None,  # the clock it asks to extend (None on requests stored before)
    ) -> None:
        # The id this request is published under: the manager's decision names it as its cause.
        requested_event_id = str(stored_event_id("sla", self.id, self.version + 1))
        self.clocks[key]["extension"] = {
            "until": until, "reason": reason, "approved": None, "requested_event_id": requested_event_id,
        }  # fmt: skip

    def decide_extension(
        self, key: str, approved: bool, reason: str, actor_id: str, actor_role: str, now: datetime
    ) -> None:
        clock = self._open_clock(key)
        extension = clock["extension"]
        if extension is None or extension["approved"] is not None:
            raise OutOfOrder(
                "sla.no_extension_awaiting", f"clock {key!r} has no extension request awaiting a decision", clock=key
            )
        if now >= clock["deadline"]:
            raise OutOfOrder(
                "sla.ran_out_before_decision",
                f"clock {key!r} ran out at {clock['deadline'].isoformat()} before the decision; the breach stands",
                clock=key, deadline=clock["deadline"].isoformat(),
            )  # fmt: skip
        # What was due before the decision is recorded first (a late scheduler changes nothing).
        self.fire_due(now)
        calendar = OfficeCalendar.model_validate(clock["calendar"]) if clock["calendar"] else None
        levels, warnings = clock["levels"], None
        if approved:
            ladder = [EscalationLevel.model_validate(lv) for lv in clock["ladder"]]
            levels = _levels(clock["started_at"], extension["until"], ladder, calendar)
            fractions = [w["fraction"] for w in clock["warnings"]]
            warnings = rearmed(clock["started_at"], extension["until"], fractions, calendar, now)
        self._extension_decided(
            key=key,
            kind=clock["kind"],
            until=extension["until"],
            approved=approved,
            reason=reason,
            actor_id=actor_id,
            actor_role=actor_role,
            at=now,
            levels=levels,
            warnings=warnings,
            request_event_id=extension.get("requested_event_id"),
        )
        self.fire_due(now)  # a re-armed warning due at the approval itself is recorded with it

    @event("ExtensionDecided")
    def _extension_decided(
        self,
        key: str,
        kind: str,
        until: datetime,
        approved: bool,
        reason: str,
        actor_id: str,
        actor_role: str,
        at: datetime,
        levels: list[dict[str, Any]],
        warnings: list[dict[str, Any]] | None = None,
        request_event_id: str | None = None,  # the request decided (None on decisions stored before)
    ) -> None:
        clock = self.clocks[key]
        clock["extension"] = {**clock["extension"], "approved": approved}
        clock["levels"] = levels
        if warnings is not None:  # re-armed for the extended deadline (None: rejected, or stored before)
            clock["warned_before_extension"] = clock["warned"]
            clock["warnings"], clock["warned"] = warnings, []


def _levels(
    start: datetime, due: datetime, ladder: list[EscalationLevel], calendar: OfficeCalendar | None
) -> list[dict[str, Any]]:
    return [
        {
            "level": lv.level,
            "fraction": lv.at_fraction,
            "at": point(start, due, lv.at_fraction, calendar),
            "recipients": list(lv.recipients),
            "group_recipients": list(lv.group_recipients),
        }
        for lv in ladder
    ]
