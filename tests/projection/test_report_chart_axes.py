"""The PDF report's charts count complaints and clocks: their value axes step in whole numbers.

A week with one or two complaints per area once drew the axis 0, 0.2, 0.4 … 1 (reportlab's own steps),
as if a fifth of a complaint could be counted. Pure: each chart is drawn on its own, no store, no I/O.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing

from services.projection.reports.figures import CLOCK_COLUMNS
from services.projection.reports.labels import words
from services.projection.reports.pdf import _pareto_chart, _stacked_bars, _validity_chart

pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extras (pip install -e '.[test]')")

W = words("en")
AREAS = ("electromechanical", "parking", "sanitation", "staff", "other")


def axis_numbers(drawing: Drawing) -> list[str]:
    """The numbers written on the chart (its axis labels; the Pareto's percentages left out)."""
    text = pypdf.PdfReader(io.BytesIO(renderPDF.drawToString(drawing))).pages[0].extract_text()
    return re.findall(r"(?<![\w.%])\d+(?:\.\d+)?(?![\d.%])", text)


def whole(numbers: list[str]) -> bool:
    return all("." not in n for n in numbers)


counts = st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=len(AREAS))


@settings(max_examples=40, deadline=None)
@given(valid=counts, assisted=st.integers(min_value=0, max_value=3))
def test_the_validity_chart_steps_in_whole_complaints(valid: list[int], assisted: int) -> None:
    rows = [(AREAS[i], {"valid": v, "assisted": assisted, "invalid": 0}) for i, v in enumerate(valid)]
    numbers = axis_numbers(_validity_chart(rows, W, "Helvetica"))
    assert numbers and whole(numbers), numbers
    top = max(v + assisted for v in valid)
    assert max(int(n) for n in numbers) >= top  # the tallest bar is under the axis's top


@settings(max_examples=40, deadline=None)
@given(values=counts)
def test_the_pareto_chart_steps_in_whole_complaints(values: list[int]) -> None:
    ordered = sorted((v or 1 for v in values), reverse=True)
    total = sum(ordered)
    running = 0
    categories: list[dict[str, Any]] = []
    for area, count in zip(AREAS, ordered, strict=False):
        running += count
        categories.append(
            {"category": area, "count": count, "share": count / total, "cumulative_share": running / total}
        )
    numbers = axis_numbers(_pareto_chart(categories, W, "Helvetica"))
    assert numbers and whole(numbers), numbers


@settings(max_examples=40, deadline=None)
@given(met=counts)
def test_the_time_limit_bars_step_in_whole_clocks(met: list[int]) -> None:
    kinds = ("hand-over", "resolution", "reply", "return-visit", "commitment")
    rows = [(kinds[i], {c: (m if c == "met" else 0) for c in CLOCK_COLUMNS}) for i, m in enumerate(met)]
    numbers = axis_numbers(_stacked_bars(rows, CLOCK_COLUMNS, W.clock, W, "Helvetica"))
    assert whole(numbers), numbers


def test_a_week_of_one_complaint_per_area_reads_0_1_not_fifths() -> None:
    rows = [(a, {"valid": 1, "assisted": 0, "invalid": 0}) for a in AREAS]
    assert axis_numbers(_validity_chart(rows, W, "Helvetica")) == ["0", "1"]
