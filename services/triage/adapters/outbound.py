"""Stored domain events -> integration events: the relay's translator. Only here does triage's
private model meet the contracts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.bus.relay import Publication
from shared.contracts import Actor, stored_event_id
from shared.contracts.common import Explanation
from shared.contracts.notifications import (
    IncidentNotice,
    NotificationRequested,
    NotificationRequestedPayload,
    Occasion,
    Recipient,
)
from shared.contracts.triage import (
    ComplainantHistory,
    ComplaintTriaged,
    ComplaintTriagedPayload,
    IncidentClusterDetected,
    IncidentClusterDetectedPayload,
    SeverityRegraded,
    SeverityRegradedPayload,
    TriageDecisionConfirmed,
    TriageDecisionConfirmedPayload,
    TriageDecisionOverridden,
    TriageDecisionOverriddenPayload,
)

from ..application import SERVICE, cluster_event_id
from ..domain.incidents import IncidentWindow
from ..domain.triage import Triage

SYSTEM = Actor.system(SERVICE)


def translate(domain_event: Any) -> Iterable[Publication]:
    if isinstance(domain_event, Triage.Triaged):
        yield Publication.of(complaint_triaged(domain_event))
    elif isinstance(domain_event, Triage.Regraded):
        yield Publication.of(severity_regraded(domain_event))
    elif isinstance(domain_event, Triage.Overridden):
        yield Publication.of(decision_overridden(domain_event))
    elif isinstance(domain_event, Triage.Confirmed) and getattr(domain_event, "complaint_id", None):
        yield Publication.of(decision_confirmed(domain_event))  # stored before they travelled: private
    elif isinstance(domain_event, Triage.Escalated):
        yield Publication.of(notification_requested(domain_event))
    elif isinstance(domain_event, IncidentWindow.ClusterDetected):
        yield Publication.of(cluster_detected(domain_event))
    elif isinstance(domain_event, IncidentWindow.LeadersTold):
        yield Publication.of(incident_told(domain_event))
    # Opened, RegradeWaiting, the rules book, complainants, window members and an incident's
    # revisions (ClusterRevised, MembersMoved, ClusterSuperseded: a superseding announcement names what it
    # replaces; a later announcement names its members) stay private.


def _event_id(event: Any) -> UUID:
    return stored_event_id("triage", event.originator_id, event.originator_version)


def complaint_triaged(event: Any) -> ComplaintTriaged:
    d = event.decision
    return ComplaintTriaged(
        event_id=_event_id(event),
        complaint_id=UUID(event.complaint_id),
        office_id=event.office_id,
        occurred_at=event.triaged_at,
        actor=SYSTEM,
        causation_id=UUID(event.registered_event_id),
        correlation_id=UUID(event.complaint_id),
        payload=ComplaintTriagedPayload(
            validity=d["validity"],
            nature=d["nature"],
            communication_kind=d["communication_kind"],
            content_category=d["content_category"],
            business_area=d["business_area"],
            severity=d["severity"],
            severity_criteria=d["severity_criteria"],
            department=d["department"],
            first_responsible=d["first_responsible"],
            rules_version=d["rules_version"],
            explanations={k: Explanation.model_validate(v) for k, v in d["explanations"].items()},
            history=ComplainantHistory.model_validate(d["history"]),
            # Decisions stored before confidences were judged have none (and need no review flag).
            confidence=d.get("confidence", {}),
            needs_review=bool(d.get("review")),
            review_reasons=d.get("review", []),
            # Decisions stored before the typed flag have their sentences alone: published as they were.
            review=d.get("review_flags"),
            departments=d.get("departments", []),
        ),
    )


def _causation(event: Any) -> UUID | None:
    if event.causation_id:
        return UUID(event.causation_id)
    return UUID(event.caused_by[0]) if event.caused_by else None


def severity_regraded(event: Any) -> SeverityRegraded:
    return SeverityRegraded(
        event_id=_event_id(event),
        complaint_id=UUID(event.complaint_id),
        office_id=event.office_id,
        occurred_at=event.regraded_at,
        actor=Actor(id=event.actor_id, role=event.actor_role),
        causation_id=_causation(event),
        correlation_id=UUID(event.complaint_id),
        payload=SeverityRegradedPayload(
            previous=event.previous,
            severity=event.severity,
            criterion=event.criterion,
            explanation=Explanation(reason=event.reason, rule=event.rule, caused_by=event.caused_by),
        ),
    )


def decision_overridden(event: Any) -> TriageDecisionOverridden:
    return TriageDecisionOverridden(
        event_id=_event_id(event),
        complaint_id=UUID(event.complaint_id),
        office_id=event.office_id,
        occurred_at=event.overridden_at,
        actor=Actor(id=event.actor_id, role=event.actor_role),
        # A person's request, caused by the judgement it amends (older stored overrides name none).
        causation_id=(
            stored_event_id("triage", event.originator_id, event.amends_version)
            if getattr(event, "amends_version", None)
            else None
        ),
        correlation_id=UUID(event.complaint_id),
        payload=TriageDecisionOverriddenPayload(
            aspect=event.aspect,
            previous=event.previous,
            value=event.value,
            reason=event.reason,
            **_category_of(event.aspect, event.value),
        ),
    )


def decision_confirmed(event: Any) -> TriageDecisionConfirmed:
    """A person confirmed an automatic decision: it settles a review flag on that aspect."""
    return TriageDecisionConfirmed(
        event_id=_event_id(event),
        complaint_id=UUID(event.complaint_id),
        office_id=event.office_id,
        occurred_at=event.at,
        actor=Actor(id=event.actor_id, role=event.actor_role),
        causation_id=(
            stored_event_id("triage", event.originator_id, event.amends_version) if event.amends_version else None
        ),
        correlation_id=UUID(event.complaint_id),
        payload=TriageDecisionConfirmedPayload(aspect=event.aspect, value=event.value, reason=event.reason),
    )


def _category_of(aspect: str, value: str) -> dict[str, str]:
    """A category override carries its content category and business area as typed fields."""
    if aspect != "category" or "/" not in value:
        return {}
    content, area = value.split("/", 1)
    return {"content_category": content, "business_area": area}


def notification_requested(event: Any) -> NotificationRequested:
    return NotificationRequested(
        event_id=_event_id(event),
        complaint_id=UUID(event.complaint_id),
        office_id=event.office_id,
        occurred_at=event.escalated_at,
        actor=SYSTEM,
        causation_id=UUID(event.caused_by[0]) if event.caused_by else None,
        correlation_id=UUID(event.complaint_id),
        payload=NotificationRequestedPayload(
            subject=f"Major complaint {event.complaint_id} at {event.office_id}: tell the leaders now",
            severity="major",
            level=1,
            recipients=[Recipient.model_validate(r) for r in event.recipients],
            explanation=Explanation(reason=event.reason, rule=event.rule, caused_by=event.caused_by),
            occasion=Occasion.MAJOR_COMPLAINT,
        ),
    )


def incident_told(event: Any) -> NotificationRequested:
    """A mass incident told once to the group's roles, or to one office's (at its first member there)."""
    return NotificationRequested(
        event_id=_event_id(event),
        complaint_id=UUID(event.complaint_id),
        office_id=event.office_id,
        occurred_at=datetime.fromisoformat(event.told_at),
        actor=SYSTEM,
        causation_id=UUID(event.announced_by),
        correlation_id=UUID(event.complaint_id),
        payload=NotificationRequestedPayload(
            subject=(
                f"Mass incident at {event.incident_key}: {len(event.members)} complaints from offices "
                f"{', '.join(event.offices)}: tell the leaders now"
            ),
            severity="major",
            level=1,
            recipients=[Recipient.model_validate(r) for r in event.recipients],
            explanation=Explanation(reason=event.reason, rule=event.rule, caused_by=event.caused_by),
            occasion=Occasion.MASS_INCIDENT,
            incident=IncidentNotice(
                cluster_id=UUID(event.cluster_id),
                announced_by=UUID(event.announced_by),
                incident_key=event.incident_key,
                complaints=len(event.members),
                customers=event.customers,
                offices=event.offices,
                member_complaint_ids=[UUID(m) for m in event.members],
            ),
        ),
    )


def cluster_detected(event: Any) -> IncidentClusterDetected:
    # Incidents stored before the business-order replay have no anchor: keyed, as then, by the
    # complaint that completed them, at the instant they were recorded.
    anchor = getattr(event, "anchor", "") or event.completed_by
    established = getattr(event, "established_at", "")
    return IncidentClusterDetected(
        event_id=cluster_event_id(event.cluster_id),
        complaint_id=UUID(anchor),
        office_id=event.office_id,
        occurred_at=datetime.fromisoformat(established) if established else event.timestamp,
        actor=SYSTEM,
        causation_id=UUID(event.causation_id),
        correlation_id=UUID(anchor),
        payload=IncidentClusterDetectedPayload(
            cluster_id=UUID(event.cluster_id),
            incident_key=event.incident_key,
            member_complaint_ids=[UUID(m) for m in event.members],
            complainants=event.complainants,
            window_start=event.window_start,
            window_end=event.window_end,
            explanation=Explanation(
                reason=(
                    f"{event.complainants} distinct customers (more than {event.more_than}) complained about "
                    f"{event.incident_key} between {event.window_start} and {event.window_end}, "
                    f"from offices {', '.join(event.offices)}"
                ),
                rule=f"severity.major.mass-incident@v{event.rules_version}",
                caused_by=[UUID(c) for c in event.caused_by],
            ),
            completed_by=UUID(event.completed_by),
            supersedes=[UUID(c) for c in getattr(event, "supersedes", None) or []],
        ),
    )
