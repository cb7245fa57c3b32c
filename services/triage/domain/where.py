"""Where, not what: an area's word that only says where another area's thing is.

Why: the business area is the thing that failed, not the place it failed in (labelling guide, rule 1),
and the area lists name places as topics of their own (the car park is parking, the garden public
facilities). A phrase list cannot tell "the car park is flooded" (parking's own) from "the lights in
the car park are out" (public facilities, in the car park); the grammar can, in every script:
- Chinese puts the place before the thing, joined by a possessive or a label: 停車場B3啲燈, 地下车库B区
  的灯, 大堂嘅地磚 — the first names where the second is;
- English puts it after a preposition ("the lights in the car park", "a leak at the gym").
Words written together are not split: a compound takes its topic from either part (车位费 is a
parking fee, 装修押金 a renovation deposit, "fire drill" safety, "clubhouse aircon" the club's), as
the corpus labels them, so only a possessive, a label or a preposition marks a place.
Such a word keeps a quarter of its weight: it still counts where nothing else names the matter.
Pure: reads the text's tokens and the hits the area lists found."""

from __future__ import annotations

from .evidence import Hit
from .text import Text, Token

PLACE_SHARE = 0.25
# What may stand between a Chinese place and the thing in it (folded to Simplified, Cantonese read):
# possessives, and the labels of a part of a place (B3, B区, 3楼, 里面, 顶上, 底下, 旁边, 角落), and a
# demonstrative with its measure word (快递柜旁边那盆绿植, 大堂门口嗰张梳化, 车位上面盏灯), and a label's
# number written in characters (二楼, 第三区).
_LINKERS = frozenset(
    "的之些区层楼号座栋里内面边上下顶底旁侧角那这嗰個个盆棵张張部条條块塊只隻盏盞根枝支"  # possessives, parts, measures
    "第一二三四五六七八九十两"  # a label's number
    "附近有"  # where a thing stands: 车位旁边有两根灯管, 車位附近有兩枝光管 (near the space there are two tubes)
    "至"  # a range of labels: 後樓梯10樓至12樓啲燈 (the back stairs from 10/F to 12/F)
)
_MOST_BETWEEN = 6
_PREPOSITIONS = frozenset(
    ("in", "at", "on", "inside", "outside", "near", "around", "behind", "under", "above", "by", "beside")
)
_ARTICLES = frozenset(("the", "a", "an", "our", "my", "your", "their", "this", "that"))


def _cjk_place(text: Text, place: Hit, thing: Hit) -> bool:
    between = text.tokens[place.last : thing.first]
    return (
        text.tokens[place.last - 1].cjk
        and thing.first >= place.last
        and 1 <= _words(between) <= _MOST_BETWEEN
        and all(not t.cjk or t.form in _LINKERS for t in between)
    )


def _words(tokens: list[Token]) -> int:
    """How many words stand between: each character, and each run of letters and digits as one (a label:
    10樓至12樓 is five, not seven)."""
    count = 0
    for i, t in enumerate(tokens):
        if t.cjk or i == 0 or tokens[i - 1].cjk:
            count += 1
    return count


def _english_place(text: Text, place: Hit, thing: Hit) -> bool:
    if text.tokens[place.first].cjk:
        return False
    if thing.last > place.first:
        return False
    at = place.first
    while at > 0 and place.first - at < _MOST_LABELS and _a_label(text.tokens[at - 1].word):
        at -= 1  # a floor's or a room's label: "the 14/F bin room", "the B2 car park"
    start = max(0, at - 3)
    before = [t.word for t in text.tokens[start:at]]
    while before and before[-1] in _ARTICLES:
        before.pop()
    if not before:
        return False
    # "of" only right after the thing or a word of it: "the door closer of the 14/F bin room" (not "the lift is
    # full of rubbish")
    of_at = start + len(before) - 1
    return before[-1] in _PREPOSITIONS or (before[-1] == "of" and 0 <= of_at - thing.last <= 1)


_MOST_LABELS = 3


def _a_label(word: str) -> bool:
    """A floor's or a room's label as English writes it: 14, f (of 14/F), b2, g."""
    return any(c.isdigit() for c in word) or len(word) == 1


def _joined(text: Text, place: Hit, thing: Hit) -> bool:
    """`place` says where `thing` is: in its clause, before it by a possessive or a label, or after it
    by a preposition."""
    if thing is place or text.tokens[thing.first].clause != text.tokens[place.first].clause:
        return False
    return _cjk_place(text, place, thing) or _english_place(text, place, thing)


def places(found: list[tuple[str, list[Hit]]], text: Text) -> set[tuple[str, int]]:
    """(area, first token) of each hit that says where another area's thing is, in one clause."""
    hits = [(area, h) for area, area_hits in found for h in area_hits if h.counts and h.weight > 0]
    return {(area, p.first) for area, p in hits if any(o != area and _joined(text, p, t) for o, t in hits)}


def places_of_places(
    found: list[tuple[str, list[Hit]]], text: Text, where: set[tuple[str, int]]
) -> set[tuple[str, int]]:
    """(area, first token) of each hit that says where a place of `where` is, of any area, as far as
    the chain goes: in 停車場B2車位個燈 the space is where the light is and the car park where the
    space is. The place it holds already says where the thing is, so it names no matter of its own
    (`as_place(hit, 0)`): the light is what failed, however many places lead to it."""
    hits = [(area, h) for area, area_hits in found for h in area_hits if h.counts and h.weight > 0]
    held, outer = set(where), set()
    grew = True
    while grew:
        grew = False
        for area, p in hits:
            if (area, p.first) not in held and any((o, t.first) in held and _joined(text, p, t) for o, t in hits):
                held.add((area, p.first))
                outer.add((area, p.first))
                grew = True
    return outer


def doers(found: list[tuple[str, list[Hit]]], workers: list[Hit], conduct_area: str) -> set[tuple[str, int]]:
    """(area, first token) of each hit that only names who acted: a worker named by his job (the
    cleaner, 保潔, the guard, 保安) whose own conduct the complaint names (a word of `conduct_area`,
    staff, beyond the job words themselves: shouted, 吼, on his phone, 午睡). His job is who he is,
    not what went wrong, so it keeps a quarter of its weight, as a place does; a cleaner who never
    cleans names no conduct, and stays the cleaning's."""
    if not workers:
        return set()

    def a_worker(h: Hit) -> bool:
        return any(w.first <= h.first and h.last <= w.last for w in workers)

    conduct = [h for area, hits in found if area == conduct_area for h in hits if h.counts and h.weight > 0]
    if not any(not a_worker(h) for h in conduct):
        return set()
    return {(area, h.first) for area, hits in found if area != conduct_area for h in hits if a_worker(h)}


def charged_for_use(
    found: list[tuple[str, list[Hit]]], charges: list[Hit], facilities: tuple[str, ...]
) -> set[tuple[str, int]]:
    """(area, first token) of each other area's hit that is a charge for a facility's use: a fee
    asked about for the badminton court, a refund of a court's booking. The facility is the matter;
    the charge says what the customer wants of it, so it keeps a quarter of its weight."""
    named = any(h.counts and h.weight > 0 for area, hits in found if area in facilities for h in hits)
    if not named or not charges:
        return set()
    return {
        (area, h.first)
        for area, hits in found
        if area not in facilities
        for h in hits
        if any(c.first <= h.first and h.last <= c.last for c in charges)
    }


# A notice's subject: what a notice is about is its content, the notice the matter ("could the
# notice about the tank cleaning be put up in Chinese"). English only: a Chinese X通知 is as often
# the outage's own title (停電通知 over a request to warn the floor), as the corpus labels it.
_NOTICES = frozenset(("notice", "notices"))
_ABOUT = frozenset(("about", "of", "on", "for", "regarding"))
_SUBJECT_REACH = 5


def notice_subjects(found: list[tuple[str, list[Hit]]], text: Text, notice_area: str) -> set[tuple[str, int]]:
    """(area, first token) of each hit within a few words after "notice about/of/on", in its clause:
    what the notice is about keeps a quarter of its weight; the notice (customer service's) is the
    matter."""
    tokens = text.tokens
    spans = [
        (i + 2, i + 2 + _SUBJECT_REACH)
        for i, t in enumerate(tokens[:-1])
        if not t.cjk and t.word in _NOTICES and tokens[i + 1].word in _ABOUT
    ]
    return {
        (area, h.first)
        for area, hits in found
        if area != notice_area
        for h in hits
        if any(a <= h.first and h.last <= b and tokens[h.first].clause == tokens[a - 1].clause for a, b in spans)
    }


_HEADER_ENDS = (":", "\uff1a", "\u3011", "]")
_HEADER_REACH = 80  # characters from the cue to the header's colon


def relayed(found: list[tuple[str, list[Hit]]], text: Text, headers: list[Hit]) -> set[tuple[str, int]]:
    """(area, first token) of each hit in a clause that says who passed the complaint on (a hotline's
    forwarding header: "Forwarded from hotline 2xxx:", 转自热线:, [系統轉發|客戶服務熱線]): the channel
    it came by, not what failed, so it keeps a quarter of its weight, as a place does."""
    tokens = text.tokens
    spans = []
    for cue in (h for h in headers if h.counts):
        first = min(i for i, t in enumerate(tokens) if t.clause == tokens[cue.first].clause)
        last = max(i for i, t in enumerate(tokens) if t.clause == tokens[cue.first].clause)
        # a header runs to its colon or closing bracket, over the brackets inside it
        # ("Forwarded from hotline (customer service desk, call back requested):")
        end = tokens[cue.last - 1].end
        close = [text.original.find(mark, end) for mark in _HEADER_ENDS]
        close = [c for c in close if c >= 0 and c - end <= _HEADER_REACH and "\n" not in text.original[end:c]]
        if close:
            last = max([last] + [i for i, t in enumerate(tokens) if t.start < min(close)])
        spans.append((first, last))
    return {(area, h.first) for area, hits in found for h in hits if any(a <= h.first <= b for a, b in spans)}


# How many tokens may stand between a word of going and where it goes (走去我的车位, "walking to my car").
_TOWARDS_GAP = 2


def destinations(found: list[tuple[str, list[Hit]]], text: Text, towards: list[Hit]) -> set[tuple[str, int]]:
    """(area, first token) of each hit that only says where the customer was going (`towards` just
    before it: 走去车位, 行去停車場, "on my way to the car park") when another area's words are in the
    complaint: the way there is where it happened, not what failed (the drain cover they tripped on)."""
    areas_named = {area for area, hits in found if any(h.counts and h.weight > 0 for h in hits)}
    out = set()
    for area, hits in found:
        if not areas_named - {area}:
            continue
        for h in hits:
            if any(
                0 <= h.first - w.last <= _TOWARDS_GAP and text.tokens[w.first].clause == text.tokens[h.first].clause
                for w in towards
            ):
                out.add((area, h.first))
    return out


def as_place(hit: Hit, share: float = PLACE_SHARE) -> Hit:
    """The hit as a place: a share of a plain word's weight, never of a topic's heavier one (車位 weighs
    2 as the matter, "someone parks in my space"; as where a light is, it names no matter)."""
    return Hit(hit.phrase, hit.words, min(hit.weight, 1.0) * share, hit.first, hit.last, hit.muted_by)


# Beyond the estate: the estate named with a word that places something outside it, in either order
# (屋苑對面, 隔壁小区, 小区旁边的, "across the road from the estate", "the estate next door").
_ESTATE = ("屋苑", "小区", "邨", "estate")
_BEYOND = (
    "对面", "隔壁", "旁边", "附近", "外面",
    "across the road", "across the street", "opposite", "next door", "neighbouring", "neighboring",
)  # fmt: skip


def beyond_the_estate(text: Text) -> list[Hit]:
    """The words that place the complaint's matter outside the estate (another estate, the street
    across): a matter there is nobody's duty here, whatever it is (an invalid complaint's evidence)."""
    forms = [t.form if t.cjk else t.word for t in text.tokens]
    present = frozenset(forms)
    found: list[tuple[str, int, int]] = []
    for kind, words in (("estate", _ESTATE), ("beyond", _BEYOND)):
        if kind == "beyond" and not found:  # no estate named: nothing is placed beyond it, nor looked for
            break
        for word in words:
            parts = list(word) if not word.isascii() else word.split()
            if parts[0] not in present:
                continue
            for i in range(len(forms) - len(parts) + 1):
                if forms[i : i + len(parts)] == parts:
                    found.append((kind, i, i + len(parts)))
    hits = []
    for kind, first, last in found:
        if kind != "estate":
            continue
        for other, o_first, o_last in found:
            near = o_first - last if o_first >= last else first - o_last
            reach = 1 if text.tokens[first].cjk else 3  # "opposite our estate", "across the road from the estate"
            if other == "beyond" and 0 <= near <= reach and text.tokens[first].clause == text.tokens[o_first].clause:
                a, b = min(first, o_first), max(last, o_last)
                quoted = text.original[text.tokens[a].start : text.tokens[b - 1].end]
                hits.append(Hit("beyond the estate", quoted, 1.0, a, b))
    return hits


# What may stand between another unit's name and its desk: 有線個熱線, 电信的客服, "CLP's hotline".
_DESK_GAP = 2
_DESK_LINKERS = frozenset({"个", "的", "嘅", "之", "'s", "s"})


def their_desks(
    found: list[tuple[str, list[Hit]]], text: Text, units: list[Hit], desk_area: str
) -> set[tuple[str, int]]:
    """(area, first token) of each word of `desk_area` (customer service: 客服, 熱線, hotline) right after
    another unit's name (`[validity] assisted`: 电信客服, 有線個熱線, "the CLP hotline"): that unit's desk,
    which the customer rang, not ours that failed (round 23); it keeps a quarter, as a place does."""
    tokens = text.tokens
    marked = set()
    for area, hits in found:
        if area != desk_area:
            continue
        for h in hits:
            for unit in units:
                between = tokens[unit.last : h.first]
                if 0 <= h.first - unit.last <= _DESK_GAP and all(t.form in _DESK_LINKERS for t in between):
                    marked.add((area, h.first))
    return marked
