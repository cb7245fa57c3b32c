"""Which neighbour named is the source of the trouble (issue 9, area and nature round).

A neighbour named makes a complaint's matter the neighbour's doing (no business area of ours, help
sought when we are asked to speak to them). Not every neighbour named does anything: one the writer
only heard from ("I heard from neighbours the fee will go up"), one who asks the same question
(群里好几个邻居也在问), or 樓下 that is the foot of a building (5栋楼下, "at the foot of Block 5") is
no neighbour's doing. Read by clause from `[areas.reading]` `asks_after`, `heard_before`, `building`; round 23: one checked
with who has the same trouble (`checked_before`, `shares_after`: 問咗隔籬都係咁) is a fellow sufferer.
Pure."""

from __future__ import annotations

from .evidence import Hit, counting
from .rules import Rules
from .text import Text

ASKS_REACH_WORDS = 3  # "neighbours ask too", "neighbours are asking"
ASKS_REACH_CHARS = 4  # 邻居也在问, 鄰居都有問
SENTENCE_ENDS = frozenset(".!?\n。！？；;")  # "checked with the neighbours on 3/F, 11/F … same for them"


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
