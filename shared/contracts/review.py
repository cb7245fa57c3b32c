"""Triage's review flag, typed: which label it doubts, the kind of doubt, its numbers and the complaint's
words it relied on, beside the sentence a supervisor reads. Triage is its one author
(`ComplaintTriaged.review`); the desk and the projection read these fields, never the sentence.

Events published before the typed flag carry only the sentences (`review_reasons`):
`flags_of_sentences` is the one reading of them, for those events alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import Field

from .envelope import Contract

# The labels a flag can doubt (routing follows the business area; it is never doubted by itself).
ReviewAspect = Literal["validity", "nature", "category", "severity"]
REVIEW_ASPECTS: tuple[ReviewAspect, ...] = ("validity", "nature", "category", "severity")


class ReviewKind(StrEnum):
    """Why triage asks a person to look (services/triage/README.md, "the review flag"); `unknown` is
    only a reader's reading of an older event's sentence of no known shape, refused on the wire."""

    LOW_CONFIDENCE = "low-confidence"  # the label's confidence is below the limit
    NARROWLY_AHEAD = "narrowly-ahead"  # the business area only narrowly outweighs the runner-up
    NO_TOPIC = "no-topic"  # no business area recognised: the default area was taken
    NO_SIGN_EITHER_WAY = "no-sign-either-way"  # the nature guessed: no sign of a duty failed nor of a kind
    POSSIBLY_MAJOR = "possibly-major"  # signs of a major complaint too weak to grade it major
    MODEL_GRADED = "model-graded"  # the reading model graded the severity higher than the rules
    MODEL_DISAGREES = "model-disagrees"  # the reading model reads another value than the rules decided
    MAJOR_DOUBTED = "major-doubted"  # graded major, and the reading model finds major unlikely
    # Only from reading an older event's sentence of no known shape; triage never publishes it.
    UNKNOWN = "unknown"


class ReviewFlag(Contract):
    """One reason triage asks a person to look. A person's confirmation or override of `aspect`
    settles it."""

    aspect: ReviewAspect | None = Field(
        description="The label doubted (triage's 'business area' is the category). None only when an "
        "older event's sentence names none."
    )
    kind: ReviewKind
    value: str | None = Field(
        default=None,
        description="The label's value the flag is about, as a code: the area, the grade, the nature "
        "('effective' or the communication kind), the validity. None on older events' sentences.",
    )
    other: str | None = Field(
        default=None,
        description="The other value in question: the runner-up area (narrowly-ahead), the reading "
        "model's value (model-disagrees; low-confidence when the model reads another), the rules' own "
        "grade (model-graded).",
    )
    confidence: float | None = Field(
        default=None, ge=0, le=1, description="The label's confidence (low-confidence, narrowly-ahead)."
    )
    limit: float | None = Field(
        default=None,
        description="The limit that sent it to review: the confidence it is below (low-confidence, "
        "narrowly-ahead), the model's probability of major it reaches (model-disagrees on a grade below "
        "major) or is below (major-doubted).",
    )
    model_probability: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="The reading model's probability: of the value decided (low-confidence), of its own "
        "reading (model-disagrees, model-graded), of major (major-doubted; model-disagrees on a grade "
        "below major).",
    )
    quoted: list[str] = Field(
        default_factory=list, description="The complaint's own words the flag relies on, verbatim, in order."
    )
    text: str = Field(min_length=1, description="The sentence, as in `review_reasons` (English).")


# -- events published before the typed flag: their sentences read, in this one place -------------------

# The complaint's words as triage quotes them: 'like this', between a start, a space or a bracket and
# a comma, semicolon, bracket, space or the end (so "didn't" inside a quote does not end it).
_QUOTED = re.compile(r"(?:(?<=^)|(?<=[\s(:]))'(.+?)'(?=[,;)]|\s|$)")
_LOW = re.compile(r"^[a-z ]+: confidence (?P<value>[\d.]+) is below (?P<limit>[\d.]+)")
_DISAGREE = re.compile(r"^[a-z ]+: the reading model and the rules disagree")
_GRADED = re.compile(r"^severity: graded (?P<grade>[a-z]+) by the reading model from ")
_NAMED: dict[str, ReviewAspect] = {
    "validity": "validity",
    "nature": "nature",
    "category": "category",
    "business area": "category",
    "area": "category",
    "severity": "severity",
}


def quoted(text: str) -> tuple[str, ...]:
    """The words a sentence of triage quotes, in order, each once."""
    return tuple(dict.fromkeys(_QUOTED.findall(text)))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value <= 1 else None


def flag_of_sentence(text: str) -> ReviewFlag:
    """An older event's sentence read as a flag: its aspect from its first words, its kind where its
    shape is known (else `unknown`: the sentence alone says why)."""
    aspect = _NAMED.get(text.split(":", 1)[0].strip())
    kind, numbers, value = ReviewKind.UNKNOWN, {}, None
    low = _LOW.match(text)
    if aspect is not None and low:
        kind, numbers = ReviewKind.LOW_CONFIDENCE, {"confidence": _number(low["value"]), "limit": _number(low["limit"])}
    elif aspect is not None and _DISAGREE.match(text):
        kind = ReviewKind.MAJOR_DOUBTED if "gives major only" in text else ReviewKind.MODEL_DISAGREES
    elif aspect == "category" and text.endswith("no topic recognised"):
        kind = ReviewKind.NO_TOPIC
    elif aspect == "category" and " only narrowly over " in text:
        kind = ReviewKind.NARROWLY_AHEAD
    elif aspect == "nature" and "no sign either way" in text:
        kind = ReviewKind.NO_SIGN_EITHER_WAY
    elif aspect == "severity" and text.startswith("severity: possibly major"):
        kind = ReviewKind.POSSIBLY_MAJOR
    elif graded := _GRADED.match(text):
        kind, value = ReviewKind.MODEL_GRADED, graded["grade"]
    return ReviewFlag(aspect=aspect, kind=kind, value=value, text=text, quoted=list(quoted(text)), **numbers)


def flags_of_sentences(texts: Iterable[str]) -> list[ReviewFlag]:
    """The flags of an event published before the typed flag (its `review_reasons`), in order."""
    return [flag_of_sentence(t) for t in texts if t]
