"""Dead letters of the office-facing topic, sealed under the complainant's own key.

Office systems publish their forms on `complaints.office.registrations` in clear. A registration
intake refuses (a bad signature, a form out of bounds, a value that is no registration at all) is a
dead letter, and the store keeps it whole for a redrive: so the value is sealed, as a registration
would be, under the person its form names — found or made by the keyring's blind index from the
form's contact, and name with unit, even when the rest of the form is invalid. Erasing that person
shreds the letter with everything else of theirs; a redrive opens it (nothing, once erased).

A value with no readable complainant is sealed under the person an e-mail address or phone number
written in it already names; failing that, under a key of its own that no fact finds (nothing then
links it to anyone: docs/privacy.md says what erasure cannot reach).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.bus.deadletters import SealedValue
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.keyring import Keyring
from shared.personal import contact_fact, facts_of
from shared.redaction import contacts_in


class OfficeLetterSealer:
    """The `LetterSealer` of intake's worker (shared/bus/deadletters.py)."""

    def __init__(self, keyring: Keyring, topics: tuple[str, ...] = (OFFICE_REGISTRATIONS.name,)) -> None:
        self.keyring = keyring
        self.topics = topics

    def seal(self, topic: str, value: bytes, now: datetime) -> SealedValue | None:
        if topic not in self.topics:
            return None
        person_id = self.person(value, now)
        sealed = self.keyring.seal(person_id, {"value_base64": base64.b64encode(value).decode("ascii")})
        return SealedValue(person_id=str(person_id), sealed=sealed)

    def open(self, sealed: SealedValue) -> bytes | None:
        data = self.keyring.unseal(UUID(sealed.person_id), sealed.sealed)
        return None if data is None else base64.b64decode(data["value_base64"])

    def person(self, value: bytes, now: datetime) -> UUID:
        """Whom the letter names: its form's complainant (found or made, as a registration does), else
        whoever a contact written in it already names, else a person of its own (no fact indexed)."""
        facts = facts_of(*_complainant(value))
        if facts:
            return self.keyring.person(facts, now)
        for contact in contacts_in(value.decode("utf-8", "replace")):
            known = self.keyring.find_person([contact_fact(contact)])
            if known is not None:
                return known
        return self.keyring.person([], now)


def _complainant(value: bytes) -> tuple[str | None, str | None, str | None]:
    """The form's name, contact and unit as far as they can be read (the rest may be invalid)."""
    try:
        data: Any = json.loads(value)
    except ValueError:
        return None, None, None
    form = data.get("form") if isinstance(data, dict) else None
    if not isinstance(form, dict):
        return None, None, None
    complainant = form.get("complainant")
    complainant = complainant if isinstance(complainant, dict) else {}

    def text(found: Any) -> str | None:
        return found if isinstance(found, str) else None

    return text(complainant.get("name")), text(complainant.get("contact")), text(form.get("unit_address"))
