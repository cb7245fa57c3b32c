"""The review flag measured and calibrated: the flag report of `score`, the calibration table, and the
calibrated review of `second_reading`. Pure (labels, signals and numbers in), but for the last test,
which reads corpus complaints through the bundled rules and the corpus model."""

from __future__ import annotations

import tomllib

import pytest

from services.triage.domain.calibration import Calibration, Observation, as_toml, band, calibrate
from services.triage.domain.engine import History, judge
from services.triage.domain.review import Sign, narrowly_ahead, no_sign_either_way, possibly_major
from services.triage.domain.rules import BUNDLED_RULES, Rules, load_rules_file
from services.triage.domain.second_reading import DISAGREE, NAMES, Signal, calibrated_review, second_reading, signals
from services.triage.score import Scored, corpus_model, flag_lines, flag_report, load
from shared.contracts.review import ReviewFlag, ReviewKind

LABELS = {"validity": "valid", "nature": "effective", "area": "sanitation", "severity": "minor", "criterion": None}


def case(review: tuple[str, ...] = (), **wrong: str | None) -> Scored:
    return Scored(LABELS, {**LABELS, **wrong}, review)


def test_the_flag_report_counts_flagged_errors_and_right_flags_per_label() -> None:
    rows = [
        case(),  # right, not flagged
        case(("business area: no topic recognised",)),  # right, flagged for its area: a wasted look
        case(("business area: x",), area="parking"),  # wrong area, flagged for it
        case(("nature: guessed",), area="club"),  # wrong area, flagged for something else
        case(area="staff"),  # wrong area, silent
        case(("severity: possibly major",), severity="important"),  # wrong severity, flagged
    ]
    report = flag_report(rows)
    assert (report.complaints, report.flagged) == (6, 4)
    area = next(f for f in report.labels if f.label == "area")
    assert (area.wrong, area.wrong_flagged, area.wrong_flagged_here) == (3, 2, 1)
    assert (area.flagged_here, area.flagged_here_right) == (2, 1)
    nature = next(f for f in report.labels if f.label == "nature")
    assert (nature.wrong, nature.flagged_here, nature.flagged_here_right) == (0, 1, 1)
    criterion = next(f for f in report.labels if f.label == "criterion")
    assert criterion.flagged_here == 1  # a severity flag speaks for the criterion too
    assert "flagged 4/6 (67%)" in flag_lines("t", report)[0]


def test_majors_graded_lower_are_counted_with_the_silent_ones_named_by_position() -> None:
    major = {**LABELS, "severity": "major", "criterion": "major.injury-or-loss"}
    rows = [
        Scored(major, {**major, "severity": "minor", "criterion": None}, ()),
        Scored(major, {**major, "severity": "important", "criterion": None}, ("severity: x",)),
        Scored(major, major, ()),  # graded major: not lower
        Scored(LABELS, {**LABELS, "severity": "important"}, ()),  # over-graded: not a major lower
    ]
    report = flag_report(rows)
    assert (report.majors_lower, report.majors_lower_flagged, report.majors_lower_silent) == (2, 1, (0,))


def test_bands_and_a_cell_pulled_towards_its_labels_accuracy() -> None:
    assert [band(c) for c in (0.0, 0.59, 0.6, 0.75, 0.8, 0.89, 0.9, 1.0)] == [0, 0, 1, 2, 3, 3, 4, 4]
    seen = [Observation("category", True, 0.95, True)] * 16 + [Observation("category", False, 0.5, False)] * 4
    table = calibrate(seen, prior=4.0)
    overall = 16 / 20
    assert table.confidence("category", True, 0.92) == round((16 + 4 * overall) / 20, 3)
    assert table.confidence("category", False, 0.45) == round((0 + 4 * overall) / 8, 3)  # 0.4, not 0
    assert table.confidence("category", False, 0.95) == round(overall, 3)  # never seen: the overall accuracy
    assert table.confidence("nature", True, 0.9) is None  # no observation of it: no table


def test_the_table_reads_back_from_the_rules_file_it_prints() -> None:
    seen = [Observation(label, i % 3 == 0, i / 10, i % 4 != 0) for label in ("validity", "severity") for i in range(10)]
    table = calibrate(seen)
    data = tomllib.loads(as_toml(table).replace("[confidence.calibrated]", "[confidence]\n[confidence.calibrated]"))
    again = Calibration.from_rules(data)
    assert again is not None and again.bands == table.bands
    for label in ("validity", "severity"):
        for agrees in (False, True):
            for c in (0.45, 0.65, 0.75, 0.85, 0.95):
                assert again.confidence(label, agrees, c) == table.confidence(label, agrees, c)
    assert Calibration.from_rules({"confidence": {"review_below": 0.6}}) is None


TABLE = Calibration(
    (0.6, 0.7, 0.8, 0.9),
    {
        label: ((0.6, 0.7, 0.8, 0.85, 0.9), (0.9, 0.95, 0.97, 0.98, 0.99))
        for label in ("validity", "nature", "category", "severity")
    },
)


def signal(value: str, rules: float, p: float, read: str = "", doubts: tuple[ReviewFlag, ...] = ()) -> Signal:
    return Signal(rules, value, p, read or value, p if not read else 1 - p, doubts)


def texts(flags: list[ReviewFlag]) -> list[str]:
    return [f.text for f in flags]


def test_a_doubt_the_model_settles_is_not_flagged_but_noted_in_the_explanation() -> None:
    found = {
        "validity": signal("valid", 0.9, 0.99),
        "nature": signal("effective", 0.45, 0.9, doubts=(no_sign_either_way("effective"),)),
        "category": signal(
            "sanitation", 0.55, 0.2, read="parking", doubts=(narrowly_ahead("sanitation", "parking", 0.55, 0.6),)
        ),
        "severity": signal("minor", 0.85, 0.9),
    }
    confidence, review, notes = calibrated_review(found, TABLE, 0.75, 0.05, 0.25, [])
    assert confidence == {"validity": 0.99, "nature": 0.9, "category": 0.6, "severity": 0.98}
    assert texts(review) == [
        "business area: confidence 0.60 is below 0.75 (the rules unsure: sanitation only narrowly over parking "
        "(confidence 0.55); the reading model gives sanitation p=0.20 and reads parking p=0.80)"
    ]
    # the same reason typed: the label, the kind, both numbers, the model's probability and reading
    flag = review[0]
    assert (flag.aspect, flag.kind, flag.value, flag.other) == ("category", ReviewKind.LOW_CONFIDENCE, "sanitation",
                                                                "parking")  # fmt: skip
    assert (flag.confidence, flag.limit, flag.model_probability) == (0.6, 0.75, 0.2)
    assert set(notes) == {"nature"}
    assert "guessed effective" in notes["nature"] and "confidence 0.90" in notes["nature"]


def test_a_sure_rule_the_model_reads_otherwise_is_flagged_with_the_rules_margin() -> None:
    found = {"category": signal("sanitation", 0.65, 0.1, read="staff")}
    _, review, _ = calibrated_review(found | {"severity": signal("minor", 0.85, 0.9)}, TABLE, 0.75, 0.0, 0.25, [])
    assert texts(review) == [
        "business area: confidence 0.70 is below 0.75 (the rules' margin 0.65; the reading model gives "
        "sanitation p=0.10 and reads staff p=0.90)"
    ]


def test_a_possible_major_is_flagged_however_sure_and_the_signs_are_always_kept() -> None:
    sure = {label: signal(v, 0.9, 0.99) for label, v in [("validity", "valid"), ("nature", "effective")]}
    sure |= {"category": signal("sanitation", 0.9, 0.99), "severity": signal("minor", 0.85, 0.99)}
    _, quiet, _ = calibrated_review(sure, TABLE, 0.75, 0.2, 0.25, [])
    assert quiet == []
    _, flagged, _ = calibrated_review(sure, TABLE, 0.75, 0.3, 0.25, [])
    assert texts(flagged) == [f"severity: {DISAGREE} (rules: minor; the reading model gives major p=0.30)"]
    assert (flagged[0].kind, flagged[0].other, flagged[0].model_probability) == ("model-disagrees", "major", 0.3)
    kept = possibly_major("minor", [Sign("vague scale ('everyone')", ("everyone",))])
    assert kept.text == "severity: possibly major, graded minor: vague scale ('everyone')"
    _, signs, _ = calibrated_review(sure, TABLE, 0.75, 0.0, 0.25, [kept])
    assert signs == [kept] and kept.quoted == ["everyone"]
    graded_major = sure | {"severity": signal("major", 0.9, 0.6)}
    _, none, _ = calibrated_review(graded_major, TABLE, 0.75, 0.6, 0.25, [])
    assert none == []  # graded major: nothing lower to flag


def test_the_bundled_rules_carry_a_table_and_a_misshapen_one_is_refused() -> None:
    data = load_rules_file()
    bundled = Calibration.from_rules(data)
    assert bundled is not None and set(bundled.table) == {"validity", "nature", "category", "severity"}
    for broken in (
        {"bands": [0.6, 0.7], "nature": [[0.9, 0.9, 0.9]]},  # one row
        {"bands": [0.6, 0.7], "nature": [[0.9, 0.9], [0.9, 0.9]]},  # rows too short for the bands
        {"bands": [0.7, 0.6], "nature": [[0.9] * 3, [0.9] * 3]},  # bands not ascending
        {"bands": [0.6, 0.7], "nature": [[0.9] * 3, [0.9, 0.9, 1.5]]},  # not an accuracy
        {"bands": [0.6, 0.7], "tone": [[0.9] * 3, [0.9] * 3]},  # no such label
    ):
        with pytest.raises(ValueError, match="confidence"):
            Calibration.from_rules({"confidence": {"calibrated": broken}})


def test_with_the_corpus_model_every_confidence_is_the_tables_and_every_flag_says_why() -> None:
    """End to end through `second_reading` (the bundled rules, the model trained on the corpus): each
    label's confidence is the table's cell for its signals; a label is flagged for its confidence
    exactly when that is below flag_below; a doubt of the rules not flagged is explained instead."""
    rules = Rules(1, load_rules_file(BUNDLED_RULES))
    table = Calibration.from_rules(rules.data)
    assert table is not None
    flag_below = rules.data["confidence"]["flag_below"]
    model = corpus_model()
    forms = [c.form for c in load()[::9]] + [{"object": "大堂", "description": "大堂冷氣好凍", "customer_request": ""}]
    for form in forms:
        alone = judge(form, "hk-central", rules, History())
        final = second_reading(alone, form, "hk-central", model, rules)
        for label, signal in signals(alone, final, model.read_all(form)).items():
            expected = table.confidence(label, signal.agrees, signal.rules_confidence)
            assert final.confidence[label] == expected, (form, label)
            low = any(r.startswith(f"{NAMES[label]}: confidence") for r in final.review)
            assert low == (expected < flag_below), (form, label)
            if signal.doubts and not low and label in ("validity", "nature"):
                assert "the rules were unsure" in final.explanations[label].reason, (form, label)
        if any(r.startswith("severity: possibly major") for r in alone.review):
            assert final.needs_review, form


def test_a_major_the_model_finds_unlikely_is_flagged_for_the_leaders_sake() -> None:
    sure = {label: signal(v, 0.9, 0.99) for label, v in [("validity", "valid"), ("nature", "effective")]}
    sure |= {"category": signal("sanitation", 0.9, 0.99), "severity": signal("major", 0.85, 0.99)}
    _, quiet, _ = calibrated_review(sure, TABLE, 0.75, 0.6, 0.25, [], 0.2)
    assert quiet == []
    _, flagged, _ = calibrated_review(sure, TABLE, 0.75, 0.1, 0.25, [], 0.2)
    assert texts(flagged) == [f"severity: {DISAGREE} (rules: major; the reading model gives major only p=0.10)"]
    assert (flagged[0].kind, flagged[0].model_probability, flagged[0].limit) == (ReviewKind.MAJOR_DOUBTED, 0.1, 0.2)
