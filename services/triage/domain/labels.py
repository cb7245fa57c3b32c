"""A judged label: its value, why, how sure, and (when unsure) why a person should look. Shared by
the judges of validity, nature, category and severity."""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.review import ReviewFlag

from .evidence import Hit, Muting, PhraseList, score
from .text import Text


@dataclass(frozen=True)
class Explained:
    reason: str
    rule: str


@dataclass(frozen=True)
class Label:
    """One label's value, why, how sure, and (when weak) why a person should look."""

    value: str
    explained: Explained
    confidence: float
    doubt: ReviewFlag | None = None
    signs: tuple[str, ...] = ()  # severity: the kinds of the signs of a possible major (`review.Sign.kind`)


def margin(best: float, runner_up: float) -> float:
    """Confidence from evidence weights: 0.5 when even, towards 1 as the best outweighs the rest."""
    if best <= 0:
        return 0.0
    return round(0.5 + 0.5 * (best - runner_up) / (best + runner_up + 1.0), 2)


def ranked(lists: dict[str, PhraseList], text: Text, muting: Muting | None = None) -> list[tuple[str, list[Hit]]]:
    """Values by the weight of their evidence, heaviest first (ties: the value written first)."""
    scored = [(name, phrases.hits(text, muting)) for name, phrases in lists.items()]
    scored = [(name, hits) for name, hits in scored if score(hits) > 0]
    return sorted(scored, key=lambda item: -score(item[1]))
