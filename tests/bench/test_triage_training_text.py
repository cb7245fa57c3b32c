"""The training-text measurement of `bench/triage_training_text.py` (issue 9) on hand-made cases: the
models that read a split never learn from it or from the sealed split, and "before" differs from "after"
only by the added training text."""

from __future__ import annotations

from collections import Counter

from bench.triage_training_text import model_alone, report, training_sets
from services.triage.score import Case


def case(id: str, split: str, language: str = "en") -> Case:
    return Case(id, language, split, {}, {})


def test_before_and_after_differ_only_by_the_added_text_and_never_see_the_split_read_or_the_sealed_one() -> None:
    cases = [
        case("a", "dev"),
        case("b", "train2"),
        case("c", "holdout12"),
        case("d", "holdout13"),
        case("e", "holdout18"),
    ]
    sets = training_sets(cases, "holdout12", ["train2"])
    assert [c.id for c in sets["before"]] == ["a", "d"]
    assert [c.id for c in sets["after"]] == ["a", "b", "d"]


def test_the_model_alone_names_no_criterion_as_none() -> None:
    read = {label: {"x": 0.4, "y": 0.6} for label in ("validity", "nature", "area", "severity")}
    assert model_alone({**read, "criterion": {"None": 0.7, "major.sudden-outage": 0.3}})["criterion"] is None
    assert model_alone({**read, "criterion": {"None": 0.2, "major.sudden-outage": 0.8}}) == {
        "validity": "y",
        "nature": "y",
        "area": "y",
        "severity": "y",
        "criterion": "major.sudden-outage",
    }


def test_the_report_counts_each_language_and_all_before_and_after() -> None:
    right: Counter[tuple[str, str, str, str]] = Counter()
    right[("model", "before", "area", "en")] = 3
    right[("model", "after", "area", "en")] = 4
    right[("model", "after", "area", "zh-hans")] = 2
    lines = report(right, Counter({("before", "flagged"): 5, ("after", "flagged"): 4}), Counter(en=4, **{"zh-hans": 2}))
    area = next(line for line in lines if line.startswith("area"))  # the model's table comes first
    assert "0.75 -> 1.00 (+1)" in area  # en: 3 of 4 -> 4 of 4
    assert "0.00 -> 1.00 (+2)" in area  # zh-hans
    assert "0.50 -> 1.00 (+3)" in area  # all six
    assert "flagged: 5 -> 4 of 6" in lines
