"""Contracts triage publishes: its judgement of each complaint, re-grades, overrides and clusters."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from .common import BusinessAreaCode, CommunicationKind, ContentCategory, Explanation, Nature, Severity, Validity
from .envelope import Contract, IntegrationEvent
from .review import ReviewFlag, ReviewKind


class ComplainantMatch(Contract):
    """An earlier complaint of the same (or possibly the same) person, and which fields say so.
    Field names only: the values stay in intake's events."""

    complaint_id: UUID
    matched_on: list[Literal["phone", "email", "name+unit", "name"]] = Field(
        description="The normalised fields that agree: phone, email, name+unit (a match); name alone (possible)."
    )


class ComplainantHistory(Contract):
    earlier_complaints: int = Field(ge=0, description="Earlier complaints by the same complainant.")
    recent_complaint_ids: list[UUID] = Field(description="The most recent earlier ones, newest first.")
    invalid_complaints: int = Field(ge=0, description="How many of the earlier ones were judged invalid.")
    flagged_for_review: bool = Field(description="Many invalid complaints: a human looks; never auto-rejected.")
    matches: list[ComplainantMatch] = Field(
        default_factory=list,
        description="Earlier complaints of the same person (same phone, e-mail, or name and flat), newest first.",
    )
    possible_matches: list[ComplainantMatch] = Field(
        default_factory=list,
        description="Earlier complaints under the same name only: shown for a person to judge, not counted.",
    )


class ComplaintTriagedPayload(Contract):
    validity: Validity
    nature: Nature
    communication_kind: CommunicationKind | None = Field(description="Set when the nature is communication.")
    content_category: ContentCategory
    business_area: BusinessAreaCode
    severity: Severity
    severity_criteria: list[str] = Field(description="Every criterion that matched, e.g. 'major.injury-or-loss'.")
    department: str = Field(description="The responsible department, from the routing table.")
    first_responsible: str = Field(description="The first responsible person recorded for the case.")
    rules_version: int = Field(ge=1, description="The version of the rules that decided.")
    explanations: dict[str, Explanation] = Field(
        description="Why, per aspect: validity, nature, category, severity, routing, incident (its key)."
    )
    history: ComplainantHistory
    confidence: dict[str, float] = Field(
        default_factory=dict,
        description="How sure each automatic label is, 0 to 1: validity, nature, category, severity (none before).",
    )
    needs_review: bool = Field(
        default=False,
        description="A supervisor should look: a label is unsure, or signs of a major complaint graded lower.",
    )
    review_reasons: list[str] = Field(
        default_factory=list,
        description="Why it needs review, in words a supervisor reads; empty otherwise. The same sentences "
        "as `review`'s texts: read `review` (typed), these only on events published before it.",
    )
    departments: list[str] = Field(
        default_factory=list,
        description="The departments' codes the rules that decided route to for the office (triage's "
        "`GET /departments`, the one vocabulary of departments): a hand-over names one of them. Empty on "
        "events published before it.",
    )
    review: list[ReviewFlag] | None = Field(
        default=None,
        description="Why it needs review, typed (the one to read): per reason the label doubted, the "
        "kind of doubt, its numbers, the complaint's words relied on, and its sentence (`text`, the "
        "same as `review_reasons`, in order). Empty when no review is needed; null on events published "
        "before it (read `review_reasons` then).",
    )

    @model_validator(mode="after")
    def _one_flag_two_forms(self) -> ComplaintTriagedPayload:
        """The typed flags and the sentences are one flag: the same reasons in the same order, each of
        a label and a kind triage gives."""
        if self.review is None:
            return self
        if [f.text for f in self.review] != self.review_reasons:
            raise ValueError("review's texts must be review_reasons, in the same order")
        if any(f.aspect is None or f.kind is ReviewKind.UNKNOWN for f in self.review):
            raise ValueError("every review flag names its aspect and a known kind")
        return self


class ComplaintTriaged(IntegrationEvent):
    """Triage judged a complaint: validity, nature, category, severity and routing, each explained."""

    type: Literal["complaints.triage.ComplaintTriaged"] = "complaints.triage.ComplaintTriaged"
    schema_version: Literal[1] = 1
    payload: ComplaintTriagedPayload


class SeverityRegradedPayload(Contract):
    previous: Severity
    severity: Severity
    criterion: str = Field(description="The criterion of the new grade, e.g. 'major.unresolved-week'.")
    explanation: Explanation


class SeverityRegraded(IntegrationEvent):
    """A later fact (a repeat, a cluster, an unresolved week, a person) changed a complaint's grade."""

    type: Literal["complaints.triage.SeverityRegraded"] = "complaints.triage.SeverityRegraded"
    schema_version: Literal[1] = 1
    payload: SeverityRegradedPayload


class TriageDecisionOverriddenPayload(Contract):
    aspect: Literal["validity", "nature", "category", "severity", "routing"]
    previous: str
    value: str
    reason: str = Field(min_length=1, description="Why the person overrode it; the actor is who.")
    content_category: ContentCategory | None = Field(
        default=None, description="A category override's content category, typed (never read from 'value')."
    )
    business_area: BusinessAreaCode | None = Field(
        default=None, description="A category override's business area, typed (never read from 'value')."
    )


class TriageDecisionOverridden(IntegrationEvent):
    """A person confirmed differently: an automatic decision replaced, with who (actor) and why (reason).
    Every service honours it: SLA re-times the clocks (validity, severity), follow-up re-decides what it
    owes (validity, nature), handling re-routes (routing) or stands down (invalid), and the projection
    counts the overridden value. `value` of a category is 'content/area'; read the typed fields instead."""

    type: Literal["complaints.triage.DecisionOverridden"] = "complaints.triage.DecisionOverridden"
    schema_version: Literal[1] = 1
    payload: TriageDecisionOverriddenPayload


class TriageDecisionConfirmedPayload(Contract):
    aspect: Literal["validity", "nature", "category", "severity", "routing"]
    value: str = Field(description="The value the person confirmed: the automatic one, unchanged.")
    reason: str = Field(min_length=1, description="Why the person confirmed it; the actor is who.")


class TriageDecisionConfirmed(IntegrationEvent):
    """A person looked at an automatic decision and confirmed it (the same value), with who (actor) and
    why (reason). Nothing changes but this: a review flag on that aspect is settled (the projection no
    longer counts the complaint as waiting for review). A different value is `DecisionOverridden`."""

    type: Literal["complaints.triage.DecisionConfirmed"] = "complaints.triage.DecisionConfirmed"
    schema_version: Literal[1] = 1
    payload: TriageDecisionConfirmedPayload


class IncidentClusterDetectedPayload(Contract):
    cluster_id: UUID
    incident_key: str = Field(
        description="What the members share: the building (or the estate, for estate-wide facilities) and the "
        "facility, e.g. 'telford gardens/block 3|lift', 'telford gardens|car-park'."
    )
    member_complaint_ids: list[UUID]
    complainants: int = Field(ge=6, description="Distinct complainants: more than five makes a mass incident.")
    window_start: AwareDatetime = Field(description="When the first member was received.")
    window_end: AwareDatetime = Field(
        description="When the last member known at detection was received (later members may join)."
    )
    explanation: Explanation
    completed_by: UUID | None = Field(
        default=None,
        description="The member that completed the incident in business order (when the group heard of each "
        "complaint, then when it was received, then its id), whatever order triage met them in; "
        "none before v1 events carried it (the event's complaint was then the one that completed it).",
    )
    supersedes: list[UUID] = Field(
        default_factory=list,
        description="Incidents announced before a complaint heard late, received before their first member, "
        "showed the incident began earlier: this one replaces them (their members are its members).",
    )


class IncidentClusterDetected(IntegrationEvent):
    """More than five customers complained of one incident at one time. Its id and facts are a function
    of the members (replayed in business order), not of the order triage met them; it is keyed by the
    incident's first member by received time (`cluster_id` derives from it), and `occurred_at` is when
    the group heard of the member that completed it. Every member is re-graded major citing
    `cluster_id`, dated by its own registration."""

    type: Literal["complaints.triage.IncidentClusterDetected"] = "complaints.triage.IncidentClusterDetected"
    schema_version: Literal[1] = 1
    payload: IncidentClusterDetectedPayload
