"""Overlap between hits is asked by token sets (`tokens_of`, `clear_of`) so that a very long
complaint is read in time linear in its length. These properties pin that the token-set answer is
the interval answer the engine used before, for any hits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.triage.domain.evidence import Hit, clear_of, tokens_of

spans = st.tuples(st.integers(0, 60), st.integers(1, 6)).map(lambda s: Hit("p", "w", 1.0, s[0], s[0] + s[1]))


@given(hit=spans, others=st.lists(spans, max_size=30))
def test_clear_of_is_no_interval_overlap(hit: Hit, others: list[Hit]) -> None:
    by_intervals = all(hit.last <= o.first or hit.first >= o.last for o in others)
    assert clear_of(hit, tokens_of(others)) == by_intervals


@given(hits=st.lists(spans, max_size=30))
def test_tokens_of_covers_exactly_the_hits(hits: list[Hit]) -> None:
    covered = tokens_of(hits)
    for i in range(70):
        assert (i in covered) == any(h.first <= i < h.last for h in hits)
