"""Issue 9, holdout21's round: misreadings its first look and the known list revealed, each read by a
general means (in every script) and pinned here with new sentences, none the corpus's. The first cases
of each test fail on the engine before the round; the controls pass on both. Pure: the rules engine."""

from __future__ import annotations

import pytest

from tests.triage.reading_support import judged

# -- a short aside in brackets stays in its clause -------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "the people upstairs (12C) drag their chairs every night after midnight",
        "樓上（18樓）成晚拖櫈，嘈到我瞓唔着",
        "隔壁邻居（1502）天天半夜唱卡拉OK",
    ],
)
def test_a_neighbours_nuisance_across_a_bracketed_aside(description: str) -> None:
    j = judged(description)
    assert "neighbour's nuisance" in j.explanations["validity"].reason
    assert j.business_area == "other"
