"""Severity (DOMAIN.md §4): every criterion the complaint's words meet, the grade the highest of them,
and the signs of a major complaint too weak to grade it, which go to the supervisor's review."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .evidence import (
    Hit,
    Muting,
    PhraseList,
    amount_spans,
    amounts,
    clear_of,
    count_before,
    counting,
    days_spanned,
    muted,
    quote,
    quoted_words,
    tokens_of,
    weekdays_spanned,
)
from .labels import Explained, Label, ranked
from .neighbours import floors_alike
from .numerals import NUMERAL_CHARS
from .review import Sign, possibly_major
from .rules import Rules
from .text import Text

if TYPE_CHECKING:
    from .engine import History


def utility_outages(text: Text, rule: dict[str, PhraseList], outage: list[Hit]) -> list[Hit]:
    """Outage hits that are a utility cut: none in a clause about a car or a phone battery, none of
    weight 0 (a notice of a cut is not a cut), none when the complaint says the cut is yet to come."""
    if not outage or announced(text, rule):
        return []
    other = {text.tokens[h.first].clause for h in rule["not_utility"].hits(text)} | telecoms(text, rule)
    return [h for h in outage if h.weight > 0 and text.tokens[h.first].clause not in other]


def telecoms(text: Text, rule: dict[str, PhraseList]) -> set[int]:
    """The clauses naming a telecoms service (`telecoms`: broadband, 有線電視, 寬頻): what stops or is
    cut there is no utility's supply nor equipment of ours (round 23: 整栋楼的宽带断了 is no outage)."""
    named = rule.get("telecoms")
    return {text.tokens[h.first].clause for h in named.hits(text)} if named is not None else set()


def stops(text: Text, rules: Rules, muting: Muting | None = None) -> list[Hit]:
    """Equipment stopped, written any way: the `stopped` phrases (broken, 壞咗, 停了), and a thing a
    home needs followed by a word that says it is out (`out_after`: "both lifts out", "power's off",
    "lift dead", 部𨋢死咗): the thing decides that "out" is a stop, so "find out" and "went out" are not."""
    outage = rules.major["sudden-outage"]
    found = outage["stopped"].hits(text, muting)
    essential = rules.lasting.get("essential")
    if essential is None:
        return found
    things = [h for h in essential.hits(text) if h.weight > 0]
    taken = tokens_of(found)
    for out in outage["out_after"].hits(text, muting):
        # right after the thing (a word between in English: "lifts are out"); 電動車停 is no power stopped
        gap = 1 if text.tokens[out.first].cjk else 2
        if any(
            t.last <= out.first <= t.last + gap and text.tokens[t.first].clause == text.tokens[out.first].clause
            for t in things
        ) and clear_of(out, taken):
            found.append(out)
            taken.update(range(out.first, out.last))
    return sorted(found, key=lambda h: h.first)


def announced(text: Text, rule: dict[str, PhraseList]) -> bool:
    """A cut announced for later ("will suspend supply on Sat", 週六要停水): nothing has failed yet. Said
    outright (`announced`), or a day to come (`future_day`: tomorrow, next month, 星期六) in one clause
    with a future (`future`: will, 會, 要), or a day that can only be to come (`coming`: tomorrow,
    明天, next week; not a bare 星期六, which may be past) with the cut itself: Chinese marks no
    tense, so 明天停氣 is a cut tomorrow, not one now."""
    if counting(rule["announced"].hits(text)):
        return True
    days = {text.tokens[h.first].clause for h in rule["future_day"].hits(text)}
    if any(text.tokens[h.first].clause in days for h in rule["future"].hits(text)):
        return True
    coming = {text.tokens[h.first].clause for h in rule["coming"].hits(text)}
    return any(text.tokens[h.first].clause in coming for h in rule["outage"].hits(text))


# What may stand between a thing and its part: 𨋢入面個顯示屏, 电梯里的按钮, "the lift's display".
_OF = frozenset({"入", "面", "里", "内", "的", "个", "s", "in", "insid", "insides", "'s"})


def _a_part_of(text: Text, thing: Hit, parts: list[Hit]) -> bool:
    """The thing is only where its part is (`[severity.lasting] parts`: 𨋢入面個樓層顯示屏黑咗, "the lift's
    display is dead"): what is out is the display, not the lift."""
    for p in parts:
        between = text.tokens[thing.last : p.first]
        if p.first >= thing.last and len(between) <= 4 and all(t.form in _OF or t.word in _OF for t in between):
            return True
    return False


def _lasting_without_essentials(text: Text, rules: Rules, failed: list[Hit]) -> str:
    """A failure that has lasted ("three days", 兩日, "every night") seriously affects use only when
    what failed is something a home needs (`[severity.lasting] essential`: water, power, a lift, the
    toilet, the way in), in a clause that says it is out (stopped, cut, blocked, taken): rubbish two
    days uncleared or a gym's treadmill out for three days is still a slight inconvenience, unless the
    complaint says how hard it bites (`intense`: 好臭, flies everywhere, heat), or it is noise at night
    (`nightly`, `noise`) from something of ours (no `[nature] neighbour` named). Returns the reason or ''."""
    lists = rules.lasting
    if "duration" not in lists or "essential" not in lists:
        return ""
    lasted = counting(lists["duration"].hits(text))
    if not lasted and weekdays_spanned(text.original) >= 2:  # "since last Friday, today is Wednesday"
        lasted = [Hit("weekdays", f"{weekdays_spanned(text.original)} days between the week days written", 1.0, 0, 1)]
    if not lasted and "nightly" in lists:
        lasted = counting(lists["nightly"].hits(text))
    if not lasted:
        return ""
    outage = rules.major["sudden-outage"]
    cut = [] if announced(text, outage) else [*stops(text, rules), *outage["outage"].hits(text)]
    out = [*cut, *(lists["unusable"].hits(text) if "unusable" in lists else [])]
    failing = {text.tokens[f.first].clause for f in counting(out) if f.weight > 0}
    parts = counting(lists["parts"].hits(text)) if "parts" in lists else []
    needed = [
        h
        for h in lists["essential"].hits(text)
        if h.weight > 0 and text.tokens[h.first].clause in failing and not _a_part_of(text, h, parts)
    ]
    if needed:
        return f"{quote(needed)} out for {quote(lasted)}"
    nightly = counting(lists["nightly"].hits(text)) if "nightly" in lists else []
    noise = counting(lists["noise"].hits(text)) if "noise" in lists else []
    if nightly and noise and not rules.neighbour.hits(text):
        return f"noise ({quote(noise)}) {quote(nightly)}"
    if not counting(failed):
        return ""
    biting = counting(lists["intense"].hits(text)) if "intense" in lists else []
    return f"{quote(biting)} for {quote(lasted)}" if biting else ""


_TOLD = frozenset("跟同和对给向叫让")  # 我 after these is the one told, not the one telling


def promised(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """The promises in the complaint, less those that are not ours: the nearest speaker before a
    promise in its clause (`customer`, `others` or `company`) says whose it is ("我上去講過佢都唔理" is
    the owner telling a neighbour; "the driver told me", 順豐話星期五 are a courier's word; "師傅話今日嚟"
    and "佢同我講過" are ours). A rule quoted is no promise either: what was said forbids something
    (`forbidden` after it in its clause: 唔係話星期日唔准做嘈音工程咩?, "weren't we told dogs are not
    allowed"), so it is the estate's rule, not a service promised to the customer."""
    speakers = [(h, False) for h in rule["company"].hits(text)]
    speakers += [(h, True) for h in rule["others"].hits(text)]
    for h in rule["customer"].hits(text):
        told = h.first > 0 and text.tokens[h.first - 1].form in _TOLD
        speakers.append((h, not told))
    forbids = counting(rule["forbidden"].hits(text))
    kept = []
    found = counting(rule["promise"].hits(text, muting)) + claimed_fixes(text, rule, muting)
    found += undone_fixes(text, rule, muting)
    said = rule["said"].hits(text)
    for hit in found:
        clause = text.tokens[hit.first].clause
        # who said it stands before the saying: "the courier said he would come" is the courier's word
        saying = [
            s
            for s in said
            if s.first <= hit.first and hit.first - s.last <= 2 and text.tokens[s.first].clause == clause
        ]
        anchor = saying[-1].first if saying else hit.first
        before = [(s, mine) for s, mine in speakers if s.last <= anchor and text.tokens[s.first].clause == clause]
        if before and max(before, key=lambda item: item[0].last)[1]:
            continue
        if any(f.first >= hit.first and text.tokens[f.first].clause == clause for f in forbids):
            continue
        kept.append(hit)
    return kept


def repeats_attached(text: Text, rule: dict[str, PhraseList], repeated: list[Hit], matter: list[Hit]) -> list[Hit]:
    """A repeat of the failure or of the promise, not of the customer's own doing: after the customer
    acting in its clause (`customer`: I, 我), a repeat counts only when what failed, a promise, a report
    or a visit (`matter`) stands between them or right after it, or when it is itself a sameness
    ("same problem", 又係咁, `sameness`): "I gag every time I open my door" repeats nothing of ours,
    "I rang three times" and "I took leave three times" (`waited_in`) do. And a repeat said of what
    is to come is none (`later` a few words before it in its clause, or right after: "he won't do it
    again tomorrow", 以後不會再次): it has not happened again."""
    same = tokens_of(rule["sameness"].hits(text))
    later = counting(rule["later"].hits(text))
    mine = [h for h in rule["customer"].hits(text) if not (h.first > 0 and text.tokens[h.first - 1].form in _TOLD)]
    kept = []
    for r in repeated:
        clause = text.tokens[r.first].clause
        reach = 6 if text.tokens[r.first].cjk else 5
        if any(
            text.tokens[c.first].clause == clause and (0 <= r.first - c.last <= reach or 0 <= c.first - r.last <= 1)
            for c in later
        ):
            continue
        doer = [m for m in mine if m.last <= r.first and text.tokens[m.first].clause == clause]
        if not doer or r.first in same:
            kept.append(r)
            continue
        # the customer acts before the repeat: it is ours only when what the customer did again is
        # a report or bears on what failed ("I rang three times"), between them or right after it
        start, end = doer[-1].last, r.last + 2
        if any(start <= m.first < end and text.tokens[m.first].clause == clause for m in matter):
            kept.append(r)
    return kept


def claimed_fixes(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """A fix someone said was done ("the tech said all fixed", 師傅話已經搞掂, 物业说已经换了新电机):
    a promise of a result. With a repeat ("again", 又, 第三次) it is a promised service not delivered
    and raised again, however the promise was worded. A `said` before a `fixed` in one clause."""
    said = rule["said"].hits(text)
    found = []
    for fix in counting(rule["fixed"].hits(text, muting)):
        clause = text.tokens[fix.first].clause
        before = [s for s in said if s.last <= fix.first and text.tokens[s.first].clause == clause]
        if before and fix.first - before[-1].last <= 6:
            first = before[-1].first
            found.append(Hit("claimed fix", text.quote(first, fix.last), 1.0, first, fix.last))
    return found


def undone_fixes(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """A repair of ours that did not hold ("u guys change the bulb n it dies next day", 換咗新摩打第二日
    又壞): the service delivered is clearly not the one due, a promise of a result like a claimed fix;
    with a repeat ("3rd time", 又) it is not delivered and raised again. A `redone` (our act of repair)
    and a `relapse` after it, in its clause or the next; a relapse that stands alone is only a failure."""
    if "redone" not in rule or "relapse" not in rule:
        return []
    relapses = counting(rule["relapse"].hits(text, muting))
    found = []
    for fix in counting(rule["redone"].hits(text, muting)):
        clause = text.tokens[fix.first].clause
        after = [r for r in relapses if r.first >= fix.last and 0 <= text.tokens[r.first].clause - clause <= 1]
        if after:
            found.append(
                Hit("a repair that did not hold", text.quote(fix.first, after[0].last), 1.0, fix.first, after[0].last)
            )
    return found


def nobody_came(text: Text, rule: dict[str, PhraseList]) -> list[Hit]:
    """Unresolved however it is written: someone coming, replying or looking (`arrival`: came, 上門,
    嚟, 覆) with a `not_yet` before it in its clause, a few words or characters back ("not a single
    person has come", 一次都没上门, 未見過有人嚟): the phrase lists named only the contiguous forms."""
    cues = rule["not_yet"].hits(text)
    found = []
    for hit in counting(rule["arrival"].hits(text)):
        clause = text.tokens[hit.first].clause
        reach = 7 if text.tokens[hit.first].cjk else 5
        before = [c for c in cues if c.last <= hit.first and text.tokens[c.first].clause == clause]
        if before and hit.first - before[-1].last <= reach:
            first = before[-1].first
            found.append(Hit("nobody came", text.quote(first, hit.last), 1.0, first, hit.last))
    return found


def lost_with_value(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """A loss written as what happened and what it was worth, without a loss word: something taken,
    thrown or sold away (`gone`) and a sum of money in the complaint ("signed for my parcel, now says
    he never saw it. it was a HK$3,000 phone", 當垃圾掉咗...三千蚊)."""
    sums = amounts(text.original)
    if not sums:
        return []
    return [
        Hit(h.phrase, f"{h.words} ({sums[0]})", h.weight, h.first, h.last)
        for h in counting(rule["gone"].hits(text, muting))
    ]


def counted_harm(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """Harm counted ("3 stitches", 黐三針, 缝了4针): a number before it is an injury's measure."""
    return [h for h in counting(rule["counted_harm"].hits(text, muting)) if (count_before(text, h.first) or 0) >= 1]


def attached_waits(
    text: Text,
    rule: dict[str, PhraseList],
    waited: list[Hit],
    failed: list[Hit],
    muting: Muting | None = None,
    claimed: list[Hit] | None = None,
) -> list[Hit]:
    """A wait is how long a failure or a report has lasted, so a duration counts only where it says
    what waited: in a clause that says something failed (`failed`), was reported (`reported`: reported,
    rang, 報咗, 反映) or is still not resolved (`unresolved`) — "every other estate has had theirs for a
    week" measures nothing of ours. A point in the past ("2 months ago", 兩個星期前) dates the event of
    its own clause: a wait only when that event is a report or a failure ("reported it 2 weeks ago"),
    not when it is something else ("borrowed my ladder 2 months ago and still hasn't given it back",
    "bought it 3 months ago"). A wait whose thing was put right, in its clause or the next, ended:
    history, no criterion ("reported the gate two weeks ago, it was fixed the next day")."""
    pending = counting(rule["unresolved"].hits(text))
    failing = [f for f in counting(failed) if all(f.last <= u.first or f.first >= u.last for u in pending)]
    events = {text.tokens[h.first].clause for h in [*counting(rule["reported"].hits(text)), *failing]}
    still = {text.tokens[h.first].clause for h in pending}
    ended = _put_right(text, rule, muting, claimed or [])
    kept = []
    for h in waited:
        clause = text.tokens[h.first].clause
        if {clause, clause + 1} & ended:
            continue
        if clause in events or (clause in still and not _dated(text, h, rule)):
            kept.append(h)
    return kept


def _put_right(text: Text, rule: dict[str, PhraseList], muting: Muting | None, claimed: list[Hit]) -> set[int]:
    """The clauses that say what waited was put right ("fixed the next day", 第二日已經整好): a fix
    negated ("not fixed", 仲未整好) or only claimed ("said it was fixed") ends no wait."""
    said = tokens_of(claimed)
    return {
        text.tokens[h.first].clause
        for h in counting(rule["resolved"].hits(text, muting))
        if h.first not in said and (h.last - 1) not in said
    }


def _dated(text: Text, hit: Hit, rule: dict[str, PhraseList]) -> bool:
    """A duration that names a point in the past ("2 months ago", 三個禮拜前, 兩週之前: `ago` at its
    end or right after it; last month, 上個月: `points`)."""
    if any(hit.first <= p.first and p.last <= hit.last for p in rule["points"].hits(text)):
        return True
    return any(hit.first < a.first <= hit.last for a in rule["ago"].hits(text))


def waited_counted(text: Text, rule: dict[str, PhraseList]) -> list[Hit]:
    """A wait counted in its units: a number before a unit of time that makes a week or more ("11
    days", 十二天, 3個禮拜, "2 months"): days from 7, weeks and months from 1."""
    found = []
    for unit, least in (("days", 7), ("weeks", 1), ("months", 1)):
        found += [h for h in counting(rule[unit].hits(text)) if (count_before(text, h.first) or 0) >= least]
    return found


def waited_days(text: Text, rule: dict[str, PhraseList]) -> list[Hit]:
    """A wait counted in days short of a week ("3 days", 三天, 兩日): 2 to 6 (round 24)."""
    return [h for h in counting(rule["days"].hits(text)) if 2 <= (count_before(text, h.first) or 0) < 7]


def all_of_them(text: Text, rules: Rules) -> list[Hit]:
    """All of an equipment, written with a number or a word between ("all 4 lifts", "both the
    lifts", 兩部𨋢, 所有的電梯): an `every` word with a thing a home needs right after it."""
    essential = rules.lasting.get("essential")
    every = rules.major["sudden-outage"]["every"]
    if essential is None:
        return []
    things = [h for h in essential.hits(text) if h.weight > 0]
    found = []
    for e in counting(every.hits(text)):
        after = [
            t
            for t in things
            if e.last <= t.first <= e.last + 2 and text.tokens[t.first].clause == text.tokens[e.first].clause
        ]
        if after:
            found.append(Hit("all of them", text.quote(e.first, after[0].last), 1.0, e.first, after[0].last))
    return found


def whole_building(text: Text, rule: dict[str, PhraseList]) -> list[Hit]:
    """A building said whole by the word beside it ("3栋上上下下全都没电", 五座全部停電, "Entire
    Tower 3"): a block label with a totality word right after it, or right before it, is the whole
    block, as 整棟 or "whole block" is."""
    buildings = rule["building"].hits(text)
    found = []
    for t in counting(rule["totality"].hits(text)):
        if any(
            (b.last <= t.first <= b.last + 1 or t.last == b.first)
            and text.tokens[b.first].clause == text.tokens[t.first].clause
            for b in buildings
        ):
            found.append(t)
    return found


def treated(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """Harm by its consequence: medical help or lost consciousness ("fainted, paramedics had to
    come", 暈低咗, 白車, 叫了120, 要做手術) is an injury however the accident itself is written. Being
    seen to by a doctor (`seen_to`: clinic, 看醫生, 住院) is one only beside an accident (`accident`:
    fell, snapped, 跌, 撞): a routine visit or a stay in hospital for another reason is none."""
    found = counting(rule["treated"].hits(text, muting))
    if counting(rule["accident"].hits(text, muting)):
        found += counting(rule["seen_to"].hits(text, muting))
    return found


def taken(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """Taken by someone: a passive (被人, 俾人) then a taking (拿, 偷, 冒認) a few characters on, in
    one clause (俾人冒認攞咗, 被人拿走了): stolen, as 被偷 is."""
    takes = counting(rule["take"].hits(text, muting))
    found = []
    for p in counting(rule["passive"].hits(text, muting)):
        clause = text.tokens[p.first].clause
        after = [t for t in takes if p.last <= t.first <= p.last + 4 and text.tokens[t.first].clause == clause]
        if after:
            found.append(Hit("taken", text.quote(p.first, after[0].last), 1.0, p.first, after[0].last))
    return found


def damage_with_cost(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """Damage to the customer's own thing (`owner`: my, 我, in its clause or the one before) and what it costs to put
    right, in its clause or the next ("swung into my AC unit and bent the casing. the AC man says
    HK$1,500") or anywhere as a quote for the repair (`quoted`): a loss written by its price, whatever
    the thing. Cracked tiles beside a fee are not."""
    priced = _clauses_with_amounts(text)
    if not priced:
        return []
    # a sum given as what putting it right costs (`quoted`: 報價, "quoted") prices the damage wherever it is
    # written ("... 玻璃裂咗 ... 我搵咗師傅睇 ... 報價$2,600")
    quoted = rule.get("quoted")
    if quoted is not None and {text.tokens[h.first].clause for h in counting(quoted.hits(text))} & priced:
        priced = {t.clause for t in text.tokens}
    mine = {text.tokens[h.first].clause for h in rule["owner"].hits(text)}
    return [
        h
        for h in counting(rule["damage"].hits(text, muting))
        if {text.tokens[h.first].clause, text.tokens[h.first].clause - 1} & mine
        and {text.tokens[h.first].clause, text.tokens[h.first].clause + 1} & priced
    ]


def _clauses_with_amounts(text: Text) -> set[int]:
    spans = [(m.start(), m.end()) for m in amount_spans(text.original)]
    return {t.clause for t in text.tokens for a, b in spans if t.start < b and a < t.end}


@dataclass(frozen=True)
class SettledHistory(Muting):
    """Muting that also sets aside what happened in the past and was put right: a clause with a
    `past` marker (last year, 上年, 去年) in a complaint that says it was settled (paid for,
    compensated, 已經賠咗, 處理得很好) is history ("last year my car was scratched in your car park
    and the office paid for the repair"; 去年電梯關人的事你們處理得很好): neither a loss, a hazard
    nor a trapped lift now."""

    history: frozenset[int] = frozenset()
    why: str = ""

    def __call__(self, first: int) -> str | None:
        return super().__call__(first) or (self.why if self.text.tokens[first].clause in self.history else None)


def neighbours_doing(text: Text, rules: Rules, muting: Muting, nuisances: list[Hit]) -> Muting:
    """Muting for harm that also sets aside what a neighbour's nuisance did: the clauses after the
    nuisance's, until one names our people (楼上空调一直滴水 ... 地上全是水渍, "the flat above drips on
    my balcony, my clothes have water marks"; ... 報咗管理處冇人理 ... 天花塌咗 keeps its loss).
    A loss is major when the company's fault caused it (DOMAIN §4, 2); the neighbour's doing is theirs."""
    if not nuisances:
        return muting
    ours = sorted({text.tokens[o.first].clause for o in counting(rules.validity["our_people"].hits(text))})
    # the nuisance's own clause is left as written: who did what to whom there is not read ("my dog bit
    # my neighbour's hand in the lift"); what follows it is what it did
    start = min(text.tokens[n.last - 1].clause for n in nuisances) + 1
    end = next((c for c in ours if c >= start), (text.tokens[-1].clause + 1) if text.tokens else start)
    near = set(range(start, end))
    history = muting.history if isinstance(muting, SettledHistory) else frozenset()
    if isinstance(muting, SettledHistory):
        return SettledHistory(muting.text, muting.cues, history | near, muting.why)
    return SettledHistory(muting.text, muting.cues, frozenset(near), f"a neighbour's doing ('{nuisances[0].words}')")


def settled_history(text: Text, rules: Rules, muting: Muting) -> Muting:
    rule = rules.major["injury-or-loss"]
    settled = counting(rule["settled"].hits(text))
    if not settled:
        return muting
    old = frozenset(text.tokens[h.first].clause for h in counting(rule["past"].hits(text)))
    if not old:
        return muting
    return SettledHistory(muting.text, muting.cues, old, f"settled in the past by '{settled[0].words}'")


def things_fell(text: Text, rule: dict[str, PhraseList]) -> list[Hit]:
    """Who fell: a fall (`falls`) a few words after a thing (`objects`: "a piece of tile fell off",
    一塊紙皮石跌落嚟) is the thing's fall. It hurt nobody by falling (what it hit, or someone hurt,
    is written apart); it is a hazard to safety."""
    things = rule["objects"].hits(text)
    return [
        f
        for f in counting(rule["falls"].hits(text))
        if any(
            t.last <= f.first <= t.last + (6 if text.tokens[f.first].cjk else 3)
            and text.tokens[t.first].clause == text.tokens[f.first].clause
            for t in things
        )
    ]


def harmed(text: Text, rule: dict[str, PhraseList], muting: Muting) -> list[Hit]:
    """Harm as the complaint says it: the `harm` phrases, less a bite where insects are named
    (mosquito bites are a pest problem) and a fall whose faller is a thing (`falls` just after one of
    `objects`: "a piece of tile fell off" hurt no one), plus damage written apart from the belonging it hit, in one
    clause ("a long scratch along the bonnet", 車身刮花)."""
    fell = tokens_of(things_fell(text, rule))
    harm = [h for h in rule["harm"].hits(text, muting) if h.first not in fell]
    if counting(rule["insects"].hits(text)):
        bites = rule["bites"].hits(text)
        harm = [h for h in harm if not any(b.first < h.last and h.first < b.last for b in bites)]
    owned = {text.tokens[h.first].clause for h in rule["belongings"].hits(text) if h.weight > 0}
    damage = [h for h in rule["damage"].hits(text, muting) if text.tokens[h.first].clause in owned]
    harm += [d for d in damage if all(d.last <= h.first or d.first >= h.last for h in harm)]
    for more in (
        lost_with_value(text, rule, muting),
        counted_harm(text, rule, muting),
        treated(text, rule, muting),
        taken(text, rule, muting),
        damage_with_cost(text, rule, muting),
    ):
        harm += [d for d in more if all(d.last <= h.first or d.first >= h.last for h in harm)]
    return sorted(harm, key=lambda h: h.first)


def _guard_lapsed(text: Text, rules: Rules, muting: Muting) -> list[Hit]:
    """A guard's lapse on duty, in one clause ("the guard was asleep", 保安喺大堂瞓覺): the estate
    is unguarded, a danger to safety whatever else happened. Who acts decides: a resident asleep,
    or noise that stops anyone sleeping, is no lapse."""
    lists = rules.lapse
    if "guard" not in lists or "lapse" not in lists:
        return []
    guards = {text.tokens[h.first].clause for h in counting(lists["guard"].hits(text))}
    lapses = [h for h in counting(lists["lapse"].hits(text, muting)) if text.tokens[h.first].clause in guards]
    return lapses


def narrow_escape(text: Text, rule: dict[str, PhraseList], muting: Muting, failed: list[Hit]) -> list[Hit]:
    """Luck with a negation right after it, where a duty failed ("luckily nobody was under it", 好彩冇夾到人,
    幸好没砸到车): something went wrong and missed someone by chance, a danger to safety whatever the harm
    that did not happen is called (round 25). Luck alone ("luckily I had a spare key") escapes nothing."""
    if not counting(failed):
        return []
    tokens = text.tokens
    found = []
    for luck in counting(rule["luck"].hits(text)):
        after = range(luck.last, min(luck.last + 3, len(tokens)))
        if any(
            tokens[i].clause == tokens[luck.first].clause and (muting(i) or "").startswith("negated") for i in after
        ):
            found.append(luck)
    return found


def set_aside_harm(harm: list[Hit], failed: list[Hit], lucky: bool, slight: bool = False) -> bool:
    """Harm set aside is a hazard when it was foreseen ("before someone gets hurt", 差點跌倒), or
    negated after something went wrong or by luck ("the panel fell", "nobody drowned luckily"); a negation with
    nothing failed ("nobody was hurt and nothing broke, I only want to ask ...") is no danger, nor one
    the writer calls slight ("nobody hurt, just annoying", 冇人受傷, 只係好煩: `slight`), and a harm settled
    in the past is history."""
    if any(h.muted_by and h.muted_by.startswith("hypothetical") for h in harm):
        return True
    negated = any(h.muted_by and h.muted_by.startswith("negated") for h in harm)
    return negated and not slight and (bool(counting(failed)) or lucky)


def _counted(text: Text, hits: list[Hit], more_than: int) -> list[Hit]:
    """Hits of a count noun ("households", 戶) with a number above `more_than` before them."""
    return [h for h in counting(hits) if (count_before(text, h.first) or 0) > more_than]


def _written_together(text: Text, rule: dict[str, PhraseList], more_than: int) -> list[Hit]:
    """Joint without a joint word: a `together` and a `writing` in one clause ("we, the owners of
    all 8 flats, are writing together", 一齊寫信) — unless the complaint counts who is writing and
    they are few ("the 3 flats at the end of the corridor are writing together")."""
    group = counting(rule["people"].hits(text)) + counting(rule["dwellings"].hits(text))
    if not group:  # "my wife and I are writing together": no customers named, no joint complaint
        return []
    counts = [count_before(text, h.first) for h in group]
    if any(n is not None and n <= more_than for n in counts):
        return []
    writing = {text.tokens[h.first].clause for h in counting(rule["writing"].hits(text))}
    return [h for h in counting(rule["together"].hits(text)) if text.tokens[h.first].clause in writing]


# A unit written as its floor and flat ("18A", "Flat 3B", 12樓B室, 5/F B) and the separators of a list of them.
_UNIT = (
    r"(?:(?:flat|unit|rm|room)\s*)?(?:\d{1,3}\s*[A-Za-z](?![A-Za-z])|\d{1,3}\s*(?:樓|楼|/F)\s*[A-Za-z0-9]{1,2}\s*室?)"
)
_UNIT_LIST = re.compile(rf"{_UNIT}(?:\s*(?:,|\uff0c|、|/|&|\band\b|和|及|同|與|与)\s*{_UNIT})+", re.IGNORECASE)
_ONE_UNIT = re.compile(_UNIT, re.IGNORECASE)


def _units_listed(text: Text, rule: dict[str, PhraseList], more_than: int) -> list[Hit]:
    """Households named by their flats: a list of more than `more_than` different units ("the households
    of 18A, 18B, 19A, 19B, 20A, 20B and 21A", 3樓A室、3樓B室…) where the complaint says customers
    write or are affected (a `people`, `writing` or `affected` word): a joint complaint by its signatories."""
    if not (rule["people"].hits(text) or rule["writing"].hits(text) or rule["affected"].hits(text)):
        return []
    found = []
    for run in _UNIT_LIST.finditer(text.original):
        units = {re.sub(r"\s+", "", u.group()).lower() for u in _ONE_UNIT.finditer(run.group())}
        if len(units) > more_than:
            first = next((i for i, t in enumerate(text.tokens) if t.end > run.start()), 0)
            last = next((i for i, t in enumerate(text.tokens) if t.start >= run.end()), len(text.tokens))
            found.append(Hit("units listed", run.group(), 1.0, first, max(last, first + 1)))
    return found


def repeats_counted(text: Text, rule: dict[str, PhraseList]) -> list[Hit]:
    """A repeat counted: a number of two or more before an occasion ("rang 3 times", 找了物業三回),
    or an ordinal right before a day or a visit ("the third Saturday I stayed in", 第三個星期六)."""
    found = [h for h in counting(rule["occasions"].hits(text)) if (count_before(text, h.first) or 0) >= 2]
    occasions = rule["occasion"].hits(text)
    for o in counting(rule["ordinal"].hits(text)):
        after = [n for n in occasions if o.last <= n.first <= o.last + 1]
        if after:
            found.append(Hit("counted repeat", text.quote(o.first, after[0].last), 1.0, o.first, after[0].last))
    return found


_FIRST_REPEAT = frozenset({"second", "2nd", "第二", "第2"})


def raised_repeatedly(text: Text, rule: dict[str, PhraseList]) -> list[Hit]:
    """Raised repeatedly, by count: three or more occasions ("rang 3 times", 找了物业三次, 打咗三次) or
    a third or later one ("the third call", 第三回), read where `[severity.important] repeated-failure`
    is decided (with a failure described). Twice is a repeat (criterion 1 with a promise), not yet
    "repeatedly"."""
    found = [
        Hit("counted repeat", text.quote(_number_start(text, h.first), h.last), 1.0, h.first, h.last)
        for h in counting(rule["occasions"].hits(text))
        if (count_before(text, h.first) or 0) >= 3
    ]
    occasions = rule["occasion"].hits(text)
    for o in counting(rule["ordinal"].hits(text)):
        if o.phrase in _FIRST_REPEAT:
            continue
        after = [n for n in occasions if o.last <= n.first <= o.last + 1]
        if after:
            found.append(Hit("counted repeat", text.quote(o.first, after[0].last), 1.0, o.first, after[0].last))
    return found


def _number_start(text: Text, first: int) -> int:
    """Where the count before token `first` starts (三 of 三次, 3 of "3 times", "three" of "three
    times"), so the reason quotes the count and not only 次."""
    start = first
    while start > 0 and (text.tokens[start - 1].word.isdigit() or text.tokens[start - 1].form in NUMERAL_CHARS):
        start -= 1
    return start if start < first else max(first - 1, 0)


def _trapped(text: Text, rules: Rules, muting: Muting) -> list[Hit]:
    """Someone shut in where people are carried (`[severity.trapped]`: stuck, 卡在, 被困, with a lift
    and someone (`who`) in its clause or the one before): normal use seriously affected, at the least."""
    lists = rules.trapped
    if "stuck" not in lists or "enclosure" not in lists:
        return []
    near = {
        c + d for h in counting(lists["enclosure"].hits(text)) for c in [text.tokens[h.first].clause] for d in (0, 1)
    }
    who = lists.get("who")
    if who is not None:
        people = {c + d for h in counting(who.hits(text)) for c in [text.tokens[h.first].clause] for d in (0, 1)}
        near &= people
    return [h for h in counting(lists["stuck"].hits(text, muting)) if text.tokens[h.first].clause in near]


def _taken_further(text: Text, rules: Rules) -> list[Hit]:
    """Taking the complaint further (`[severity.escalation]`): a `going` (go to, take this to, 搵, 聯繫)
    a few words or characters before a `threat` (the newspapers, the Ombudsman, 記者, 區議員) in one
    clause. Read unmuted: a threat is conditional by its nature ("if no apology by Friday it goes to
    the newspapers"); "I read in the newspaper" takes nothing further."""
    lists = rules.escalation
    if "threat" not in lists or "going" not in lists:
        return []
    goes = counting(lists["going"].hits(text))
    found = []
    for t in counting(lists["threat"].hits(text)):
        reach = 8 if text.tokens[t.first].cjk else 5
        before = [
            g
            for g in goes
            if g.last <= t.first <= g.last + reach and text.tokens[g.first].clause == text.tokens[t.first].clause
        ]
        if before:
            found.append(Hit("taken further", text.quote(before[-1].first, t.last), 1.0, before[-1].first, t.last))
    return found


def _water_on_electrics(text: Text, rules: Rules, muting: Muting) -> list[Hit]:
    """Water reaching electrics (`[severity.danger]`: `wet` and `electric` in one clause: "water
    pouring through the ceiling of the meter room", 水流進配電櫃): a danger to people."""
    lists = rules.danger
    if "wet" not in lists or "electric" not in lists:
        return []
    wet = {text.tokens[h.first].clause for h in counting(lists["wet"].hits(text, muting))}
    # a water meter leaking in its meter room is water in its own pipes (round 23: "the water meter in the
    # meter room on 17/F is leaking"), not water on electrics
    plumbing = lists.get("water_things")
    if wet and plumbing is not None:
        wet -= {text.tokens[h.first].clause for h in counting(plumbing.hits(text))}
    return [h for h in counting(lists["electric"].hits(text)) if text.tokens[h.first].clause in wet]


def _affected_crowd(text: Text, rule: dict[str, PhraseList], more_than: int) -> list[Hit]:
    """Who is counted: "15 people" or 20個人 say how many, not who; a booking, a party or a tour group
    counts people who complain of nothing. A count of people (`crowd`) is a count of the affected only
    in a clause that says they were affected (`affected`: trapped, complained, 受影響); households,
    residents and owners (`people`) are the estate's customers and count wherever they are written."""
    affected = {text.tokens[h.first].clause for h in counting(rule["affected"].hits(text))}
    affected |= {text.tokens[h.first].clause for h in counting(rule["writing"].hits(text))}
    crowd = _counted(text, rule["crowd"].hits(text) + rule["dwellings"].hits(text), more_than)
    return [h for h in crowd if text.tokens[h.first].clause in affected]


def judge_severity(
    text: Text,
    rules: Rules,
    muting: Muting,
    validity: str,
    area: str,
    history: History,
    failed: list[Hit],
    theirs: bool = False,
    nuisances: list[Hit] | None = None,
) -> tuple[Label, list[str], bool, list[str]]:
    """Every criterion that matched; the grade is the highest. Returns also the criteria, whether a
    promise was mentioned and which earlier complaints this one repeats. `theirs`: the trouble is a
    neighbour's doing and names nothing of ours, so how much it affects the customer is no failure
    of ours to grade (anger, hazards and the major criteria still count)."""
    major = rules.major
    promise = promised(text, major["promised-service-repeated"], muting)
    if validity == "invalid":
        explained = Explained(
            "minor: not established, so not graded higher (it is still replied to politely)",
            rules.rule("severity.minor.not-established"),
        )
        return Label("minor", explained, 0.9), ["minor.not-established"], bool(promise), []
    found: list[tuple[str, str]] = []  # (criterion, reason) in the order of the rules' priority
    set_aside: list[str] = []
    harm = harmed(text, major["injury-or-loss"], neighbours_doing(text, rules, muting, nuisances or []))
    if counting(harm):
        found.append(("major.injury-or-loss", f"economic loss or personal injury ({quote(harm)})"))
    if muted(harm):
        set_aside.append(muted(harm))
    outage_rule = major["sudden-outage"]
    outage = utility_outages(text, outage_rule, outage_rule["outage"].hits(text, muting))
    stopped = [] if announced(text, outage_rule) else counting(stops(text, rules, muting))
    if stopped:
        telecom_clauses = telecoms(text, outage_rule)
        stopped = [s for s in stopped if text.tokens[s.first].clause not in telecom_clauses]
    scale = (
        counting(outage_rule["large_scale"].hits(text))
        + _counted(text, outage_rule["units"].hits(text), rules.incident_more_than)
        + whole_building(text, outage_rule)
        + floors_alike(text, rules)
    )
    all_of_it = counting(outage_rule["all_equipment"].hits(text)) + all_of_them(text, rules)
    # "two lifts, one of them broken" (兩部電梯壞咗一部): some of an equipment is not all of it
    some = counting(outage_rule["partial"].hits(text))
    all_of_it = [
        a
        for a in all_of_it
        if not any(p.first >= a.first and text.tokens[p.first].clause == text.tokens[a.first].clause for p in some)
    ]
    if (counting(outage) or stopped) and (scale or all_of_it):
        found.append(
            (
                "major.sudden-outage",
                f"a sudden large-scale outage ({quote(all_of_it + counting(outage) + stopped + scale)})",
            )
        )
    mass_rule = major["mass-incident"]
    joint = counting(mass_rule["joint"].hits(text)) + _written_together(text, mass_rule, rules.incident_more_than)
    joint += _units_listed(text, mass_rule, rules.incident_more_than)
    people = _counted(text, mass_rule["people"].hits(text), rules.incident_more_than) + _affected_crowd(
        text, mass_rule, rules.incident_more_than
    )
    if joint or people:
        # Said to be a joint complaint: that is what makes it major, whatever else it reports.
        mass = ("major.mass-incident", f"more than five customers complain together ({quote(joint + people)})")
        found.insert(0, mass) if joint else found.append(mass)
    repeats = [
        c.complaint_id
        for c in history.earlier
        if c.business_area == area and c.promise_mentioned and c.validity != "invalid"
    ]
    # A repeat is not muted by the negation of what failed again ("no show again", 又冇人嚟), but it
    # must repeat the failure or the promise, and have happened (not "won't do it again").
    promise_rule = major["promised-service-repeated"]
    repeated = promise_rule["repeated"].hits(text) + repeats_counted(text, promise_rule)
    week = major["unresolved-week"]
    matter = [*failed, *promise, *promise_rule["promise"].hits(text), *week["reported"].hits(text)]
    matter += [*week["arrival"].hits(text), *week["unresolved"].hits(text), *stops(text, rules)]
    matter += promise_rule["waited_in"].hits(text)
    repeated = repeats_attached(text, promise_rule, repeated, matter)
    if promise and (repeated or repeats):
        why = quote(repeated) if repeated else f"{len(repeats)} earlier complaint(s) on {area}"
        found.append(
            (
                "major.promised-service-repeated",
                f"a promised service not delivered ({quote(promise)}) and raised again ({why})",
            )
        )
    week_rule = major["unresolved-week"]
    waited = counting(week_rule["duration"].hits(text)) + waited_counted(text, week_rule)
    # what lasts: a duty failed, or water still coming through ("dripping for 10 days")
    running = rules.danger.get("wet")
    fixes = claimed_fixes(text, promise_rule, muting)
    waited = attached_waits(
        text, week_rule, waited, failed + (running.hits(text, muting) if running else []), muting, fixes
    )
    span = max(days_spanned(text.original), weekdays_spanned(text.original))
    if span >= 7:  # "reported on 3 May, it's now 20 May", "since last Monday, today is Tuesday": the dates say it
        waited.append(Hit("dates", f"{span} days between the dates written", 1.0, 0, 1))
    unresolved = counting(week_rule["unresolved"].hits(text, muting)) + nobody_came(text, week_rule)
    if waited and unresolved:
        found.append(("major.unresolved-week", f"not resolved in over a week ({quote(waited + unresolved)})"))
    elif unresolved and not theirs:
        # a reasonable demand not resolved in time (DOMAIN: important): reported days ago, short of a week,
        # and nobody came or it is still not done ("报修三天了没人来", "reported it 3 days ago, still nothing")
        reports = {text.tokens[h.first].clause for h in counting(week_rule["reported"].hits(text))}
        days = attached_waits(text, week_rule, waited_days(text, week_rule), failed, muting, fixes)
        days = [h for h in days if text.tokens[h.first].clause in reports]
        if days:
            found.append(("important.seriously-affects", f"not resolved in time ({quote(days + unresolved)})"))
    for name, phrases in rules.important.items():
        if theirs and name == "seriously-affects":
            continue
        hits = phrases.hits(text, muting)
        if name == "repeated-failure":
            hits = hits + raised_repeatedly(text, promise_rule)
        # raised again and again about a failure, or about what is still unresolved (找了物业好几次都没人处理)
        if name == "repeated-failure" and (
            not (counting(failed) or unresolved) or any(c == "major.promised-service-repeated" for c, _ in found)
        ):
            continue
        if counting(hits):
            found.append((f"important.{name}", f"{name.replace('-', ' ')} ({quote(hits)})"))
    # Tone is no grade: anger, disgust and exclamation (furious, ridiculous, 核突, 嬲到震) are DOMAIN's
    # "very angry at negligence" only where the complaint says a duty of ours failed; poor attitude
    # as written (shouting, hanging up, 黑面) is its own criterion above.
    tone = counting(rules.tone["anger"].hits(text, muting)) if "anger" in rules.tone else []
    at_fault = counting(failed)
    if tone and at_fault and not any(c == "important.angry-at-negligence" for c, _ in found):
        found.append(("important.angry-at-negligence", f"angry ({quote(tone)}) at a duty failed ({quote(at_fault)})"))
    threat = _taken_further(text, rules)
    if threat and not any(c == "important.angry-at-negligence" for c, _ in found):
        # taking it further (the press, a councillor, a lawyer) is anger however it is put; a threat is
        # conditional by its nature ("if no apology by Friday"), so it is read unmuted
        found.append(("important.angry-at-negligence", f"taking it further ({quote(threat)})"))
    trapped = _trapped(text, rules, muting)
    if trapped and not any(c == "important.seriously-affects" for c, _ in found):
        found.append(("important.seriously-affects", f"someone shut in a lift ({quote(trapped)})"))
    shown = [f for f in counting(failed) if f.phrase == "personal data made known"]
    if shown and not any(c == "important.seriously-affects" for c, _ in found):
        # personal data made known seriously affects the owner, whichever area the complaint is filed under
        found.append(("important.seriously-affects", f"seriously affects the owner: personal data ({quote(shown)})"))
    if area in rules.data["severity"].get("exposed_areas", []) and counting(failed):
        # Personal data mishandled is personal data made public, whatever words say how.
        found.append(("important.seriously-affects", f"seriously affects the owner: {area} ({quote(failed)})"))
    lasted = _lasting_without_essentials(text, rules, failed)
    if lasted and not any(c == "important.seriously-affects" for c, _ in found):
        found.append(("important.seriously-affects", f"seriously affects use: {lasted}"))
    criteria = [c for c, _ in found]
    reasons = [r for _, r in found]
    # a sign negated ("not dangerous", "nobody is in any danger") is no sign; a foreseen one still is
    possible = [
        (name, [h for h in counting(hits) if not (muting(h.first) or "").startswith("negated")])
        for name, hits in ranked(rules.possible_major, text)
    ]
    possible = [(name, hits) for name, hits in possible if hits]
    if counting(outage) and not scale and not any(c.startswith(("major.", "important.seriously")) for c in criteria):
        # A utility cut of a few flats still stops their normal use.
        criteria.append("important.seriously-affects")
        reasons.append(f"seriously affects use: an outage ({quote(outage)})")
    hazard = [(name, hits) for name, hits in possible if name in ("near-miss", "hazard")]
    lapsed = _guard_lapsed(text, rules, muting)
    if lapsed:
        hazard.append(("lapse", lapsed))
    wet = _water_on_electrics(text, rules, muting)
    if wet:
        hazard.append(("water on electrics", wet))
    fallen = things_fell(text, major["injury-or-loss"])
    if fallen:
        hazard.append(("something fell", fallen))
    escaped = narrow_escape(text, major["injury-or-loss"], muting, failed)
    if escaped and not counting(major["injury-or-loss"]["slight"].hits(text)):
        hazard.append(("a narrow escape", escaped))
    if not any(c.startswith(("major.", "important.")) for c in criteria) and (
        hazard
        or set_aside_harm(
            harm,
            failed,
            bool(counting(major["injury-or-loss"]["luck"].hits(text))),
            bool(counting(major["injury-or-loss"]["slight"].hits(text))),
        )
    ):
        # Nobody was hurt, or not yet: a danger to safety is more than a slight inconvenience.
        criteria.append("important.hazard")
        reasons.append(f"a hazard to safety ({quote([h for _, hs in hazard for h in hs]) or muted(harm)})")
    if any(c.startswith("major.") for c in criteria):
        severity, confidence = "major", 0.9
    elif criteria:
        severity, confidence = "important", 0.75
    else:
        severity, confidence = "minor", 0.85
        criteria.append("minor.slight")
        reasons.append("no major or important criterion matched: a slight inconvenience")
    doubt = None
    sign_kinds: tuple[str, ...] = ()
    if severity != "major" and (possible or set_aside or (promise and not repeated) or counting(outage)):
        signs = [
            Sign(f"{name.replace('-', ' ')} ({quote(hits)})", tuple(quoted_words(hits)), name)
            for name, hits in possible
        ]
        if set_aside:
            signs.append(Sign(muted(harm), tuple(h.words for h in harm if not h.counts), "set-aside"))
        if promise and not repeated:
            said = f"a promise ({quote(promise)}) not said to be broken again"
            signs.append(Sign(said, tuple(quoted_words(promise)), "promise-not-repeated"))
        if counting(outage) and not scale:
            # said of the complainant's own home ("in my flat"): one home, however sure the words sound
            home = counting(rules.private_matter.hits(text))
            scope = f"of one home ({quote(home)})" if home else "of unstated scale"
            words = (*quoted_words(outage), *quoted_words(home))
            kind = "outage-of-one-home" if home else "outage-of-unstated-scale"
            signs.append(Sign(f"an outage ({quote(outage)}) {scope}", words, kind))
        confidence = 0.45 if possible or counting(outage) else 0.6
        doubt = possibly_major(severity, signs)
        sign_kinds = tuple(s.kind for s in signs)
    if tone and not at_fault:
        set_aside.append(f"tone without a duty failed ({quote(tone)})")
    if set_aside:
        reasons.append(f"set aside: {'; '.join(set_aside)}")
    explained = Explained(f"{severity}: " + "; ".join(reasons), rules.rule(f"severity.{criteria[0]}"))
    return (
        Label(severity, explained, confidence, doubt, sign_kinds),
        criteria,
        bool(promise),
        repeats if severity == "major" else [],
    )
