"""How the reading model supports the rules (decided by leave-one-split-out measurement; see the README).

- Business area: the rules decide when they are sure; where they are unsure (confidence below
  `[confidence] review_below`, or no topic recognised) and the model is sure enough (`[model] take_at`),
  the model's reading is taken, and the reason says so.
- Nature: the same, only with `[model] nature = true`: measured, taking the model's nature lowered
  nature accuracy (.97 to .96 leave-one-split-out, holdout7 .90 to .87), so it is off.
- Severity and validity: the model never sets them (it cannot name a criterion or quote evidence).
  When it reads a higher grade than the rules, or another validity, the judgement goes to the
  supervisor's review with "the reading model and the rules disagree": a major is never silently minor.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .engine import SEVERITY_ORDER, Judgement
from .labels import Explained
from .reading_model import ReadingModel
from .rules import Rules

DISAGREE = "the reading model and the rules disagree"


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
    if higher and severity.probability >= flag_at:
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
