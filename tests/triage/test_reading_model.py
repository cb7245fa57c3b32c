"""The reading model beside the rules: deterministic, named by its corpus, and what it may change.

Pure (no I/O but reading the bundled corpus). The sentences are new, not the corpus's: each is one
the rules alone read wrongly or unsurely, which the model trained on the corpus reads better."""

from __future__ import annotations

from typing import Any

import pytest

from services.triage.domain.engine import SEVERITY_ORDER, History, Judgement, judge
from services.triage.domain.reading_model import Example, ReadingModel, corpus_identity, train
from services.triage.domain.rules import Rules, load_rules_file
from services.triage.domain.second_reading import DISAGREE, second_reading
from services.triage.score import SEALED, corpus_model, examples, load, training_examples

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
    again = train(training_examples())  # a second training (corpus_model is cached a process)
    assert again is not model and again.identity == model.identity
    for text in ("the lift is broken again", "垃圾房好臭", "保安態度好差,我好嬲", "请问管理费怎么交?"):
        assert again.read(form(text)) == model.read(form(text))


def test_the_model_that_runs_never_learns_from_the_sealed_split(model: ReadingModel) -> None:
    sealed = [c for c in load() if c.split in SEALED]
    assert sealed, "the sealed split is in the corpus"
    assert {e.id for e in training_examples()}.isdisjoint(c.id for c in sealed)
    assert model.identity == corpus_identity(training_examples()) != corpus_identity(examples(load()))


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
    # A utility's bill is money (finance); the rules hear only "water" (electromechanical), unsure.
    text = "my water bill from the Water Supplies Department is three times last quarter's"
    rules_alone, with_model = both(text, model)
    assert rules_alone.business_area == "electromechanical"
    assert rules_alone.confidence["category"] < RULES.review_below
    assert with_model.business_area == "finance"
    assert "reading model" in with_model.explanations["category"].reason
    assert model.identity in with_model.explanations["category"].reason
    assert with_model.department == RULES.department_for("hk-central", "finance")[0]
    assert "finance" in with_model.explanations["routing"].reason


def test_where_the_rules_are_unsure_the_model_grades_higher_quoting_the_complaints_words(model: ReadingModel) -> None:
    # "Many households" with no water: an outage of vague scale, which the rules grade important and doubt.
    text = "好多住戶都話今朝開始冇水,到而家都冇人解釋"
    rules_alone, with_model = both(text, model, obj="冇水")
    assert rules_alone.severity == "important" and any(r.startswith("severity:") for r in rules_alone.review)
    assert with_model.severity == "major" and with_model.severity_criteria[0] == "major.sudden-outage"
    reason = with_model.explanations["severity"].reason
    assert model.identity in reason and "冇水" in reason  # the complaint's own words (Traditional stays)
    assert any(r.startswith("severity: graded major by the reading model") for r in with_model.review)


def test_where_the_model_may_not_grade_it_only_flags(model: ReadingModel) -> None:
    # The same complaint with grading turned off ([model] grade_at above 1): a flag, never a grade.
    off = Rules(1, {**RULES.data, "model": {"grade_at": 1.5, "tone_at": 1.5}})
    form = {"object": "冇水", "description": "好多住戶都話今朝開始冇水,到而家都冇人解釋", "customer_request": ""}
    rules_alone = judge(form, "hk-central", off, History())
    with_model = second_reading(rules_alone, form, "hk-central", model, off)
    assert with_model.severity == rules_alone.severity == "important"
    assert any(r.startswith("severity: " + DISAGREE) for r in with_model.review)


def test_what_the_rules_set_aside_as_negated_the_model_does_not_grade(model: ReadingModel) -> None:
    # Nobody drowned: the rules read a hazard (important); the n-grams cannot read the negation.
    text = "泳池冇救生員當值,啲細路自己游水,好彩冇人遇溺"
    rules_alone, with_model = both(text, model, obj="泳池")
    assert "set aside:" in rules_alone.explanations["severity"].reason
    assert with_model.severity == rules_alone.severity


def test_an_outage_of_one_home_is_not_graded_major_by_the_model(model: ReadingModel) -> None:
    # One flat without water: how many it reaches makes an outage major (DOMAIN criterion 4), and the
    # incident window counts that; the model (which reads "No water ... Block" as major, p ~0.6) only flags.
    for text in ("No water in my flat since this morning.", "我屋企由今朝開始冇水"):
        rules_alone, with_model = both(text, model, obj="Block 3")
        assert any("of one home" in r for r in rules_alone.review), text
        assert with_model.severity == rules_alone.severity == "important", text
        assert not any("graded major by the reading model" in r for r in with_model.review), text


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
        sure = rules_alone.confidence["severity"] >= RULES.review_below and not any(
            r.startswith("severity:") for r in rules_alone.review
        )
        if sure and rules_alone.business_area != "staff":
            assert with_model.severity == rules_alone.severity, case.id
        elif with_model.severity != rules_alone.severity:  # only ever higher, and always for review
            assert SEVERITY_ORDER[with_model.severity] > SEVERITY_ORDER[rules_alone.severity], case.id
            assert any("graded" in r and "by the reading model" in r for r in with_model.review), case.id
        # The rules' signs of a possible major always reach the supervisor; their other doubts are
        # flagged when the calibrated confidence says so, else the explanation says what settled them.
        signs = {r for r in rules_alone.review if r.startswith("severity: possibly major")}
        assert signs <= set(with_model.review), case.id
        for label, prefix in (("nature", "nature:"), ("category", "business area:")):
            doubted = any(r.startswith(prefix) for r in rules_alone.review)
            if doubted and not any(r.startswith(prefix) for r in with_model.review):
                assert "the rules were unsure" in with_model.explanations[label].reason or (
                    label == "category" and "reading model" in with_model.explanations[label].reason
                ), case.id
