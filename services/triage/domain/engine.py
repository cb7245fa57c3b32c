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

from .evidence import Hit, Muting, PhraseList, count_before, counting, days_spanned, muted, quote, score
from .rules import Rules, normalise_text
from .text import Text

SEVERITY_ORDER = {"minor": 0, "important": 1, "major": 2}


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
class Explained:
    reason: str
    rule: str


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
    review: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.review)


@dataclass(frozen=True)
class Label:
    """One label's value, why, how sure, and (when weak) why a person should look."""

    value: str
    explained: Explained
    confidence: float
    doubt: str = ""


def read(form: dict[str, Any], rules: Rules) -> Text:
    """The complaint's words as the rules read them: object, description and request."""
    return Text(
        " \n ".join(str(form.get(k, "")) for k in ("object", "description", "customer_request")), rules.cantonese
    )


def complaint_text(form: dict[str, Any]) -> str:
    return normalise_text(" \n ".join(str(form.get(k, "")) for k in ("object", "description", "customer_request")))


def margin(best: float, runner_up: float) -> float:
    """Confidence from evidence weights: 0.5 when even, towards 1 as the best outweighs the rest."""
    if best <= 0:
        return 0.0
    return round(0.5 + 0.5 * (best - runner_up) / (best + runner_up + 1.0), 2)


def _ranked(lists: dict[str, PhraseList], text: Text, muting: Muting | None = None) -> list[tuple[str, list[Hit]]]:
    """Values by the weight of their evidence, heaviest first (ties: the value written first)."""
    scored = [(name, phrases.hits(text, muting)) for name, phrases in lists.items()]
    scored = [(name, hits) for name, hits in scored if score(hits) > 0]
    return sorted(scored, key=lambda item: -score(item[1]))


def judge_validity(text: Text, rules: Rules, muting: Muting) -> Label:
    outside = _ranked({"not the company's matter": rules.validity["invalid"], **rules.outside}, text, muting)
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
        return Label("invalid", Explained(why, rules.rule("validity.invalid")), confidence)
    if assisted_score > 0 and assisted_score >= duty_score:
        confidence = margin(assisted_score, duty_score + out_score)
        why = f"assisted: handled with another unit ({quote(assisted)})"
        return Label("assisted", Explained(why, rules.rule("validity.assisted")), confidence)
    against = out_score + assisted_score
    confidence = 0.9 if against == 0 else margin(duty_score, against)
    why = "valid: nothing places it outside the company's duty or with another unit"
    if against:
        against_hits = (outside[0][1] if outside else []) + assisted
        why = f"valid: the company's own duty ({quote(duty)}) outweighs {quote(against_hits)}"
    return Label("valid", Explained(why, rules.rule("validity.valid")), confidence)


def failures(text: Text, rules: Rules, muting: Muting) -> list[Hit]:
    """What failed, as the complaint says: duty-failure phrases, and the harm, outage and stopped
    equipment of the major criteria (a hurt customer or a dead lift is a duty failed too)."""
    major = rules.major
    outage = major["sudden-outage"]
    found = rules.effective.hits(text, muting)
    for hits in (
        major["injury-or-loss"]["harm"].hits(text, muting),
        _utility(text, outage, outage["outage"].hits(text, muting)),
        outage["stopped"].hits(text, muting),
    ):
        found += [h for h in hits if all(h.last <= f.first or h.first >= f.last for f in found)]
    return found


def judge_nature(
    text: Text, rules: Rules, muting: Muting, validity: str, failed: list[Hit], topic: str | None
) -> tuple[Label, str | None]:
    """Effective when a duty failed, else the kind of communication; `topic` is the business area
    when the complaint names one (it decides the guess when there is no other sign)."""
    if validity == "assisted":  # what failed is the other unit's: only a failure of our own duty counts
        failed = rules.effective.hits(text, muting)
    private = rules.private_matter.hits(text)
    kinds = _ranked(rules.communication, text)
    effective = score(failed) - 0.5 * score(private) if validity != "invalid" else 0.0
    best_kind = score(kinds[0][1]) if kinds else 0.0
    if effective >= 1 and effective >= 0.75 * best_kind:
        why = f"effective: a duty of the company failed ({quote(failed)})"
        if private:
            why += f"; though partly the owner's own matter ({quote(private)})"
        return Label("effective", Explained(why, rules.rule("nature.effective")), margin(effective, best_kind)), None
    if kinds:
        kind, hits = kinds[0]
        runner_up = max(effective, score(kinds[1][1]) if len(kinds) > 1 else 0.0)
        why = f"communication ({kind}): {quote(hits)}"
        if failed and validity != "invalid":
            why += f"; no failure of duty weighs more ({quote(failed)})"
        rule = rules.rule(f"nature.communication.{kind}")
        return Label("communication", Explained(why, rule), margin(best_kind, runner_up)), kind
    asks = "?" in text.original or "\uff1f" in text.original
    default = str(rules.data["nature"].get("default_with_topic", ""))
    if topic and not asks and validity == "valid" and default == "effective":
        why = f"effective: no sign either way; it reports a problem with {topic}, most often a duty failed"
        doubt = f"nature: no sign either way; guessed effective from its topic ({topic})"
        return Label("effective", Explained(why, rules.rule("nature.effective.default")), 0.45, doubt), None
    kind = "consultation" if asks else rules.default_communication_kind
    why = f"communication ({kind}): no failure of duty described and no kind of communication recognised"
    doubt = "nature: no sign either way; guessed " + kind
    return Label("communication", Explained(why, rules.rule(f"nature.communication.{kind}.default")), 0.4, doubt), kind


def judge_category(text: Text, rules: Rules, failed: list[Hit]) -> tuple[str, Label]:
    """Content by the heaviest list (an emergency first); business area by weighted evidence, where
    the words in a clause that says what failed weigh double: the topic of the grievance, not of its
    context ("the cleaner never cleans the lobby, we pay a management fee" is sanitation)."""
    content = rules.content
    emergency_hits = counting(content["emergency"].hits(text, rules.cues.in_text(text)))
    if emergency_hits:
        category, content_hits = "emergency", emergency_hits
    else:
        ranked_content = _ranked({k: v for k, v in content.items() if k != "emergency"}, text)
        category, content_hits = ranked_content[0] if ranked_content else (str(rules.data["content"]["default"]), [])
    failing = [f for f in failed if f.counts]

    failing_clauses = {text.tokens[f.first].clause for f in failing}

    def weighed(hit: Hit) -> Hit:
        if text.tokens[hit.first].clause in failing_clauses:
            return Hit(hit.phrase, hit.words, hit.weight * 2, hit.first, hit.last)
        return hit

    order = list(rules.areas)
    ranked = [(area, [weighed(h) for h in hits]) for area, hits in _ranked(rules.areas, text)]
    ranked.sort(key=lambda item: (-score(item[1]), order.index(item[0])))
    default = str(rules.data["areas"]["default"])
    if ranked and score(ranked[0][1]) >= 0.5:
        area, area_hits = ranked[0]
        runner_up = score(ranked[1][1]) if len(ranked) > 1 else 0.0
        confidence = margin(score(area_hits), runner_up)
        doubt = ""
        if confidence < rules.review_below:
            doubt = f"business area: {area} only narrowly over {ranked[1][0]} (confidence {confidence:.2f})"
    else:
        area, area_hits, confidence = default, [], 0.5
        doubt = "business area: no topic recognised"
    reason = (
        f"content {category} ({quote(content_hits) or 'default'}); "
        f"business area {area} ({quote(area_hits) or 'default'})"
    )
    if len(ranked) > 1 and area != default:
        reason += f" over {ranked[1][0]} ({quote(ranked[1][1])})"
    return category, Label(area, Explained(reason, rules.rule(f"category.{category}.{area}")), confidence, doubt)


def _utility(text: Text, rule: dict[str, PhraseList], outage: list[Hit]) -> list[Hit]:
    """Outage hits that are a utility cut: none in a clause about a car or a phone battery, none of
    weight 0 (a notice of a cut is not a cut)."""
    other = {text.tokens[h.first].clause for h in rule["not_utility"].hits(text)}
    return [h for h in outage if h.weight > 0 and text.tokens[h.first].clause not in other]


def set_aside_harm(harm: list[Hit]) -> bool:
    return any(not h.counts for h in harm)


def _counted(text: Text, hits: list[Hit], more_than: int) -> list[Hit]:
    """Hits of a count noun ("households", 戶) with a number above `more_than` before them."""
    return [h for h in counting(hits) if (count_before(text, h.first) or 0) > more_than]


def judge_severity(
    text: Text, rules: Rules, muting: Muting, validity: str, area: str, history: History, failed: list[Hit]
) -> tuple[Label, list[str], bool, list[str]]:
    """Every criterion that matched; the grade is the highest. Returns also the criteria, whether a
    promise was mentioned and which earlier complaints this one repeats."""
    major = rules.major
    promise = counting(major["promised-service-repeated"]["promise"].hits(text, muting))
    if validity == "invalid":
        explained = Explained(
            "minor: not established, so not graded higher (it is still replied to politely)",
            rules.rule("severity.minor.not-established"),
        )
        return Label("minor", explained, 0.9), ["minor.not-established"], bool(promise), []
    found: list[tuple[str, str]] = []  # (criterion, reason) in the order of the rules' priority
    set_aside: list[str] = []
    harm = major["injury-or-loss"]["harm"].hits(text, muting)
    if counting(harm):
        found.append(("major.injury-or-loss", f"economic loss or personal injury ({quote(harm)})"))
    if muted(harm):
        set_aside.append(muted(harm))
    outage_rule = major["sudden-outage"]
    outage = _utility(text, outage_rule, outage_rule["outage"].hits(text, muting))
    stopped = counting(outage_rule["stopped"].hits(text, muting))
    scale = counting(outage_rule["large_scale"].hits(text)) + _counted(
        text, outage_rule["units"].hits(text), rules.incident_more_than
    )
    all_of_it = counting(outage_rule["all_equipment"].hits(text))
    if (counting(outage) or stopped) and (scale or all_of_it):
        found.append(
            (
                "major.sudden-outage",
                f"a sudden large-scale outage ({quote(all_of_it + counting(outage) + stopped + scale)})",
            )
        )
    mass_rule = major["mass-incident"]
    joint = counting(mass_rule["joint"].hits(text))
    people = _counted(text, mass_rule["people"].hits(text), rules.incident_more_than)
    if joint or people:
        # Said to be a joint complaint: that is what makes it major, whatever else it reports.
        mass = ("major.mass-incident", f"more than five customers complain together ({quote(joint + people)})")
        found.insert(1 if counting(harm) else 0, mass) if joint else found.append(mass)
    repeats = [
        c.complaint_id
        for c in history.earlier
        if c.business_area == area and c.promise_mentioned and c.validity != "invalid"
    ]
    repeated = counting(major["promised-service-repeated"]["repeated"].hits(text, muting))
    if promise and (repeated or repeats):
        why = quote(repeated) if repeated else f"{len(repeats)} earlier complaint(s) on {area}"
        found.append(
            (
                "major.promised-service-repeated",
                f"a promised service not delivered ({quote(promise)}) and raised again ({why})",
            )
        )
    week_rule = major["unresolved-week"]
    waited = counting(week_rule["duration"].hits(text))
    span = days_spanned(text.original)
    if span >= 7:  # "reported on 3 May, it's now 20 May": the dates say it
        waited.append(Hit("dates", f"{span} days between the dates written", 1.0, 0, 1))
    unresolved = counting(week_rule["unresolved"].hits(text, muting))
    if waited and unresolved:
        found.append(("major.unresolved-week", f"not resolved in over a week ({quote(waited + unresolved)})"))
    for name, phrases in rules.important.items():
        hits = phrases.hits(text, muting)
        if name == "repeated-failure" and (
            not counting(failed) or any(c == "major.promised-service-repeated" for c, _ in found)
        ):
            continue
        if counting(hits):
            found.append((f"important.{name}", f"{name.replace('-', ' ')} ({quote(hits)})"))
    criteria = [c for c, _ in found]
    reasons = [r for _, r in found]
    possible = [(name, counting(hits)) for name, hits in _ranked(rules.possible_major, text)]
    if counting(outage) and not scale and not any(c.startswith(("major.", "important.seriously")) for c in criteria):
        # A utility cut of a few flats still stops their normal use.
        criteria.append("important.seriously-affects")
        reasons.append(f"seriously affects use: an outage ({quote(outage)})")
    hazard = [(name, hits) for name, hits in possible if name in ("near-miss", "hazard")]
    if not any(c.startswith(("major.", "important.")) for c in criteria) and (hazard or set_aside_harm(harm)):
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
    doubt = ""
    if severity != "major" and (possible or set_aside or (promise and not repeated) or counting(outage)):
        signs = [f"{name.replace('-', ' ')} ({quote(hits)})" for name, hits in possible]
        signs += [s for s in set_aside]
        if promise and not repeated:
            signs.append(f"a promise ({quote(promise)}) not said to be broken again")
        if counting(outage) and not scale:
            signs.append(f"an outage ({quote(outage)}) of unstated scale")
        confidence = 0.45 if possible or counting(outage) else 0.6
        doubt = f"severity: possibly major, graded {severity}: " + "; ".join(signs)
    if set_aside:
        reasons.append(f"set aside: {'; '.join(set_aside)}")
    explained = Explained(f"{severity}: " + "; ".join(reasons), rules.rule(f"severity.{criteria[0]}"))
    return (
        Label(severity, explained, confidence, doubt),
        criteria,
        bool(promise),
        repeats if severity == "major" else [],
    )


def _failed_by_criteria(
    nature: Label, kind: str | None, criteria: list[str], severity: Label, rules: Rules
) -> tuple[Label, str | None]:
    """A major or important criterion is a duty failed (a promise broken again, an outage, a loss, a
    week unresolved, use seriously affected, anger at negligence, a hazard): such a complaint is
    effective whatever its words of kind."""
    if not any(c.startswith(("major.", "important.")) for c in criteria):
        return nature, kind
    why = f"effective: a duty of the company failed (severity {severity.explained.reason.split(': ', 1)[1]})"
    return Label("effective", Explained(why, rules.rule("nature.effective")), 0.8), None


def judge(form: dict[str, Any], office_id: str, rules: Rules, history: History) -> Judgement:
    text = read(form, rules)
    muting = rules.cues.in_text(text)
    validity = judge_validity(text, rules, muting)
    failed = failures(text, rules, muting)
    category, area = judge_category(text, rules, failed)
    topic = area.value if area.value != str(rules.data["areas"]["default"]) else None
    nature, kind = judge_nature(text, rules, muting, validity.value, failed, topic)
    severity, criteria, promised, repeats = judge_severity(
        text, rules, muting, validity.value, area.value, history, failed
    )
    department, source = rules.department_for(office_id, area.value)
    first = rules.first_responsible(department)
    routing_why = Explained(
        f"business area {area.value} goes to {department} ({source} routing table); first responsible: {first}",
        rules.rule(f"routing.{area.value}"),
    )
    if nature.value != "effective" and validity.value == "valid":
        nature, kind = _failed_by_criteria(nature, kind, criteria, severity, rules)
    labels = {"validity": validity, "nature": nature, "category": area, "severity": severity}
    review = [label.doubt for label in labels.values() if label.doubt]
    review += [
        f"{aspect}: confidence {label.confidence:.2f} is below {rules.review_below:.2f}"
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
        review=review,
    )


def incident_key(form: dict[str, Any], business_area: str) -> str:
    """What complaints about one incident share: the site (estate or building, the last part of the
    address) and the business area."""
    address = str(form.get("unit_address", ""))
    parts = [p.strip() for p in address.replace("\uff0c", ",").split(",") if p.strip()]
    site = parts[-1] if parts else address
    site = " ".join(normalise_text(site).split())
    return f"{site}|{business_area}"
