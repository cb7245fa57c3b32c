"""The envelope every integration event wears.

Integration events are the public, versioned language between services. They are translated from a
service's private stored domain events at the boundary (by the outbox relay) and never change shape
without a new `schema_version`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Namespace for ids derived from other ids (event ids, complaint ids): the same input always gives the
# same id, so a replay or a re-publication produces identical events.
COMPLAINTS_NAMESPACE = UUID("6f1d3c52-3f0e-4c55-9d8e-5b1a2f6c7e10")


def derived_id(*parts: object) -> UUID:
    """A stable id made from its parts (see COMPLAINTS_NAMESPACE)."""
    return uuid5(COMPLAINTS_NAMESPACE, "/".join(str(p) for p in parts))


def stored_event_id(service: str, originator_id: UUID, version: int) -> UUID:
    """The id of the integration event made from a service's stored event: the same on every
    re-publication, and distinct across services, whose aggregates may share the complaint's id."""
    return derived_id("event", service, originator_id, version)


class Contract(BaseModel):
    """Base of every wire model: immutable, strict about unknown fields, finite numbers (a NaN cannot
    be written back as JSON). Strings are valid Unicode already: pydantic refuses a lone surrogate."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Actor(Contract):
    """Who did it: a person (by their key's actor id and role) or a service acting automatically."""

    id: str = Field(min_length=1, max_length=200, examples=["office-hk-01/reception"])
    role: str = Field(min_length=1, max_length=50, examples=["receptionist", "system"])

    @classmethod
    def system(cls, service: str) -> Actor:
        return cls(id=f"system:{service}", role="system")


class IntegrationEvent(Contract):
    """Fields every integration event carries. Subclasses fix `type`, `schema_version` and `payload`."""

    # Subclasses narrow these to Literal constants with defaults, so JSON Schema pins them.
    type: str
    schema_version: int
    event_id: UUID = Field(description="Unique; the same on a re-publication, so readers can tell.")
    complaint_id: UUID = Field(description="The complaint this is about; the Kafka key.")
    office_id: str = Field(description="The office the complaint belongs to.")
    occurred_at: AwareDatetime = Field(description="When it happened (the business time).")
    actor: Actor = Field(description="Who did it, or which service decided it.")
    causation_id: UUID | None = Field(default=None, description="The event or request that caused this one.")
    correlation_id: UUID = Field(description="Shared by every event of one complaint's story.")
    payload: Any = Field(description="What is particular to this type of event.")

    @classmethod
    def type_name(cls) -> str:
        return str(cls.model_fields["type"].default)

    @classmethod
    def version(cls) -> int:
        return int(cls.model_fields["schema_version"].default)

    @property
    def key(self) -> str:
        """The Kafka key: one complaint's events share a partition, so they stay in order."""
        return str(self.complaint_id)

    @property
    def time(self) -> datetime:
        return self.occurred_at
