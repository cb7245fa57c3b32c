"""Every refusal code the services answer (shared/refusals.py) is said by the desk in all three languages,
with its parameters in the sentence; a code the desk does not know still says what kind of refusal it is,
with the service's own words after it."""

from __future__ import annotations

from functools import cache

import pytest

from services.desk.adapters.i18n import load_translations as compile_all
from services.desk.adapters.problems import REASONS, SENTENCES, explain, reason_of, sentence_of
from shared.refusals import CODES, REFUSALS

# The contracts' own checks answer by pydantic's type (shared/contracts/bounds.py, intake.py), and
# intake's problem types from before the codes: words by type, not refusal codes.
TYPES = {"occurred_after_received", "instant_out_of_range", "time_zone_unknown", "unknown_office"}
LANGUAGES = ["en", "zh-Hant", "zh-Hans"]
load_translations = cache(compile_all)  # the catalogues compiled once for the module's hundreds of cases


def sample(code: str) -> dict[str, object]:
    """Parameters as a service sends them: every one `REFUSALS` names for the code."""
    values: dict[str, object] = {"stage": "accepted", "wanted": ["carried-out"], "allowed": ["minor", "major"],
                                 "needed": ["manager"], "held": ["staff"], "limit": 60, "count": 201}  # fmt: skip
    return {name: values.get(name, f"<{name}>") for name in REFUSALS[code][1]}  # type: ignore[index]


def test_every_code_has_the_desks_words_and_the_desk_words_no_code_that_does_not_exist() -> None:
    said = set(SENTENCES) | set(REASONS)
    assert not [code for code in CODES if code not in said]
    assert set(SENTENCES) <= set(CODES)
    assert set(REASONS) <= set(CODES) | TYPES


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", CODES)
def test_every_code_is_said_in_each_language_with_its_parameters(lang: str, code: str) -> None:
    translations = load_translations()[lang]
    words = translations.gettext
    params = sample(code)
    if code in SENTENCES:
        said = sentence_of(code, params, words)
        assert said and "?" not in said.replace("(?", ""), said  # every placeholder filled from the params
        assert lang == "en" or said != sentence_of(code, params, lambda text: text), f"{lang} lacks {code}"
    if code in REASONS:
        reason = reason_of({"loc": ["body", "x"], "msg": "English", "type": "value_error", "code": code,
                            "params": params}, words)  # fmt: skip
        assert reason != "English" and "?" not in reason, reason
        english = reason_of({"code": code, "params": params}, lambda text: text)
        assert lang == "en" or reason != english, f"{lang} lacks {code}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_sentence_names_what_the_parameters_say(lang: str) -> None:
    words = load_translations()[lang].gettext
    said = explain("handling", 409, "cannot record the result: ...", None, words, "result", "handling.out_of_order",
                   {"step": "record the result", "stage": "accepted", "wanted": ["carried-out"]})  # fmt: skip
    assert words("accepted") in said and words("carried out") in said
    assert said.endswith(" [handling 409: cannot record the result: ...]")
    roles = explain("sla", 403, "needs", None, words, None, "auth.role_needed", {"needed": ["manager"], "held": []})
    assert "manager" in roles


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_hand_over_refused_without_routings_list_still_says_what_to_type(lang: str) -> None:
    """A case opened from a decision older than its departments list: handling refuses with none."""
    words = load_translations()[lang].gettext
    said = reason_of({"code": "handling.unknown_department", "params": {"value": "x y", "departments": []}}, words)
    assert said.endswith(words("the department codes, such as engineering")), said


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_code_the_desk_does_not_know_says_the_kind_of_refusal_and_the_services_words(lang: str) -> None:
    words = load_translations()[lang].gettext
    said = explain("sla", 409, "a reason from a newer sla", None, words, "extension", "sla.something_new", {"x": 1})
    assert said == words("This cannot be done at this step of the complaint.") + " [sla 409: a reason from a newer sla]"
    no_code = explain("handling", 409, "an older handling's words", None, words, "result")
    assert no_code.startswith(words("This cannot be done at this step of the complaint."))
    assert no_code.endswith("[handling 409: an older handling's words]")


@pytest.mark.parametrize(
    ("lang", "rule", "words"),
    [
        ("en", "followup.waive.return-visit.invalid@v1", "an invalid complaint is answered with a polite explanation"),
        ("zh-Hant", "followup.waive.return-visit.invalid@v1", "無效投訴以禮貌的解釋回覆"),
        ("zh-Hans", "followup.waive.return-visit.consultation@v1", "咨询类沟通投诉已当场回复"),
        ("zh-Hant", "followup.waive.by-person", "Tenant moved away"),  # a person's own words, as written
    ],
)
def test_a_policy_waiver_s_reason_is_said_by_its_rule_in_the_page_s_language(lang: str, rule: str, words: str) -> None:
    """Found on the walk: after 回訪已豁免 a Chinese page gave the policy waiver's English reason."""
    english = "Tenant moved away" if rule.endswith("by-person") else "an invalid complaint is answered with a polite"
    said = sentence_of(
        "followup.return_visit_waived", {"reason": english, "rule": rule}, load_translations()[lang].gettext
    )
    assert said is not None and words in said, said
    if lang != "en" and not rule.endswith("by-person"):
        assert "invalid" not in said and "polite" not in said, said
