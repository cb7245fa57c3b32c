"""The policy search of `bench/triage_policy.py` (issue 9) on hand-made rows: the model's value is taken
only where it is sure enough and the rules were not, severity only upward unless asked, and the
thresholds chosen are "no policy" when no threshold wins a decision."""

from __future__ import annotations

from bench.triage_policy import NONE, SEALED, STUDIED, Row, choose, decide
from services.triage.score import Case


def row(label: str, truth: str, shipped: str, model: str, p: float, margin: float, split: str = "holdout7") -> Row:
    case = Case("x", "en", split, {}, {label: truth})
    return Row(case, label, shipped, margin, shipped, model, p, True)


def test_the_model_takes_over_only_sure_where_the_rules_were_unsure() -> None:
    unsure = row("area", "parking", "security", "parking", p=0.82, margin=0.31)
    assert decide(unsure, 0.8, 0.5) == "parking"
    assert decide(unsure, 0.9, 0.5) == "security"  # the model not sure enough
    assert decide(row("area", "parking", "security", "parking", p=0.82, margin=0.6), 0.8, 0.5) == "security"
    assert decide(unsure, *NONE) == "security"


def test_severity_moves_down_only_when_asked() -> None:
    lower = row("severity", "minor", "important", "minor", p=0.9, margin=0.2)
    assert decide(lower, 0.8, 0.5) == "important"
    assert decide(lower, 0.8, 0.5, both_ways=True) == "minor"
    assert decide(row("severity", "major", "important", "major", p=0.9, margin=0.2), 0.8, 0.5) == "major"


def test_no_policy_is_chosen_when_none_wins() -> None:
    rows = [
        row("nature", "effective", "effective", "consultation", p=0.85, margin=0.3),
        row("nature", "consultation", "consultation", "effective", p=0.7, margin=0.3),
    ]
    assert choose(rows) == NONE
    rows.append(row("nature", "complaint", "effective", "complaint", p=0.95, margin=0.3))
    assert choose(rows) == (0.9, 0.4)  # the surest p and lowest margin that win it


def test_the_sealed_splits_are_not_studied() -> None:
    assert not set(SEALED) & set(STUDIED)
