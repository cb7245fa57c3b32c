"""A complaint's history folded into its current facts, and the record-rule checks judged at `now`.

Everything here is a pure function of the received events, taken in business-time order
(`occurred_at`, then event id), never in arrival order: topics are not ordered relative to each
other, so a handling event may arrive before the triage event it follows, and the outcome is the same.

Time limits are the SLA service's alone: every deadline, breach and compliance figure here is read
from its clock events (started, extended, stopped, superseded). The projection computes no deadline;
a step whose clock has not arrived is `waiting`. A clock superseded after its deadline keeps its
breach, so a re-grade never erases a violation that already happened.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contracts.review import ReviewFlag, flags_of_sentences

from .policy import Policy, later
from .sla_clocks import STEP_KINDS, Clock

__all__ = [
    "STEP_KINDS",
    "Check",
    "Clock",
    "ComplaintView",
    "Received",
    "business_order",
    "following",
    "last_instant",
    "summary_of",
]

RULES = {
    "recorded": "everything recorded",
    "handled": "everything handled",
    "result": "everything has a result",
    "reply": "everything has a result",
    "return-visit": "everything has a return visit",
}
VIOLATING = frozenset({"late", "overdue"})
# Every state `ComplaintView.state` gives, in the order of the lifecycle (an invalid complaint is
# `declined`, then `explained` once replied to, then `closed`); every one but `closed` is open.
STATES = ("unregistered", "registered", "triaged", "routed", "in-handling", "reopened", "resulted", "replied",
          "visited", "declined", "explained", "closed")  # fmt: skip
CLOSED = "closed"
OPEN_STATES = tuple(s for s in STATES if s != CLOSED)


def when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True)
class Received:
    """One received event, parsed once."""

    event_id: str
    type: str
    occurred_at: datetime
    data: dict[str, Any]
    digest: str
    topic: str
    offset: int = 0

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Received:
        data = json.loads(entry["event_json"])
        return cls(
            event_id=entry["event_id"],
            type=data["type"],
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            data=data,
            digest=entry["digest"],
            topic=entry["topic"],
            offset=int(entry.get("offset", 0)),
        )

    @property
    def short_type(self) -> str:
        return self.type.rsplit(".", 1)[-1]

    @property
    def payload(self) -> dict[str, Any]:
        return self.data.get("payload") or {}


# Where a service stands in a complaint's pipeline: of two events at one instant, the earlier stage's
# comes first (a registration before its triage). Events of one topic keep their Kafka order.
PIPELINE = {
    "complaints.hotline.reports": 0,
    "complaints.intake.events": 1,
    "complaints.triage.events": 2,
    "complaints.handling.events": 3,
    "complaints.sla.events": 4,
    "complaints.notifications": 5,
    "complaints.followup.events": 6,
}


OVERRIDE_TYPE = "complaints.triage.DecisionOverridden"


def business_order(received: Iterable[Received]) -> list[Received]:
    """By `occurred_at`; events of the same instant in causal order (an event after the one that
    caused it, e.g. a reopening after the visit that caused it), then by pipeline stage and, within
    one topic, by Kafka offset (the order its service published them in). A person's override comes
    after the automatic judgements of its instant (it amends them), as the SLA orders them too."""
    by_time: dict[datetime, list[Received]] = {}
    for r in received:
        by_time.setdefault(r.occurred_at, []).append(r)
    ordered: list[Received] = []
    for instant in sorted(by_time):
        group = sorted(
            by_time[instant],
            key=lambda r: (PIPELINE.get(r.topic, len(PIPELINE)), r.type == OVERRIDE_TYPE, r.offset, r.event_id),
        )
        ids = {r.event_id for r in group}
        placed: set[str] = set()
        while group:
            ready = next(
                (r for r in group if r.data.get("causation_id") not in ids - placed - {r.event_id}),
                group[0],  # a causal cycle cannot happen; never stall if the data says otherwise
            )
            group.remove(ready)
            placed.add(ready.event_id)
            ordered.append(ready)
    return ordered


def following(tail: Sequence[Received], new: Iterable[Received]) -> list[Received] | None:
    """The `new` events in the order a fold of every event would apply them after those already
    folded, when each comes after all of those in business order; None when one belongs earlier (the
    caller folds everything again). `tail`: the events folded at the last instant, in their folded
    order — only they can be overtaken by an event of the same instant (causal order, pipeline stage,
    Kafka offset decide within an instant); every event of a later instant simply follows."""
    ordered = business_order(new)
    if not tail or not ordered:
        return ordered
    last = tail[-1].occurred_at
    if ordered[0].occurred_at < last:
        return None
    tied = [r for r in ordered if r.occurred_at == last]
    if not tied:
        return ordered
    merged = business_order([*tail, *tied])
    if [r.event_id for r in merged[: len(tail)]] != [r.event_id for r in tail]:
        return None  # a new event of the last instant goes before one already folded
    return merged[len(tail) :] + ordered[len(tied) :]


def last_instant(events: Sequence[Received]) -> list[Received]:
    """The events of the last instant, in business order (`events` in business order)."""
    if not events:
        return []
    last = events[-1].occurred_at
    start = len(events)
    while start > 0 and events[start - 1].occurred_at == last:
        start -= 1
    return list(events[start:])


@dataclass(frozen=True)
class Check:
    step: str
    status: str
    due_at: datetime | None = None
    extended_until: datetime | None = None
    done_at: datetime | None = None
    note: str = ""

    @property
    def rule(self) -> str:
        return RULES[self.step]

    @property
    def violation(self) -> bool:
        return self.status in VIOLATING

    @property
    def since(self) -> datetime | None:
        if not self.violation:
            return None
        return self.extended_until or self.due_at

    def as_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "step": self.step,
            "rule": self.rule,
            "status": self.status,
            "violation": self.violation,
            "due_at": iso(self.due_at),
            "extended_until": iso(self.extended_until),
            "done_at": iso(self.done_at),
            "since": iso(self.since),
            "note": self.note,
        }


@dataclass
class ComplaintView:
    complaint_id: UUID
    office_id: str
    events: list[Received] = field(default_factory=list)
    # Registration
    registered: bool = False
    sequence_number: int | None = None
    office_reference: str | None = None
    registered_at: datetime | None = None
    received_at: datetime | None = None
    incident_at: datetime | None = None
    channel: str | None = None
    # The complainant as intake sealed them (person id and ciphertext: docs/privacy.md); the clear
    # name, contact and unit are only in events published before sealing (legacy, upcast from v1).
    personal: dict[str, Any] | None = None
    complainant: dict[str, str] | None = None
    unit_address: str | None = None
    object: str | None = None
    description: str = ""
    customer_request: str = ""
    # Triage (with re-grades and overrides)
    triaged_at: datetime | None = None
    validity: str | None = None
    nature: str | None = None
    content_category: str | None = None
    business_area: str | None = None
    severity: str | None = None
    department: str | None = None
    # The validity in force: since when, and why (triage's explanation, or who overrode it and why).
    validity_judged_at: datetime | None = None
    validity_reason: str | None = None
    # Handling and follow-up
    case_opened_at: datetime | None = None
    accepted_at: datetime | None = None
    cycle_started_at: datetime | None = None  # the last reopening, or None
    result_at: datetime | None = None
    resolved: bool | None = None
    replied_at: datetime | None = None
    replied_with_explanation: bool = False  # the reply was an invalid complaint's polite explanation
    visited_at: datetime | None = None
    visit_outcome: str | None = None
    satisfaction: int | None = None
    # Every return visit made, in business order, of every cycle: {"outcome", "satisfaction"} (the
    # statistics count each one; `visit_outcome` and `satisfaction` above are the latest).
    visits: list[dict[str, Any]] = field(default_factory=list)
    closed_at: datetime | None = None
    reopened: int = 0
    waivers: dict[str, str] = field(default_factory=dict)
    clocks: dict[str, Clock] = field(default_factory=dict)
    amended: set[str] = field(default_factory=set)  # judged values a re-grade or a person replaced
    # Triage's review flag: why it asks a person to look, typed as its event carried it (`review`, as
    # JSON; None from an event published before it, whose sentences `review_reasons` are then read),
    # and the aspects a person has since confirmed or overridden (which settle the flags about them).
    review_reasons: list[str] = field(default_factory=list)
    review_flags: list[dict[str, Any]] | None = None
    reviewed: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, complaint_id: UUID, office_id: str, entries: list[dict[str, Any]]) -> ComplaintView:
        return cls.of_received(complaint_id, office_id, [Received.of(e) for e in entries])

    @classmethod
    def of_received(cls, complaint_id: UUID, office_id: str, received: Iterable[Received]) -> ComplaintView:
        """The view of events already parsed (in any order: they are put in business order)."""
        view = cls(complaint_id=complaint_id, office_id=office_id)
        events = business_order(received)
        view.events = events
        for r in events:
            view._apply(r)
        return view

    def extended(self, r: Received) -> ComplaintView | None:
        """This view with `r` received too, folded in place, when `r` comes last in business order
        (strictly after every event so far): what `of` would give, at the cost of one event. None when
        it belongs earlier (or at an instant already seen, where causal order decides): the caller
        rebuilds (`of_received`)."""
        if self.events and r.occurred_at <= self.events[-1].occurred_at:
            return None
        self.events.append(r)
        self._apply(r)
        return self

    def fold_on(self, ordered: Iterable[Received]) -> None:
        """Fold further events, already in the order a whole fold would apply them after those folded
        (`following`): the facts of `of_received` over all of them, at the cost of the new ones."""
        for r in ordered:
            self.events.append(r)
            self._apply(r)

    # -- folding ------------------------------------------------------------------------------

    def _apply(self, r: Received) -> None:
        p = r.payload
        kind = r.short_type
        if kind == "ComplaintRegistered":
            form = p["form"]
            self.registered = True
            self.sequence_number = p["sequence_number"]
            self.office_reference = form["office_reference"]
            self.registered_at = when(p["registered_at"])
            self.received_at = when(form["received_at"])
            self.incident_at = when(form["occurred_at"])
            self.channel = form["channel"]
            if "personal" in form:  # v2: sealed; opened at read time by who may see it
                self.personal = form["personal"]
                legacy = self.personal.get("legacy_clear") if self.personal else None
                if legacy:
                    self.complainant = {"name": legacy["name"], "contact": legacy["contact"]}
                    self.unit_address = legacy["unit_address"]
            else:  # a v1 payload kept as it arrived
                self.complainant = form["complainant"]
                self.unit_address = form["unit_address"]
            self.object = form["object"]
            self.description = form["description"]
            self.customer_request = form["customer_request"]
        elif kind == "ComplaintTriaged":
            # A re-grade or override dated before the judgement it amends (a cluster completed by an
            # earlier complaint) still amends it: what was amended already is kept.
            self.triaged_at = r.occurred_at
            judged = {
                "validity": p["validity"],
                "nature": p["nature"],
                "content_category": p["content_category"],
                "business_area": p["business_area"],
                "severity": p["severity"],
                "department": p["department"],
            }
            for name, value in judged.items():
                if name not in self.amended:
                    setattr(self, name, value)
            if "validity" not in self.amended:
                explained = (p.get("explanations") or {}).get("validity") or {}
                self.validity_judged_at = r.occurred_at
                self.validity_reason = explained.get("reason")
            flagged, typed = bool(p.get("needs_review")), p.get("review")
            self.review_reasons = list(p.get("review_reasons") or []) if flagged else []
            self.review_flags = None if typed is None else list(typed) if flagged else []
        elif kind == "SeverityRegraded":
            self.severity = p["severity"]
            self.amended.add("severity")
            self.reviewed.add("severity")  # the grade a flag doubted is no longer in force: nothing to ask
        elif kind == "DecisionOverridden":
            self._overridden(p)
            if p["aspect"] == "validity":
                actor = (r.data.get("actor") or {}).get("id", "a person")
                self.validity_judged_at = r.occurred_at
                self.validity_reason = f"{actor}: {p['reason']}"
        elif kind == "DecisionConfirmed":
            self.reviewed.add(p["aspect"])  # a person looked and kept triage's value: settled, not waiting
        elif kind == "CaseOpened":
            self.case_opened_at = self.case_opened_at or r.occurred_at
            self.department = p["department"]
        elif kind in ("CaseAccepted", "HandOverAccepted"):
            self.accepted_at = self.accepted_at or r.occurred_at
            self.department = p["department"]
        elif kind == "ResultRecorded":
            if self.result_at is None:
                self.result_at = r.occurred_at
                self.resolved = p["resolved"]
        elif kind == "CaseReopened":
            # The customer was dissatisfied: result, reply and return visit are due again.
            self.reopened += 1
            self.cycle_started_at = r.occurred_at
            self.result_at = self.replied_at = self.visited_at = None
            self.resolved = None
            self.closed_at = None  # the new cycle's clocks (kind#cycle) time it afresh
        elif kind == "CustomerReplied":
            if self.replied_at is None:
                self.replied_at = when(p["replied_at"])
                self.replied_with_explanation = bool(p.get("explanation_only"))
        elif kind == "ReturnVisitMade":
            self.visits.append({"outcome": p["outcome"], "satisfaction": p.get("satisfaction")})
            if p.get("satisfaction") is not None:
                self.satisfaction = p["satisfaction"]
            self.visit_outcome = p["outcome"]
            if self.visited_at is None and (p["outcome"] != "unreachable" or p["final"]):
                self.visited_at = r.occurred_at
        elif kind == "StepWaived":
            self.waivers[p["step"]] = p["reason"]
        elif kind == "CaseClosed":
            self.closed_at = r.occurred_at
        elif kind == "ComplaintReopened":
            # Closed as invalid, then judged valid by a person (follow-up's word): open again. The
            # explanation was not the result's reply; handling, result, reply and visit are owed.
            self.closed_at = None
            if self.replied_with_explanation:
                self.replied_at, self.replied_with_explanation = None, False
        elif kind == "WaiverWithdrawn":
            self.waivers.pop(p["step"], None)
        elif kind in ("ClockStarted", "ExtensionDecided", "ClockStopped", "ClockSuperseded"):
            self._clock_event(kind, p)

    def _overridden(self, p: dict[str, Any]) -> None:
        """A person's judgement replaces the automatic one; statistics count the overridden value."""
        aspect, value = p["aspect"], p["value"]
        self.reviewed.add(aspect)
        self.amended |= {
            "category": {"content_category", "business_area"},
            "routing": {"department"},
        }.get(aspect, {aspect})
        if aspect == "category":
            typed = p.get("content_category"), p.get("business_area")
            content, area = typed if all(typed) else [*value.split("/", 1), None][:2]
            self.content_category = content or self.content_category
            self.business_area = area or self.business_area
        elif aspect == "routing":
            self.department = value
        elif aspect == "nature":  # one value per nature: 'effective', or the kind of communication
            self.nature = "effective" if value == "effective" else "communication"
        elif aspect in ("validity", "severity"):
            setattr(self, aspect, value)

    def _clock_event(self, kind: str, p: dict[str, Any]) -> None:
        key = p.get("key")
        if kind == "ClockStarted":
            key = key or f"{p['clock']}#0"  # published before keys travelled
            clock = self.clocks.setdefault(key, Clock(key=key, kind=p["clock"]))
            clock.started_at, clock.deadline = when(p["started_at"]), when(p["deadline"])
            return
        found = self.clocks.get(key) if key else self._latest(p["clock"])
        if found is not None:
            clock = found
        else:  # the start has not arrived (yet): keep what this event says
            key = key or f"{p['clock']}#0"
            clock = self.clocks.setdefault(key, Clock(key=key, kind=p["clock"], deadline=when(p.get("deadline"))))
        if kind == "ExtensionDecided":
            if p["approved"]:
                clock.extended_until = when(p["until"])
        elif kind == "ClockStopped":
            if p.get("extended_deadline"):
                clock.extended_until = when(p["extended_deadline"])
            clock.deadline = clock.deadline or when(p["deadline"])
            stopped_at = when(p["stopped_at"])
            assert stopped_at is not None
            clock.end(stopped_at, p["outcome"])
        else:
            clock.started_at = clock.started_at or when(p["started_at"])
            superseded_at = when(p["superseded_at"])
            assert superseded_at is not None
            clock.end(superseded_at, "superseded", p["breached"], p["explanation"]["reason"])

    def _latest(self, kind: str) -> Clock | None:
        mine = [c for c in self.clocks.values() if c.kind == kind]
        return mine[-1] if mine else None

    # -- facts --------------------------------------------------------------------------------

    @property
    def last_event_at(self) -> datetime | None:
        return self.events[-1].occurred_at if self.events else None

    @property
    def first_event_at(self) -> datetime | None:
        return self.events[0].occurred_at if self.events else None

    @property
    def invalid(self) -> bool:
        return self.validity == "invalid"

    @property
    def state(self) -> str:
        if not self.registered:
            return "unregistered"
        if self.closed_at:
            return "closed"
        if self.invalid:  # not established: owed only its explanation (DOMAIN.md), then closed
            return "explained" if self.replied_at else "declined"
        if self.visited_at:
            return "visited"
        if self.replied_at:
            return "replied"
        if self.result_at:
            return "resulted"
        if self.reopened:
            return "reopened"
        if self.accepted_at:
            return "in-handling"
        if self.case_opened_at:
            return "routed"
        if self.triaged_at:
            return "triaged"
        return "registered"

    @property
    def flags(self) -> list[ReviewFlag]:
        """Triage's review flags, typed (an older event's read from its sentences)."""
        if self.review_flags is None:
            return flags_of_sentences(self.review_reasons)
        return [ReviewFlag.model_validate(f) for f in self.review_flags]

    @property
    def to_review(self) -> list[ReviewFlag]:
        """Triage's review flags no person's confirmation or override of their aspect has settled yet."""
        return [f for f in self.flags if f.aspect not in self.reviewed]

    def person_id(self) -> str | None:
        """The complainant as the keyring recognised them (the same person across complaints)."""
        return str(self.personal["person_id"]) if self.personal else None

    def facts(self, with_personal_data: bool = False, opened: dict[str, str] | None = None) -> dict[str, Any]:
        """The complaint's facts; with personal data, the complainant as `opened` (the clear name,
        contact and unit read through the keyring, or the erased marker) or as an old event had them."""

        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        facts: dict[str, Any] = {
            "complaint_id": str(self.complaint_id),
            "office_id": self.office_id,
            "registered": self.registered,
            "sequence_number": self.sequence_number,
            "office_reference": self.office_reference,
            "registered_at": iso(self.registered_at),
            "received_at": iso(self.received_at),
            "incident_at": iso(self.incident_at),
            "channel": self.channel,
            "object": self.object,
            "validity": self.validity,
            "nature": self.nature,
            "content_category": self.content_category,
            "business_area": self.business_area,
            "severity": self.severity,
            "department": self.department,
            "state": self.state,
            "result_at": iso(self.result_at),
            "resolved": self.resolved,
            "replied_at": iso(self.replied_at),
            "visited_at": iso(self.visited_at),
            "visit_outcome": self.visit_outcome,
            "satisfaction": self.satisfaction,
            "closed_at": iso(self.closed_at),
            "reopened": self.reopened,
            "waivers": dict(sorted(self.waivers.items())),
        }
        if with_personal_data:
            if opened is not None:
                facts["complainant"] = {"name": opened["name"], "contact": opened.get("contact")}  # None: none given
                facts["unit_address"] = opened["unit_address"]
            else:
                facts["complainant"] = self.complainant
                facts["unit_address"] = self.unit_address
        return facts

    # -- the record rule ----------------------------------------------------------------------

    def checks(self, now: datetime, policy: Policy) -> list[Check]:
        return [
            self._recorded(now, policy),
            self._handled(now, policy),
            self._result(now, policy),
            self._reply(now, policy),
            self._return_visit(now, policy),
        ]

    def violations(self, now: datetime, policy: Policy) -> list[Check]:
        return [check for check in self.checks(now, policy) if check.violation]

    def _clocks_of(self, step: str) -> list[Clock]:
        """The SLA clocks that time `step`: every hand-over hop, or the current cycle's others."""
        return [
            c
            for c in self.clocks.values()
            if c.kind in STEP_KINDS[step] and (step == "handled" or c.cycle == self.reopened) and not c.withdrawn
        ]

    def _judge(self, step: str, now: datetime, done: datetime | None) -> Check:
        """The step's verdict from the SLA's clocks: a breach on record (or a running clock past its
        deadline) is a violation; a done step with no breach is done; no clock yet: waiting."""
        clocks = self._clocks_of(step)
        breached = sorted((c for c in clocks if c.breached(now)), key=lambda c: c.in_force or now)
        running = [c for c in clocks if c.ended_at is None]
        if step in self.waivers and done is None:
            shown = running[-1] if running else None
            deadline = shown.deadline if shown else None
            extended_until = shown.extended_until if shown else None
            return Check(step, "waived", deadline, extended_until, None, self.waivers[step])
        if breached:
            c = breached[0]
            note = f"SLA clock {c.key} breached" + (
                f" (then superseded: {c.note})" if c.outcome == "superseded" else ""
            )
            return Check(step, "late" if done else "overdue", c.deadline, c.extended_until, done, note)
        if running:
            c = running[-1]
            if done is None:
                return Check(step, "pending", c.deadline, c.extended_until, None, f"SLA clock {c.key}")
            status = "done" if c.deadline is None or done <= c.deadline else "done-under-extension"
            return Check(step, status, c.deadline, c.extended_until, done, f"SLA clock {c.key}")
        if clocks:
            last = max(clocks, key=lambda c: c.ended_at or now)
            if done is None:
                return Check(step, "not-applicable", last.deadline, last.extended_until, None, last.note)
            extended = any(c.outcome == "met-under-extension" for c in clocks)
            return Check(step, "done-under-extension" if extended else "done", last.deadline, last.extended_until, done)
        return Check(step, "done" if done else "waiting", None, None, done, "" if done else "no SLA clock yet")

    def _recorded(self, now: datetime, policy: Policy) -> Check:
        if not self.registered:
            base = self.first_event_at
            due = later(base, policy.record_within) if base else None
            return _judge_own("recorded", now, due, None, "events arrived but no registration")
        assert self.received_at is not None
        return _judge_own("recorded", now, later(self.received_at, policy.record_within), self.registered_at)

    def _handled(self, now: datetime, policy: Policy) -> Check:
        if self.invalid and self.accepted_at is None:
            # Not established: handled by the judgement itself (declined, with its reason), not by a
            # department. A hand-over clock already breached before it stays breached (`late`).
            declined = self.validity_judged_at or self.triaged_at
            check = self._judge("handled", now, declined)
            if check.status in ("done", "done-under-extension"):
                check = replace(check, note=f"declined: judged invalid ({self.validity_reason or 'no reason given'})")
            return check
        return self._judge("handled", now, self.accepted_at)

    def _result(self, now: datetime, policy: Policy) -> Check:
        if self.invalid and self.result_at is None:
            # Not established: nothing to resolve (the SLA starts no resolution clock either); the
            # polite explanation is its result, given with the reply (the reply step times it).
            if self.replied_at is not None:
                return Check(
                    "result", "done", None, None, self.replied_at, "invalid: the explanation given is its result"
                )
            if "reply" in self.waivers:
                return Check("result", "waived", note=self.waivers["reply"])
            return Check("result", "waiting", note="invalid: its result is the explanation the reply step owes")
        return self._judge("result", now, self.result_at)

    def _reply(self, now: datetime, policy: Policy) -> Check:
        check = self._judge("reply", now, self.replied_at)
        if check.status == "not-applicable" and not self.invalid and self.result_at is None:
            # Judged valid after its explanation was replied: the reply owed now is the result's.
            return Check("reply", "waiting", note="valid: the reply follows the result")
        return check

    def _return_visit(self, now: datetime, policy: Policy) -> Check:
        if self.invalid and self.visited_at is None and "return-visit" not in self.waivers:
            return Check("return-visit", "not-applicable", note="invalid: no handling to visit about")
        return self._judge("return-visit", now, self.visited_at)

    def compliance(self, now: datetime, policy: Policy) -> str | None:
        """The time limit of the complaint's resolution, from the SLA's clocks of the current cycle:
        met, met-under-extension, breached, or None (still running, or no clock)."""
        clocks = self._clocks_of("result")
        if any(c.breached(now) for c in clocks):
            return "breached"
        if not clocks or any(c.ended_at is None for c in clocks):
            return None
        outcomes = {c.outcome for c in clocks}
        if "met-under-extension" in outcomes:
            return "met-under-extension"
        return "met" if "met" in outcomes else None


def _judge_own(step: str, now: datetime, due: datetime | None, done: datetime | None, note: str = "") -> Check:
    """The 'recorded' rule is the projection's own reading of the registration (not an SLA clock)."""
    if due is None:
        return Check(step, "done" if done else "waiting", None, None, done, note)
    if done is not None:
        return Check(step, "done" if done <= due else "late", due, None, done, note)
    return Check(step, "overdue" if now > due else "pending", due, None, None, note)


def _clock(p: dict[str, Any]) -> str:
    """The clock as the SLA keys it ('resolution#1': a reopened case's second cycle), else its kind: two
    cycles' or two levels' lines must not read the same."""
    return str(p.get("key") or p["clock"])


def summary_of(r: Received) -> str:
    """A line for the timeline: what happened, without personal data."""
    p = r.payload
    kind = r.short_type
    lines: dict[str, Callable[[], str]] = {
        "ComplaintRegistered": lambda: (
            f"registered as no. {p['sequence_number']} ({p['form']['channel']}): {p['form']['object']}"
        ),
        "ComplaintTriaged": lambda: (
            f"judged {p['validity']}, {p['severity']}, {p['business_area']}; routed to {p['department']}"
        ),
        "SeverityRegraded": lambda: f"re-graded {p['previous']} -> {p['severity']} ({p['criterion']})",
        "DecisionOverridden": lambda: f"{p['aspect']} overridden {p['previous']} -> {p['value']}: {p['reason']}",
        "DecisionConfirmed": lambda: f"{p['aspect']} confirmed {p['value']}: {p['reason']}",
        "CaseOpened": lambda: f"case opened for {p['department']}",
        "CaseAccepted": lambda: f"accepted by {p['department']}",
        "ResultRecorded": lambda: f"result ({'resolved' if p['resolved'] else 'not resolved'}): {p['result']}",
        "CustomerReplied": lambda: f"replied to the customer by {p['channel']}",
        "ReturnVisitMade": lambda: f"return visit {p['attempt']}: {p['outcome']}",
        "StepWaived": lambda: f"{p['step']} waived: {p['reason']}",
        "ClockStarted": lambda: f"{_clock(p)} clock started, due {p['deadline']}",
        "ClockStopped": lambda: f"{_clock(p)} clock stopped: {p['outcome']}",
        "ClockSuperseded": lambda: (
            f"{p.get('key') or p['clock']} clock superseded{' (breached)' if p['breached'] else ''}: "
            f"{p['explanation']['reason']}"
        ),
        "WaiverWithdrawn": lambda: f"{p['step']} waiver withdrawn: {p['reason']}",
        "DeadlineBreached": lambda: f"{_clock(p)} deadline breached (escalation level {p['escalation_level']})",
        "ExtensionDecided": lambda: (
            f"{p['clock']} extension {'approved' if p['approved'] else 'rejected'} until {p['until']}"
        ),
        "ComplaintReported": lambda: f"hotline report {p['hotline_reference']}",
        # the department's steps and the rest: what happened, never their free texts (shown elsewhere)
        "HandOverRequested": lambda: f"hand-over to {p['to_department']} asked for",
        "HandOverAccepted": lambda: f"hand-over accepted by {p['department']}",
        "CauseRecorded": lambda: "cause and responsible person recorded",
        "SolutionProposed": lambda: f"solution proposed ({p['kind']})",
        "SolutionApproved": lambda: "solution approved",
        "SolutionRejected": lambda: "solution rejected: the department proposes again",
        "SolutionCarriedOut": lambda: "solution carried out",
        "ProgressReported": lambda: "progress told to the customer",
        "CommitmentMade": lambda: f"a time promised to the customer: {p['due_at']}",
        "CommitmentKept": lambda: f"promise {p['number']} kept",
        "CaseReopened": lambda: "case reopened",
        "ReturnVisitScheduled": lambda: f"return visit due {p['due_at']}",
        "CaseClosed": lambda: "case closed",
        "ComplaintReopened": lambda: f"case reopened: {p['reason']}",
        "DeadlineWarning": lambda: f"{_clock(p)} deadline warning: {round(p['fraction'] * 100)}% of the time used",
        "ExtensionRequested": lambda: f"{p['clock']} extension asked for until {p['until']}",
        "RegradeRequested": lambda: f"re-grade to {p['severity']} asked for ({p['criterion']})",
        "NotificationRequested": lambda: (
            f"{p['severity']} complaint: level {p['level']} told"
            if p.get("severity")
            else f"complaint not graded yet: level {p['level']} told"  # an SLA warning before triage judged it
        ),
    }
    try:
        return lines[kind]() if kind in lines else kind
    except (KeyError, TypeError):
        return kind
