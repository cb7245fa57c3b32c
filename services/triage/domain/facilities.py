"""What a complaint is about: the facility or utility affected (lift, water, power, gas, drainage,
fire safety, access, the estate's gate or car park, ...), read from the complaint's own words in
English, Traditional or Simplified Chinese and written Cantonese.

Deliberately a small lexicon, not the general rules engine: the incident key needs one robust answer
("which thing"), and the words for things are few and stable. The lexicon is the group's one
vocabulary of facilities, `shared/contracts/facilities.py` (the projection's search reads it too);
here the complaint's text is put in its script (`script.canonical`: Simplified, lower case) and read.

Which facility wins: the first one named in the complaint's object (what is complained about), else
the first one named in the description; at one position the longer phrase wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shared.contracts.facilities import FACILITIES, Facility, Scope, namings

from .script import canonical

__all__ = ["ESTATE_WIDE", "FACILITIES", "UTILITIES", "Facility", "Found", "Scope", "facility_of"]

# Words that make a utility complaint estate-wide (the main supply, not one block's).
ESTATE_WIDE = re.compile(
    r"\b(?:whole|entire|all of the|all the)\s+(?:estate|development|complex|blocks|buildings)\b|\ball blocks\b"
    r"|\bevery block\b|\bmain power supply\b|\bwater mains?\b|\bmain supply\b"
    r"|全苑|全屋苑|成个屋苑|整个屋苑|全个屋苑|整个小区|全小区|成个小区|全部大厦|所有大厦|每座|各座|总电源|总掣|总水管"
)
UTILITIES = {"power", "water", "gas"}


@dataclass(frozen=True)
class Found:
    """The facility recognised, where, and the words that named it (as written, canonical script)."""

    facility: Facility
    field: str
    words: str
    scope: Scope
    scope_words: str = ""


def facility_of(form: dict[str, Any]) -> Found | None:
    """The facility a complaint is about, from its object, else its description; None if none is named."""
    texts = {field: canonical(str(form.get(field, ""))) for field in ("object", "description")}
    for field, text in texts.items():
        named = namings(text)
        if not named:
            continue
        facility = named[0].facility
        words = _as_written(str(form.get(field, "")), named[0].words)
        scope, scope_words = facility.scope, ""
        if facility.name in UTILITIES:
            wide = next((w for w in map(ESTATE_WIDE.search, texts.values()) if w), None)
            if wide:
                scope, scope_words = Scope.ESTATE, wide.group()
        return Found(facility, field, words, scope, scope_words)
    return None


def _as_written(original: str, words: str) -> str:
    """The complaint's own characters for the canonical words found (𨋢, not OpenCC's 䢂)."""
    size = len(words)
    for start in range(max(len(original) - size + 1, 0)):
        if canonical(original[start : start + size]) == words:
            return original[start : start + size]
    return words
