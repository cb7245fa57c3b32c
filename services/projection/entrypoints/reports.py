"""Reports from the command line: write a week's, month's or year's report files, or run the weekly
job once.

    reports generate weekly --week 2026-W45 [--office O] [--format pdf --format xlsx] [--lang zh-Hant] --out DIR
    reports generate monthly --month 2026-11 ...      reports generate yearly --year 2026 ...
    reports weekly [--at T]      # the scheduled job's turn: every ended week's reports not yet written

where `reports` is `python -m services.projection.entrypoints.reports`. It reads the projection's
store named by the PROJECTION_* settings (read-only); no `--office` means the group's report.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

import typer

from .. import bootstrap
from ..domain.errors import UnknownPeriod
from ..reports import FORMATS, render
from ..reports.figures import PERIODS, Period, build_report
from ..reports.labels import LANGS
from ..settings import ProjectionSettings

cli = typer.Typer(add_completion=False, help="Complaint reports: CSV, XLSX and PDF.")


class PeriodName(StrEnum):
    weekly = "weekly"
    monthly = "monthly"
    yearly = "yearly"


def _instant(text: str | None, settings: ProjectionSettings) -> datetime:
    if text is None:
        return settings.clock()()
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2026-11-09T09:00:00+08:00")
    return instant


@cli.command()
def generate(
    period: PeriodName,
    out: Path = typer.Option(..., help="The folder to write into."),
    week: str | None = typer.Option(None, help="For weekly: e.g. 2026-W45."),
    month: str | None = typer.Option(None, help="For monthly: e.g. 2026-11."),
    year: str | None = typer.Option(None, help="For yearly: e.g. 2026."),
    office: str | None = typer.Option(None, help="An office; none: the group."),
    format: list[str] = typer.Option(list(FORMATS), help="csv, xlsx, pdf (repeat the option for several)."),
    lang: list[str] = typer.Option(["en"], help=f"{', '.join(LANGS)} (repeat the option for several)."),
    at: str | None = typer.Option(None, help="Judge at this instant (default: now)."),
) -> None:
    """Write one report in the chosen formats and languages."""
    for f in format:
        if f not in FORMATS:
            raise typer.BadParameter(f"format {f!r}: one of {', '.join(FORMATS)}")
    for language in lang:
        if language not in LANGS:
            raise typer.BadParameter(f"lang {language!r}: one of {', '.join(LANGS)}")
    kind = PERIODS[period.value]
    try:
        chosen = Period.of(kind, {"week": week, "month": month, "year": year}[kind])
    except UnknownPeriod as error:
        raise typer.BadParameter(f"a {period.value} report needs --{kind} (got {error})") from None
    settings = ProjectionSettings()
    app = bootstrap.application(settings)
    try:
        report = build_report(app, office, chosen, _instant(at, settings))
        out.mkdir(parents=True, exist_ok=True)
        for f in format:
            for language in lang:
                path = out / report.filename(language, f)
                path.write_bytes(render(report, f, language, settings.report_font))
                typer.echo(path)
    finally:
        app.close()


@cli.command()
def weekly(at: str | None = typer.Option(None, help="Run the turn as of this instant (default: now).")) -> None:
    """One turn of the weekly job: write every ended week's reports not yet written (the worker does
    this on its own every PROJECTION_REPORTS_CHECK_SECONDS)."""
    settings = ProjectionSettings()
    job = bootstrap.weekly_reports(settings)
    for manifest in job.run_once(_instant(at, settings)):
        typer.echo(manifest)


if __name__ == "__main__":
    cli()
