"""A data subject's erasure, as intake records it for the audit: who, why, when, which person id.

The erasure itself is the keyring's (the person's data key and blind-index entries destroyed); this
record holds no personal data, and its relay publishes it on `complaints.privacy.erasures`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id


class PersonErasure(Aggregate):
    @staticmethod
    def create_id(person_id: UUID, erased_at: datetime, **_: Any) -> UUID:
        # One record per request: a person erased twice (a repeated request) has two records.
        return derived_id("erasure", person_id, erased_at.isoformat())

    @event("Recorded")
    def __init__(
        self,
        person_id: UUID,
        erased_at: datetime,
        actor_id: str,
        actor_role: str,
        reason: str,
        keys_destroyed: int,
        index_entries_deleted: int,
    ) -> None:
        self.person_id = person_id
        self.erased_at = erased_at
        self.actor_id = actor_id
        self.actor_role = actor_role
        self.reason = reason
        self.keys_destroyed = keys_destroyed
        self.index_entries_deleted = index_entries_deleted
