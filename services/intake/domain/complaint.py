"""A complaint as the office registered it. Registration is the one thing intake decides."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import SealedForm, derived_id


def form_fingerprint(form: dict[str, Any]) -> str:
    """Same form, same fingerprint: tells a retried registration from a reused reference."""
    return hashlib.sha256(json.dumps(form, sort_keys=True).encode()).hexdigest()


def sealed_fingerprint(form: dict[str, Any]) -> str:
    """The fingerprint of a sealed form: its ciphertext differs at every sealing, so the person
    (as the keyring recognised them) stands for it; nothing personal is hashed."""
    personal = form.get("personal") or {}
    return form_fingerprint({k: v for k, v in form.items() if k != "personal"} | {"person": personal.get("person_id")})


class Complaint(Aggregate):
    @staticmethod
    def create_id(office_id: str, office_reference: str, **_: Any) -> UUID:
        # Derived from the office's own reference, so registering it twice finds the first one.
        return derived_id("complaint", office_id, office_reference)

    @event("Registered")
    def __init__(
        self,
        office_id: str,
        office_reference: str,
        sequence_number: int,
        form: dict[str, Any],
        registered_at: datetime,
        actor_id: str,
        actor_role: str,
        causation_id: str | None,
    ) -> None:
        self.office_id = office_id
        self.office_reference = office_reference
        self.sequence_number = sequence_number
        # The stored event keeps the form's JSON with the complainant sealed (intake never stores
        # them in clear: docs/privacy.md); the state holds it typed.
        self.form = SealedForm.model_validate(form)
        self.fingerprint = sealed_fingerprint(form)
        self.registered_at = registered_at
        self.actor_id = actor_id
        self.actor_role = actor_role
        self.causation_id = causation_id
