"""The rules book: every adopted version of the triage rules, who adopted it, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

from .rules import Rules, fingerprint


class RulesBook(Aggregate):
    @staticmethod
    def create_id(**_: Any) -> UUID:
        return derived_id("triage-rules-book")

    @event("Opened")
    def __init__(self) -> None:
        self.rules_version = 0
        self.data: dict[str, Any] = {}
        self.fingerprint = ""

    def adopt(self, data: dict[str, Any], actor_id: str, actor_role: str, reason: str, now: datetime) -> bool:
        """Adopt `data` as the next version; the same rules again change nothing."""
        if fingerprint(data) == self.fingerprint:
            return False
        self._adopted(self.rules_version + 1, data, fingerprint(data), actor_id, actor_role, reason, now)
        return True

    @event("Adopted")
    def _adopted(
        self,
        version: int,
        data: dict[str, Any],
        fingerprint: str,
        actor_id: str,
        actor_role: str,
        reason: str,
        adopted_at: datetime,
    ) -> None:
        self.rules_version = version
        self.data = data
        self.fingerprint = fingerprint

    @property
    def rules(self) -> Rules:
        return Rules(self.rules_version, self.data)
