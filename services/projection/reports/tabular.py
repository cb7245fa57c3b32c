"""A report as CSV (its long form: one figure a row) and as an XLSX workbook (one sheet per section,
with a native Pareto chart), both with the chosen language's labels beside the codes."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .figures import CLOCK_COLUMNS, LIMIT_COLUMNS, VALIDITIES, Report
from .labels import words

PERCENT = "0.0%"


def render_csv(report: Report, lang: str) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese labels), one figure a row:
    section, item (an area, a limit, an office), measure, value — codes a program can read — and the
    row's label in the chosen language."""
    w = words(lang)
    scope = _scope(report, lang)

    def office_name(office_id: str) -> str:
        return report.office_name(office_id, lang)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "item", "measure", "value", "label"])
    for row in report.rows():
        named = {"area": w.area, "pareto": w.area, "limit": w.clock, "step": w.step, "office": office_name}
        item = named.get(row.section, str)(row.item)
        label = " / ".join(x for x in (item, w(row.measure)) if x)
        if row.section == "report" and row.measure == "scope":
            label = f"{w('scope')} / {scope}"  # the office by its name (the value is its id)
        writer.writerow([row.section, row.item, row.measure, "" if row.value is None else row.value, label])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def render_xlsx(report: Report, lang: str) -> bytes:
    w = words(lang)
    book = Workbook()
    first, last = report.period.days()
    sheet = book.active
    sheet.title = w("sheet.summary")  # each sheet named in the report's language
    sheet.append([w(f"title.{report.period.kind}")])
    sheet["A1"].font = Font(bold=True, size=14)
    scope = _scope(report, lang)
    sheet.append([w("scope"), scope, *([report.scope] if scope != report.scope and report.scope != "group" else [])])
    sheet.append([w("period"), report.period.key, f"{first.isoformat()} - {last.isoformat()}"])
    sheet.append([w("judged_at"), report.judged_locally()])  # for people: the CSV keeps the instant
    sheet.append([w("no_personal_data")])
    sheet.append([])
    _header(sheet, [w("section.summary"), "", "measure"])
    for measure, value in report.summary():
        sheet.append([w(measure), value, measure])
        if measure.endswith(("share", "rate")) and value is not None:
            sheet.cell(sheet.max_row, 2).number_format = PERCENT

    areas = book.create_sheet(w("sheet.areas"))
    _header(areas, [w("area"), *(w(v) for v in VALIDITIES), "area"])
    for area, counts in report.area_rows():
        areas.append([w.area(area), *(counts[v] for v in VALIDITIES), area])

    pareto = book.create_sheet(w("sheet.pareto"))
    _header(pareto, [w("area"), w("count"), w("share"), w("cumulative_share"), "area"])
    for c in report.statistics["categories"]:
        pareto.append([w.area(c["category"]), c["count"], c["share"], c["cumulative_share"], c["category"]])
        for column in (3, 4):
            pareto.cell(pareto.max_row, column).number_format = PERCENT
    pareto.append([])
    pareto.append([w("top_three_share"), report.top_three_share])
    pareto.cell(pareto.max_row, 2).number_format = PERCENT
    if report.statistics["categories"]:
        _pareto_chart(pareto, len(report.statistics["categories"]), w)

    limits = book.create_sheet(w("sheet.limits"))
    _header(limits, [w("limit"), *(w(c) for c in CLOCK_COLUMNS), w("compliance_rate"), "clock"])
    for kind, counts in report.clock_rows():
        limits.append([w.clock(kind), *(counts[c] for c in CLOCK_COLUMNS), counts["compliance_rate"], kind])
        limits.cell(limits.max_row, 6).number_format = PERCENT

    steps = book.create_sheet(w("sheet.steps"))
    _header(steps, [w("limit"), *(w(c) for c in LIMIT_COLUMNS), w("compliance_rate"), "step"])
    for step, counts in report.limit_rows():
        steps.append([w.step(step), *(counts[c] for c in LIMIT_COLUMNS), counts["compliance_rate"], step])
        steps.cell(steps.max_row, 7).number_format = PERCENT

    if report.offices:
        offices = book.create_sheet(w("sheet.offices"))
        rows = report.office_rows()
        measures = list(rows[0][1]) if rows else []
        _header(offices, [w("office"), *(w(m) for m in measures), "office"])  # by name; the id last, as codes are
        for office, figures in rows:
            offices.append([report.office_name(office, lang), *figures.values(), office])
    for each in book.worksheets:
        for index, column in enumerate(each.columns, start=1):
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            each.column_dimensions[get_column_letter(index)].width = min(max(10, width + 2), 48)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _scope(report: Report, lang: str) -> str:
    """The report's scope as a reader of `lang` says it: the group, or the office by its name."""
    return words(lang)("group") if report.scope == "group" else report.office_name(report.scope, lang)


def _header(sheet: Any, cells: list[str]) -> None:
    sheet.append(cells)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _pareto_chart(sheet: Any, n: int, w: Any) -> None:
    bars = BarChart()
    bars.title = w("section.pareto")
    bars.y_axis.title = w("count")
    bars.add_data(Reference(sheet, min_col=2, min_row=1, max_row=n + 1), titles_from_data=True)
    bars.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=n + 1))
    line = LineChart()
    line.add_data(Reference(sheet, min_col=4, min_row=1, max_row=n + 1), titles_from_data=True)
    line.y_axis.axId = 200
    line.y_axis.title = w("cumulative_share")
    line.y_axis.number_format = PERCENT
    line.y_axis.scaling.max = 1
    line.y_axis.crosses = "max"
    bars += line
    bars.width, bars.height = 20, 10
    sheet.add_chart(bars, "G2")
