"""What one complaint adds to the statistics, as rows a database can add up at any `now`.

`statistics.statistics(views, now, ...)` is the specification; this module cuts it into one
complaint's share so that SQL can sum the shares of millions of complaints without reading them.

Most of a complaint's share does not depend on `now` (its validity, area, state, each return visit's
outcome and rating, complainant). The rest — its resolution compliance, whether its return visit is due and made, its
violations, each record-rule step's status — changes only where `now` crosses one of the complaint's
own instants (a clock's deadline or extension, the registration's due time), exactly as
`violation_time` reasons. So the share is a short schedule of segments `[since, until)`, each with
the figures that hold for every `now` inside it, found by judging the view at each of its instants
and one tick after. The database then picks, for each complaint, the one segment that holds `now`
(`since <= now < until`): "as of now" stays exact without judging any complaint at query time.

SLA clocks are tallied per clock the same way, with one stored instant: a running clock is
breached once `now` passes its deadline in force, else pending.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .clock_tally import OUTCOMES
from .policy import Policy, later
from .statistics import complainant_key, period_key
from .view import ComplaintView
from .violation_time import BEGINNING, TICK

STEPS = ("recorded", "handled", "result", "reply", "return-visit")
VISIT_DUE = frozenset({"done", "done-under-extension", "late", "overdue"})


@dataclass(frozen=True)
class Standing:
    """The part of a complaint's share that holds at every `now`."""

    registered: bool
    week: str | None
    month: str | None
    validity: str | None
    business_area: str | None
    content_category: str | None
    severity: str | None
    state: str
    satisfaction: int | None  # the latest visit's (kept on the row; the figures count `visits`)
    visit_outcome: str | None
    visits: tuple[tuple[str, int | None], ...]  # every return visit made: (outcome, satisfaction)
    person: str | None  # a keyed digest of the complainant's contact, never the contact itself
    last_event_at: datetime | None


@dataclass(frozen=True)
class Judged:
    """The part that depends on `now`, as judged at one instant."""

    compliance: str | None
    visit_due: int
    visit_made: int
    violations: int
    steps: tuple[str, ...]  # each record-rule step's status, in STEPS order


@dataclass(frozen=True)
class Segment:
    """`judged` holds for every `now` with `since <= now < until` (None: no bound)."""

    since: datetime | None
    until: datetime | None
    judged: Judged


@dataclass(frozen=True)
class ClockShare:
    """One SLA clock in the report's tally: its recorded outcome column, or (running) None and the
    instant after which it counts as breached (None: pending for ever)."""

    kind: str
    outcome: str | None
    breached_after: datetime | None


def standing(view: ComplaintView, policy: Policy, secret: bytes = b"") -> Standing:
    key = complainant_key(view)
    person = hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()[:32] if key else None
    return Standing(
        registered=view.registered,
        week=period_key(view, policy, "week"),
        month=period_key(view, policy, "month"),
        validity=view.validity,
        business_area=view.business_area,
        content_category=view.content_category,
        severity=view.severity,
        state=view.state,
        satisfaction=view.satisfaction,
        visit_outcome=view.visit_outcome,
        visits=tuple((v["outcome"], v["satisfaction"]) for v in view.visits),
        person=person,
        last_event_at=view.last_event_at,
    )


def judged(view: ComplaintView, now: datetime, policy: Policy) -> Judged:
    """What `statistics()` reads of one complaint at `now` (its own per-view reading, in one place)."""
    checks = view.checks(now, policy)
    visit = next(c for c in checks if c.step == "return-visit").status
    due = visit in VISIT_DUE
    return Judged(
        compliance=view.compliance(now, policy),
        visit_due=int(due),
        visit_made=int(due and visit != "overdue"),
        violations=sum(c.violation for c in checks),
        steps=tuple(c.status for c in checks),
    )


def instants(view: ComplaintView, policy: Policy) -> list[datetime]:
    """The instants a judgement compares `now` with: a running clock's deadline in force (it breaches
    just after it), and the registration's due time while nothing records it. Nothing else in
    `checks`/`compliance` reads `now`: an ended clock's verdict is on record."""
    found = {c.in_force for c in view.clocks.values() if c.ended_at is None and c.in_force is not None}
    base = view.received_at if view.registered else view.first_event_at
    if base is not None and (not view.registered or view.registered_at is None):
        found.add(later(base, policy.record_within))
    return sorted(found)


def schedule(view: ComplaintView, policy: Policy) -> list[Segment]:
    """The view's judged share over all time: judged just before its first instant, at each instant,
    and one tick after each (a comparison `now > t` changes there); equal neighbours merged."""
    points = instants(view, policy)
    starts = set(points) | {later(t, TICK) for t in points}
    probes: list[datetime] = sorted(starts)  # each probe judges the segment it starts
    if not probes or probes[0] > BEGINNING:
        probes.insert(0, probes[0] - TICK if probes else BEGINNING)
    segments: list[tuple[datetime, Judged]] = []
    for probe in probes:
        share = judged(view, probe, policy)
        if not segments or segments[-1][1] != share:
            segments.append((probe, share))
    bounds: list[datetime | None] = [None, *(start for start, _ in segments[1:])]  # the first: since ever
    ends = [*bounds[1:], None]
    return [Segment(start, end, share) for start, end, (_, share) in zip(bounds, ends, segments, strict=True)]


def violating_since(segments: Sequence[Segment]) -> datetime | None:
    """The earliest instant the schedule's complaint violates the record rule (`violation_time.
    violating_from`, read off the schedule instead of judging the view again: its segments already
    judge every instant where the violations can change, and they are monotone in `now`)."""
    for segment in segments:
        if segment.judged.violations:
            return segment.since or BEGINNING
    return None


def clock_shares(view: ComplaintView) -> list[ClockShare]:
    """Each SLA clock as `clock_tally.clock_outcomes` counts it (withdrawn clocks are not counted)."""
    shares = []
    for clock in view.clocks.values():
        if clock.withdrawn:
            continue
        if clock.ended_at is None:
            shares.append(ClockShare(clock.kind, None, clock.in_force))
        elif clock.outcome in OUTCOMES:
            shares.append(ClockShare(clock.kind, OUTCOMES[clock.outcome], None))
        else:  # superseded: breached only if the breach was on record; the kind is listed either way
            shares.append(ClockShare(clock.kind, "breached" if clock.breached(clock.ended_at) else "none", None))
    return shares
