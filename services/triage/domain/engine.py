"""The rules engine: pure functions from a registration form (and the complainant's history) to a
judgement. No I/O, no clock: the same form, history and rules always give the same judgement.

Each label is decided by weighted evidence (phrases of the rules found in the complaint, negated and
hypothetical ones set aside) and carries a confidence in [0, 1]: how clearly the evidence for the
chosen value outweighs the evidence for the next one. A label below `[confidence] review_below`, or
any sign of a major complaint too weak to grade it major, sends the judgement to the supervisor's
review with the reason, rather than being guessed silently."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.contracts.review import ReviewAspect, ReviewFlag

from .asking import (
    Request,
    enquiries,
    grievances,
    procedure_questions,
    reported,
    requests,
    rhetorical_questions,
    shouted,
)
from .evidence import Hit, Muting, _asked_clauses, clear_of, counting, quote, score, tokens_of
from .jurisdiction import neighbour_nuisances, nuisance_makers, read_jurisdiction
from .labels import Explained, Label, margin, ranked
from .neighbours import neighbours
from .review import low_confidence, narrowly_ahead, no_sign_either_way, no_topic
from .rules import Rules, normalise_text
from .severity import (
    announced,
    harmed,
    judge_severity,
    neighbours_doing,
    settled_history,
    stops,
    telecoms,
    utility_outages,
)
from .text import Text
from .where import (
    as_place,
    charged_for_use,
    destinations,
    doers,
    notice_subjects,
    places,
    places_of_places,
    relayed,
    their_desks,
)

SEVERITY_ORDER = {"minor": 0, "important": 1, "major": 2}
NEIGHBOUR, ANOTHER_UNIT = "a neighbour's doing", "another unit's doing"  # whose doing, when not ours


@dataclass(frozen=True)
class EarlierComplaint:
    complaint_id: str
    business_area: str
    validity: str
    promise_mentioned: bool


@dataclass(frozen=True)
class History:
    """The complainant's earlier complaints, oldest first."""

    earlier: tuple[EarlierComplaint, ...] = ()

    def summary(self, rules: Rules) -> dict[str, Any]:
        invalid = sum(1 for c in self.earlier if c.validity == "invalid")
        return {
            "earlier_complaints": len(self.earlier),
            "recent_complaint_ids": [c.complaint_id for c in reversed(self.earlier)][: rules.recent_history],
            "invalid_complaints": invalid,
            "flagged_for_review": invalid >= rules.flag_invalid_at,
        }


@dataclass(frozen=True)
class Judgement:
    validity: str
    nature: str
    communication_kind: str | None
    content_category: str
    business_area: str
    severity: str
    severity_criteria: list[str]
    department: str
    first_responsible: str
    explanations: dict[str, Explained]
    history: dict[str, Any]
    promise_mentioned: bool
    # Earlier complaints of the same complainant and area that mentioned a promise: this repeat
    # makes them major too (criterion 1).
    repeats: list[str] = field(default_factory=list)
    # How sure each label is (validity, nature, category, severity), and why a supervisor should look.
    confidence: dict[str, float] = field(default_factory=dict)
    flags: list[ReviewFlag] = field(default_factory=list)
    major_signs: tuple[str, ...] = ()  # the kinds of the signs of a possible major (`review.Sign.kind`)

    @property
    def review(self) -> list[str]:
        """The reasons for review as sentences (each flag's `text`)."""
        return [f.text for f in self.flags]

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)


def read(form: dict[str, Any], rules: Rules) -> Text:
    """The complaint's words as the rules read them: object, description and request."""
    return Text(
        " \n ".join(str(form.get(k, "")) for k in ("object", "description", "customer_request")),
        rules.cantonese,
        rules.abbreviations,
        rules.compounds,
        rules.speller.correct,
    )


def complaint_text(form: dict[str, Any]) -> str:
    return normalise_text(" \n ".join(str(form.get(k, "")) for k in ("object", "description", "customer_request")))


def judge_validity(text: Text, rules: Rules, muting: Muting) -> Label:
    outside = ranked({"not the company's matter": rules.validity["invalid"], **rules.outside}, text, muting)
    # Who acts: a quarrel our own staff is in (the guard pushed an owner) is their conduct, no private
    # dispute between residents: a `[validity] our_people` word in the clause makes it ours.
    ours = {text.tokens[h.first].clause for h in counting(rules.validity["our_people"].hits(text))}
    # Jurisdiction read by clause (`domain/jurisdiction.py`): a public place where the matter is (not
    # where the customer was pushed to, nor where our people acted), a body that only speaks, a
    # neighbour's private dealing.
    reading = read_jurisdiction(text, rules, muting)
    spoke = reading.not_owners
    outside = [
        (
            kind,
            [
                h
                for h in hits
                if (kind != "private-dispute" or text.tokens[h.first].clause not in ours)
                and (kind != "municipal" or (h.first, h.last) not in spoke)
            ],
        )
        for kind, hits in outside
    ]
    for kind, extra in (
        ("municipal", reading.places),
        ("private-dispute", reading.dealings),
        ("business", reading.trade),
    ):
        if extra:
            outside = [(k, hits + extra if k == kind else hits) for k, hits in outside]
            if kind not in dict(outside):
                outside.append((kind, extra))
    outside = sorted([(k, hits) for k, hits in outside if score(hits) > 0], key=lambda item: -score(item[1]))
    assisted = rules.validity["assisted"].hits(text, muting)
    duty = rules.validity["duty"].hits(text, muting)
    out_score = score(outside[0][1]) if outside else 0.0
    assisted_score, duty_score = score(assisted), score(duty)
    if out_score > 0 and out_score >= assisted_score and out_score > duty_score:
        kind, hits = outside[0]
        confidence = margin(out_score, duty_score + assisted_score)
        why = f"invalid: outside the company's duty ({kind}: {quote(hits)})"
        if duty:
            why += f"; weighed against its own duty ({quote(duty)})"
        return Label("invalid", Explained(why + reading.notes, rules.rule("validity.invalid")), confidence)
    if assisted_score > 0 and assisted_score >= duty_score:
        confidence = margin(assisted_score, duty_score + out_score)
        why = f"assisted: handled with another unit ({quote(assisted)})"
        return Label("assisted", Explained(why + reading.notes, rules.rule("validity.assisted")), confidence)
    against = out_score + assisted_score
    confidence = 0.9 if against == 0 else margin(duty_score, against)
    why = "valid: nothing places it outside the company's duty or with another unit"
    if reading.nuisances and not against:
        why = (
            f"valid: a neighbour's nuisance the house rules govern ({quote(reading.nuisances)}): "
            "the office can remind the neighbour of the rules"
        )
    if against:
        against_hits = (outside[0][1] if outside else []) + assisted
        why = f"valid: the company's own duty ({quote(duty)}) outweighs {quote(against_hits)}"
    return Label("valid", Explained(why + reading.notes, rules.rule("validity.valid")), confidence)


def own_failures(text: Text, rules: Rules, muting: Muting) -> list[Hit]:
    """The duty-failure phrases; a cut or a stop the complaint says is yet to come is no duty failed
    ("the lift will be replaced next month and be out of service for 3 weeks")."""
    found = rules.effective.hits(text, muting)
    outage = rules.major["sudden-outage"]
    if announced(text, outage):
        cut = outage["outage"].hits(text) + stops(text, rules)
        taken = tokens_of(cut)
        found = [f for f in found if clear_of(f, taken)]
    return found


def data_exposed(text: Text, rules: Rules, muting: Muting) -> list[Hit]:
    """Personal data made known, however it is said: a personal datum (`[severity.exposure] datum`:
    a phone number, a flat number, an HKID, 車牌) and a way it reached others (`disclosed`: gave,
    sent, anyone can read, send錯, 發給) in one clause. It names the customer-data area and is a duty
    failed ("your receptionist gave my flat number and mobile to a man", 個group send錯咗個excel,
    入面有成座人嘅電話)."""
    lists = rules.exposure
    if "datum" not in lists or "disclosed" not in lists:
        return []
    data = counting(lists["datum"].hits(text))
    found = []
    for shown in counting(lists["disclosed"].hits(text, muting)):
        clause = text.tokens[shown.first].clause
        near = [d for d in data if abs(text.tokens[d.first].clause - clause) <= 1]
        if near:
            found.append(
                Hit("personal data made known", f"{shown.words} … {near[0].words}", 2.0, shown.first, shown.last)
            )
    return found


def failures(text: Text, rules: Rules, muting: Muting) -> list[Hit]:
    """What failed, as the complaint says: duty-failure phrases, and the harm, outage and stopped
    equipment of the major criteria (a hurt customer or a dead lift is a duty failed too)."""
    major = rules.major
    outage = major["sudden-outage"]
    # personal data made known first: a disclosure word that is also a failure phrase (都看到) is the
    # disclosure, so the area and the severity know what it was
    found = data_exposed(text, rules, muting)
    stopped = [] if announced(text, outage) else stops(text, rules, muting)
    for hits in (
        own_failures(text, rules, muting),
        harmed(text, major["injury-or-loss"], muting),
        utility_outages(text, outage, outage["outage"].hits(text, muting)),
        stopped,
    ):
        taken = tokens_of(found)
        found += [h for h in hits if clear_of(h, taken)]
    return found


def judge_nature(
    text: Text, rules: Rules, muting: Muting, validity: str, failed: list[Hit], topic: str | None
) -> tuple[Label, str | None]:
    """Effective when a duty failed, else the kind of communication; `topic` is the business area
    when the complaint names one (it decides the guess when there is no other sign). What the writer
    asks of us, and of whom, is read by clause (`asking.py`): a request to put right what is ours is a
    duty failed even without a word of damage; a request about a neighbour's or another unit's doing
    asks for help; a question to know is a consultation, whatever service it names."""
    if validity == "assisted":  # what failed is the other unit's: only a failure of our own duty counts
        # ... and none in a clause naming that unit or its telecoms service (电信宽带断了, 他们的设备坏了)
        theirs = {text.tokens[h.first].clause for h in rules.validity["assisted"].hits(text)}
        theirs |= telecoms(text, rules.major["sudden-outage"])
        failed = [f for f in own_failures(text, rules, muting) if text.tokens[f.first].clause not in theirs]
    asking = rules.asking
    # What is no one's duty of ours (invalid) cannot be put right by us: a request to fix or build it
    # is letting off steam; one to speak to whoever owns it (tell MTR, 叫佢停, 幫我追返) is help sought.
    asked = requests(text, asking, muting)
    if validity == "invalid":
        asked = [r for r in asked if r.act == "service"]
    told = {h.first for h in reported(text, asking, [r.hit for r in asked])}
    asked = [r for r in asked if r.hit.first not in told]
    # A failure word in a question about what is required or how ("is there a waiting list?") is the
    # topic asked about, not an event.
    procedural = procedure_questions(text, asking)
    failed = [f for f in failed if text.tokens[f.first].clause not in procedural]
    third = third_party(text, rules, validity, topic)
    if third and asked:
        # asked to act on what another unit did (or a neighbour, in the clause naming them): only a
        # failure of our own people counts there
        ours = {text.tokens[h.first].clause for h in counting(rules.validity["our_people"].hits(text))}
        theirs = {text.tokens[h.first].clause for h in neighbours(text, rules)}
        failed = [
            f
            for f in failed
            if text.tokens[f.first].clause in ours
            or (validity != "assisted" and text.tokens[f.first].clause not in theirs)
        ]
    private = rules.private_matter.hits(text)
    remedies = [r for r in asked if r.act == "remedy"] if validity == "valid" and topic and not third else []
    kinds = _kinds(text, rules, asked, remedies)
    effective = score(failed) + len(remedies) - 0.5 * score(private) if validity != "invalid" else 0.0
    best_kind = score(kinds[0][1]) if kinds else 0.0
    if effective >= 1 and effective >= 0.75 * best_kind:
        if failed:
            why = f"effective: a duty of the company failed ({quote(failed)})"
            if remedies:
                why += f"; asked to put it right ({quote([r.hit for r in remedies])})"
        else:
            why = f"effective: asked to put right what is the company's ({topic}: {quote([r.hit for r in remedies])})"
        if private:
            why += f"; though partly the owner's own matter ({quote(private)})"
        return Label("effective", Explained(why, rules.rule("nature.effective")), margin(effective, best_kind)), None
    if kinds:
        kind, hits = kinds[0]
        runner_up = max(effective, score(kinds[1][1]) if len(kinds) > 1 else 0.0)
        why = f"communication ({kind}): {quote(hits)}"
        if third and kind == "help-seeking":
            why += f"; what it asks of us concerns {third}"
        if failed and validity != "invalid":
            why += f"; no failure of duty weighs more ({quote(failed)})"
        rule = rules.rule(f"nature.communication.{kind}")
        return Label("communication", Explained(why, rule), margin(best_kind, runner_up)), kind
    # Why something of ours is so asks us to explain (a consultation); why what is not ours at all
    # (invalid) is so asks nothing we can answer: a grievance.
    asked_clauses = _asked_clauses(text) - (grievances(text, asking) if validity == "invalid" else set())
    # A question shouted ("who approved this???", 咁都得???) asks nothing: with no plain question
    # beside it, the complaint is letting off steam.
    loud = shouted(text)
    if loud and not asked_clauses - loud and not enquiries(text, asking):
        words = "; ".join(repr(text.quote(*_clause_span(text, c))) for c in sorted(loud)[:2])
        why = f"communication (venting): a question shouted asks nothing ({words})"
        return Label("communication", Explained(why, rules.rule("nature.communication.venting")), 0.6), "venting"
    asks = bool(asked_clauses)
    default = str(rules.data["nature"].get("default_with_topic", ""))
    # Who acts: a neighbour named as the source is no failure of ours to guess from the topic.
    neighbour = neighbours(text, rules)
    if topic and not asks and validity == "valid" and default == "effective" and not neighbour:
        why = f"effective: no sign either way; it reports a problem with {topic}, most often a duty failed"
        doubt = no_sign_either_way("effective", topic)
        return Label("effective", Explained(why, rules.rule("nature.effective.default")), 0.45, doubt), None
    kind = "consultation" if asks else rules.default_communication_kind
    why = f"communication ({kind}): no failure of duty described and no kind of communication recognised"
    doubt = no_sign_either_way(kind)
    return Label("communication", Explained(why, rules.rule(f"nature.communication.{kind}.default")), 0.4, doubt), kind


def _clause_span(text: Text, clause: int) -> tuple[int, int]:
    """The tokens (first, last+1) of one clause."""
    at = [i for i, t in enumerate(text.tokens) if t.clause == clause]
    return at[0], at[-1] + 1


def third_party(text: Text, rules: Rules, validity: str, topic: str | None) -> str | None:
    """Whose doing the trouble is when it is not ours: a neighbour named (unless our rules govern
    what they do, `[nature] neighbour_regulated`: a fit-out), or the other unit of an assisted case."""
    if validity == "assisted":
        return ANOTHER_UNIT
    regulated = rules.data["nature"].get("neighbour_regulated", [])
    if topic not in regulated and neighbours(text, rules):
        return NEIGHBOUR
    return None


def _kinds(text: Text, rules: Rules, asked: list[Request], remedies: list[Request]) -> list[tuple[str, list[Hit]]]:
    """The kinds of communication by weight, read by who asks what: in a question to know, words of
    a service are what is asked about (想問下…可以幫手擺幾耐); a question or request the complaint
    reports is someone else's ("he asked me if …"); an act asked of us is help sought, and its modal
    is no question of permission ("can I borrow a ladder from the office"); a request outweighs
    grumbling — whoever asks us to act is not only letting off steam."""
    asking = rules.asking
    knowing = enquiries(text, asking)
    grieved = grievances(text, asking)
    cues = [r.cue for r in asked if r.cue]
    kinds = []
    for kind, hits in ranked(rules.communication, text):
        told = {h.first for h in reported(text, asking, hits)}
        hits = [h for h in hits if h.first not in told]
        if kind == "help-seeking":
            opined = {h.first for h in reported(text, asking, hits, "opinion")}
            hits = [h for h in hits if text.tokens[h.first].clause not in knowing and h.first not in opined]
            # the words a remedy is asked in (麻煩你哋派人嚟跟進下) are the manner of asking for it
            hits = [h for h in hits if not any(_within(h, r) for r in remedies)]
        if kind == "consultation":
            hits = [h for h in hits if not any(a <= h.first and h.last <= b for a, b in cues)]
            hits = [h for h in hits if text.tokens[h.first].clause not in grieved]
            # 你们是怎么做事的!!! and 怎么说都不听 ask nothing: an exclamation, a "however"
            rhetorical = rhetorical_questions(text, hits, asking)
            hits = [h for h in hits if h.first not in rhetorical]
        kinds.append((kind, hits))
    # an act asked of us is help sought, counted once with the words of help it was asked in
    said = [h for k, hits in kinds if k == "help-seeking" for h in hits]
    help_asked = [
        r.hit
        for r in asked
        if r not in remedies
        and not any(_within(r.hit, m) for m in remedies)
        and not any(h.first < r.hit.last and r.hit.first < h.last for h in said)
    ]
    if help_asked:
        kinds = [(k, h + help_asked if k == "help-seeking" else h) for k, h in kinds]
        if "help-seeking" not in dict(kinds):
            kinds.append(("help-seeking", help_asked))
    order = list(rules.communication)
    kinds = sorted([(k, h) for k, h in kinds if score(h) > 0], key=lambda item: (-score(item[1]), order.index(item[0])))
    if asked and kinds and kinds[0][0] == "venting":
        kinds.sort(key=lambda item: item[0] != "help-seeking")
    return kinds


def judge_category(text: Text, rules: Rules, failed: list[Hit]) -> tuple[str, Label]:
    """Content by the heaviest list (an emergency first); business area by weighted evidence, where
    the words in a clause that says what failed weigh double: the topic of the grievance, not of its
    context ("the cleaner never cleans the lobby, we pay a management fee" is sanitation)."""
    content = rules.content
    emergency_hits = counting(content["emergency"].hits(text, rules.cues.in_text(text)))
    if emergency_hits:
        category, content_hits = "emergency", emergency_hits
    else:
        ranked_content = ranked({k: v for k, v in content.items() if k != "emergency"}, text)
        category, content_hits = ranked_content[0] if ranked_content else (str(rules.data["content"]["default"]), [])
    failing = [f for f in failed if f.counts]

    failing_clauses = {text.tokens[f.first].clause for f in failing}
    failing_tokens = tokens_of(failing)
    order = list(rules.areas)
    found = ranked(rules.areas, text)
    exposed = [f for f in failed if f.phrase == "personal data made known"]
    if exposed and "customer-data" in rules.areas:
        found = [(a, h + exposed if a == "customer-data" else h) for a, h in found]
        if "customer-data" not in dict(found):
            found.append(("customer-data", exposed))
    # In a clause that says what failed, the area whose own words are the failure ("smells of urine")
    # is the grievance; the thing or place it happened in is context. No such area: all weigh double.
    named: dict[int, set[str]] = {}
    for area_name, hits in found:
        for h in hits:
            if not clear_of(h, failing_tokens):
                named.setdefault(text.tokens[h.first].clause, set()).add(area_name)

    def weighed(hit: Hit, area_name: str) -> Hit:
        clause = text.tokens[hit.first].clause
        if clause in failing_clauses and area_name in named.get(clause, {area_name}):
            return Hit(hit.phrase, hit.words, hit.weight * 2, hit.first, hit.last)
        return hit

    # Where, not what: a place another area's thing is in (停車場B3啲燈, "the lights in the car park").
    where = places(found, text)
    # ... and a place that holds that place (停車場 in 停車場B2車位個燈) names no matter of its own.
    outer = places_of_places(found, text, where)
    # Who, not what: a worker's job when the complaint names his own conduct (the guard shouted).
    where |= doers(found, counting(rules.workers.hits(text)), "staff")
    # A charge for a facility's use: the facility is the matter (要收費嗎 for the badminton court).
    facilities, charges = rules.facility_charges
    where |= charged_for_use(found, counting(charges.hits(text)), facilities)
    # What a notice is about is its content; the notice is the matter (停水通知 posted late).
    where |= notice_subjects(found, text, "customer-service")
    # Who passed it on is not what failed (a hotline's forwarding header: 转自热线:…).
    if "relay" in rules.area_reading:
        where |= relayed(found, text, rules.area_reading["relay"].hits(text))
    # Another unit's desk the customer rang is not ours (电信客服, 有線個熱線, "the CLP hotline").
    if any(area == "customer-service" for area, _ in found):
        where |= their_desks(found, text, counting(rules.validity["assisted"].hits(text)), "customer-service")
    # Where the customer was going is where it happened (走去车位 when the drain cover tripped them).
    if "towards" in rules.area_reading:
        where |= destinations(found, text, counting(rules.area_reading["towards"].hits(text)))
    found = [
        (
            area,
            [
                as_place(h, 0.0) if (area, h.first) in outer else as_place(h) if (area, h.first) in where else h
                for h in hits
            ],
        )
        for area, hits in found
    ]
    areas = [(area, [weighed(h, area) for h in _unmasked(hits, area, found)]) for area, hits in found]
    areas = [(area, hits) for area, hits in areas if score(hits) > 0]
    areas.sort(key=lambda item: (-score(item[1]), order.index(item[0])))
    default = str(rules.data["areas"]["default"])
    if areas and score(areas[0][1]) >= 0.5:
        area, area_hits = areas[0]
        runner_up = score(areas[1][1]) if len(areas) > 1 else 0.0
        confidence = margin(score(area_hits), runner_up)
        doubt = None
        if confidence < rules.review_below:
            doubt = narrowly_ahead(area, areas[1][0], confidence, rules.review_below)
    else:
        area, area_hits, confidence = default, [], 0.5
        doubt = no_topic(default)
    reason = (
        f"content {category} ({quote(content_hits) or 'default'}); "
        f"business area {area} ({quote(area_hits) or 'default'})"
    )
    if len(areas) > 1 and area != default:
        reason += f" over {areas[1][0]} ({quote(areas[1][1])})"
    return category, Label(area, Explained(reason, rules.rule(f"category.{category}.{area}")), confidence, doubt)


def _within(hit: Hit, request: Request) -> bool:
    """Whether a hit lies in the words a request was asked in (its cue to its act)."""
    first = request.cue[0] if request.cue else request.hit.first
    return first <= hit.first and hit.last <= request.hit.last


def _not_ours(area: Label, rules: Rules) -> Label:
    """An invalid complaint is outside the company's duty: no department of ours handles it, so it
    takes no business area of ours (the group counts areas over established complaints); the reason
    keeps what it was about."""
    default = str(rules.data["areas"]["default"])
    if area.value == default:
        return area
    about = f"it is about {area.value}: {area.explained.reason}"
    reason = f"business area {default}: invalid, outside the company's duty ({about})"
    return Label(default, Explained(reason, rules.rule(f"category.invalid.{default}")), 0.9)


def _a_telecoms_matter(text: Text, area: Label, rules: Rules) -> Label:
    """An assisted complaint about a telecoms service (broadband, cable TV: `[severity.major.sudden-outage]
    telecoms`) has no department of ours to handle its part (labelling guide, rule 3: telecoms → other),
    whatever room of ours its engineer needs opened (round 23); the reason keeps what it named."""
    default = str(rules.data["areas"]["default"])
    named = rules.major["sudden-outage"].get("telecoms")
    found = counting(named.hits(text)) if named is not None else []
    if area.value == default or not found:
        return area
    reason = f"business area {default}: a telecoms service's matter ({quote(found)}); it names {area.value}"
    return Label(default, Explained(reason, rules.rule(f"category.assisted.{default}")), area.confidence)


def _a_neighbours_matter(text: Text, area: Label, rules: Rules, named: list[Hit] | None = None) -> Label:
    """A communication complaint whose trouble comes from a neighbour ("the neighbour's air con drips
    on my ledge, can management ask them") is no business area of ours: we can only ask them; unless
    our rules govern it (`[nature] neighbour_regulated`: a neighbour's fit-out is decoration). `named`:
    who makes the nuisance, when it is read (a tenant is a neighbour there); else the neighbours named."""
    default = str(rules.data["areas"]["default"])
    neighbour = named if named is not None else neighbours(text, rules)
    regulated = rules.data["nature"].get("neighbour_regulated", [])
    if area.value == default or area.value in regulated or not neighbour:
        return area
    reason = f"business area {default}: a neighbour's matter ({quote(neighbour)}); it names {area.value}"
    return Label(default, Explained(reason, rules.rule(f"category.neighbour.{default}")), 0.6)


def _unmasked(hits: list[Hit], area: str, found: list[tuple[str, list[Hit]]]) -> list[Hit]:
    """An area's hits without those inside a longer phrase of another area: the longest phrase owns
    its words across areas as it does within one list ("visitor parking" is parking, not a visitor;
    聖誕裝飾 is a festive decoration, not a renovation)."""
    longer = [h for other, other_hits in found if other != area for h in other_hits if h.weight > 0 and h.counts]
    return [
        h
        for h in hits
        if not any(o.first <= h.first and h.last <= o.last and (o.last - o.first) > (h.last - h.first) for o in longer)
    ]


def _failed_by_criteria(
    nature: Label, kind: str | None, criteria: list[str], severity: Label, rules: Rules, majors_only: bool = False
) -> tuple[Label, str | None]:
    """A major or important criterion is a duty failed (a promise broken again, an outage, a loss, a
    week unresolved, use seriously affected, anger at negligence, a hazard): such a complaint is
    effective whatever its words of kind."""
    # Many customers at once is a scale, not a failure (a petition against a fee rise is venting).
    weighed = ("major.",) if majors_only else ("major.", "important.")
    if not any(c.startswith(weighed) and c != "major.mass-incident" for c in criteria):
        return nature, kind
    why = f"effective: a duty of the company failed (severity {severity.explained.reason.split(': ', 1)[1]})"
    return Label("effective", Explained(why, rules.rule("nature.effective")), 0.8), None


def _not_the_nuisance(text: Text, rules: Rules, failed: list[Hit], nuisances: list[Hit]) -> list[Hit]:
    """The failures that are not a neighbour's nuisance written again: a failure word that is one of the
    governed words a neighbour's nuisance was read by (滴水, "drips", 嘈) is theirs in any clause."""
    governed = rules.validity_reading.get("governed")
    if not nuisances or governed is None:
        return failed

    def words(h: Hit) -> tuple[str, ...]:
        return tuple(t.form for t in text.tokens[h.first : h.last])

    spans = [(n.first, n.last) for n in nuisances]
    theirs = {words(g) for g in counting(governed.hits(text)) if any(a <= g.first and g.last <= b for a, b in spans)}
    # ... and the damage it did, where the harm reading sets it aside as theirs (地上全是水渍 after 楼上…滴水),
    # unless our rules govern what they do (a fit-out we approve and watch: its damage is a lapse of ours)
    regulated = [str(a) for a in rules.data["nature"].get("neighbour_regulated", []) if a in rules.areas]
    if any(counting(rules.areas[a].hits(text)) for a in regulated):
        return [f for f in failed if words(f) not in theirs]
    loss = rules.major["injury-or-loss"]
    done = neighbours_doing(text, rules, Muting(text, ()), nuisances)
    damage = {(h.first, h.last) for name in ("damage", "harm") if name in loss for h in loss[name].hits(text)}
    return [f for f in failed if words(f) not in theirs and not ((f.first, f.last) in damage and done(f.first))]


def judge(form: dict[str, Any], office_id: str, rules: Rules, history: History) -> Judgement:
    text = read(form, rules)
    muting = settled_history(text, rules, rules.cues.in_text(text))
    validity = judge_validity(text, rules, muting)
    failed = failures(text, rules, muting)
    nuisances = neighbour_nuisances(text, rules) if validity.value == "valid" else []
    # The nuisance's own words are the neighbour's wherever they are written: the form's object
    # "冷氣滴水" above "樓上單位冷氣機滴水落我窗台" is the same dripping, no failure of ours.
    failed = _not_the_nuisance(text, rules, failed, nuisances)
    category, area = judge_category(text, rules, failed)
    if validity.value == "invalid":
        area = _not_ours(area, rules)
    elif validity.value == "assisted":
        area = _a_telecoms_matter(text, area, rules)
    # A neighbour's nuisance (the flat above, 樓上, 隔籬 with noise, 嘈, mahjong at night) with no failure of
    # ours outside its clauses is the neighbour's matter: no area of ours unless our rules govern it
    # (a fit-out), whatever its words name ("drags furniture" is no lobby furniture).
    if nuisances:
        near = {text.tokens[i].clause for h in nuisances for i in range(h.first, h.last)}
        if all(text.tokens[f.first].clause in near for f in counting(failed)):
            area = _a_neighbours_matter(text, area, rules, nuisance_makers(text, rules))
    topic = area.value if area.value != str(rules.data["areas"]["default"]) else None
    # Who acts: a neighbour named, and nothing of ours (no business area, no duty of ours, or only the
    # neighbour's nuisance): what they do is no failure of ours ("the upstairs neighbour skips rope at
    # midnight, we can't sleep").
    theirs = (
        topic is None
        and validity.value == "valid"
        and (bool(neighbours(text, rules)) or bool(nuisances))
        and (not counting(rules.validity["duty"].hits(text)) or bool(nuisances))
    )
    if theirs:
        failed = []
    nature, kind = judge_nature(text, rules, muting, validity.value, failed, topic)
    severity, criteria, promised, repeats = judge_severity(
        text, rules, muting, validity.value, area.value, history, failed, theirs, nuisances
    )
    department, source = rules.department_for(office_id, area.value)
    first = rules.first_responsible(department)
    routing_why = Explained(
        f"business area {area.value} goes to {department} ({source} routing table); first responsible: {first}",
        rules.rule(f"routing.{area.value}"),
    )
    # Asked to speak to a neighbour (talk to them, 叫佢哋): how much their doing affects the customer
    # is no duty of ours failed; only a major criterion makes it effective.
    mediation = third_party(text, rules, validity.value, topic) == NEIGHBOUR and any(
        r.act == "service" for r in requests(text, rules.asking, muting)
    )
    if nature.value != "effective" and validity.value == "valid":
        nature, kind = _failed_by_criteria(nature, kind, criteria, severity, rules, majors_only=mediation)
    if nature.value != "effective" and validity.value == "valid":
        area = _a_neighbours_matter(text, area, rules)
    labels: dict[ReviewAspect, Label] = {"validity": validity, "nature": nature, "category": area, "severity": severity}
    review = [label.doubt for label in labels.values() if label.doubt]
    review += [
        low_confidence(aspect, label.value, label.confidence, rules.review_below)
        for aspect, label in labels.items()
        if not label.doubt and label.confidence < rules.review_below
    ]
    return Judgement(
        validity=validity.value,
        nature=nature.value,
        communication_kind=kind,
        content_category=category,
        business_area=area.value,
        severity=severity.value,
        severity_criteria=criteria,
        department=department,
        first_responsible=first,
        explanations={
            "validity": validity.explained,
            "nature": nature.explained,
            "category": area.explained,
            "severity": severity.explained,
            "routing": routing_why,
        },
        history=history.summary(rules),
        promise_mentioned=promised,
        repeats=repeats,
        confidence={aspect: label.confidence for aspect, label in labels.items()},
        flags=review,
        major_signs=severity.signs,
    )
