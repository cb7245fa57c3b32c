"""A report as a PDF with charts (reportlab: pure Python, its charts in `reportlab.graphics`).

Chinese text needs a font with its glyphs. The PDF embeds (a subset of) a TrueType CJK font when one
is on the machine — `PROJECTION_REPORT_FONT`, else Debian's `fonts-wqy-microhei`
(`deploy/fonts/ensure.sh` installs it) — so the file reads the same everywhere. Without one it names
Adobe's standard CID fonts (MSung-Light for Traditional, STSong-Light for Simplified), which need no
font file here and which PDF readers with Asian fonts show; the text is in the file either way.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape  # a name is text in a Paragraph's markup

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle

from .figures import CLOCK_COLUMNS, LIMIT_COLUMNS, Report
from .labels import Words, words

# TrueType fonts with Chinese glyphs that Debian packages install (first found is embedded).
KNOWN_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
CID_FONTS = {"zh-Hant": "MSung-Light", "zh-Hans": "STSong-Light"}
EMBEDDED = "ReportCJK"
PALETTE = {
    "valid": colors.HexColor("#2f6f9f"),
    "assisted": colors.HexColor("#e0a030"),
    "invalid": colors.HexColor("#9a9a9a"),
    "met": colors.HexColor("#3c8d40"),
    "met_under_extension": colors.HexColor("#9ccc65"),
    "breached": colors.HexColor("#c62828"),
    "pending": colors.HexColor("#90a4ae"),
    "other": colors.HexColor("#d7ccc8"),
    "line": colors.HexColor("#c62828"),
}
CHART_WIDTH = 170 * mm
MAX_BARS = 12  # areas shown in a chart; the tables list them all


def font_for(lang: str, font_file: Path | None = None) -> str:
    """The font name to write `lang` in, registered with reportlab on first use."""
    if lang == "en":
        return "Helvetica"
    candidates = [font_file] if font_file else [Path(p) for p in KNOWN_CJK_FONTS]
    for path in candidates:
        if path is not None and path.is_file():
            if EMBEDDED not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(EMBEDDED, str(path), subfontIndex=0))
            return EMBEDDED
    name = CID_FONTS[lang]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def render_pdf(report: Report, lang: str, font_file: Path | None = None) -> bytes:
    w = words(lang)
    font = font_for(lang, font_file)
    bold = "Helvetica-Bold" if font == "Helvetica" else font
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=18, leading=24, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=9, leading=12),
    }
    first, last = report.period.days()
    scope = w("group") if report.scope == "group" else report.office_name(report.scope, lang)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{w(f'title.{report.period.kind}')} {scope} {report.period.key}",
        author="complaints projection",
    )
    story: list[Any] = [
        Paragraph(f"{w(f'title.{report.period.kind}')} · {escape(scope)} · {report.period.key}", styles["title"]),
        Paragraph(
            f"{w('period')}: {first.isoformat()} {w('to')} {last.isoformat()} &nbsp; "
            f"{w('judged_at')}: {report.judged_locally()}<br/>{w('no_personal_data')}",
            styles["body"],
        ),
        Paragraph(w("section.summary"), styles["h2"]),
        _table(_summary_cells(report, w), font, widths=[58 * mm, 26 * mm, 62 * mm, 26 * mm], header=False),
    ]
    area_rows = report.area_rows()
    section: list[Any] = [Paragraph(w("section.areas"), styles["h2"])]
    if area_rows:
        section.append(_validity_chart(area_rows[:MAX_BARS], w, font))
    story.append(KeepTogether(section))
    story.append(
        _table(
            [[w("area"), w("valid"), w("assisted"), w("invalid"), w("untriaged")]]
            + [[w.area(a), c["valid"], c["assisted"], c["invalid"], c["untriaged"]] for a, c in area_rows],
            font,
        )
    )
    categories = report.statistics["categories"]
    section = [Paragraph(w("section.pareto"), styles["h2"])]
    if categories:
        section.append(_pareto_chart(categories[:MAX_BARS], w, font))
    story.append(KeepTogether(section))
    story.append(
        _table(
            [[w("area"), w("count"), w("share"), w("cumulative_share")]]
            + [[w.area(c["category"]), c["count"], _pct(c["share"]), _pct(c["cumulative_share"])] for c in categories]
            + [[w("top_three_share"), "", "", _pct(report.top_three_share)]],
            font,
        )
    )
    clock_rows = report.clock_rows()
    section = [Paragraph(w("section.limits"), styles["h2"])]
    if clock_rows:
        section.append(_stacked_bars(clock_rows, CLOCK_COLUMNS, w.clock, w, font))
    else:
        section.append(Paragraph(w("no_clocks"), styles["body"]))
    story.append(KeepTogether(section))
    if clock_rows:
        story.append(
            _table(
                [[w("limit"), *(w(c) for c in CLOCK_COLUMNS), w("compliance_rate")]]
                + [[w.clock(k), *(c[x] for x in CLOCK_COLUMNS), _pct(c["compliance_rate"])] for k, c in clock_rows],
                font,
            )
        )
    limit_rows = report.limit_rows()
    story.append(
        KeepTogether(
            [
                Paragraph(w("section.steps"), styles["h2"]),
                _stacked_bars(limit_rows, LIMIT_COLUMNS, w.step, w, font),
            ]
        )
    )
    story.append(
        _table(
            [[w("limit"), *(w(c) for c in LIMIT_COLUMNS), w("compliance_rate")]]
            + [[w.step(s), *(c[k] for k in LIMIT_COLUMNS), _pct(c["compliance_rate"])] for s, c in limit_rows],
            font,
        )
    )
    if report.offices:
        rows = report.office_rows()
        measures = list(rows[0][1]) if rows else []
        table = _table(
            [[w("office"), *(w(m) for m in measures)]]
            + [
                [report.office_name(o, lang), *(_pct(v) if m.endswith("rate") else _fmt(v) for m, v in f.items())]
                for o, f in rows
            ],
            font,
            size=7,
        )
        story.append(KeepTogether([Paragraph(w("section.offices"), styles["h2"]), table]))
    doc.build(story)
    return out.getvalue()


def _summary_cells(report: Report, w: Words) -> list[list[Any]]:
    pairs = [(w(m), _pct(v) if m.endswith(("share", "rate")) else _fmt(v)) for m, v in report.summary()]
    half = (len(pairs) + 1) // 2
    left, right = pairs[:half], pairs[half:] + [("", "")] * (2 * half - len(pairs))
    return [[a, b, c, d] for (a, b), (c, d) in zip(left, right, strict=True)]


def _fmt(value: Any) -> str:
    return w_none if value is None else str(value)


w_none = "-"


def _pct(value: float | None) -> str:
    return w_none if value is None else f"{value * 100:.1f}%"


def _table(
    rows: list[list[Any]], font: str, widths: list[float] | None = None, size: int = 8, header: bool = True
) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0bec5")),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eceff1")))
    else:  # label, value, label, value
        style += [("ALIGN", (2, 0), (2, -1), "LEFT"), ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eceff1"))]
        style.append(("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eceff1")))
    table.setStyle(TableStyle(style))
    return table


def _legend(x: float, y: float, pairs: list[tuple[Any, str]], font: str) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 90
    legend.boxAnchor = "nw"
    legend.colorNamePairs = pairs
    return legend


def _validity_chart(rows: list[tuple[str, dict[str, int]]], w: Words, font: str) -> Drawing:
    """Valid, assisted and invalid complaints per area, stacked."""
    drawing = Drawing(CHART_WIDTH, 75 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 24 * mm, CHART_WIDTH - 20 * mm, 42 * mm
    kinds = ("valid", "assisted", "invalid")
    chart.data = [[c[k] for _, c in rows] for k in kinds]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [w.area(a) for a, _ in rows]
    _axes(chart, font)
    for i, k in enumerate(kinds):
        chart.bars[i].fillColor = PALETTE[k]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    drawing.add(_legend(14 * mm, 75 * mm, [(PALETTE[k], w(k)) for k in kinds], font))
    return drawing


def _pareto_chart(categories: list[dict[str, Any]], w: Words, font: str) -> Drawing:
    """Valid complaints per area, largest first, with the cumulative share as a line (right axis)."""
    drawing = Drawing(CHART_WIDTH, 75 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 24 * mm, CHART_WIDTH - 30 * mm, 42 * mm
    chart.data = [[c["count"] for c in categories]]
    chart.categoryAxis.categoryNames = [w.area(c["category"]) for c in categories]
    chart.bars[0].fillColor = PALETTE["valid"]
    chart.bars[0].strokeColor = None
    _axes(chart, font)
    drawing.add(chart)
    n = len(categories)
    step = chart.width / n
    points: list[float] = []
    for i, c in enumerate(categories):
        points += [chart.x + step * (i + 0.5), chart.y + chart.height * c["cumulative_share"]]
    eighty = chart.y + chart.height * 0.8  # the Pareto rule's line: the few areas that make 80%
    drawing.add(
        Line(
            chart.x,
            eighty,
            chart.x + chart.width,
            eighty,
            strokeColor=colors.grey,
            strokeWidth=0.5,
            strokeDashArray=[2, 2],
        )
    )
    drawing.add(PolyLine(points, strokeColor=PALETTE["line"], strokeWidth=1.5))
    right = chart.x + chart.width + 2
    for share in (0, 0.5, 0.8, 1.0):
        drawing.add(String(right, chart.y + chart.height * share - 3, f"{share:.0%}", fontName=font, fontSize=7))
    for i, c in enumerate(categories[:3]):
        x, y = points[2 * i], points[2 * i + 1]
        label = String(x, y + 5, f"{c['cumulative_share']:.0%}", fontName=font, fontSize=7, textAnchor="middle")
        label.fillColor = PALETTE["line"]
        drawing.add(label)
    drawing.add(
        _legend(
            14 * mm,
            75 * mm,
            [(PALETTE["valid"], w("count")), (PALETTE["line"], w("cumulative_share"))],
            font,
        )
    )
    return drawing


def _stacked_bars(
    rows: list[tuple[str, dict[str, Any]]], columns: tuple[str, ...], name: Callable[[str], str], w: Words, font: str
) -> Drawing:
    """Each time limit's counts: met, met under extension, breached, pending (, other), stacked."""
    height = (26 + 9 * len(rows)) * mm
    drawing = Drawing(CHART_WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 52 * mm, 10 * mm, CHART_WIDTH - 60 * mm, 9 * mm * len(rows)
    chart.data = [[c[k] for _, c in reversed(rows)] for k in columns]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [name(s) for s, _ in reversed(rows)]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    _count_axis(chart)
    for i, k in enumerate(columns):
        chart.bars[i].fillColor = PALETTE[k]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    legend = _legend(0, height, [(PALETTE[k], w(k)) for k in columns], font)
    legend.deltax = 95
    legend.columnMaximum = 2
    drawing.add(legend)
    return drawing


def _count_axis(chart: VerticalBarChart | HorizontalBarChart) -> None:
    """A value axis of counts steps in whole numbers: reportlab's own steps drew 0, 0.2, 0.4 … 1 under a
    week of one complaint per area. A step of 1, 2 or 5 times a power of ten, about five of them."""
    series = [list(s) for s in chart.data]
    top = max((sum(column) for column in zip(*series, strict=True)), default=0)  # the stacked bars' tallest
    step = 1
    while step * 5 < top:
        step = _next_step(step)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = step
    chart.valueAxis.valueMax = max(step, -(-top // step) * step)


def _next_step(step: int) -> int:
    """1, 2, 5, 10, 20, 50 …"""
    leading = int(str(step)[0])
    return step * 5 // 2 if leading == 2 else step * 2


def _axes(chart: VerticalBarChart, font: str) -> None:
    _count_axis(chart)
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.dx = 0
    chart.categoryAxis.labels.dy = -2
