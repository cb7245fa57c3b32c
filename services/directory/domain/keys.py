"""Keys: who a key speaks for, in which office, with which roles, until when.

Only the key's SHA-256 is ever recorded; the key itself is shown once, to whoever issued it.
Rotation is two facts: a new key issued (naming the one it replaces) and the old one revoked.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .errors import Invalid


class ApiKey(Aggregate):
    @staticmethod
    def create_id(key_id: UUID, **_: object) -> UUID:
        return key_id

    @event("Issued")
    def __init__(
        self, key_id: UUID, key_sha256: str, actor_id: str, office_id: str | None, roles: list[str],
        expires_at: datetime | None, replaces: UUID | None, by: str, role: str, reason: str, at: datetime,
    ) -> None:  # fmt: skip
        if expires_at is not None and expires_at <= at:
            raise Invalid("directory.key_expires_before_issue", "a key must expire after it is issued")
        self.key_id = key_id
        self.key_sha256 = key_sha256
        self.actor_id = actor_id
        self.office_id = office_id
        self.roles = sorted(set(roles))
        self.expires_at = expires_at
        self.replaces = replaces
        self.revoked_at: datetime | None = None
        self.changed_by, self.changed_at = by, at

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def live(self, now: datetime) -> bool:
        return not self.revoked and (self.expires_at is None or now < self.expires_at)

    def revoke(self, by: str, role: str, reason: str, at: datetime) -> None:
        """Revoking a revoked key changes nothing (and records nothing)."""
        if not self.revoked:
            self._revoked(by=by, role=role, reason=reason, at=at)

    @event("Revoked")
    def _revoked(self, by: str, role: str, reason: str, at: datetime) -> None:
        self.revoked_at = at
        self.changed_by, self.changed_at = by, at
