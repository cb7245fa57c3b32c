"""The topic registry: every topic, its partitions, what it is keyed by and which events it carries.

Topics are created up front from this registry (`python -m shared.bus.topics create`), never by
accident: the broker runs with auto-creation off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Cleanup(StrEnum):
    DELETE = "delete"  # an event log: kept forever (retention -1)
    COMPACT = "compact"  # a projection: the latest value per key


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    event_types: tuple[str, ...]
    description: str
    partitions: int = 6
    cleanup: Cleanup = Cleanup.DELETE
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        base = {"cleanup.policy": self.cleanup.value}
        if self.cleanup is Cleanup.DELETE:
            base |= {"retention.ms": "-1", "retention.bytes": "-1"}
        return base | self.extra_config


INTAKE_EVENTS = Topic(
    name="complaints.intake.events",
    key="complaint_id",
    event_types=("complaints.intake.ComplaintRegistered",),
    description="Complaints recorded by the offices.",
)
OFFICE_REGISTRATIONS = Topic(
    name="complaints.office.registrations",
    key="office_reference",
    event_types=("complaints.office.RegistrationSubmitted",),
    description="Office systems publish registration forms here instead of calling intake's HTTP API.",
)
DEAD_LETTERS = Topic(
    name="complaints.dead-letters",
    key="origin key",
    event_types=("complaints.bus.DeadLetter",),
    description="Messages a consumer could not use, with the error and their origin.",
)
RELAY_POSITIONS = Topic(
    name="complaints.relay.positions",
    key="service/store instance",
    event_types=(),
    description=(
        "Each outbox relay's last published notification id, written in the same Kafka "
        "transaction as the events it published."
    ),
    partitions=1,
    cleanup=Cleanup.COMPACT,
)

ALL_TOPICS: tuple[Topic, ...] = (INTAKE_EVENTS, OFFICE_REGISTRATIONS, DEAD_LETTERS, RELAY_POSITIONS)


def topic_for_event_type(event_type: str) -> Topic:
    for topic in ALL_TOPICS:
        if event_type in topic.event_types:
            return topic
    raise LookupError(f"no topic carries events of type {event_type!r}")
