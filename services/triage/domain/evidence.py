"""Evidence: where a rule's phrases occur in a complaint, how much each weighs, and whether a
negation ("nobody was hurt", 冇人受傷) or a hypothetical ("before someone gets hurt", 差啲跌親) mutes it.

A phrase list yields hits; each hit carries the owner's words it matched, its weight (from the
rules' `[weights]`, 1 by default) and, when muted, the cue that muted it, so a decision can say both
what it relied on and what it set aside. Overlapping hits of one list count once (the longest).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import cast

from .numerals import NUMERAL_CHARS, chinese_int
from .text import Text, Token, phrase_tokens, stem

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "dozen": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100,
}  # fmt: skip
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Hit:
    phrase: str
    words: str  # the complaint's own words
    weight: float
    first: int
    last: int
    muted_by: str | None = None  # the negation or hypothetical cue, in the complaint's words

    @property
    def counts(self) -> bool:
        return self.muted_by is None


@dataclass(frozen=True)
class Cues:
    """Negation and hypothetical cues, each with how many tokens ahead it reaches (CJK characters
    are tokens too, so Chinese reaches further)."""

    negation: tuple[tuple[str, ...], ...]
    hypothetical: tuple[tuple[str, ...], ...]
    reach_words: int
    reach_chars: int
    hypothetical_reach_words: int
    hypothetical_reach_chars: int
    # A negation that asks for agreement ("物業不是規定午休不能施工嗎?", "isn't renovation banned on
    # Sundays?") affirms: in a clause that ends with a question mark, these cues mute nothing.
    rhetorical: tuple[tuple[str, ...], ...] = ()
    # A condition ("if", 如果, 萬一, 假如) governs its whole clause: "if one day a child drowns in the
    # pool" and 如果有日有細路喺泳池遇溺 put the drowning as far from the cue as the clause allows.
    conditional: tuple[tuple[str, ...], ...] = ()
    # A request put politely ("grateful if you could send someone as the lift has been broken for two
    # weeks", 如果可以請盡快...) conditions nothing that happened: its "if" is no condition.
    polite: tuple[tuple[str, ...], ...] = ()

    def in_text(self, text: Text) -> Muting:
        found: list[tuple[int, int, int, int, str]] = []
        asked = _asked_clauses(text) if self.rhetorical else set()
        for cues, words, chars, label in (
            (self.negation, self.reach_words, self.reach_chars, "negated"),
            (self.hypothetical, self.hypothetical_reach_words, self.hypothetical_reach_chars, "hypothetical"),
            (self.conditional, _CLAUSE_REACH, _CLAUSE_REACH, "hypothetical"),
        ):
            for cue in cues:
                if cue[0] in text.forms:
                    spans = text.find(cue)
                    if label == "negated" and cue in self.rhetorical:
                        spans = [(a, b) for a, b in spans if text.tokens[a].clause not in asked]
                    if words == _CLAUSE_REACH and self.polite:
                        asks = [span for p in self.polite for span in text.find(p)]
                        spans = [(a, b) for a, b in spans if not any(x <= a and b <= y for x, y in asks)]
                    found.extend((a, b, words, chars, label) for a, b in spans)
        return Muting(text, tuple(found))


def _asked_clauses(text: Text) -> set[int]:
    """The clauses that end with a question mark."""
    last: dict[int, Token] = {}
    for token in text.tokens:
        last[token.clause] = token
    return {
        clause
        for clause, token in last.items()
        if text.original[token.end : token.end + 2].lstrip()[:1] in "?\uff1f"
        and text.original[token.end : token.end + 2].strip()
    }


@dataclass(frozen=True)
class Muting:
    """The cues found in one text, asked about each hit."""

    text: Text
    cues: tuple[tuple[int, int, int, int, str], ...]

    def __call__(self, first: int) -> str | None:
        """The cue before token `first`, in its clause and within reach, that mutes it. English
        function words (is, in, any, the ...) take none of the reach: "nobody is in any danger" is
        as near as "nobody in danger"."""
        tokens = self.text.tokens
        for a, b, words, chars, label in self.cues:
            if b > first or tokens[a].clause != tokens[first].clause:
                continue
            cjk = tokens[first].cjk
            distance = first - b if cjk else self._opaque_before[first] - self._opaque_before[b]
            if distance <= (chars if tokens[first].cjk else words):
                return f"{label} by '{self.text.quote(a, b)}'"
        return None

    @cached_property
    def _opaque_before(self) -> list[int]:
        """How many tokens before each position spend a cue's reach: a distance is one subtraction,
        not a count over the tokens between (a long clause without punctuation has thousands)."""
        counts = [0]
        for t in self.text.tokens:
            counts.append(counts[-1] + (t.word not in _TRANSPARENT))
        return counts


_CLAUSE_REACH = 1000  # a condition reaches to the end of its clause
# English function words that negation and hypotheticals reach across without spending their reach.
_TRANSPARENT = frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "am", "in", "any", "a", "an", "the", "of", "at", "to", "so"}
)


@dataclass(frozen=True)
class PhraseList:
    """Phrases of one rule, in any script; matched in the normal form of `text.py`."""

    phrases: tuple[str, ...]
    weights: tuple[tuple[str, float], ...] = ()
    cantonese: tuple[tuple[str, str], ...] = ()

    @cached_property
    def _compiled(self) -> list[tuple[str, tuple[str, ...], float, bool]]:
        weights = dict(self.weights)
        compiled = []
        for phrase in self.phrases:
            tokens = phrase_tokens(phrase, self.cantonese)
            if tokens:
                compiled.append((phrase, tokens, float(weights.get(phrase, 1.0)), phrase.startswith("=")))
        return compiled

    @cached_property
    def _by_first(self) -> dict[str, list[tuple[str, tuple[str, ...], float, bool]]]:
        """Phrases by their first token: a text is asked only about phrases that can start in it."""
        index: dict[str, list[tuple[str, tuple[str, ...], float, bool]]] = {}
        for entry in self._compiled:
            index.setdefault(entry[1][0], []).append(entry)
        return index

    def hits(self, text: Text, muting: Muting | None = None) -> list[Hit]:
        """The hits of this list, longest first where they overlap; muted ones marked when `muting`.
        A judgement asks some lists of one text several times (a third of its asks): each list is
        looked for once a text, and a copy given (callers may extend it)."""
        memo = text.found.get(id(self))
        if memo is not None and memo[0] is self:  # the list itself is kept with its hits: an id is not reused
            kept = cast("list[Hit]", memo[1])
        else:
            kept = self._find(text)
            text.found[id(self)] = (self, kept)
        if muting is not None:
            return [Hit(h.phrase, h.words, h.weight, h.first, h.last, muting(h.first)) for h in kept]
        return list(kept)

    def _find(self, text: Text) -> list[Hit]:
        """The unmuted hits, by their first token."""
        found: list[Hit] = []
        index = self._by_first
        for form in text.forms & self._firsts:  # only the phrases that can start in the text
            for phrase, tokens, weight, exact in index[form]:
                for first, last in text.find(tokens, exact):
                    found.append(Hit(phrase, text.quote(first, last), weight, first, last))
        found.sort(key=lambda h: (h.first - h.last, h.first, h.phrase))
        kept: list[Hit] = []
        taken: set[int] = set()  # tokens a kept hit covers: linear in the text, not in hits times kept
        for hit in found:
            if clear_of(hit, taken):
                kept.append(hit)
                taken.update(range(hit.first, hit.last))
        return sorted(kept, key=lambda h: h.first)

    @cached_property
    def _firsts(self) -> frozenset[str]:
        return frozenset(self._by_first)


def tokens_of(hits: Iterable[Hit]) -> set[int]:
    """The tokens some hit covers: asking it whether a hit overlaps costs the hit's length, not the
    number of hits (a 30,000-character complaint has thousands)."""
    return {i for h in hits for i in range(h.first, h.last)}


def clear_of(hit: Hit, taken: set[int]) -> bool:
    """No token of `hit` is taken."""
    return taken.isdisjoint(range(hit.first, hit.last))


def score(hits: list[Hit]) -> float:
    return sum(h.weight for h in hits if h.counts)


def counting(hits: list[Hit]) -> list[Hit]:
    """The hits that count as evidence: neither muted nor a mask (a phrase of weight 0 only hides
    the shorter phrases inside it: 衛生間 is no hygiene, 臭到頂唔順 no anger)."""
    return [h for h in hits if h.counts and h.weight > 0]


def quoted_words(hits: list[Hit], most: int = 4) -> list[str]:
    """The heaviest hits in the complaint's words, in the order written, each once."""
    unique: dict[str, Hit] = {}
    for hit in sorted(counting(hits), key=lambda h: (-h.weight, h.first)):
        unique.setdefault(hit.words.lower(), hit)
    shown = list(unique.values())[:most]
    return [h.words for h in sorted(shown, key=lambda h: h.first)]


def quote(hits: list[Hit], most: int = 4) -> str:
    """`quoted_words` as a reason writes them: 'like', 'this'."""
    return ", ".join(f"'{w}'" for w in quoted_words(hits, most))


def muted(hits: list[Hit]) -> str:
    return "; ".join(f"'{h.words}' {h.muted_by}" for h in hits if not h.counts)


# Words that may stand between a number and what it counts: "20 of us residents", 二十多戶, 十幾個業主
# (in the normal form: Simplified).
_FILLERS = frozenset(
    {"of", "us", "them", "more", "than", "over", "about", "around", "多", "几", "余", "个", "位", "名", "来"}
)


def count_before(text: Text, first: int) -> int | None:
    """The number written just before token `first` ("12 households", 十幾戶, "a dozen owners"),
    with only filler words between; None when there is none."""
    clause = text.tokens[first].clause
    n = first - 1
    while n >= 0 and text.tokens[n].clause == clause and first - n <= 4:
        form = text.tokens[n].form
        if _DIGITS.match(form):
            return None if _after_a_point(text, n) else int(form)
        if form in _number_stems():
            return _number_stems()[form]
        if form in NUMERAL_CHARS:
            return _chinese_number(text, n)
        if form not in _FILLERS:
            return None
        n -= 1
    return None


def _after_a_point(text: Text, n: int) -> bool:
    """Digits right after a colon or point that follows digits are a time's minutes or a fraction
    ("21:40 Caller", "9.30 residents' meeting"), not a count (round 25)."""
    start = text.tokens[n].start
    before = text.original[max(0, start - 2) : start]
    return len(before) == 2 and before[1] in ":.\uff1a" and before[0].isdigit()


@lru_cache(maxsize=1)
def _number_stems() -> dict[str, int]:
    """Number words as the text holds them: stemmed ("twenty" is "twenti")."""
    return {stem(word): value for word, value in _NUMBER_WORDS.items()}


def _chinese_number(text: Text, last: int) -> int | None:
    """A Chinese count ending at token `last`: 十二, 二十, 三 (十幾 and 二十多 read as their tens)."""
    first = last
    while first > 0 and text.tokens[first - 1].form in NUMERAL_CHARS and last - first < 3:
        first -= 1
    return chinese_int("".join(t.form for t in text.tokens[first : last + 1])) or None


_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_EN_DATE = re.compile(
    r"\b(?:(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(_MONTHS) + r")[a-z]*"
    r"|(" + "|".join(_MONTHS) + r")[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?)\b"
)
# A day without its month, said as the date it is now ("today is the 14th", "it's now the 20th"): it
# takes the month written before it; an ordinal of anything else ("the 3rd time") is no date.
_EN_DAY = re.compile(
    r"\b(?:today is|today's|it is now|it's now|now|on|it is|it's|its|today being) the (\d{1,2})(?:st|nd|rd|th)\b"
)
_EN_TODAY = re.compile(
    r"\b(?:today is|today's|it is now|it's now|now it's|and it's now) the (\d{1,2})(?:st|nd|rd|th)\b"
)
# "on the 3rd" as a day, not "on the 3rd floor" or "the 3rd time"
_EN_ON_DAY = re.compile(r"\bon the (\d{1,2})(?:st|nd|rd|th)\b(?!\s*(?:floor|fl|time|call|block|tower|lift|/f))")
_CN_NUMBER = r"[0-9一二兩两三四五六七八九十廿]{1,3}"
_ZH_DATE = re.compile(rf"(?:({_CN_NUMBER})\s*月\s*)?({_CN_NUMBER})\s*[號号日](?![子常])")


def days_spanned(original: str) -> int:
    """How many days lie between the earliest and the latest date the complaint writes ("reported
    on 3 May, it's now 20 May", 五月三號...而家廿號); 0 when it writes fewer than two. A day
    without a month takes the month written before it."""
    lowered = original.lower()
    dates: list[tuple[int, int]] = []
    for m in _EN_DATE.finditer(lowered):
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        dates.append((_MONTHS.index(month[:3]) + 1, int(day)))
    if dates:
        dates += [(dates[-1][0], int(m.group(1))) for m in _EN_DAY.finditer(lowered) if 1 <= int(m.group(1)) <= 31]
    else:
        # no month written at all: "rang on the 3rd ... today is the 17th" is one month's days, when
        # the day it says it is now comes after the others
        today = [int(m.group(1)) for m in _EN_TODAY.finditer(lowered) if 1 <= int(m.group(1)) <= 31]
        before = [int(m.group(1)) for m in _EN_ON_DAY.finditer(lowered) if 1 <= int(m.group(1)) <= 31]
        if today and before and min(before) < max(today):
            return max(today) - min(before)
    month = 0
    for m in _ZH_DATE.finditer(original):
        month = _cn_int(m.group(1)) if m.group(1) else month
        day = _cn_int(m.group(2))
        if 1 <= day <= 31:
            dates.append((month, day))
    if len(dates) < 2:
        return 0
    ordinals = sorted(month * 31 + day for month, day in dates)
    return ordinals[-1] - ordinals[0]


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_EN_WEEKDAY = "(" + "|".join(w[:3] + "(?:" + w[3:] + ")?" for w in _WEEKDAYS) + r")\b"
# "since last Friday", "from Mon": the day it began; "today is Wednesday", "it's now Thurs": today.
_EN_SINCE_DAY = re.compile(r"\b(?:since|from|on|started|starting)(?: last)? " + _EN_WEEKDAY)
_EN_TODAY_DAY = re.compile(r"\b(?:today is|today's|it is now|it's now|now it's|and it's) " + _EN_WEEKDAY)
_ZH_DAY = "([一二三四五六日天1-7])"
_ZH_SINCE_DAY = re.compile(
    r"(?:由|從|从|自|自從|自从)?(上|上個|上个)?(?:星期|禮拜|礼拜|週|周)"
    + _ZH_DAY
    + "(?:開始|开始|起|到而家|到現在|到现在)"
)
_ZH_TODAY_DAY = re.compile(
    r"(?:今日|今天|今天是|今日係|今日系|今天已经|今日已經|而家|現在|现在)(?:係|是|已經|已经)?(?:星期|禮拜|礼拜|週|周)"
    + _ZH_DAY
)
_ZH_WEEKDAY_NUMBER = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


def weekdays_spanned(original: str) -> int:
    """How many days lie between the weekday something began and the weekday the complaint says it
    is now ("stopped since last Friday, today is Wednesday": 5; 由上星期五開始...今日星期三): a week
    day read as a date. 0 when the complaint does not write both; "last" adds a week when the
    days alone would say less than one."""
    lowered = original.lower()
    began = _EN_SINCE_DAY.search(lowered)
    today = _EN_TODAY_DAY.search(lowered)
    if began and today:
        start, now = _en_weekday(began.group(1)), _en_weekday(today.group(1))
        return _days_between(start, now, "last" in began.group(0))
    zh_began = _ZH_SINCE_DAY.search(original)
    zh_today = _ZH_TODAY_DAY.search(original)
    if zh_began and zh_today:
        start, now = _zh_weekday(zh_began.group(2)), _zh_weekday(zh_today.group(1))
        return _days_between(start, now, bool(zh_began.group(1)))
    return 0


def _en_weekday(written: str) -> int:
    return next(n for n, day in enumerate(_WEEKDAYS) if day.startswith(written[:3]))


def _zh_weekday(written: str) -> int:
    return int(written) - 1 if written.isdigit() else _ZH_WEEKDAY_NUMBER[written]


def _days_between(start: int, now: int, last_week: bool) -> int:
    days = (now - start) % 7
    return days + 7 if last_week and days == 0 else days or (7 if last_week else 0)


def _cn_int(written: str) -> int:
    return chinese_int(written) or 0


# An amount of money as owners write it: HK$6,800, $500, 3000 dollars, 四百多塊, 三千蚊, 1200元, RMB 300.
_AMOUNT = re.compile(
    r"(?:hk\$|us\$|rmb|hkd|\$|¥|￥)\s?\d[\d,]*(?:\.\d+)?k?"
    r"|\d[\d,]*(?:\.\d+)?\s?(?:k\b|hkd|rmb|dollars?|bucks|元|塊|块|蚊|萬|万|千)"
    r"|[一二兩两三四五六七八九十百千萬万幾几廿]{2,}[多餘余]?(?:塊|块|蚊|元|萬|万)(?:錢|钱)?"
    r"|[一二兩两三四五六七八九十幾几]+[多餘余]?(?:塊|块|蚊|元)(?:錢|钱)"
)


def amount_spans(original: str) -> list[re.Match[str]]:
    """Where the complaint writes a sum of money (the same sums as `amounts`)."""
    return list(_AMOUNT.finditer(original.lower()))


def amounts(original: str) -> list[str]:
    """The sums of money the complaint writes ("a HK$3,000 phone", 四百多塊, 三千蚊): a loss is
    said with its value as often as with a loss word."""
    return [m.group().strip().rstrip(",") for m in _AMOUNT.finditer(original.lower())]
