"""Jurisdiction read by clause: whose thing it is, where it is, and whose act it is.

Why: a phrase list of outside bodies and public places reads every mention as the matter itself,
but owners name the street and the government for many reasons. The clause says which:
- **Where the matter is, or where the customer was pushed to.** "小区外面" in "我只能停到小区外面"
  (my space was taken, I had to park outside) is where the customer went because something of ours
  failed; a place after a word of being forced (`[validity.reading] displaced`: had to, 只能, 惟有) in
  its clause is set aside. So is a place in a clause where our own people act before it ("your guard
  let a lorry park on the public road", 保安由得啲貨車泊出面條馬路): the act is theirs, so ours.
  Otherwise a public place or fixture (`public_places`: the main road, a bus stop, 天橋, 馬路上) or
  the estate named with a word that puts something beyond it (`where.beyond_the_estate`) places the
  matter outside our jurisdiction.
- **Who speaks, not who owns.** A government body that only says or requires something (`says`
  after it: "the government says", 食環署話, 政府規定; `according` before it: 根據), or one the customer
  was sent on to (`sent_to` before it: "told me to take my complaint to the government") while the
  complaint names our own people or the management (`ours`) is the source of a rule, not the owner
  of the matter ("政府規定要分類, 可是物業放的桶天天滿出來"). Without anything of ours named, it stays
  the owner's ("路政署話會整, 但一直冇整").
- **Whose act: a business's own trade.** A shop or restaurant (`businesses`) and its dealing with the
  customer (`trade`: an order, a price, a refund, 送錯, 貴) in one clause, with none of our people
  there and no duty of ours or governed nuisance named, is between the customer and that business.
- **Whose act: a neighbour's private dealing.** A neighbour (`[nature] neighbour`) or another party
  to a dealing (`parties`: a tenant, a landlord, 租客, 房東: persons, not dealings) and a private
  dealing (`dealings`: borrowed, owes, insulted, the rent, the lease, 借, 欠, 罵) in one clause or the
  next, with none of our people in that clause and no nuisance our house rules govern (`governed`:
  noise, dripping, a fit-out, a dog) anywhere, is a dispute between residents that no estate rule
  governs.
- **Whose act: a neighbour's nuisance.** A neighbour named as doing something (`neighbours.neighbours`:
  the flat above, 樓上, 隔籬, 邻居; or a tenant or landlord, `parties`) and a nuisance the house rules
  govern (`governed`: noise, 嘈, 吵, 噪音, mahjong at night, a dog) in one clause or the next, none of
  our people there, is the neighbour's doing: valid, as the office can remind them of the rules (the
  labelling guide, rule 9), and said so in the reason; no business area of ours and no failure of
  ours (`engine.judge`).
Pure: reads the text's tokens and the rules' phrase lists."""

from __future__ import annotations

from dataclasses import dataclass

from .evidence import Hit, Muting, PhraseList, counting
from .neighbours import neighbours
from .rules import Rules
from .text import Text
from .where import beyond_the_estate

# How far a speech word may stand from the body it reports, in its clause (tokens: an English word
# or a Chinese character): "the government says", "FEHD inspectors told", 食環署話, 政府規定.
_SAYS_REACH = 3


@dataclass(frozen=True)
class Jurisdiction:
    """What the clauses say about whose matter it is."""

    places: list[Hit]  # public places and fixtures that place the matter outside (counted)
    reported: list[Hit]  # outside bodies that only speak or require: not the matter's owner
    dealings: list[Hit]  # a neighbour's private dealing: a dispute between residents
    trade: list[Hit]  # a business's own trade with the customer (a shop's prices, a restaurant's orders)
    nuisances: list[Hit]  # a neighbour's nuisance the house rules govern: valid, the neighbour's doing
    set_aside: list[str]  # place words not counted, and why, in the complaint's words
    in_places: list[Hit]  # bodies inside a place word set aside (小巴 in 小巴站): they name the place only

    @property
    def not_owners(self) -> set[tuple[int, int]]:
        """The spans of `[validity.outside] municipal` hits that do not place the matter outside."""
        return {(h.first, h.last) for h in self.reported + self.in_places}

    @property
    def notes(self) -> str:
        """What the reading set aside, for the decision's reason ("" when nothing)."""
        notes = self.set_aside + [
            f"'{h.words}' only says or requires, it does not own the matter" for h in self.reported
        ]
        return f"; set aside: {'; '.join(notes)}" if notes else ""


def read_jurisdiction(text: Text, rules: Rules, muting: Muting) -> Jurisdiction:
    """The clause-level readings of jurisdiction (`[validity.reading]`)."""
    lists = rules.validity_reading
    empty = PhraseList(())
    ours = counting(rules.validity["our_people"].hits(text))
    places, set_aside = _public_places(text, lists, ours, muting)
    bodies = rules.outside["municipal"].hits(text, muting) if "municipal" in rules.outside else []
    in_places = [b for b in bodies if any(p.first <= b.first and b.last <= p.last for p, _ in set_aside)]
    bodies = [b for b in bodies if b not in in_places]
    named_ours = (
        bool(ours)
        or any(counting(p.hits(text)) for p in (rules.validity["duty"], lists.get("ours", empty)))
        or _ours_failing(text, rules, muting, bodies + places)
    )
    return Jurisdiction(
        places=places,
        reported=_reported(text, bodies, lists, named_ours),
        dealings=_dealings(
            text, lists.get("dealings", empty), lists.get("governed", empty), ours, _parties(text, rules)
        ),
        trade=_trade(text, lists, ours, rules),
        nuisances=neighbour_nuisances(text, rules),
        set_aside=[note for _, note in set_aside],
        in_places=in_places,
    )


def _ours_failing(text: Text, rules: Rules, muting: Muting, outside: list[Hit]) -> bool:
    """Something of ours failing in a clause of its own: a failure (`[nature] effective`) and a
    business area's word in a clause that names nothing outside ("but our bins in the lobby have
    been overflowing for days")."""
    elsewhere = {text.tokens[h.first].clause for h in counting(outside)}
    failing = {text.tokens[h.first].clause for h in counting(rules.effective.hits(text, muting))} - elsewhere
    if not failing:
        return False
    return any(
        text.tokens[h.first].clause in failing for area in rules.areas.values() for h in counting(area.hits(text))
    )


def _reported(text: Text, bodies: list[Hit], lists: dict[str, PhraseList], ours_named: bool) -> list[Hit]:
    """The outside bodies (hits of `[validity.outside] municipal`) that only say or require
    something, when the complaint names something of ours: they are the source, not the owner."""
    if not ours_named or not bodies:
        return []
    empty = PhraseList(())
    says = counting(lists.get("says", empty).hits(text))
    according = counting(lists.get("according", empty).hits(text))
    sent = counting(lists.get("sent_to", empty).hits(text))
    found = []
    for body in counting(bodies):
        clause = text.tokens[body.first].clause
        after = any(text.tokens[s.first].clause == clause and 0 <= s.first - body.last <= _SAYS_REACH for s in says)
        before = any(
            text.tokens[a.first].clause == clause and 0 <= body.first - a.last <= _SAYS_REACH for a in according
        )
        pushed = any(text.tokens[w.first].clause == clause and w.last <= body.first for w in sent)
        if after or before or pushed:
            found.append(body)
    return found


def _public_places(
    text: Text, lists: dict[str, PhraseList], ours: list[Hit], muting: Muting
) -> tuple[list[Hit], list[tuple[Hit, str]]]:
    empty = PhraseList(())
    found = lists.get("public_places", empty).hits(text, muting) + beyond_the_estate(text)
    displaced = counting(lists.get("displaced", empty).hits(text))
    leads = counting(lists.get("leads_to", empty).hits(text)) + _from_to(text)
    inside = counting(lists.get("inside", empty).hits(text))
    counted, set_aside = [], []
    for place in counting(found):
        clause = text.tokens[place.first].clause
        pushed = [d for d in displaced if text.tokens[d.first].clause == clause and d.last <= place.first]
        route = [w for w in leads if text.tokens[w.first].clause == clause and _just_before(text, w, place)]
        within = [i for i in inside if 0 <= clause - text.tokens[i.first].clause <= 1]
        acting = [o for o in ours if text.tokens[o.first].clause == clause and o.last <= place.first]
        if pushed:
            set_aside.append((place, f"'{place.words}' is where the customer was pushed to ('{pushed[-1].words}')"))
        elif route:
            set_aside.append((place, f"'{place.words}' is where something leads ('{route[-1].words}')"))
        elif within:
            set_aside.append((place, f"'{place.words}' is on the estate's own ground ('{within[-1].words}')"))
        elif acting:
            set_aside.append((place, f"'{place.words}' is where our own people acted ('{acting[-1].words}')"))
        else:
            counted.append(place)
    return counted, set_aside


_ARTICLES = frozenset(("the", "a", "an", "our", "their"))


def _trade(text: Text, lists: dict[str, PhraseList], ours: list[Hit], rules: Rules) -> list[Hit]:
    """A business (`businesses`) and its trade with the customer (`trade`: an order, a price, a
    refund, 送錯, 貴) in one clause naming none of our people, in a complaint naming no duty of
    ours (the clubhouse's restaurant is ours) and no nuisance our rules govern (a shop's rubbish)."""
    empty = PhraseList(())
    shops = counting(lists.get("businesses", empty).hits(text))
    deals = counting(lists.get("trade", empty).hits(text))
    if not shops or not deals:
        return []
    if counting(rules.validity["duty"].hits(text)) or counting(lists.get("governed", empty).hits(text)):
        return []
    our_clauses = {text.tokens[o.first].clause for o in ours}
    found = []
    for deal in deals:
        clause = text.tokens[deal.first].clause
        shop = [s for s in shops if text.tokens[s.first].clause == clause]
        if shop and clause not in our_clauses:
            first, last = min(shop[0].first, deal.first), max(shop[0].last, deal.last)
            found.append(Hit("a business's own trade", f"{shop[0].words} … {deal.words}", 1.0, first, last))
    return found


def _from_to(text: Text) -> list[Hit]:
    """Each English "to" with "from" before it in its clause: the end of a route ("from the podium
    to the bus stop"), not any "to" ("close to the main road")."""
    found = []
    routed: set[int] = set()  # clauses with a "from" so far: one pass, not a look back per "to"
    for n, t in enumerate(text.tokens):
        if not t.cjk and t.word == "from":
            routed.add(t.clause)
        elif not t.cjk and t.word == "to" and t.clause in routed:
            found.append(Hit("from … to", text.quote(n, n + 1), 1.0, n, n + 1))
    return found


def _just_before(text: Text, word: Hit, place: Hit) -> bool:
    """`word` ends right before `place`: English articles between, and at most two other English words
    that name which one ("the path to the kindergarten bus stop", "down to the main road")."""
    between = text.tokens[word.last : place.first]
    if word.last > place.first or any(t.cjk for t in between):
        return False
    return sum(t.word not in _ARTICLES for t in between) <= 2


def _tenants(text: Text, rules: Rules) -> list[Hit]:
    """A tenant or landlord named (`[validity.reading] parties`): a person, not a dealing."""
    parties = rules.validity_reading.get("parties")
    return counting(parties.hits(text)) if parties is not None else []


def _parties(text: Text, rules: Rules) -> list[Hit]:
    """Who a resident may deal or quarrel with: a neighbour (`[nature] neighbour`), a tenant or a landlord."""
    return counting(rules.neighbour.hits(text)) + _tenants(text, rules)


def _dealings(text: Text, dealings: PhraseList, governed: PhraseList, ours: list[Hit], parties: list[Hit]) -> list[Hit]:
    acts = counting(dealings.hits(text))
    if not parties or not acts:
        return []
    nuisances = [
        g
        for g in counting(governed.hits(text))
        if all(g.last <= a.first or g.first >= a.last for a in acts) and not _customers_own(text, g)
    ]
    if nuisances:
        return []
    our_clauses = {text.tokens[o.first].clause for o in ours}
    found = []
    for act in acts:
        clause = text.tokens[act.first].clause
        if clause in our_clauses:
            continue
        near = [n for n in parties if abs(text.tokens[n.first].clause - clause) <= 1]
        if near:
            first, last = min(near[0].first, act.first), max(near[0].last, act.last)
            found.append(Hit("a neighbour's private dealing", f"{near[0].words} … {act.words}", 1.0, first, last))
    return found


_AT = frozenset({"在", "喺"})
# The customer's own: "my dog", 我家狗, 我的狗, 我屋企隻狗 (屋企 folds to 家).
_MINE_WORDS = frozenset({"my", "our"})
_MINE = ("我家", "我的", "我們家", "我们家", "我个", "我隻", "我只", "我条", "我條")


def _customers_own(text: Text, hit: Hit) -> bool:
    """A thing the house rules govern that is the customer's own (my dog, 我家狗: "the neighbour says my
    dog bites") is no neighbour's nuisance: what the neighbour does about it is their dealing."""
    if hit.first == 0:
        return False
    before = text.tokens[hit.first - 1]
    if not before.cjk:
        return before.word in _MINE_WORDS
    two = "".join(t.form for t in text.tokens[max(0, hit.first - 2) : hit.first])
    three = "".join(t.form for t in text.tokens[max(0, hit.first - 3) : hit.first])
    return two in _MINE or three in _MINE


def neighbour_nuisances(text: Text, rules: Rules) -> list[Hit]:
    """A neighbour named as doing something and a nuisance the house rules govern (`governed`) in one
    clause or the next, with none of our people in the nuisance's clause: "the flat above plays
    mahjong till 3am", 樓上成晚拖櫈仔好嘈, 隔壁邻居吵得我睡不着. A tenant or landlord (`parties`) is a
    neighbour here like any other ("the tenants in 12B play mahjong all night")."""
    governed = rules.validity_reading.get("governed")
    named = nuisance_makers(text, rules)
    if governed is None or not named:
        return []
    ours = {text.tokens[o.first].clause for o in counting(rules.validity["our_people"].hits(text))}
    found = []
    for g in counting(governed.hits(text)):
        if _customers_own(text, g):
            continue
        clause = text.tokens[g.first].clause
        near = [n for n in named if 0 <= clause - text.tokens[n.first].clause <= 1]
        if near and clause not in ours:
            first, last = min(near[0].first, g.first), max(near[0].last, g.last)
            found.append(Hit("a neighbour's nuisance", f"{near[0].words} … {g.words}", 1.0, first, last))
    return found


def nuisance_makers(text: Text, rules: Rules) -> list[Hit]:
    """Who may make a nuisance the house rules govern: a neighbour named as doing something
    (`neighbours.neighbours`), or a tenant or landlord (`parties`), who lives beside the customer
    like any neighbour ("the tenants in 12B", 樓上租客)."""
    named = neighbours(text, rules) + _tenants(text, rules)
    # 在/喺 before 楼上/楼下 makes it a place ("垃圾車每晚喺樓下嘈": at the foot of the block), no neighbour
    return [n for n in named if n.first == 0 or text.tokens[n.first - 1].form not in _AT]
