"""Records the outbox relay could not publish, kept in the service's own store with the reason.

A notification whose translation raises, a message that cannot be encoded, one larger than Kafka
accepts, or one the broker refuses for good would otherwise stop the relay at that position after
every restart. The relay instead records a `QuarantinedRecord` (what, where in the log, why) and goes
on; its position moves past it only in the Kafka transaction that publishes the rest, and the record's
id is derived from that place in the log, so a relay that restarts before the transaction commits meets
the same failure again and finds its quarantine already recorded: once, whatever the crashes.

An operator redrives a record once its cause is fixed (`python -m shared.bus.operator redrive`): the
request is a stored event, so it reaches the relay through the same notification log, and the relay
publishes the record again in the transaction that moves its position past the request: exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.attention import Dismissal, dismiss_refusal
from shared.contracts import derived_id

from .deadletters import notifications_of

WHOLE = "*"  # the slot of a notification whose translation failed: all it would have published


class Stage(StrEnum):
    TRANSLATE = "translate"  # the service's translator raised
    ENCODE = "encode"  # the message could not be written as a CloudEvent
    SIZE = "size"  # larger than a Kafka record may be
    BROKER = "broker"  # the broker refused it with an error that retrying cannot fix


@dataclass(frozen=True)
class Redrive:
    by: str
    reason: str
    requested_at: datetime
    outcome: str | None = None  # "published", or why it failed again; None while pending


class QuarantinedRecord(Aggregate):
    """What one notification (or one of its publications: `slot`) would have published, and why not."""

    @staticmethod
    def create_id(service: str, notification_id: int, slot: str, **_: object) -> UUID:
        return derived_id("relay-quarantine", service, notification_id, slot)

    @event("Quarantined")
    def __init__(
        self,
        service: str,
        notification_id: int,
        slot: str,
        stage: str,
        reason: str,
        topic: str | None,
        key: str | None,
        size: int | None,
        at: datetime,
    ) -> None:
        self.service = service
        self.notification_id = notification_id
        self.slot = slot
        self.stage = stage
        self.reason = reason
        self.topic = topic
        self.key = key
        self.size = size
        self.at = at
        self.redrives: list[Redrive] = []

    @property
    def pending_redrive(self) -> Redrive | None:
        last = self.redrives[-1] if self.redrives else None
        return last if last is not None and last.outcome is None else None

    @property
    def redriven(self) -> bool:
        return any(r.outcome == "published" for r in self.redrives)

    @event("RedriveRequested")
    def request_redrive(self, by: str, reason: str, at: datetime) -> None:
        self.redrives.append(Redrive(by, reason, at))

    @event("Redriven")
    def record_redrive(self, outcome: str, at: datetime) -> None:
        last = self.redrives[-1]
        self.redrives[-1] = Redrive(last.by, last.reason, last.requested_at, outcome)

    @property
    def dismissal(self) -> Dismissal | None:
        return getattr(self, "_dismissal", None)  # records quarantined before dismissals have none

    def dismiss(self, by: str, reason: str, at: datetime) -> None:
        """An operator decided it needs no publishing (who and why kept; the record stays).
        `attention.Refused` when it cannot be dismissed now."""
        dismiss_refusal(self, by, reason)
        self._record_dismissal(by, reason, at)

    @event("Dismissed")
    def _record_dismissal(self, by: str, reason: str, at: datetime) -> None:
        self._dismissal = Dismissal(by, reason, at)


def quarantined_in(app: Any) -> list[QuarantinedRecord]:
    """Every quarantined record of a service's store, oldest first."""
    ids = dict.fromkeys(n.originator_id for n in notifications_of(app, QuarantinedRecord.Quarantined))
    return [app.repository.get(record_id) for record_id in ids]
