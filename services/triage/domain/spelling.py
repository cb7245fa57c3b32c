"""English words misspelt as owners type them ("lfit", "brokn", "insde") read as the rules' own word.

Why this shape: the rules are phrase lists, so a typo defeats them however well they are written. A
word of the complaint is read as a word of the rules' English lexicon (every English word in a phrase
of the rules) when it is
- at least 4 letters (shorter words have too many neighbours: "blk", "ur" are abbreviations' work),
- not an English word itself (symspellpy's English frequency list, 82,765 words) nor a word of the
  rules: a correct word is never turned into another word ("lift" never becomes "left"),
- within edit distance 1 of a lexicon word (2 for words of 8 letters or more), counting a swap of
  two letters as one edit (Damerau: "lfit", "agian"); among equally near words the likeliest slip:
  the typo's first letter kept, a letter left out, the letters swapped, then the word most often
  written in English (the same list's frequencies).
The token keeps its span, so a decision quotes the owner's own (misspelt) words; negation reads the
corrected word like any other ("nobody stuck insde" stays negated).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from symspellpy import SymSpell, Verbosity

_SHORTEST = 4  # letters: a shorter word is left as written
_LONG = 8  # letters: from here a word may be two edits away
_ENGLISH = "frequency_dictionary_en_82_765.txt"


@lru_cache(maxsize=1)
def english_words() -> dict[str, int]:
    """The English word list shipped with symspellpy: each word and how often it is written."""
    listing = resources.files("symspellpy").joinpath(_ENGLISH).read_text(encoding="utf-8")
    return {word: int(count) for word, count in (line.split(" ", 1) for line in listing.splitlines() if line)}


@lru_cache(maxsize=4)
def speller_of(lexicon: frozenset[str]) -> Speller:
    """One speller a lexicon in a process: building its index costs ~0.5 s, and every Rules object read
    from the same file (each application, each test) has the same lexicon."""
    return Speller(lexicon)


class Speller:
    """Reads a misspelt word as the one lexicon word it is a typo of, or leaves it alone."""

    def __init__(self, lexicon: Iterable[str]) -> None:
        self.lexicon = frozenset(w for w in lexicon if w.isascii() and w.isalpha() and len(w) >= _SHORTEST - 1)
        self._frequency = english_words()
        self._index = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word in self.lexicon:
            self._index.create_dictionary_entry(word, 1)
        self.correct = lru_cache(maxsize=16384)(self._correct)

    def _correct(self, word: str) -> str | None:
        if len(word) < _SHORTEST or not word.isascii() or not word.isalpha():
            return None
        if word in self._frequency or word in self.lexicon:  # a correct word is never changed
            return None
        reach = 2 if len(word) >= _LONG else 1
        found = self._index.lookup(word, Verbosity.CLOSEST, max_edit_distance=reach)
        # among equally near words, the likeliest slip of the fingers: the one that keeps the typo's
        # first letter ("lfit": lift, not fit), then one the typo left a letter out of ("brokn":
        # broken, not brown; "cleanr": cleaner, not clear), then one with the typo's letters in
        # another order, then the one most often written; none when two are still alike
        if not found:
            return None
        ranked = sorted((self._likelihood(word, str(f.term)), str(f.term)) for f in found)
        if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
            return None
        return ranked[0][1]

    def _likelihood(self, typo: str, term: str) -> tuple[bool, bool, bool, int]:
        """A sort key, likeliest first."""
        return (
            term[0] != typo[0],
            not _left_out_of(typo, term),
            sorted(term) != sorted(typo),
            -self._frequency.get(term, 0),
        )


def _left_out_of(typo: str, term: str) -> bool:
    """Whether the typo is the term with letters left out (its letters in order within the term)."""
    letters = iter(term)
    return all(ch in letters for ch in typo)
