"""The review flag's reasons: each kind built here from its data, as a typed flag and its sentence at
once (`ReviewFlag.text`), so the two cannot say different things. The engine, the severity judge and
the second reading call these; nothing else writes a reason for review.

The sentences are those triage always wrote (older readers and the corpus scorer read them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.contracts.review import ReviewAspect, ReviewFlag, ReviewKind

DISAGREE = "the reading model and the rules disagree"
# How a reason names each label (triage calls the category 'business area').
NAMES: dict[ReviewAspect, str] = {
    "validity": "validity",
    "nature": "nature",
    "category": "business area",
    "severity": "severity",
}


@dataclass(frozen=True)
class Sign:
    """One sign of a possible major complaint: what it is (`kind`: a `[possible_major]` list's name,
    'set-aside', 'promise-not-repeated', 'outage-of-one-home', 'outage-of-unstated-scale'), how the
    reason says it, and the complaint's words that show it."""

    said: str
    words: tuple[str, ...] = ()
    kind: str = ""


def _quoted(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(words))


def low_confidence(aspect: ReviewAspect, value: str, confidence: float, limit: float) -> ReviewFlag:
    """The rules' own confidence in a label is below `[confidence] review_below`."""
    text = f"{aspect}: confidence {confidence:.2f} is below {limit:.2f}"
    return ReviewFlag(
        aspect=aspect, kind=ReviewKind.LOW_CONFIDENCE, value=value, confidence=confidence, limit=limit, text=text
    )


def calibrated_low_confidence(
    aspect: ReviewAspect,
    value: str,
    confidence: float,
    limit: float,
    rules_margin: float,
    doubts: Sequence[ReviewFlag],
    probability: float,
    read: str,
    read_probability: float,
) -> ReviewFlag:
    """A label's calibrated confidence is below `[confidence] flag_below`: both readings said, the
    rules' (their doubts, else their margin) and the model's (its probability of the value decided,
    and its own reading where it reads another)."""
    doubt = "; ".join(_without_aspect(d.text) for d in doubts)
    rules_said = f"the rules unsure: {doubt}" if doubt else f"the rules' margin {rules_margin:.2f}"
    model = f"the reading model gives {value} p={probability:.2f}"
    if read != value:
        model += f" and reads {read} p={read_probability:.2f}"
    text = f"{NAMES[aspect]}: confidence {confidence:.2f} is below {limit:.2f} ({rules_said}; {model})"
    return ReviewFlag(
        aspect=aspect,
        kind=ReviewKind.LOW_CONFIDENCE,
        value=value,
        other=read if read != value else None,
        confidence=confidence,
        limit=limit,
        model_probability=probability,
        quoted=_quoted(w for d in doubts for w in d.quoted),
        text=text,
    )


def narrowly_ahead(area: str, runner_up: str, confidence: float, limit: float) -> ReviewFlag:
    """The business area outweighs the next one by too little to be sure."""
    text = f"business area: {area} only narrowly over {runner_up} (confidence {confidence:.2f})"
    return ReviewFlag(
        aspect="category",
        kind=ReviewKind.NARROWLY_AHEAD,
        value=area,
        other=runner_up,
        confidence=confidence,
        limit=limit,
        text=text,
    )


def no_topic(default_area: str) -> ReviewFlag:
    """No business area's words found: the default area was taken."""
    text = "business area: no topic recognised"
    return ReviewFlag(aspect="category", kind=ReviewKind.NO_TOPIC, value=default_area, text=text)


def no_sign_either_way(guessed: str, topic: str | None = None) -> ReviewFlag:
    """Neither a duty failed nor a kind of communication recognised: the nature is guessed (effective
    from a topic, else a kind of communication)."""
    said = f"effective from its topic ({topic})" if topic else guessed
    text = f"nature: no sign either way; guessed {said}"
    return ReviewFlag(aspect="nature", kind=ReviewKind.NO_SIGN_EITHER_WAY, value=guessed, text=text)


def possibly_major(graded: str, signs: Sequence[Sign]) -> ReviewFlag:
    """Signs of a major complaint too weak to grade it major."""
    text = f"severity: possibly major, graded {graded}: " + "; ".join(s.said for s in signs)
    return ReviewFlag(
        aspect="severity",
        kind=ReviewKind.POSSIBLY_MAJOR,
        value=graded,
        quoted=_quoted(w for s in signs for w in s.words),
        text=text,
    )


def model_graded(grade: str, rules_grade: str, probability: float, words: Sequence[str]) -> ReviewFlag:
    """The reading model graded the severity higher than the rules, from the complaint's `words`."""
    quoted = ", ".join(f"'{w}'" for w in words) or "no single words"
    text = f"severity: graded {grade} by the reading model from {quoted}; the rules read {rules_grade}"
    return ReviewFlag(
        aspect="severity",
        kind=ReviewKind.MODEL_GRADED,
        value=grade,
        other=rules_grade,
        model_probability=probability,
        quoted=_quoted(words),
        text=text,
    )


def model_disagrees(aspect: ReviewAspect, value: str, model: str, read: str, probability: float) -> ReviewFlag:
    """The reading model (`model`, its identity) reads another value than the rules decided."""
    text = f"{aspect}: {DISAGREE} (rules: {value}; model {model} reads {read}, p={probability:.2f})"
    return ReviewFlag(
        aspect=aspect,
        kind=ReviewKind.MODEL_DISAGREES,
        value=value,
        other=read,
        model_probability=probability,
        text=text,
    )


def major_possible(graded: str, major: float, limit: float) -> ReviewFlag:
    """Graded lower than major, where the model finds major at least `limit` (`[model] major_at`) probable."""
    text = f"severity: {DISAGREE} (rules: {graded}; the reading model gives major p={major:.2f})"
    return ReviewFlag(
        aspect="severity",
        kind=ReviewKind.MODEL_DISAGREES,
        value=graded,
        other="major",
        limit=limit,
        model_probability=major,
        text=text,
    )


def major_doubted(major: float, limit: float) -> ReviewFlag:
    """Graded major, where the model finds major less than `limit` (`[model] major_doubt_below`) probable."""
    text = f"severity: {DISAGREE} (rules: major; the reading model gives major only p={major:.2f})"
    return ReviewFlag(
        aspect="severity", kind=ReviewKind.MAJOR_DOUBTED, value="major", limit=limit, model_probability=major, text=text
    )


def _without_aspect(text: str) -> str:
    return text.split(": ", 1)[1] if ": " in text else text


def unique(flags: Iterable[ReviewFlag]) -> list[ReviewFlag]:
    """Each reason once (by its sentence), in order."""
    seen: dict[str, ReviewFlag] = {}
    for flag in flags:
        seen.setdefault(flag.text, flag)
    return list(seen.values())
