"""Issue 9, after holdout20's round: three misreadings the round left, each read by a general means (in
every script) and pinned here with new sentences, none the corpus's. The first cases of each test fail
on the engine before; the controls pass on both. Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import judged

# -- posting is no failure; posting a person's data is ------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "the owners posted in the WhatsApp group that the pool has been closed for a week",
        "some owner posted on Facebook that the guard was sleeping in the booth",
        "停水通知貼在大堂，但係冇寫幾點恢復",  # a notice posted where it should be
    ],
)
def test_posting_alone_is_no_failure_quoted(description: str) -> None:
    reason = judged(description).explanations["nature"].reason
    assert "'posted'" not in reason
    assert "'貼在'" not in reason and "'貼喺'" not in reason


@pytest.mark.parametrize(
    "description",
    [
        "the office posted a list of flats in arrears with the owners' phone numbers in the lift lobby",
        "管理处把我的手机号码贴在电梯大堂的告示板上",
        "前台將我個名同電話貼喺大堂壁報板",
    ],
)
def test_posting_a_persons_data_is_still_the_personal_data_failure(description: str) -> None:
    j = judged(description)
    assert j.nature == "effective"
    assert j.business_area == "customer-data"
    assert j.severity == "important"
