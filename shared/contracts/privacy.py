"""The audit record of a data subject's erasure: who erased which person, why and when. No personal data.

Erasure destroys the person's data key in the keyring (shared/keyring.py): every sealed copy of their
name, contact and unit, in every store and on every topic, is unreadable from then on. This event
says that it happened; it carries the opaque person id only.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from .envelope import Contract, IntegrationEvent


class PersonErasedPayload(Contract):
    person_id: UUID = Field(description="The keyring's id of the person erased (opaque: names nobody).")
    erased_at: AwareDatetime = Field(description="When the data key was destroyed.")
    reason: str = Field(min_length=1, max_length=2000, description="Why (e.g. the data subject's request number).")
    keys_destroyed: int = Field(ge=0, description="Data keys destroyed (0 when the person was erased before).")
    index_entries_deleted: int = Field(ge=0, description="Blind-index entries (contact, name+unit) deleted.")


class PersonErased(IntegrationEvent):
    """A privacy officer erased a complainant: their sealed personal data can no longer be opened.
    `complaint_id` is the erasure's own id; `office_id` is `group` (an erasure spans offices)."""

    type: Literal["complaints.privacy.PersonErased"] = "complaints.privacy.PersonErased"
    schema_version: Literal[1] = 1
    payload: PersonErasedPayload
