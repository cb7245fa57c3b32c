"""A complainant, known only by a salted hash of their contact: their earlier complaints."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

from .engine import EarlierComplaint, History


def complainant_key(contact: str, salt: str) -> str:
    """A salted hash of the normalised contact: the same person gives the same key, and the key
    reveals nothing (personal data stays in intake's events only)."""
    text = contact.strip().lower()
    normalised = text if "@" in text else re.sub(r"\D", "", text)[-8:] or text
    return hmac.new(salt.encode(), normalised.encode(), hashlib.sha256).hexdigest()


class Complainant(Aggregate):
    @staticmethod
    def create_id(key: str, **_: Any) -> UUID:
        return derived_id("complainant", key)

    @event("Known")
    def __init__(self, key: str) -> None:
        self.key = key
        self.complaints: list[dict[str, Any]] = []

    def history(self, excluding: str) -> History:
        return History(
            tuple(
                EarlierComplaint(c["complaint_id"], c["business_area"], c["validity"], c["promise_mentioned"])
                for c in self.complaints
                if c["complaint_id"] != excluding
            )
        )

    def knows(self, complaint_id: str) -> bool:
        return any(c["complaint_id"] == complaint_id for c in self.complaints)

    @event("ComplaintNoted")
    def note(self, complaint_id: str, business_area: str, validity: str, promise_mentioned: bool) -> None:
        self.complaints.append(
            {
                "complaint_id": complaint_id,
                "business_area": business_area,
                "validity": validity,
                "promise_mentioned": promise_mentioned,
            }
        )

    def revalidate(self, complaint_id: str, validity: str) -> None:
        if self.knows(complaint_id):
            self._revalidated(complaint_id, validity)

    @event("ValidityChanged")
    def _revalidated(self, complaint_id: str, validity: str) -> None:
        for complaint in self.complaints:
            if complaint["complaint_id"] == complaint_id:
                complaint["validity"] = validity
