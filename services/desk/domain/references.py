"""A suggested office reference for the registration form, so a receptionist does not invent one for
every walk-in or call: the office, the office's date and a short random part, e.g.
`HK-CENTRAL-20261201-7K2QX`.

Unique enough without asking anyone: five characters of Crockford's base32 (no I, L, O, U: nothing to
misread on a phone) are 32^5, about 33.5 million, per office and day, so two receptionists opening the
form at once draw the same one with a chance of about 1 in 33 million. Intake stays the judge: the
same reference with the same form is the same complaint (200, nothing new), with another form it is
refused (409 ReferenceReused, nothing recorded) and the refused form is shown again with a fresh
suggestion. The reference stays editable: an office with its own numbers types its own.
"""

from __future__ import annotations

import re
from datetime import date
from random import Random
from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
RANDOM_LENGTH: Final = 5
# intake's contract for an office reference (shared/contracts/intake.py RegistrationForm)
REFERENCE_PATTERN: Final = re.compile(r"^[A-Za-z0-9._:/-]{1,100}$")
_NOT_IN_A_REFERENCE = re.compile(r"[^A-Za-z0-9-]+")


def suggested_reference(office_id: str | None, today: date, draw: Random) -> str:
    """`<OFFICE>-<YYYYMMDD>-<5 random characters>`; the group (no office) is `GROUP`."""
    office = _NOT_IN_A_REFERENCE.sub("-", office_id or "group").strip("-").upper()[:60] or "GROUP"
    random_part = "".join(draw.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{office}-{today:%Y%m%d}-{random_part}"
