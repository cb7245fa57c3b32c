"""Reading a complaint as its owner wrote it: one normal form for English, Traditional and Simplified
Chinese and written Cantonese, with every token pointing back at the owner's own words.

Why this shape: the rules are phrase lists, and a phrase should match whatever script, dialect or
inflection the complaint uses. So the text and every phrase go through the same steps:
1. Traditional becomes Simplified (OpenCC `t2s`, the one converter in `script.py`): the common
   form, as many Traditional variants (裡/裏, 著/着) fold into one Simplified character, so rules
   written in either script match both;
2. written Cantonese forms become standard written Chinese (冇 → 没有, 咗 → 了, 𨋢 → 电梯), from the
   table in the rules (`[text.cantonese]`, itself read in the common form), so a rule needs one form;
3. English words are stemmed (Snowball), so "lifts", "rats", "twisted", "stitches" match "lift",
   "rat", "twist", "stitch";
4. the text becomes tokens: a CJK character is a token (Chinese phrases then match anywhere, as
   words do not need spaces), an English word is a token (phrases match whole words only); clause
   marks (, 。 ; but 但) start a new clause, which bounds negation and hypotheticals.
Each token keeps its span in the original text, so a decision quotes the complaint's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .numerals import NUMERAL_CHARS
from .script import to_simplified

_TOKEN = re.compile(
    r"(?P<cjk>[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff])"
    r"|(?P<word>[a-z0-9]+(?:['\u2019][a-z]+)?)"
    r"|(?P<stop>[.,;:!?\n\u3002\uff0c\uff1b\uff1a\uff01\uff1f\u3001()\uff08\uff09\-\u2013\u2014~/]+)"
)
# The seeds (and real web text) sometimes carry pinyin glosses inside Chinese words: 環(huán)境
_PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}\)")
# Words that turn a sentence: what follows is a new clause for negation and hypotheticals.
_CLAUSE_WORDS = frozenset({"but", "although", "though", "however", "except", "yet"})
_CLAUSE_CHARS = ("但", "不過", "可是", "然而", "而且")
# A short aside in brackets inside a sentence ("the flat above me (15F) drips", 陳生(7座)話, "my mother
# (79) tripped") is part of its clause: its brackets start no new clause, so what the sentence says on
# either side of it stays together. Longer brackets, or ones holding a sentence's own marks, still do.
_ASIDE = re.compile(r"[(\uff08][^()\uff08\uff09.,;:!?\n\u3002\uff0c\uff1b\uff1a\uff01\uff1f]{1,24}[)\uff09]")
_BRACKETS = frozenset("()\uff08\uff09")
# A negative contraction typed without its apostrophe ("cant", "doesnt", "didnt") is read as written
# with it: English morphology, like stemming, not vocabulary ("its" and "wont" stay words of their own).
_BARE_NT = re.compile(r"^(ca|do|does|did|is|was|were|are|has|have|had|could|should|would|must|need)nt$")


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word.replace("\u2019", "'")))  # type: ignore[attr-defined]


def to_common(text: str) -> str:
    """Traditional → Simplified, character for character when the converter keeps the length (it
    does for almost every text), so offsets into the original stay true."""
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := to_simplified(ch)) == 1 else ch for ch in text)


@dataclass(frozen=True)
class Token:
    form: str  # the normal form: a (Simplified) character or an English stem
    word: str  # the same before stemming (a lower-cased English word)
    start: int  # span in the original text
    end: int
    clause: int
    cjk: bool


class Text:
    """A complaint, normalised and tokenised; phrases are found as runs of tokens."""

    def __init__(
        self,
        original: str,
        cantonese: tuple[tuple[str, str], ...] = (),
        abbreviations: tuple[tuple[str, str], ...] = (),
        compounds: tuple[str, ...] = (),
        spell: Callable[[str], str | None] | None = None,
    ) -> None:
        self.original = original
        normal, origin = _rewrite(original, cantonese)
        self.tokens = _tokenise(normal, origin, dict(abbreviations), spell)
        self._joined, self._token_at = _join([t.form for t in self.tokens])
        self._exact: tuple[str, dict[int, int]] | None = None
        self.forms = frozenset(t.form for t in self.tokens) | frozenset(t.word for t in self.tokens)
        # Compound words read as one word before their parts: 擦傷 is a graze, not wiping (擦); 快遞車
        # a vehicle, not a parcel; 黑蚊蚊 pitch dark, not mosquitoes. A phrase inside one, or across
        # its edge, is not found; the whole compound is.
        self._words: tuple[tuple[int, int], ...] = ()
        spans = _money(self.tokens)
        if compounds:
            # only the compounds that can start here are looked for, each put in normal form once a rules
            # version (not once a complaint: that was two thirds of a judgement's CPU)
            starting = _compounds_by_first(compounds, cantonese)
            spans += [
                span for form in self.forms & starting.keys() for tokens in starting[form] for span in self.find(tokens)
            ]
        self._words = tuple(sorted(spans))
        # what each of the rules' phrase lists found here, by the list's id with the list itself
        # (`evidence.PhraseList.hits`): a judgement asks some lists more than once
        self.found: dict[int, tuple[object, list[Any]]] = {}

    def find(self, phrase: tuple[str, ...], exact: bool = False) -> list[tuple[int, int]]:
        """Every (first, last+1) token range where the phrase's tokens occur in a row within one
        clause; `exact` compares the words before stemming ("=blocked" must not match "Block 3")."""
        if exact:
            self._exact = self._exact or _join([t.word for t in self.tokens])
        joined, token_at = self._exact if exact and self._exact else (self._joined, self._token_at)
        needle = " " + " ".join(phrase) + " "
        found = []
        at = joined.find(needle)
        while at >= 0:
            first = token_at[at + 1]
            last = first + len(phrase)
            # a phrase is read within its clause: "wait in the office for a bit? my phone ..." holds no "bit my"
            if self.tokens[first].clause == self.tokens[last - 1].clause and not any(
                a < last and first < b and not (first <= a and b <= last) for a, b in self._words
            ):
                found.append((first, last))
            at = joined.find(needle, at + 1)
        return found

    def quote(self, first: int, last: int) -> str:
        """The owner's own words for tokens first..last-1."""
        return self.original[self.tokens[first].start : self.tokens[last - 1].end].strip()

    def __contains__(self, phrase: tuple[str, ...]) -> bool:
        return (" " + " ".join(phrase) + " ") in self._joined


# Cantonese writes a dollar as 蚊 (mosquito): after a number (三千幾蚊, 500蚊, 廿蚊, 百幾蚊) it is money.
_AMOUNT = NUMERAL_CHARS | frozenset("千万几多")


def _money(tokens: list[Token]) -> list[tuple[int, int]]:
    """The spans of an amount written with 蚊 (the number and 蚊), read as one word so that 蚊 alone,
    the mosquito, is not found inside it."""
    spans = []
    for i, t in enumerate(tokens):
        if t.form != "蚊" or i == 0:
            continue
        first = i
        while first > 0 and (tokens[first - 1].form in _AMOUNT or tokens[first - 1].word.isdigit()):
            first -= 1
        # a number must be there: 好多蚊 is many mosquitoes
        if any(tokens[j].form in NUMERAL_CHARS or tokens[j].word.isdigit() for j in range(first, i)):
            spans.append((first, i + 1))
    return spans


def phrase_tokens(phrase: str, cantonese: tuple[tuple[str, str], ...] = ()) -> tuple[str, ...]:
    """A rule's phrase in the same normal form as the texts it is looked for in; a phrase written
    "=word" keeps its English words unstemmed (see `Text.find`)."""
    if phrase.startswith("="):
        return tuple(t.word for t in Text(phrase[1:], cantonese).tokens)
    return tuple(t.form for t in Text(phrase, cantonese).tokens)


@lru_cache(maxsize=8)
def _compounds_by_first(
    compounds: tuple[str, ...], cantonese: tuple[tuple[str, str], ...]
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The compounds in normal form, by their first token (the rules' phrase lists are read the same way)."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for compound in compounds:
        tokens = phrase_tokens(compound, cantonese)
        if tokens:
            index.setdefault(tokens[0], []).append(tokens)
    return {first: tuple(found) for first, found in index.items()}


def _rewrite(original: str, cantonese: tuple[tuple[str, str], ...]) -> tuple[str, list[tuple[int, int]]]:
    """Lower-case, drop pinyin glosses, fold scripts, and write Cantonese forms in standard written
    Chinese, remembering for each character of the result the span of original text it came from."""
    lowered = original.lower()
    if len(lowered) != len(original):  # a few characters lower-case to two; keep offsets honest
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in original)
    drop = {i for m in _PINYIN_GLOSS.finditer(lowered) for i in range(m.start(), m.end())}
    kept = [i for i in range(len(lowered)) if i not in drop]
    common = to_common("".join(lowered[i] for i in kept))
    table = _common_table(cantonese)
    pattern = _alternation(tuple(table))
    if pattern is None:
        return common, [(i, i + 1) for i in kept]
    out: list[str] = []
    origin: list[tuple[int, int]] = []
    at = 0
    for m in pattern.finditer(common):
        out.append(common[at : m.start()])
        origin.extend((i, i + 1) for i in kept[at : m.start()])
        standard = table[m.group()]
        out.append(standard)
        origin.extend([(kept[m.start()], kept[m.end() - 1] + 1)] * len(standard))
        at = m.end()
    out.append(common[at:])
    origin.extend((i, i + 1) for i in kept[at:])
    return "".join(out), origin


@lru_cache(maxsize=8)
def _common_table(cantonese: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The Cantonese table in the common form: its forms are looked for after script folding."""
    return {to_common(k): to_common(v) for k, v in cantonese}


@lru_cache(maxsize=8)
def _alternation(written: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all Cantonese forms, longest first (壞咗 before 咗)."""
    if not written:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(written, key=len, reverse=True)))


def _tokenise(
    normal: str,
    origin: list[tuple[int, int]],
    abbreviations: dict[str, str] | None = None,
    spell: Callable[[str], str | None] | None = None,
) -> list[Token]:
    tokens: list[Token] = []
    clause = 0
    aside = {i for a in _ASIDE.finditer(normal) for i in (a.start(), a.end() - 1)}
    for m in _TOKEN.finditer(normal):
        start, end = origin[m.start()][0], origin[m.end() - 1][1]
        if m.group("stop"):
            if not all(normal[i] in _BRACKETS and i in aside for i in range(m.start(), m.end())) and not _joins(
                normal, m.start(), m.end()
            ):
                clause += 1
        elif m.group("cjk"):
            if normal.startswith(_CLAUSE_CHARS, m.start()) and tokens and tokens[-1].clause == clause:
                clause += 1
            tokens.append(Token(m.group(), m.group(), start, end, clause, True))
        else:
            word = m.group()
            if word in _CLAUSE_WORDS:
                clause += 1
                continue
            if _BARE_NT.match(word):
                word = word[:-2] + "n't"
            # SMS-style words read as the word they stand for ("pls", "ur", "mgmt"): spelling, not vocabulary
            word = (abbreviations or {}).get(word, word)
            # a typo of a rules' word is read as that word ("lfit", "insde"; `domain/spelling.py`); the
            # token keeps the owner's span, so quotes stay in their spelling
            word = (spell and spell(word)) or word
            tokens.append(Token(stem(word), word, start, end, clause, False))
    return tokens


def _joins(normal: str, start: int, end: int) -> bool:
    """A slash or a hyphen between letters or digits joins a label, it ends no clause (round 23): 14/F, G/F,
    B2-118, wi-fi ("the door closer of the 14/F bin room" is one clause)."""
    return (
        normal[start:end] in _LABEL_JOINS
        and start > 0
        and end < len(normal)
        and normal[start - 1].isascii()
        and normal[start - 1].isalnum()
        and normal[end].isascii()
        and normal[end].isalnum()
    )


_LABEL_JOINS = frozenset({"/", "-"})


def _join(forms: list[str]) -> tuple[str, dict[int, int]]:
    """Token forms joined by spaces, and which token starts at each offset of that string."""
    parts = [" "]
    token_at: dict[int, int] = {}
    at = 1
    for n, form in enumerate(forms):
        token_at[at] = n
        parts.append(form + " ")
        at += len(form) + 1
    return "".join(parts), token_at
