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
  a higher reading (>= flag_at) only flags: "the reading model and the rules disagree". Never lower.
- Validity: never set; another validity read at p >= 0.7 is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .engine import SEVERITY_ORDER, Judgement
from .labels import Explained
from .reading_model import ReadingModel
from .rules import Rules

DISAGREE = "the reading model and the rules disagree"
# The model grades severity higher than the rules when it is at least this sure (`[model] grade_at`):
# chosen by leave-one-split-out measurement (README). Above 1: never.
DEFAULT_GRADE_AT = 0.5
DEFAULT_TONE_AT = 0.8  # ... and, for a staff complaint the rules left minor, at least this sure


@dataclass(frozen=True)
class Graded:
    explained: Explained
    criteria: list[str]
    review: str


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
    review = f"severity: graded {grade} by the reading model from {quoted}; the rules read {judgement.severity}"
    return Graded(Explained(reason, rules.rule(f"model.severity.{criterion}")), [criterion, *rest], review)


def second_reading(
    judgement: Judgement, form: dict[str, Any], office_id: str, model: ReadingModel, rules: Rules
) -> Judgement:
    settings = rules.data.get("model", {})
    take_at = float(settings.get("take_at", 0.5))
    flag_at = float(settings.get("flag_at", 0.4))
    guess = model.read(form)
    unsure = rules.review_below
    explanations = dict(judgement.explanations)
    confidence = dict(judgement.confidence)
    review = list(judgement.review)
    changes: dict[str, Any] = {}
    name = f"model {model.identity}"

    area = guess["area"]
    area_unsure = confidence.get("category", 1.0) < unsure or any(r.startswith("business area:") for r in review)
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
        review = [r for r in review if not r.startswith(("business area:", "category:"))]

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
        review = [r for r in review if not r.startswith("nature:")]

    severity = guess["severity"]
    higher = SEVERITY_ORDER.get(severity.value, 0) > SEVERITY_ORDER[judgement.severity]
    grade_at = float(settings.get("grade_at", DEFAULT_GRADE_AT))
    severity_unsure = judgement.confidence.get("severity", 1.0) < unsure or any(
        r.startswith("severity:") for r in judgement.review
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
        if graded.criteria[0] == "major.promised-service-repeated" and any(
            "not said to be broken again" in r for r in judgement.review
        ):
            graded = None
        # Likewise an outage the complainant says is in their own home: how many it reaches is what
        # makes it major, and the incident window (more than five at once) counts that, not the words
        # of one complaint ("no water in my flat" is one flat).
        if (
            graded is not None
            and graded.criteria[0] == "major.sudden-outage"
            and any("of one home" in r for r in judgement.review)
        ):
            graded = None
    if graded is not None:
        explanations["severity"] = graded.explained
        changes["severity"] = severity.value
        changes["severity_criteria"] = graded.criteria
        confidence["severity"] = severity.probability
        review.append(graded.review)
    elif higher and severity.probability >= flag_at:
        review.append(
            f"severity: {DISAGREE} (rules: {judgement.severity}; model {model.identity} reads {severity.value}, "
            f"p={severity.probability:.2f})"
        )
    validity = guess["validity"]
    if validity.value != judgement.validity and validity.probability >= max(flag_at, 0.7):
        review.append(
            f"validity: {DISAGREE} (rules: {judgement.validity}; model {model.identity} reads {validity.value}, "
            f"p={validity.probability:.2f})"
        )
    if "business_area" in changes:  # the department follows the area
        area_value = changes["business_area"]
        department, source = rules.department_for(office_id, area_value)
        first = rules.first_responsible(department)
        changes |= {"department": department, "first_responsible": first}
        explanations["routing"] = Explained(
            f"business area {area_value} goes to {department} ({source} routing table); first responsible: {first}",
            rules.rule(f"routing.{area_value}"),
        )
    return replace(judgement, explanations=explanations, confidence=confidence, review=review, **changes)
