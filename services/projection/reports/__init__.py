"""Reports managers open: a week's, month's or year's statistics of an office or the group, as CSV,
XLSX or PDF (with charts), in English, Traditional or Simplified Chinese.

An adapter over the projection application's queries (`figures.py` reads them; nothing is
re-decided); `schedule.py` writes each office's and the group's weekly report when a week ends.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .figures import Report
from .pdf import render_pdf
from .tabular import render_csv, render_xlsx

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMATS = tuple(MEDIA_TYPES)


def render(report: Report, fmt: str, lang: str, font_file: Path | None = None) -> bytes:
    renderers: dict[str, Callable[[], bytes]] = {
        "csv": lambda: render_csv(report, lang),
        "xlsx": lambda: render_xlsx(report, lang),
        "pdf": lambda: render_pdf(report, lang, font_file),
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return renderers[fmt]()
