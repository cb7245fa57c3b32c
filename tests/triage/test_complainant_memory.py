"""A complainant key remembers its newest complaints only: a common name must not make each
registration's cost grow with all history."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.triage.domain.complainant import REMEMBERED, Complainant


def _received(day: int) -> str:
    return f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T09:00:00+00:00"


def test_a_busy_key_keeps_its_newest_complaints_and_no_more() -> None:
    complainant = Complainant("name:chan-tai-man")
    for n in range(REMEMBERED * 3):
        complainant.note(f"c{n}", "cleaning", "valid", False, _received(n % 300))
    assert len(complainant.complaint_ids()) == REMEMBERED
    assert complainant.knows(f"c{REMEMBERED * 3 - 1}")
    assert not complainant.knows("c0")


@given(st.permutations(list(range(REMEMBERED + 20))))
def test_whatever_the_arrival_order_the_newest_by_reception_are_kept(order: list[int]) -> None:
    complainant = Complainant("phone:x")
    for n in order:
        complainant.note(f"c{n}", "cleaning", "valid", False, _received(n))
    kept = {int(c[1:]) for c in complainant.complaint_ids()}
    assert kept == set(range(20, REMEMBERED + 20))
