"""The one reading of a department a person types (shared/contracts/labels.department_code): its code or
its word in any of the three languages names it; anything else names none, whatever its case or spaces."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.labels import DEPARTMENTS, department_code

CODES = sorted(DEPARTMENTS)
FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in "engineering")  # typed with a Chinese input method


@given(st.sampled_from(CODES), st.integers(0, 3), st.sampled_from(["", " ", "\t", "  "]), st.booleans())
def test_a_code_or_any_word_of_it_names_the_department(code: str, which: int, pad: str, upper: bool) -> None:
    typed = code if which == 3 else DEPARTMENTS[code][which]
    typed = pad + (typed.upper() if upper else typed) + pad
    assert department_code(typed, CODES) == code


@pytest.mark.parametrize(
    ("typed", "named"),
    [("Customer Service", "customer-service"), ("customer_service", "customer-service"), ("工程部", "engineering"),
     (FULL_WIDTH, "engineering"), ("停车场管理", "parking"), ("Car Park", "parking")],
)  # fmt: skip
def test_the_spellings_people_type(typed: str, named: str) -> None:
    assert department_code(typed, CODES) == named


@pytest.mark.parametrize("typed", ["Engineering Dept", "enginering", "engineering-dept", "", "  ", "部", "clean"])
def test_what_names_no_department_names_none(typed: str) -> None:
    assert department_code(typed, CODES) is None


def test_only_the_departments_given_count() -> None:
    """A department not routed to (the office's rules leave it out) is not named, even by its word."""
    assert department_code("engineering", ["security"]) is None
    assert department_code("工程部", ["security"]) is None


def test_a_department_the_group_added_is_named_by_its_code() -> None:
    """One without words here (added through PUT /rules) is named by its code, spaced or not."""
    assert department_code("Pest Control", ["pest-control", "engineering"]) == "pest-control"
