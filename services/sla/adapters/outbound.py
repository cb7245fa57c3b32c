"""Stored domain events -> integration events (the relay's translator). Only here does the SLA's
private model meet the contracts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from shared.bus.relay import Publication
from shared.contracts import Actor, derived_id, stored_event_id
from shared.contracts.common import Explanation, Severity
from shared.contracts.notifications import NotificationRequested, NotificationRequestedPayload, Occasion, Recipient
from shared.contracts.sla import (
    ClockKind,
    ClockOutcome,
    ClockStarted,
    ClockStartedPayload,
    ClockStopped,
    ClockStoppedPayload,
    ClockSuperseded,
    ClockSupersededPayload,
    DeadlineBreached,
    DeadlineBreachedPayload,
    DeadlineWarning,
    DeadlineWarningPayload,
    ExtensionDecided,
    ExtensionDecidedPayload,
    ExtensionRequested,
    ExtensionRequestedPayload,
    RegradeRequested,
    RegradeRequestedPayload,
)
from shared.eventstore import ServiceApplication

from ..domain.calendar import CALENDAR_TIME
from ..domain.clocks import ComplaintClocks

SYSTEM = Actor.system("sla")


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


class Translator:
    """Knows each clocks aggregate's complaint and office (from its first event), cached."""

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app
        self._owners: dict[UUID, tuple[UUID, str]] = {}

    def owner(self, event: Any) -> tuple[UUID, str]:
        if isinstance(event, ComplaintClocks.Opened):
            self._owners[event.originator_id] = (event.complaint_id, event.office_id)
        if event.originator_id not in self._owners:
            clocks: ComplaintClocks = self.app.repository.get(event.originator_id, version=1)
            self._owners[event.originator_id] = (clocks.complaint_id, clocks.office_id)
            if len(self._owners) > 100_000:
                self._owners.clear()
        return self._owners[event.originator_id]

    def __call__(self, event: Any) -> Iterable[Publication]:
        if not isinstance(event, ComplaintClocks.Event):
            return  # the policy book and calendars stay private (their versions travel on the clocks)
        complaint_id, office_id = self.owner(event)
        base = {
            "event_id": stored_event_id("sla", event.originator_id, event.originator_version),
            "complaint_id": complaint_id,
            "office_id": office_id,
            "correlation_id": complaint_id,
        }
        if isinstance(event, ComplaintClocks.ClockStarted):
            yield Publication.of(
                ClockStarted(
                    **base,
                    occurred_at=event.started_at,
                    actor=SYSTEM,
                    causation_id=_uuid(event.cause_id),
                    payload=ClockStartedPayload(
                        clock=ClockKind(event.kind),
                        key=event.key,
                        started_at=event.started_at,
                        deadline=event.deadline,
                        policy_version=event.policy_version,
                        calendar=event.calendar["name"] if event.calendar else CALENDAR_TIME,
                        explanation=Explanation(
                            reason=event.reason,
                            rule=event.rule,
                            caused_by=[c for c in [_uuid(event.cause_id)] if c],
                        ),
                    ),
                )
            )
        elif isinstance(event, ComplaintClocks.WarningIssued):
            said = (
                f"{event.kind} clock: {event.fraction:.0%} of the allowed time used; "
                f"deadline {_when(event.deadline)}{_extended(event)}"
            )
            warning = DeadlineWarning(
                **base,
                occurred_at=event.at,
                actor=SYSTEM,
                causation_id=UUID(event.started_event_id),
                payload=DeadlineWarningPayload(
                    clock=ClockKind(event.kind), key=event.key, fraction=event.fraction, deadline=event.deadline,
                    explanation=_because_of_the_clock(said, event),
                ),
            )  # fmt: skip
            yield Publication.of(warning)
            yield Publication.of(
                _notification(base, event, 1, event.recipients, [], said, Occasion.DEADLINE_WARNING, event.fraction)
            )
        elif isinstance(event, ComplaintClocks.BreachRecorded):
            said = f"{event.kind} clock breached (escalation level {event.level}); deadline was {_when(event.deadline)}"
            yield Publication.of(
                DeadlineBreached(
                    **base,
                    occurred_at=event.at,
                    actor=SYSTEM,
                    causation_id=UUID(event.started_event_id),
                    payload=DeadlineBreachedPayload(
                        clock=ClockKind(event.kind),
                        key=event.key,
                        deadline=event.deadline,
                        escalation_level=event.level,
                        explanation=_because_of_the_clock(said, event),
                    ),
                )
            )
            yield Publication.of(
                _notification(
                    base, event, event.level, event.recipients, event.group_recipients, said,
                    Occasion.DEADLINE_BREACHED,
                )
            )  # fmt: skip
        elif isinstance(event, ComplaintClocks.ClockStopped):
            yield Publication.of(
                ClockStopped(
                    **base,
                    occurred_at=event.at,
                    actor=SYSTEM,
                    causation_id=_uuid(event.cause_id),
                    payload=ClockStoppedPayload(
                        clock=ClockKind(event.kind),
                        key=event.key,
                        stopped_at=event.at,
                        deadline=event.deadline,
                        extended_deadline=event.extended_deadline,
                        outcome=ClockOutcome(event.outcome),
                    ),
                )
            )
        elif isinstance(event, ComplaintClocks.ClockSuperseded):
            caused = [c for c in [_uuid(event.cause_id)] if c]
            yield Publication.of(
                ClockSuperseded(
                    **base,
                    occurred_at=event.at,
                    actor=SYSTEM,
                    causation_id=_uuid(event.cause_id) or UUID(event.started_event_id),
                    payload=ClockSupersededPayload(
                        clock=ClockKind(event.kind),
                        key=event.key,
                        started_at=event.started_at,
                        superseded_at=event.at,
                        deadline=event.deadline,
                        extended_deadline=event.extended_deadline,
                        breached=event.breached,
                        explanation=Explanation(reason=event.reason, rule=event.rule, caused_by=caused),
                    ),
                )
            )
        elif isinstance(event, ComplaintClocks.ExtensionRequested):
            yield Publication.of(
                ExtensionRequested(
                    **base,
                    occurred_at=event.at,
                    actor=Actor(id=event.actor_id, role=event.actor_role),
                    causation_id=_uuid(getattr(event, "started_event_id", None)),  # the clock it would extend
                    payload=ExtensionRequestedPayload(
                        clock=ClockKind(event.kind), key=event.key, until=event.until, reason=event.reason
                    ),
                )
            )
        elif isinstance(event, ComplaintClocks.ExtensionDecided):
            yield Publication.of(
                ExtensionDecided(
                    **base,
                    occurred_at=event.at,
                    actor=Actor(id=event.actor_id, role=event.actor_role),
                    causation_id=_uuid(getattr(event, "request_event_id", None)),  # the request it decides
                    payload=ExtensionDecidedPayload(
                        clock=ClockKind(event.kind),
                        key=event.key,
                        approved=event.approved,
                        until=event.until,
                        reason=event.reason,
                    ),
                )
            )
        elif isinstance(event, ComplaintClocks.RegradeRequested):
            caused_by = [UUID(c) for c in event.caused_by]
            yield Publication.of(
                RegradeRequested(
                    **base,
                    occurred_at=event.at,
                    actor=SYSTEM,
                    causation_id=caused_by[0] if caused_by else None,
                    payload=RegradeRequestedPayload(
                        severity=Severity.MAJOR,
                        criterion="major.unresolved-week",
                        explanation=Explanation(reason=event.reason, rule=event.rule, caused_by=caused_by),
                    ),
                )
            )


def _extended(warning: Any) -> str:
    """A warning of a deadline a manager extended says so (stored warnings before this carry none)."""
    extended_from = getattr(warning, "extended_from", None)
    return f" (extended from {_when(extended_from)})" if extended_from else ""


def _when(instant: datetime) -> str:
    """A deadline as staff read it in a mail: to the minute (no microseconds), ISO 8601 in UTC, so the desk
    can show it again in the page's language and the office's time. UTC whatever offset the instant came
    with: an extension's `until` keeps the one the person typed, and beside the UTC deadline it extends a
    sentence read as two clocks ("deadline …T20:00+08:00 (extended from …T07:01+00:00)")."""
    return instant.astimezone(UTC).isoformat(timespec="minutes")


def _because_of_the_clock(said: str, event: Any) -> Explanation:
    """A warning's or breach's reason: what of the clock's time is used, under the clock's rule, caused
    by the clock's start (the event it was scheduled from)."""
    return Explanation(reason=said, rule=event.rule, caused_by=[UUID(event.started_event_id)])


def _notification(
    base: dict[str, Any], event: Any, level: int, recipients: list[str], group: list[str], subject: str,
    occasion: Occasion, fraction: float | None = None,
) -> NotificationRequested:  # fmt: skip
    """Who is told, and what: the subject in English, and the occasion, clock, deadline and share used
    as facts a mail in the reader's language writes (the deadline in the office's time zone)."""
    office_id = base["office_id"]
    return NotificationRequested(
        **(base | {"event_id": derived_id("notification", event.originator_id, event.originator_version)}),
        occurred_at=event.at,
        actor=SYSTEM,
        causation_id=base["event_id"],
        payload=NotificationRequestedPayload(
            subject=subject,
            severity=Severity(event.severity) if event.severity else None,  # None: not judged yet
            level=level,
            recipients=[Recipient(role=r, office_id=office_id) for r in recipients]
            + [Recipient(role=r, office_id=None) for r in group],
            explanation=_because_of_the_clock(subject, event),
            occasion=occasion,
            clock=ClockKind(event.kind),
            deadline=event.deadline,
            fraction=fraction,
        ),
    )
