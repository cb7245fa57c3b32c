"""People to tell at once: what a mail/SMS gateway consumes."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from .common import Explanation, Severity
from .envelope import Contract, IntegrationEvent
from .sla import ClockKind


class Recipient(Contract):
    role: str = Field(description="e.g. 'supervisor', 'leader', 'company-leader', 'manager'.")
    office_id: str | None = Field(description="None for group-level recipients.")


class Occasion(StrEnum):
    """Why people are told, as a reader in any language can be told it (the subject is the publisher's
    English sentence)."""

    MAJOR_COMPLAINT = "major-complaint"  # triage: a major complaint is told to the leaders at once
    MASS_INCIDENT = "mass-incident"  # triage: a mass incident is told once, as an incident (`incident`)
    DEADLINE_WARNING = "deadline-warning"  # sla: a share of a time limit is used
    DEADLINE_BREACHED = "deadline-breached"  # sla: a time limit passed (each level of the ladder)


class IncidentNotice(Contract):
    """The mass incident a notification tells of (DOMAIN §4 major 5), as triage knew it when it told:
    one notice to the group's roles and one to each affected office's, not one per member."""

    cluster_id: UUID = Field(description="The incident's id, as `IncidentClusterDetected.cluster_id` names it.")
    announced_by: UUID = Field(
        description="The `IncidentClusterDetected` event id that announced the incident: the notice's cause."
    )
    incident_key: str = Field(min_length=1, description="Its place and facility: 'telford gardens/block 3|water'.")
    complaints: int = Field(ge=1, description="How many complaints it held when told (more may join later).")
    customers: int = Field(ge=1, description="How many distinct customers complained, of those complaints.")
    offices: list[str] = Field(min_length=1, description="The offices its complaints were recorded at.")
    member_complaint_ids: list[UUID] = Field(
        min_length=1, description="Its complaints when told, by received time. Later members join without a new "
        "notice: the desk lists them (`GET /complaints/{id}/triage`, `incident`).",
    )  # fmt: skip


class NotificationRequestedPayload(Contract):
    subject: str
    severity: Severity | None = Field(
        description="The complaint's severity as judged when the notification was published (triage's, or a "
        "person's override). None: nobody has judged it yet (an SLA warning or breach of the hand-over clock "
        "before triage's decision): a reader must not be told a grade nobody gave. Events published before "
        "None travelled said 'minor' there."
    )
    level: int = Field(ge=1, description="Escalation level: 1 is the first people to tell.")
    recipients: list[Recipient] = Field(min_length=1)
    explanation: Explanation
    occasion: Occasion | None = Field(
        default=None,
        description="Why people are told, for a mail in the reader's language: 'major-complaint', "
        "'mass-incident', 'deadline-warning' or 'deadline-breached'. None on events published before it "
        "travelled (the subject alone says it).",
    )
    clock: ClockKind | None = Field(default=None, description="The SLA's clock a warning or breach is about.")
    deadline: AwareDatetime | None = Field(
        default=None,
        description="The clock's deadline (its extended one when a manager extended it); a mail writes it "
        "in the office's time zone.",
    )
    fraction: float | None = Field(
        default=None, ge=0, description="A warning's share of the allowed time used (0.8: 80%)."
    )
    incident: IncidentNotice | None = Field(
        default=None,
        description="The mass incident told of ('mass-incident'): its key, count, offices, members and the "
        "announcement that caused it. None for every other notification, and on events published before it "
        "travelled (each member of an incident was then told of on its own).",
    )


class NotificationRequested(IntegrationEvent):
    """Someone must be told now: a major complaint, a mass incident, a warning, a breach. Who is told is in
    the event."""

    type: Literal["complaints.notifications.NotificationRequested"] = "complaints.notifications.NotificationRequested"
    schema_version: Literal[1] = 1
    payload: NotificationRequestedPayload
