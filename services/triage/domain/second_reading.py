"""How the reading model supports the rules (decided by leave-one-split-out measurement; see the README).

- Business area: the rules decide when they are sure; where they are unsure (confidence below
  `[confidence] review_below`, or no topic recognised) and the model is sure enough (`[model] take_at`),
  the model's reading is taken, and the reason says so.
- Nature: the same, only with `[model] nature = true`: measured, taking the model's nature lowered
  nature accuracy (.97 to .96 leave-one-split-out, holdout7 .90 to .87), so it is off.
- Severity: where the rules are unsure of it (a severity doubt, or confidence below review_below) and
  the model reads a higher grade at least `[model] grade_at` sure (0.5), the model grades it: its
  criterion (for a major, the likeliest major criterion of its criterion classifier), and a reason
  quoting the complaint's words that weighed most for that grade (the present n-grams with the largest
  contributions to the class: a linear model's evidence); always for review. A staff complaint the
  rules left minor counts as unsure when the model is `tone_at` sure (0.8): attitude is graded by how
  it is told. Never higher than what the rules set aside as negated or hypothetical ("nobody
  drowned"), nor a promise the rules saw and found not repeated (the history decides that), nor an
  outage said of the complainant's own home (the incident window counts how many it reaches). Otherwise
  a higher reading only flags: "the reading model and the rules disagree". Never lower.
- Validity: never set.
- The flag (issue 9): with a `[confidence.calibrated]` table in the rules, each label's confidence is
  the accuracy measured on the corpus for decisions read the same way (the model agrees or not, the
  rules' margin: `calibration.py`); a label below `[confidence] flag_below` is flagged with both
  readings in its reason, a doubt of the rules the model settles is noted in the explanation instead,
  and severity is flagged on the rules' signs of a possible major (always), a grade the model gave,
  or a grade below major where the model gives major at least `[model] major_at`. Without a table:
  the older flags (a higher grade at p >= flag_at, another validity at p >= 0.7).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shared.contracts.review import ReviewAspect, ReviewFlag, ReviewKind

from .calibration import LABELS, Calibration
from .engine import SEVERITY_ORDER, Judgement
from .labels import Explained
from .reading_model import ReadingModel, best
from .review import (
    DISAGREE,
    NAMES,
    calibrated_low_confidence,
    major_doubted,
    major_possible,
    model_disagrees,
    model_graded,
    unique,
)
from .rules import Rules

# DISAGREE and NAMES are the review flag's (`review.py`), named here too for the scorer and the tests.
__all__ = ["DISAGREE", "NAMES", "Signal", "calibrated_review", "second_reading", "signals"]
# The model grades severity higher than the rules when it is at least this sure (`[model] grade_at`):
# chosen by leave-one-split-out measurement (README). Above 1: never.
DEFAULT_GRADE_AT = 0.5
DEFAULT_TONE_AT = 0.8  # ... and, for a staff complaint the rules left minor, at least this sure
# A calibrated confidence below this sends the label to review: a look is worth it when at least one
# such decision in five is wrong (`[confidence] flag_below`; measured leave-one-split-out, README).
DEFAULT_FLAG_BELOW = 0.8
# The model's probability of major at which a complaint graded lower goes to review (`[model] major_at`):
# the highest that left no major graded lower unflagged, chosen leave-one-split-out (README).
DEFAULT_MAJOR_AT = 0.2
# The model's probability of major below which a major the rules graded goes to review (`[model]
# major_doubt_below`): a major tells the leaders at once, so one the model finds unlikely is looked at.
DEFAULT_MAJOR_DOUBT_BELOW = 0.2
# The reading model's own reasons (the rest are the rules' doubts).
MODEL_KINDS = frozenset({ReviewKind.MODEL_GRADED, ReviewKind.MODEL_DISAGREES, ReviewKind.MAJOR_DOUBTED})
MODEL_LABELS = {"validity": "validity", "nature": "nature", "category": "area", "severity": "severity"}


@dataclass(frozen=True)
class Signal:
    """What predicts a label's error: does the model read the value decided, and how sure were the rules."""

    rules_confidence: float  # the rules' own margin for their value
    value: str  # the value decided
    probability: float  # the model's probability for it
    read: str  # the model's likeliest value
    read_probability: float
    doubts: tuple[ReviewFlag, ...] = ()  # the rules' own reasons for doubt

    @property
    def agrees(self) -> bool:
        return self.read == self.value


def decided(judgement: Judgement) -> dict[str, str]:
    """Each label's value as the model's classes name it."""
    nature = "effective" if judgement.nature == "effective" else str(judgement.communication_kind)
    return {
        "validity": judgement.validity,
        "nature": nature,
        "category": judgement.business_area,
        "severity": judgement.severity,
    }


def signals(
    rules_alone: Judgement, final: Judgement, probabilities: dict[str, dict[str, float]]
) -> dict[ReviewAspect, Signal]:
    """Each label's signals, from the rules' judgement before the model and the decision after it."""
    found: dict[ReviewAspect, Signal] = {}
    values = decided(final)
    for label in LABELS:
        doubts = tuple(f for f in rules_alone.flags if f.aspect == label and f.kind not in MODEL_KINDS)
        read = probabilities.get(MODEL_LABELS[label], {})
        likeliest = best(read) if read else None
        found[label] = Signal(
            rules_alone.confidence.get(label, 1.0),
            values[label],
            read.get(values[label], 0.0),
            likeliest.value if likeliest else values[label],
            likeliest.probability if likeliest else 0.0,
            doubts,
        )
    return found


def _without_prefix(reason: str) -> str:
    return reason.split(": ", 1)[1] if ": " in reason else reason


def calibrated_review(
    found: dict[ReviewAspect, Signal],
    calibration: Calibration,
    flag_below: float,
    major: float,
    major_at: float,
    kept: list[ReviewFlag],
    major_doubt_below: float = DEFAULT_MAJOR_DOUBT_BELOW,
) -> tuple[dict[str, float], list[ReviewFlag], dict[str, str]]:
    """Each label's calibrated confidence, the reasons for review, and for a label the rules doubted
    but the model confirmed, a note for its explanation (why it was not flagged).

    Flagged: a label whose confidence is below `flag_below`; severity also when it is graded lower
    than major and the model finds major at least `major_at` probable (`major`), so a complaint that
    may be major is not left lower in silence, and when it is graded major and the model finds major
    less than `major_doubt_below` probable (the leaders are told of a major at once); `kept` (the
    rules' signs of a possible major, the model's own grade) always."""
    confidence: dict[str, float] = {}
    review = list(kept)
    notes: dict[str, str] = {}
    for label, signal in found.items():
        value = calibration.confidence(label, signal.agrees, signal.rules_confidence)
        if value is None:
            continue
        confidence[label] = value
        if value < flag_below:
            review.append(
                calibrated_low_confidence(
                    label,
                    signal.value,
                    value,
                    flag_below,
                    signal.rules_confidence,
                    signal.doubts,
                    signal.probability,
                    signal.read,
                    signal.read_probability,
                )
            )
        elif signal.doubts:
            doubt = "; ".join(_without_prefix(d.text) for d in signal.doubts)
            model = f"the reading model gives {signal.value} p={signal.probability:.2f}"
            if not signal.agrees:
                model += f" and reads {signal.read} p={signal.read_probability:.2f}"
            notes[label] = f"the rules were unsure ({doubt}); {model}: confidence {value:.2f}"
    graded = found["severity"].value
    if graded != "major" and major >= major_at:
        review.append(major_possible(graded, major, major_at))
    if graded == "major" and major < major_doubt_below:
        review.append(major_doubted(major, major_doubt_below))
    return confidence, unique(review), notes


@dataclass(frozen=True)
class Graded:
    explained: Explained
    criteria: list[str]
    review: ReviewFlag


def _graded(
    judgement: Judgement, form: dict[str, Any], model: ReadingModel, grade: str, p: float, rules: Rules
) -> Graded:
    """The model's grade with its criterion (for a major, the likeliest major criterion) and its reason:
    the complaint's words that weighed most for that grade and criterion (a linear model's evidence)."""
    words = model.evidence(form, "severity", grade)
    criterion = f"{grade}.reading-model"
    if grade == "major":
        majors = {v: q for v, q in model.probabilities(form, "criterion").items() if v.startswith("major.")}
        criterion = max(sorted(majors), key=lambda v: majors[v]) if majors else "major.reading-model"
        words += [w for w in model.evidence(form, "criterion", criterion) if w not in words][:2]
    was = judgement.explanations["severity"].reason
    quoted = ", ".join(f"'{w}'" for w in words) or "no single words"
    reason = (
        f"{grade} ({criterion}): read by the reading model (model {model.identity}, p={p:.2f}) from the "
        f"complaint's words {quoted}, where the rules found less ({was})"
    )
    rest = [c for c in judgement.severity_criteria if not c.startswith("minor.")]
    review = model_graded(grade, judgement.severity, p, words)
    return Graded(Explained(reason, rules.rule(f"model.severity.{criterion}")), [criterion, *rest], review)


def second_reading(
    judgement: Judgement, form: dict[str, Any], office_id: str, model: ReadingModel, rules: Rules
) -> Judgement:
    settings = rules.data.get("model", {})
    take_at = float(settings.get("take_at", 0.5))
    flag_at = float(settings.get("flag_at", 0.4))
    probabilities = model.read_all(form)
    guess = {label: best(found) for label, found in probabilities.items()}
    unsure = rules.review_below
    explanations = dict(judgement.explanations)
    confidence = dict(judgement.confidence)
    review = list(judgement.flags)
    changes: dict[str, Any] = {}
    name = f"model {model.identity}"

    area = guess["area"]
    area_unsure = confidence.get("category", 1.0) < unsure or any(f.aspect == "category" for f in review)
    if (
        judgement.validity != "invalid"
        and area_unsure
        and area.value != judgement.business_area
        and area.probability >= take_at
    ):
        was = explanations["category"]
        reason = (
            f"business area {area.value}: the reading model ({name}, p={area.probability:.2f}) where the rules "
            f"were unsure ({was.reason})"
        )
        explanations["category"] = Explained(reason, rules.rule(f"model.area.{area.value}"))
        changes["business_area"] = area.value
        confidence["category"] = area.probability
        review = [f for f in review if f.aspect != "category"]

    nature = guess["nature"]
    current = "effective" if judgement.nature == "effective" else judgement.communication_kind
    nature_unsure = bool(settings.get("nature", False)) and confidence.get("nature", 1.0) < unsure
    if nature_unsure and nature.value != current and nature.probability >= take_at and judgement.validity == "valid":
        was = explanations["nature"]
        effective = nature.value == "effective"
        reason = (
            f"{'effective' if effective else f'communication ({nature.value})'}: the reading model ({name}, "
            f"p={nature.probability:.2f}) where the rules were unsure ({was.reason})"
        )
        explanations["nature"] = Explained(reason, rules.rule(f"model.nature.{nature.value}"))
        changes["nature"] = "effective" if effective else "communication"
        changes["communication_kind"] = None if effective else nature.value
        confidence["nature"] = nature.probability
        review = [f for f in review if f.aspect != "nature"]

    severity = guess["severity"]
    higher = SEVERITY_ORDER.get(severity.value, 0) > SEVERITY_ORDER[judgement.severity]
    grade_at = float(settings.get("grade_at", DEFAULT_GRADE_AT))
    severity_unsure = judgement.confidence.get("severity", 1.0) < unsure or any(
        f.aspect == "severity" for f in judgement.flags
    )
    # How an employee behaved is graded by how it is told (DOMAIN: a customer very angry at poor
    # attitude is important), which phrase lists read poorly: a staff complaint the rules left minor
    # is one they are unsure of.
    conduct = (
        judgement.business_area in settings.get("tone_areas", ["staff"])
        and judgement.severity == "minor"
        and severity.probability >= float(settings.get("tone_at", DEFAULT_TONE_AT))
    )
    may_grade = severity_unsure or conduct or settings.get("grade_when", "unsure") == "always"
    # What the rules set aside as negated or hypothetical ("nobody drowned", 差點滑倒) is no loss or
    # injury: a model of n-grams cannot read negation, so it does not grade such a complaint higher.
    if "set aside:" in judgement.explanations["severity"].reason:
        may_grade = False
    graded = None
    if higher and may_grade and severity.probability >= grade_at and judgement.validity != "invalid":
        graded = _graded(judgement, form, model, severity.value, severity.probability, rules)
        # A promise the rules saw was not said to be broken again: the repeat is what makes it major,
        # and the complainant's history (the rules) knows it, not the words of this one complaint.
        if graded.criteria[0] == "major.promised-service-repeated" and "promise-not-repeated" in judgement.major_signs:
            graded = None
        # Likewise an outage the complainant says is in their own home: how many it reaches is what
        # makes it major, and the incident window (more than five at once) counts that, not the words
        # of one complaint ("no water in my flat" is one flat).
        one_home = "outage-of-one-home" in judgement.major_signs
        if graded is not None and graded.criteria[0] == "major.sudden-outage" and one_home:
            graded = None
    if graded is not None:
        explanations["severity"] = graded.explained
        changes["severity"] = severity.value
        changes["severity_criteria"] = graded.criteria
        confidence["severity"] = severity.probability
        review.append(graded.review)
    elif higher and severity.probability >= flag_at:
        review.append(
            model_disagrees("severity", judgement.severity, model.identity, severity.value, severity.probability)
        )
    validity = guess["validity"]
    if validity.value != judgement.validity and validity.probability >= max(flag_at, 0.7):
        review.append(
            model_disagrees("validity", judgement.validity, model.identity, validity.value, validity.probability)
        )
    calibration = Calibration.from_rules(rules.data)
    if calibration is not None:
        # The flag calibrated: the rules' doubts and the model's reading weighed by how often such a
        # decision was wrong on the corpus; replaces the flags above except the signs of a major.
        final = replace(judgement, **changes)
        kept = [f for f in judgement.flags if f.kind is ReviewKind.POSSIBLY_MAJOR]
        kept += [graded.review] if graded is not None else []
        found = signals(judgement, final, probabilities)
        flag_below = float(rules.data.get("confidence", {}).get("flag_below", DEFAULT_FLAG_BELOW))
        major_at = float(settings.get("major_at", DEFAULT_MAJOR_AT))
        major = probabilities["severity"].get("major", 0.0)
        doubt_below = float(settings.get("major_doubt_below", DEFAULT_MAJOR_DOUBT_BELOW))
        confidence, review, notes = calibrated_review(
            found, calibration, flag_below, major, major_at, kept, doubt_below
        )
        for label, note in notes.items():
            explained = explanations[label]
            explanations[label] = Explained(f"{explained.reason} ({note})", explained.rule)
    if "business_area" in changes:  # the department follows the area
        area_value = changes["business_area"]
        department, source = rules.department_for(office_id, area_value)
        first = rules.first_responsible(department)
        changes |= {"department": department, "first_responsible": first}
        explanations["routing"] = Explained(
            f"business area {area_value} goes to {department} ({source} routing table); first responsible: {first}",
            rules.rule(f"routing.{area_value}"),
        )
    return replace(judgement, explanations=explanations, confidence=confidence, flags=review, **changes)
