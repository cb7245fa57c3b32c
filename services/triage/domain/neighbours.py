"""Which neighbour named is the source of the trouble (issue 9, area and nature round).

A neighbour named makes a complaint's matter the neighbour's doing (no business area of ours, help
sought when we are asked to speak to them). Not every neighbour named does anything: one the writer
only heard from ("I heard from neighbours the fee will go up"), one who asks the same question
(群里好几个邻居也在问), or 樓下 that is the foot of a building (5栋楼下, "at the foot of Block 5") is
no neighbour's doing. Read by clause from `[areas.reading]` `asks_after`, `heard_before`, `building`;
round 23: one checked with who has the same trouble (`checked_before`, `shares_after`: 問咗隔籬都係咁) is a
fellow sufferer.
Pure."""

from __future__ import annotations

import re

from .evidence import Hit, counting
from .rules import Rules
from .text import Text

ASKS_REACH_WORDS = 3  # "neighbours ask too", "neighbours are asking"
ASKS_REACH_CHARS = 4  # 邻居也在问, 鄰居都有問
# "checked with the neighbours on 3/F, 11/F … same for them" is one sentence: commas and slashes end no sentence
SENTENCE_ENDS = frozenset(".!?\n\u3002\uff01\uff1f\uff1b;")


def neighbours(text: Text, rules: Rules) -> list[Hit]:
    """The neighbours named as doing something: `[nature] neighbour` hits, without those who only
    ask or are heard from, and without 樓上/樓下 right after a building's label."""
    reading = rules.area_reading
    named = counting(rules.neighbour.hits(text))
    if not named or not reading:
        return named
    asks = counting(reading["asks_after"].hits(text)) if "asks_after" in reading else []
    heard = counting(reading["heard_before"].hits(text)) if "heard_before" in reading else []
    buildings = counting(reading["building"].hits(text)) if "building" in reading else []
    checked = counting(reading["checked_before"].hits(text)) if "checked_before" in reading else []
    shared = counting(reading["shares_after"].hits(text)) if "shares_after" in reading else []
    tokens = text.tokens

    def speaks(n: Hit) -> bool:
        clause = tokens[n.first].clause
        reach = ASKS_REACH_CHARS if tokens[n.first].cjk else ASKS_REACH_WORDS
        after = any(a.first >= n.last and a.first - n.last <= reach and tokens[a.first].clause == clause for a in asks)
        before = any(h.last <= n.first and n.first - h.last <= 1 and tokens[h.first].clause == clause for h in heard)
        return after or before

    def a_place(n: Hit) -> bool:
        return tokens[n.first].cjk and any(b.last == n.first for b in buildings)

    def shares(n: Hit) -> bool:
        """Checked with and said to have the same trouble: a fellow sufferer (round 23)."""
        clause = tokens[n.first].clause
        asked = any(c.last <= n.first and tokens[c.first].clause == clause for c in checked)
        same = any(s.first >= n.last and _one_sentence(text, n, s) for s in shared)
        return asked and same

    return [n for n in named if not speaks(n) and not a_place(n) and not shares(n)]


def _one_sentence(text: Text, first: Hit, then: Hit) -> bool:
    """No sentence ends between the two: commas and the slash of 3/F end clauses, not sentences."""
    between = text.original[text.tokens[first.last - 1].end : text.tokens[then.first].start]
    return not any(c in SENTENCE_ENDS for c in between)


# A floor's label as owners write it: 5/F, G/F, 19樓, 3楼, 12层 (Traditional folds to Simplified).
_FLOOR = re.compile(r"(?<![0-9a-z])([0-9]{1,2}|g)\s?/\s?f\b|([0-9]{1,2})\s?[樓楼层層]", re.IGNORECASE)
MOST_FLOORS_ALIKE = 3


def floors_alike(text: Text, rules: Rules) -> list[Hit]:
    """Neighbours on three or more floors said to have the same trouble ("neighbours on 5/F, 19/F and 31/F
    say the same", 問咗3樓、11樓同20樓都係咁): the trouble spans the building, a large scale written
    without its word (round 23). Read in the sentence of the neighbour named, up to the sameness."""
    reading = rules.area_reading
    if "shares_after" not in reading:
        return []
    named = counting(rules.neighbour.hits(text))
    if not named:
        return []
    shared = counting(reading["shares_after"].hits(text))
    tokens = text.tokens
    for n in named:
        for same in shared:
            if same.first >= n.last and _one_sentence(text, n, same):
                start = tokens[n.first].start
                while start > 0 and text.original[start - 1] not in SENTENCE_ENDS:
                    start -= 1  # the floors may come before the neighbours: 问了3楼、11楼和20楼的邻居
                span = text.original[start : tokens[same.last - 1].end]
                floors = {(m.group(1) or m.group(2)).lower() for m in _FLOOR.finditer(span)}
                if len(floors) >= MOST_FLOORS_ALIKE:
                    words = text.quote(n.first, same.last)
                    return [Hit("neighbours on several floors alike", words, 1.0, n.first, same.last)]
    return []
