"""What the reading tests share: the bundled rules, a complaint judged from its words alone, and the
first major criterion it met."""

from __future__ import annotations

from typing import Any

from services.triage.domain.engine import History, Judgement, judge
from services.triage.domain.rules import Rules, load_rules_file

RULES = Rules(3, load_rules_file())


def judged(description: str, obj: str = "-", request: str = "") -> Judgement:
    form: dict[str, Any] = {"object": obj, "description": description, "customer_request": request}
    return judge(form, "hk-central", RULES, History())


def first_major(j: Judgement) -> str | None:
    return next((c for c in j.severity_criteria if c.startswith("major.")), None)
