"""The rules engine: pure functions from a registration form (and the complainant's history) to a
judgement. No I/O, no clock: the same form, history and rules always give the same judgement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .rules import PhraseList, Rules, normalise_text

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


def complaint_text(form: dict[str, Any]) -> str:
    return normalise_text(" \n ".join(str(form.get(k, "")) for k in ("object", "description", "customer_request")))


def _quote(hits: list[str]) -> str:
    return ", ".join(f"'{h}'" for h in hits[:4])


def _best(lists: dict[str, PhraseList], text: str) -> tuple[str, list[str]] | None:
    """The first value with the most hits (ties go to the value written first)."""
    best: tuple[str, list[str]] | None = None
    for name, phrases in lists.items():
        hits = phrases.hits(text)
        if hits and (best is None or len(hits) > len(best[1])):
            best = (name, hits)
    return best


def judge_validity(text: str, rules: Rules) -> tuple[str, Explained]:
    for value in ("invalid", "assisted"):
        hits = rules.validity[value].hits(text)
        if hits:
            what = "outside the company's duty" if value == "invalid" else "handled with another unit"
            return value, Explained(
                f"{value}: the complaint is {what} (mentions {_quote(hits)})", rules.rule(f"validity.{value}")
            )
    return "valid", Explained(
        "valid: nothing places it outside the company's duty or with another unit", rules.rule("validity.valid")
    )


def judge_nature(text: str, rules: Rules) -> tuple[str, str | None, Explained]:
    effective_hits = rules.effective.hits(text)
    if effective_hits:
        return (
            "effective",
            None,
            Explained(
                f"effective: a failure of duty or damage is described ({_quote(effective_hits)})",
                rules.rule("nature.effective"),
            ),
        )
    kinds = {k: v for k, v in rules.communication.items()}
    best = _best(kinds, text)
    if best is not None:
        kind, hits = best
        return (
            "communication",
            kind,
            Explained(f"communication ({kind}): {_quote(hits)}", rules.rule(f"nature.communication.{kind}")),
        )
    kind = rules.default_communication_kind
    return (
        "communication",
        kind,
        Explained(
            f"communication ({kind}): no failure of duty described and no other kind recognised",
            rules.rule(f"nature.communication.{kind}.default"),
        ),
    )


def judge_category(text: str, rules: Rules) -> tuple[str, str, Explained]:
    content = rules.content
    # An emergency is an emergency whatever else the text says.
    emergency_hits = content["emergency"].hits(text)
    if emergency_hits:
        category, content_hits = "emergency", emergency_hits
    else:
        best = _best({k: v for k, v in content.items() if k != "emergency"}, text)
        category, content_hits = best if best else (str(rules.data["content"]["default"]), [])
    area_best = _best(rules.areas, text)
    area, area_hits = area_best if area_best else (str(rules.data["areas"]["default"]), [])
    reason = (
        f"content {category} ({_quote(content_hits) or 'default'}); "
        f"business area {area} ({_quote(area_hits) or 'default'})"
    )
    return category, area, Explained(reason, rules.rule(f"category.{category}.{area}"))


def judge_severity(
    text: str, rules: Rules, validity: str, area: str, history: History
) -> tuple[str, list[str], Explained, bool, list[str]]:
    """Every criterion that matched; the grade is the highest. Returns also whether a promise was
    mentioned and which earlier complaints this one repeats."""
    criteria: list[str] = []
    reasons: list[str] = []
    major = rules.major
    promise_hits = major["promised-service-repeated"]["promise"].hits(text)
    repeats = [
        c.complaint_id
        for c in history.earlier
        if c.business_area == area and c.promise_mentioned and c.validity != "invalid"
    ]
    if validity == "invalid":
        explained = Explained(
            "minor: not established, so not graded higher (it is still replied to politely)",
            rules.rule("severity.minor.not-established"),
        )
        return "minor", ["minor.not-established"], explained, bool(promise_hits), []
    if promise_hits:
        repeated_hits = major["promised-service-repeated"]["repeated"].hits(text)
        if repeated_hits or repeats:
            criteria.append("major.promised-service-repeated")
            why = _quote(repeated_hits) if repeated_hits else f"{len(repeats)} earlier complaint(s) on {area}"
            reasons.append(f"a promised service not delivered ({_quote(promise_hits)}) and raised again ({why})")
    harm_hits = major["injury-or-loss"]["harm"].hits(text)
    if harm_hits:
        criteria.append("major.injury-or-loss")
        reasons.append(f"economic loss or personal injury ({_quote(harm_hits)})")
    outage_hits = major["sudden-outage"]["outage"].hits(text)
    scale_hits = major["sudden-outage"]["large_scale"].hits(text)
    if outage_hits and scale_hits:
        criteria.append("major.sudden-outage")
        reasons.append(f"a sudden large-scale outage ({_quote(outage_hits)}; {_quote(scale_hits)})")
    for name, phrases in rules.important.items():
        hits = phrases.hits(text)
        if hits:
            criteria.append(f"important.{name}")
            reasons.append(f"{name.replace('-', ' ')} ({_quote(hits)})")
    if any(c.startswith("major.") for c in criteria):
        severity = "major"
    elif criteria:
        severity = "important"
    else:
        severity = "minor"
        criteria.append("minor.slight")
        reasons.append("no major or important criterion matched: a slight inconvenience")
    explained = Explained(f"{severity}: " + "; ".join(reasons), rules.rule(f"severity.{criteria[0]}"))
    return severity, criteria, explained, bool(promise_hits), repeats if severity == "major" else []


def judge(form: dict[str, Any], office_id: str, rules: Rules, history: History) -> Judgement:
    text = complaint_text(form)
    validity, validity_why = judge_validity(text, rules)
    nature, kind, nature_why = judge_nature(text, rules)
    category, area, category_why = judge_category(text, rules)
    severity, criteria, severity_why, promised, repeats = judge_severity(text, rules, validity, area, history)
    department, source = rules.department_for(office_id, area)
    first = rules.first_responsible(department)
    routing_why = Explained(
        f"business area {area} goes to {department} ({source} routing table); first responsible: {first}",
        rules.rule(f"routing.{area}"),
    )
    return Judgement(
        validity=validity,
        nature=nature,
        communication_kind=kind,
        content_category=category,
        business_area=area,
        severity=severity,
        severity_criteria=criteria,
        department=department,
        first_responsible=first,
        explanations={
            "validity": validity_why,
            "nature": nature_why,
            "category": category_why,
            "severity": severity_why,
            "routing": routing_why,
        },
        history=history.summary(rules),
        promise_mentioned=promised,
        repeats=repeats,
    )


def incident_key(form: dict[str, Any], business_area: str) -> str:
    """What complaints about one incident share: the site (estate or building, the last part of the
    address) and the business area."""
    address = str(form.get("unit_address", ""))
    parts = [p.strip() for p in address.replace("\uff0c", ",").split(",") if p.strip()]
    site = parts[-1] if parts else address
    site = " ".join(normalise_text(site).split())
    return f"{site}|{business_area}"
