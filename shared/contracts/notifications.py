"""People to tell at once: what a mail/SMS gateway consumes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import Explanation, Severity
from .envelope import Contract, IntegrationEvent


class Recipient(Contract):
    role: str = Field(description="e.g. 'supervisor', 'leader', 'company-leader', 'manager'.")
    office_id: str | None = Field(description="None for group-level recipients.")


class NotificationRequestedPayload(Contract):
    subject: str
    severity: Severity
    level: int = Field(ge=1, description="Escalation level: 1 is the first people to tell.")
    recipients: list[Recipient] = Field(min_length=1)
    explanation: Explanation


class NotificationRequested(IntegrationEvent):
    """Someone must be told now: a major complaint, a warning, a breach. Who is told is in the event."""

    type: Literal["complaints.notifications.NotificationRequested"] = "complaints.notifications.NotificationRequested"
    schema_version: Literal[1] = 1
    payload: NotificationRequestedPayload
