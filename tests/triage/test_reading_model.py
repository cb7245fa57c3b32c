"""The reading model beside the rules: deterministic, named by its corpus, and what it may change.

Pure (no I/O but reading the bundled corpus). The sentences are new, not the corpus's: each is one
the rules alone read wrongly or unsurely, which the model trained on the corpus reads better."""

from __future__ import annotations

from typing import Any

import pytest

from services.triage.domain.engine import History, Judgement, judge
from services.triage.domain.reading_model import Example, ReadingModel, corpus_identity, train
from services.triage.domain.rules import Rules, load_rules_file
from services.triage.domain.second_reading import DISAGREE, second_reading
from services.triage.score import corpus_model, examples, load

RULES = Rules(3, load_rules_file())


@pytest.fixture(scope="module")
def model() -> ReadingModel:
    return corpus_model()


def form(description: str, obj: str = "-") -> dict[str, Any]:
    return {"object": obj, "description": description, "customer_request": ""}


def both(description: str, model: ReadingModel, obj: str = "-") -> tuple[Judgement, Judgement]:
    filled = form(description, obj)
    rules_alone = judge(filled, "hk-central", RULES, History())
    return rules_alone, second_reading(rules_alone, filled, "hk-central", model, RULES)


def test_two_trainings_on_the_corpus_are_the_same_model(model: ReadingModel) -> None:
    again = train(examples(load()))  # a second training (corpus_model is cached a process)
    assert again is not model and again.identity == model.identity
    for text in ("the lift is broken again", "垃圾房好臭", "保安態度好差,我好嬲", "请问管理费怎么交?"):
        assert again.read(form(text)) == model.read(form(text))


def test_the_order_of_the_examples_changes_nothing() -> None:
    cases = examples(load())[:120]
    forward, backward = train(cases), train(list(reversed(cases)))
    assert forward.identity == backward.identity == corpus_identity(cases)
    assert forward.read(form("lift stuck on 9/F")) == backward.read(form("lift stuck on 9/F"))


def test_a_changed_label_is_a_new_model_identity() -> None:
    cases = examples(load())[:50]
    first = cases[0]
    relabelled = Example(first.id, first.form, {**first.labels, "severity": "minor"})
    changed = [relabelled, *cases[1:]] if first.labels["severity"] != "minor" else cases[1:]
    assert corpus_identity(changed) != corpus_identity(cases)


def test_the_model_decides_the_area_where_the_rules_are_unsure(model: ReadingModel) -> None:
    # A guard shouting at a parent is the guard's conduct (staff); the rules hear only "保安" (safety), unsure.
    rules_alone, with_model = both("门口的保安对我爸大吼大叫,他只是问一下路", model, obj="保安")
    assert rules_alone.business_area == "safety"
    assert rules_alone.confidence["category"] < RULES.review_below
    assert with_model.business_area == "staff"
    assert "reading model" in with_model.explanations["category"].reason
    assert model.identity in with_model.explanations["category"].reason
    assert with_model.department == RULES.department_for("hk-central", "staff")[0]
    assert "staff" in with_model.explanations["routing"].reason


def test_a_severity_the_model_reads_higher_goes_to_review(model: ReadingModel) -> None:
    # A guard pushed a father over in a quarrel: the rules read a private dispute, minor, with no flag.
    rules_alone, with_model = both("保安和住户吵架时推了我爸一把,他摔倒擦伤了手肘", model, obj="保安")
    assert rules_alone.severity == "minor" and not rules_alone.needs_review
    assert with_model.severity == "minor"  # the model never sets a grade: it cannot name a criterion
    assert any(r.startswith("severity: " + DISAGREE) for r in with_model.review)


def test_a_label_the_rules_are_sure_of_is_never_changed(model: ReadingModel) -> None:
    for case in load()[::7]:
        rules_alone = judge(case.form, "hk-central", RULES, History())
        with_model = second_reading(rules_alone, case.form, "hk-central", model, RULES)
        if rules_alone.confidence["category"] >= RULES.review_below and not any(
            r.startswith("business area:") for r in rules_alone.review
        ):
            assert with_model.business_area == rules_alone.business_area, case.id
        assert (with_model.nature, with_model.communication_kind) == (
            rules_alone.nature,
            rules_alone.communication_kind,
        ), case.id  # nature is left to the rules (measured: the model's nature did worse)
        assert with_model.severity == rules_alone.severity, case.id
        assert set(rules_alone.review) - {r for r in rules_alone.review if r.startswith("business area:")} <= set(
            with_model.review
        ), case.id
