"""A service's reason for a decision, said again in the page's language from the decision's structured
fields: the rule id (`severity.major.sudden-outage@v3`, `sla.hand-over@v1`, `supersede.regrade@v1`),
the payload beside it (criteria, department, deadline, level, recipients) and the complaint's own words
the service quoted ('停電', 'trapped'). Triage and the SLA write their reasons in English; what they
decided is in those fields, so a Chinese page can say it in Chinese without re-deciding anything.

Each function answers a `Said` (an English message id with its values, which the page translates), or
None where the rule is not one this module knows: the page then shows the service's own text. The
service's text always travels with it (`original`), and the quoted words are never translated.
No I/O and no gettext here: `N_` only marks the message ids for `pybabel extract`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.contracts import labels
from shared.contracts.review import ReviewFlag, ReviewKind, flag_of_sentence, flags_of_sentences, quoted


def N_(text: str) -> str:
    """A message id, marked for extraction and translated where the page renders it."""
    return text


@dataclass(frozen=True)
class Said:
    """A reason as a message id with values. `words` are message ids themselves (a severity, a
    criterion: translated; a tuple is a list joined in the page's way), `names` are shown as they are
    (a department, a business area: the group's own words), `codes` are a vocabulary's codes said in
    its words (shared/contracts/labels.py), `times` are instants the page writes in
    its way, `quoted` the complaint's (or a person's) own words, kept verbatim."""

    text: str
    original: str
    words: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, tuple[labels.Vocabulary, str]] = field(default_factory=dict)  # (vocabulary, code): its word
    times: Mapping[str, datetime] = field(default_factory=dict)
    quoted: tuple[str, ...] = ()


# the vocabularies' codes a reason names: said in their words (shared/contracts/labels.py), not the catalogue's
SEVERITY = frozenset(labels.SEVERITIES)
CONTENT = frozenset(labels.CONTENT_CATEGORIES)
KIND = frozenset(labels.COMMUNICATION_KINDS)
CRITERION = {
    "major.mass-incident": N_("more than five customers about the same incident"),
    "major.unresolved-week": N_("a valid complaint unresolved for over a week"),
    "major.sudden-outage": N_("a sudden large-scale outage"),
    "major.injury-or-loss": N_("economic loss or personal injury"),
    "major.promised-service-repeated": N_("a promised service not delivered, raised repeatedly"),
    "major.designated": N_("designated by a person"),
    "major.reading-model": N_("read as major by the reading model"),
    "important.designated": N_("designated by a person"),
    "important.angry-at-negligence": N_("a customer very angry at negligence or poor attitude"),
    "important.seriously-affects": N_("seriously affects normal use"),
    "important.seriously": N_("seriously affects normal use"),
    "important.hazard": N_("a hazard to people's safety"),
    "minor.designated": N_("designated by a person"),
    "minor.slight": N_("a slight inconvenience"),
    "minor.not-established": N_("not established: no handling owed"),
}
CLOCK = frozenset(labels.CLOCK_KINDS)
ASPECT = {
    "validity": N_("validity"),
    "nature": N_("nature"),
    "category": N_("category"),
    "severity": N_("severity"),
    "routing": N_("routing"),
}
ROLE = {
    "supervisor": N_("supervisor"),
    "leader": N_("leader"),
    "manager": N_("manager"),
    "company-leader": N_("company leaders"),
    "department": N_("department"),
    "reception": N_("reception"),
}

_VERSION = re.compile(r"@v\d+$")
# `quoted(text)`, the complaint's words a reason of triage quotes, is the contracts' (shared/contracts/review.py).


def rule_parts(rule: str) -> list[str]:
    """`severity.major.sudden-outage@v3` -> ['severity', 'major', 'sudden-outage']."""
    return _VERSION.sub("", rule or "").split(".")


def _criteria(grade: str, found: Sequence[str], fired: str) -> tuple[str, ...]:
    """The criteria's words: every one that matched (the decision's list, the grade's own first), else
    the rule's; empty when one is not known here (then the service's text is shown)."""
    first = f"{grade}.{fired}"
    codes = sorted(dict.fromkeys([*found] or [first]), key=lambda c: c != first)
    if not all(c in CRITERION for c in codes):
        return ()
    return tuple(dict.fromkeys(CRITERION[c] for c in codes))


def triage_reason(aspect: str, explanation: Mapping[str, Any], decision: Mapping[str, Any]) -> Said | None:
    """One aspect of triage's decision (`explanations[aspect]` of ComplaintTriaged, with its payload)."""
    reason, parts = str(explanation.get("reason") or ""), rule_parts(str(explanation.get("rule") or ""))
    words = quoted(reason)
    model = parts[0] == "model"
    head, rest = (parts[1], parts[2:]) if model else (parts[0], parts[1:])
    said: Said | None = None
    if head == "validity" and rest and rest[0] in ("valid", "invalid", "assisted"):
        text = {
            "valid": N_("valid: within the company's duty, and no other unit's"),
            "invalid": N_("invalid: outside the company's duty"),
            "assisted": N_("assisted: handled with another unit"),
        }[rest[0]]
        said = Said(text, reason, quoted=words)
    elif head == "nature" and not model and rest and rest[0] == "effective":
        guessed = rest[1:] == ["default"]
        text = (
            N_("effective: no sign either way; guessed from its topic")
            if guessed
            else N_("effective: a duty of the company failed")
        )
        said = Said(text, reason, quoted=words)
    elif head == "nature" and not model and len(rest) >= 2 and rest[0] == "communication" and rest[1] in KIND:
        guessed = rest[2:] == ["default"]
        text = (
            N_("communication (%(kind)s): no sign either way; guessed") if guessed else N_("communication (%(kind)s)")
        )
        said = Said(text, reason, codes={"kind": ("communication", rest[1])}, quoted=words)
    elif head == "nature" and model and rest:
        text = N_("%(nature)s, as the reading model reads it")
        said = Said(text, reason, words={"nature": {"effective": N_("effective")}.get(rest[0], N_("communication"))})
    elif head == "area" and model and rest:
        said = Said(
            N_("business area %(area)s, as the reading model reads it"), reason, names={"area": rest[0]}, quoted=words
        )
    elif head == "category" and len(rest) == 2 and rest[0] in ("invalid", "neighbour"):
        text = {
            "invalid": N_("business area %(area)s: invalid, outside the company's duty"),
            "neighbour": N_("business area %(area)s: a neighbour's matter"),
        }[rest[0]]
        said = Said(text, reason, names={"area": rest[1]}, quoted=words)
    elif head == "category" and len(rest) == 2 and rest[0] in CONTENT:
        text = N_("content %(content)s; business area %(area)s")
        said = Said(text, reason, codes={"content": ("category", rest[0])}, names={"area": rest[1]}, quoted=words)
    elif head == "severity" and rest and rest[0] in SEVERITY:
        grade = rest[0]
        found = [] if model else list(decision.get("severity_criteria") or [])
        criteria = _criteria(grade, found, rest[1] if len(rest) > 1 else "")
        text = N_("%(grade)s, as the reading model reads it: %(criteria)s") if model else N_("%(grade)s: %(criteria)s")
        if criteria:
            said = Said(text, reason, words={"criteria": criteria}, codes={"grade": ("severity", grade)}, quoted=words)
    elif head == "routing" and decision.get("department"):
        text = N_(
            "business area %(area)s goes to %(department)s (the group's routing table); first responsible: %(person)s"
        )
        names = {
            "area": rest[0] if rest else str(decision.get("business_area") or ""),
            "department": str(decision["department"]),
            "person": str(decision.get("first_responsible") or "—"),
        }
        said = Said(text, reason, names=names)
    return said


WARNED = N_("%(clock)s: %(percent)s%% of the allowed time used; due %(due)s")
BREACHED = N_("%(clock)s: deadline breached, escalation level %(level)s; it was due %(due)s")
# The SLA's sentences of a warning and a breach, read only where the event lacks their fields (a
# NotificationRequested published before its occasion, clock and deadline travelled).
_WARNING = re.compile(r"^(?P<clock>[a-z-]+) clock: (?P<percent>\d+)% of the allowed time used; deadline (?P<due>\S+)$")
_BREACH = re.compile(
    r"^(?P<clock>[a-z-]+) clock breached \(escalation level (?P<level>\d+)\); deadline was (?P<due>\S+)$"
)


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def clock_reason(kind: str, payload: Mapping[str, Any], reason: str) -> Said | None:
    """A warning or a breach said from the fields its event carries: the SLA's DeadlineWarning
    (`clock`, `fraction`, `deadline`) and DeadlineBreached (`escalation_level`), and the
    NotificationRequested beside each (`occasion`, `clock`, `deadline`, `fraction`, `level`). None where
    they are absent: an older notification, whose sentence is then read."""
    clock, due = payload.get("clock"), _instant(str(payload.get("deadline") or ""))
    if clock not in CLOCK or due is None:
        return None
    occasion = payload.get("occasion") if kind == "NotificationRequested" else None
    fraction = payload.get("fraction")
    if (kind == "DeadlineWarning" or occasion == "deadline-warning") and isinstance(fraction, int | float):
        percent = f"{fraction:.0%}".removesuffix("%")  # as the SLA's sentence writes it
        return Said(WARNED, reason, codes={"clock": ("clock", clock)}, names={"percent": percent}, times={"due": due})
    level = payload.get("escalation_level") if kind == "DeadlineBreached" else None
    if occasion == "deadline-breached":
        level = payload.get("level")
    if isinstance(level, int) and not isinstance(level, bool):
        return Said(
            BREACHED, reason, codes={"clock": ("clock", clock)}, names={"level": str(level)}, times={"due": due}
        )
    return None


def event_reason(kind: str, payload: Mapping[str, Any], explanation: Mapping[str, Any]) -> Said | None:
    """The `explanation` of one timeline event (the SLA's clocks, re-grades and notifications; triage's
    re-grades and escalations; handling's case opened on triage's routing), `kind` being the event's
    type without its topic prefix."""
    reason, parts = str(explanation.get("reason") or ""), rule_parts(str(explanation.get("rule") or ""))
    if parts[:1] == ["sla"]:  # the SLA's rules: sla.<limit>[.<grade>], sla.supersede.<why>, sla.regrade.<why>
        parts = parts[1:]
    deadline = _instant(str(payload.get("deadline") or ""))
    words = quoted(reason)
    if kind == "CaseOpened" and parts[:1] == ["routing"]:  # handling repeats triage's routing reason
        opened = {"department": payload.get("department"), "first_responsible": payload.get("first_responsible")}
        return triage_reason("routing", explanation, opened)
    clocked = kind in ("DeadlineWarning", "DeadlineBreached", "NotificationRequested")
    if clocked and (structured := clock_reason(kind, payload, reason)):
        return structured
    if kind == "NotificationRequested":
        for pattern, text in ((_WARNING, WARNED), (_BREACH, BREACHED)):  # an older notification: its sentence
            match = pattern.match(reason)
            due = _instant(match["due"]) if match else None
            if match and due and match["clock"] in CLOCK:
                values = {k: v for k, v in match.groupdict().items() if k in ("percent", "level")}
                return Said(text, reason, codes={"clock": ("clock", match["clock"])}, names=values, times={"due": due})
        if parts[:1] == ["escalation"] and payload.get("severity") in SEVERITY:
            roles = tuple(ROLE.get(r.get("role"), r.get("role")) for r in payload.get("recipients") or [])
            text = N_("%(severity)s complaint: told at once to %(roles)s")
            told: dict[str, tuple[labels.Vocabulary, str]] = {"severity": ("severity", str(payload["severity"]))}
            return Said(text, reason, words={"roles": roles}, codes=told, quoted=words)
        return None
    if kind == "ClockStarted" and parts[0] and deadline:
        limit = parts[0]
        texts = {
            "hand-over": N_("hand the complaint to the responsible department within 10 minutes, by %(due)s"),
            "clear-answer": N_("a major complaint: a clear answer to the customer by %(due)s"),
            "settlement": N_("a major complaint: settled by %(due)s"),
            "reply": N_("reply to the customer the same day, by %(due)s"),
            "return-visit": N_("a return visit within a day of the handling, by %(due)s"),
            "commitment": N_("a time promised to the customer: %(due)s"),
        }
        if limit == "resolution" and len(parts) > 1 and parts[1] in SEVERITY:
            text = N_("a %(grade)s complaint: resolved by %(due)s")
            return Said(text, reason, codes={"grade": ("severity", parts[1])}, times={"due": deadline})
        if limit == "reply" and parts[1:] == ["invalid"]:
            text = N_("invalid: explain it to the customer the same day, by %(due)s")
            return Said(text, reason, times={"due": deadline})
        if limit in texts:
            promise = (reason.split(": ", 1)[1],) if limit == "commitment" and ": " in reason else ()
            return Said(texts[limit], reason, times={"due": deadline}, quoted=promise)
        return None
    if parts[:1] == ["supersede"] and len(parts) >= 2:
        limit = parts[1]
        if limit == "override" and len(parts) > 2 and parts[2] in ASPECT:
            text = N_("a person changed the %(aspect)s: the limits that follow from it apply")
            return Said(text, reason, words={"aspect": ASPECT[parts[2]]})
        texts = {
            "regrade": N_("re-graded: the limits of the new grade apply from the re-grade"),
            "triaged": N_("judged: the limits of the judgement apply"),
            "closed": N_("the case was closed: nothing more is owed on this clock"),
            "withdrawn": N_("no longer owed"),
            "waiver-withdrawn": N_("the waiver was withdrawn: the step is owed again"),
            "waived": N_("the return visit was waived"),
        }
        if limit in texts:
            why = (reason.split(": ", 1)[1],) if limit == "waived" and ": " in reason else ()
            return Said(texts[limit], reason, quoted=why)
        return None
    if "unresolved-week" in parts or payload.get("criterion") == "major.unresolved-week":
        text = N_("a valid complaint still unresolved a week after it was received is major (criterion 3)")
        rest = reason.split("(criterion 3): ", 1)
        return Said(text, reason, quoted=(rest[1],) if len(rest) == 2 else ())
    if kind == "SeverityRegraded" and payload.get("severity") in SEVERITY and payload.get("criterion") in CRITERION:
        criteria: dict[str, str | tuple[str, ...]] = {"criteria": (CRITERION[payload["criterion"]],)}
        graded: dict[str, tuple[labels.Vocabulary, str]] = {"grade": ("severity", str(payload["severity"]))}
        return Said(N_("%(grade)s: %(criteria)s"), reason, words=criteria, codes=graded, quoted=words)
    return None


def flags_of(holder: Mapping[str, Any], typed: str = "review_flags", sentences: str = "review") -> list[ReviewFlag]:
    """Triage's review flags as a service handed them on: typed (`typed`: triage's decision, the
    projection's summary) when there, else read from the sentences of an older one (`sentences`)."""
    found = holder.get(typed)
    if isinstance(found, list):
        return [f if isinstance(f, ReviewFlag) else ReviewFlag.model_validate(f) for f in found]
    return flags_of_sentences(str(s) for s in holder.get(sentences) or [])


def outstanding(flags: Sequence[ReviewFlag], judged: Sequence[str]) -> list[ReviewFlag]:
    """The review flags no confirmation or override (of the aspects `judged`) has settled."""
    return [f for f in flags if f.aspect not in set(judged)]


def review_flag(flag: ReviewFlag) -> Said | None:
    """One of triage's reasons to have a person look, from its typed fields (its kind, the label
    doubted, its numbers, the complaint's words); None for a sentence of no known kind (an older
    event's), whose text is then shown."""
    aspect = ASPECT.get(flag.aspect or "")
    if aspect is None:
        return None
    text, kind, grade = flag.text, flag.kind, flag.value if flag.value in SEVERITY else None
    words = tuple(flag.quoted)
    if kind is ReviewKind.LOW_CONFIDENCE and flag.confidence is not None and flag.limit is not None:
        values = {"value": f"{flag.confidence:.2f}", "limit": f"{flag.limit:.2f}"}
        return Said(
            N_("%(aspect)s: confidence %(value)s is below %(limit)s"), text, words={"aspect": aspect}, names=values
        )
    if kind is ReviewKind.MODEL_DISAGREES:
        return Said(N_("%(aspect)s: the rules and the reading model disagree"), text, words={"aspect": aspect})
    if kind is ReviewKind.MAJOR_DOUBTED:
        return Said(N_("severity: graded major, but the reading model finds it unlikely"), text)
    if kind is ReviewKind.NO_TOPIC:
        return Said(N_("business area: no topic recognised"), text)
    if kind is ReviewKind.NARROWLY_AHEAD and flag.value and flag.other:
        areas: dict[str, tuple[labels.Vocabulary, str]] = {"area": ("area", flag.value), "other": ("area", flag.other)}
        return Said(N_("business area: %(area)s only narrowly ahead of %(other)s"), text, codes=areas)
    if kind is ReviewKind.NARROWLY_AHEAD:
        return Said(N_("business area: only narrowly ahead of another"), text)
    if kind is ReviewKind.NO_SIGN_EITHER_WAY:
        return Said(N_("nature: no sign either way; guessed"), text)
    if kind is ReviewKind.POSSIBLY_MAJOR and grade:
        graded: dict[str, tuple[labels.Vocabulary, str]] = {"grade": ("severity", grade)}
        return Said(N_("severity: possibly major, graded %(grade)s"), text, codes=graded, quoted=words)
    if kind is ReviewKind.POSSIBLY_MAJOR:
        return Said(N_("severity: possibly major"), text, quoted=words)
    if kind is ReviewKind.MODEL_GRADED and grade:
        graded = {"grade": ("severity", grade)}
        return Said(N_("severity: graded %(grade)s by the reading model"), text, codes=graded, quoted=words)
    return None


def review_reason(text: str) -> Said | None:
    """A sentence of triage's `review_reasons` (an older event's, which carries no typed flag)."""
    return review_flag(flag_of_sentence(text))
