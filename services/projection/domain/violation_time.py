"""When a complaint starts to violate the record rule, if nothing else happens to it.

A view's violations at `now` change only where `now` crosses one of its own instants (a clock's
deadline or extension, the registration's due time), and once a step is late or overdue it stays so
until a new event arrives: violations are monotone in `now`. So one instant per complaint, computed
when its events change, answers "is it violating at `now`?" for every `now` with one comparison —
what lets the read side filter `violating=` with an index instead of judging every complaint.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .policy import Policy, later
from .view import ComplaintView

BEGINNING = datetime.min.replace(tzinfo=UTC)
TICK = timedelta(microseconds=1)  # the resolution of a datetime: "just after" an instant


def violating_from(view: ComplaintView, policy: Policy) -> datetime | None:
    """The earliest instant at which `view.violations(instant)` is not empty; None if never."""
    if view.violations(BEGINNING, policy):
        return BEGINNING
    candidates: set[datetime] = set()
    for clock in view.clocks.values():
        candidates.update(t for t in (clock.deadline, clock.extended_until, clock.in_force) if t is not None)
    base = view.received_at if view.registered else view.first_event_at
    if base is not None:
        candidates.add(later(base, policy.record_within))
    for instant in sorted(candidates):
        if view.violations(instant, policy):
            return instant
        just_after = later(instant, TICK)
        if just_after > instant and view.violations(just_after, policy):
            return just_after
    return None
