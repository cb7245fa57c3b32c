"""Reports managers open: for a seeded week the CSV's and the XLSX's figures equal the projection's
statistics (and an independent count of the stories); the XLSX opens; the PDF is a PDF whose pages
render to images and whose text holds the Chinese title; a month and a year agree too; the HTTP route
keeps the statistics' tenancy; the weekly job writes each report once, even across a restart."""

from __future__ import annotations

import asyncio
import csv
import io
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from services.projection import bootstrap
from services.projection.application import ProjectionApplication
from services.projection.entrypoints.http import create_app
from services.projection.entrypoints.reports import cli
from services.projection.reports import render
from services.projection.reports.figures import Period, build_report
from services.projection.reports.process import ReportTurns
from services.projection.reports.schedule import WeeklyReports
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import Scenario, build, expected_statistics
from tests.projection.support import feed
from tests.support import write_keys

WEEK = "2026-W45"  # the scenario's complaints arrive Monday 2 - Friday 6 November 2026 (Hong Kong)
UNITS = {"hk-central": 12000, "kln-east": 8000, "sz-futian": 20000}
TITLES = {"en": "Weekly complaint report", "zh-Hant": "每週投訴報告", "zh-Hans": "每周投诉报告"}
SHEETS = {
    "en": ["Summary", "Areas", "Pareto", "Time limits", "Record rule", "Offices"],
    "zh-Hant": ["摘要", "業務範疇", "柏拉圖", "時限", "記錄規則", "管理處"],
    "zh-Hans": ["摘要", "业务范畴", "帕累托图", "时限", "记录规则", "管理处"],
}


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ProjectionSettings, ProjectionApplication, Scenario]]:
    folder = tmp_path_factory.mktemp("projection-reports")
    settings = ProjectionSettings(
        store="sqlite", state_dir=folder, keys_file=folder / "keys.json", office_units=UNITS, reports_dir=folder / "out"
    )
    app = bootstrap.application(settings)
    scenario = build("reports", per_office=40, seed=5)
    feed(app, scenario.events())
    yield settings, app, scenario
    app.close()


def csv_figures(data: bytes) -> dict[tuple[str, str, str], str]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, so spreadsheet programs read the Chinese labels"
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return {(r["section"], r["item"], r["measure"]): r["value"] for r in rows}


def number(text: str) -> Any:
    if text == "":
        return None
    return float(text) if "." in text else int(text)


@pytest.mark.parametrize("office", [None, "hk-central", "sz-futian"])
def test_the_csv_figures_equal_the_projections_statistics_for_a_seeded_week(seeded, office) -> None:
    _, app, scenario = seeded
    stats = app.statistics(office, scenario.now, week=WEEK)
    expected = expected_statistics(scenario, office)
    assert stats["complaints"] == expected["complaints"], "every complaint of the scenario is in the week"

    report = build_report(app, office, Period.of("week", WEEK), scenario.now)
    figures = csv_figures(render(report, "csv", "zh-Hant"))

    summary = {m: number(v) for (s, _, m), v in figures.items() if s == "summary"}
    assert summary["complaints"] == stats["complaints"] == expected["complaints"]
    assert (summary["valid"], summary["assisted"], summary["invalid"]) == (
        expected["valid"],
        expected["assisted"],
        expected["invalid"],
    )
    assert (summary["resolution_met"], summary["resolution_met_under_extension"], summary["resolution_breached"]) == (
        expected["met"],
        expected["met_under_extension"],
        expected["breached"],
    )
    assert (summary["visits_due"], summary["visits_made"]) == (expected["visits_due"], expected["visits_made"])
    assert summary["return_visit_rate"] == stats["return_visits"]["rate"]
    assert summary["satisfaction"] == expected["average_satisfaction"]
    assert summary["repeat_complainants"] == expected["repeat_complainants"]
    assert summary["repeat_complaints"] == stats["repeat_complaints"]
    units = UNITS[office] if office else sum(UNITS.values())
    assert summary["units_served"] == units
    assert summary["per_million_units"] == round(expected["complaints"] / units * 1_000_000, 2)

    pareto = {item: number(v) for (s, item, m), v in figures.items() if s == "pareto" and m == "count"}
    assert pareto == expected["areas"]
    third = stats["categories"][min(2, len(stats["categories"]) - 1)]["cumulative_share"]
    assert summary["top_three_share"] == third

    # valid / assisted / invalid by area add up to the counts, and the valid ones are the Pareto's
    by_area: dict[str, dict[str, int]] = {}
    for (section, item, measure), value in figures.items():
        if section == "area":
            by_area.setdefault(item, {})[measure] = int(value)
    for kind in ("valid", "assisted", "invalid"):
        assert sum(c[kind] for c in by_area.values()) == expected[kind]
    assert {a: c["valid"] for a, c in by_area.items() if c["valid"]} == expected["areas"]

    # per time limit: the result's limit is the statistics' compliance; every step counts every complaint
    limits: dict[str, dict[str, Any]] = {}
    for (section, item, measure), value in figures.items():
        if section == "step":
            limits.setdefault(item, {})[measure] = number(value)
    result = limits["result"]
    # an invalid complaint's result is its explanation, given (DOMAIN.md): met, beside the resolutions
    assert (result["met"], result["met_under_extension"], result["breached"]) == (
        expected["met"] + expected["invalid"],
        expected["met_under_extension"],
        expected["breached"],
    )
    for step, counts in limits.items():
        assert sum(counts[c] for c in ("met", "met_under_extension", "breached", "pending", "other")) == len(
            [s for s in scenario.stories if office is None or s.office_id == office]
        ), step
    # planted late replies and missing visits are breaches of their own limits
    assert limits["reply"]["breached"] == sum(
        s.expected_violation() == "reply" for s in scenario.stories if office is None or s.office_id == office
    )
    # the SLA's clocks, read as the record rule reads them: the resolution limit is the result step
    clocks = {(item, m): number(v) for (s, item, m), v in figures.items() if s == "limit"}
    assert (
        clocks[("resolution", "met")],
        clocks[("resolution", "met_under_extension")],
        clocks[("resolution", "breached")],
    ) == (expected["met"], expected["met_under_extension"], expected["breached"])
    assert clocks[("reply", "breached")] == limits["reply"]["breached"]
    offices = {item for (s, item, _) in figures if s == "office"}
    assert offices == (set(scenario.offices()) if office is None else set())


def test_the_xlsx_opens_and_holds_the_same_figures(seeded) -> None:
    _, app, scenario = seeded
    stats = app.statistics(None, scenario.now, week=WEEK)
    report = build_report(app, None, Period.of("week", WEEK), scenario.now)
    book = load_workbook(io.BytesIO(render(report, "xlsx", "zh-Hans")))

    assert book.sheetnames == SHEETS["zh-Hans"], "each sheet named in the report's language"
    summary = book["摘要"]
    assert summary["A1"].value == TITLES["zh-Hans"]
    by_code = {row[2]: row[1] for row in summary.iter_rows(min_row=8, values_only=True) if row[2]}
    assert by_code["complaints"] == stats["complaints"]
    assert (by_code["valid"], by_code["assisted"], by_code["invalid"]) == (
        stats["valid"],
        stats["assisted"],
        stats["invalid"],
    )
    assert by_code["resolution_breached"] == stats["compliance"]["breached"]
    assert by_code["return_visit_rate"] == stats["return_visits"]["rate"]
    assert by_code["per_million_units"] == stats["per_million_units"]
    pareto = [(row[4], row[1]) for row in book["帕累托图"].iter_rows(min_row=2, values_only=True) if row[4]]
    assert pareto == [(c["category"], c["count"]) for c in stats["categories"]]
    assert book["帕累托图"]._charts, "the Pareto sheet carries a native chart"
    # by name (none named here: the id), the id in the last column as every sheet keeps its codes
    offices = {row[-1]: row[1] for row in book["管理处"].iter_rows(min_row=2, values_only=True)}
    assert offices == {o: app.statistics(o, scenario.now, week=WEEK)["complaints"] for o in scenario.offices()}


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_the_xlsx_names_its_sheets_in_the_report_s_language(seeded, lang) -> None:
    _, app, scenario = seeded
    report = build_report(app, None, Period.of("week", WEEK), scenario.now)
    book = load_workbook(io.BytesIO(render(report, "xlsx", lang)))
    assert book.sheetnames == SHEETS[lang]
    assert book.worksheets[0]["A1"].value == TITLES[lang]


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans", "en"])
def test_the_pdf_is_a_pdf_whose_pages_render_and_whose_text_holds_the_title(seeded, lang, tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extras (pip install -e '.[test]')")
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is in the test extras (pip install -e '.[test]')")
    _, app, scenario = seeded
    report = build_report(app, "kln-east", Period.of("week", WEEK), scenario.now)
    data = render(report, "pdf", lang)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")

    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert TITLES[lang] in text
    assert "kln-east" in text and WEEK in text

    document = pdfium.PdfDocument(data)
    assert len(document) >= 2
    for index in range(len(document)):
        image = document[index].render(scale=1).to_pil().convert("L")
        assert image.size[0] > 500 and image.size[1] > 700
        dark = sum(image.histogram()[:128])
        assert dark > 2000, f"page {index + 1} rendered (almost) blank"
        image.save(tmp_path / f"page-{index + 1}.png")


def test_a_month_and_a_year_agree_with_the_statistics(seeded) -> None:
    _, app, scenario = seeded
    month = csv_figures(
        render(build_report(app, "hk-central", Period.of("month", "2026-11"), scenario.now), "csv", "en")
    )
    stats = app.statistics("hk-central", scenario.now, month="2026-11")
    assert number(month[("summary", "", "complaints")]) == stats["complaints"]
    year = csv_figures(render(build_report(app, None, Period.of("year", "2026"), scenario.now), "csv", "en"))
    every = app.statistics(None, scenario.now)
    assert number(year[("summary", "", "complaints")]) == every["complaints"]
    assert number(year[("summary", "", "violations")]) == every["violations"]
    assert year[("report", "", "from")] == "2026-01-01" and year[("report", "", "to")] == "2026-12-31"
    empty = csv_figures(render(build_report(app, None, Period.of("year", "2025"), scenario.now), "csv", "en"))
    assert number(empty[("summary", "", "complaints")]) == 0


@pytest.fixture(scope="module")
def client(seeded) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings, app, scenario = seeded
    keys = write_keys(settings.keys_file)
    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as test_client:
        yield test_client, keys


def test_http_serves_each_format_with_its_type_and_filename(client) -> None:
    test_client, keys = client
    mine = {"X-Office-Key": keys["hk-central/supervisor"]}
    for fmt, media in (
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("pdf", "application/pdf"),
    ):
        answer = test_client.get(
            "/reports/weekly", params={"week": WEEK, "format": fmt, "lang": "zh-Hant"}, headers=mine
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith(media)
        assert answer.headers["content-disposition"] == (
            f'attachment; filename="complaints-weekly-hk-central-{WEEK}-zh-Hant.{fmt}"'
        )
    group = test_client.get(
        "/reports/monthly",
        params={"month": "2026-11", "format": "csv"},
        headers={"X-Office-Key": keys["group/dashboard"]},
    )
    assert (
        group.status_code == 200 and "complaints-monthly-group-2026-11-en.csv" in group.headers["content-disposition"]
    )


def test_http_keeps_the_statistics_tenancy(client) -> None:
    test_client, keys = client
    hk = {"X-Office-Key": keys["hk-central/supervisor"]}
    other = test_client.get("/reports/weekly", params={"week": WEEK, "office": "kln-east", "format": "csv"}, headers=hk)
    assert other.status_code == 403
    own = test_client.get("/reports/weekly", params={"week": WEEK, "format": "csv"}, headers=hk)
    assert ("report", "", "scope") in csv_figures(own.content)
    assert csv_figures(own.content)[("report", "", "scope")] == "hk-central", "an office key's report is its office's"
    auditor = {"X-Office-Key": keys["group/auditor"]}
    theirs = test_client.get(
        "/reports/yearly", params={"year": "2026", "office": "kln-east", "format": "csv"}, headers=auditor
    )
    assert theirs.status_code == 200 and csv_figures(theirs.content)[("report", "", "scope")] == "kln-east"
    assert test_client.get("/reports/weekly", params={"week": WEEK}).status_code == 401


@pytest.mark.parametrize(
    "path,params",
    [
        ("/reports/weekly", {}),
        ("/reports/weekly", {"month": "2026-11"}),
        ("/reports/weekly", {"week": "2025-W53"}),  # 2025 has 52 ISO weeks
        ("/reports/monthly", {"month": "2026-13"}),
        ("/reports/yearly", {"year": "0000"}),
        ("/reports/weekly", {"week": WEEK, "format": "docx"}),
        ("/reports/weekly", {"week": WEEK, "lang": "fr"}),
        ("/reports/daily", {"week": WEEK}),
    ],
)
def test_http_refuses_what_is_not_a_report(client, path, params) -> None:
    test_client, keys = client
    answer = test_client.get(path, params=params, headers={"X-Office-Key": keys["group/dashboard"]})
    assert answer.status_code == 422, answer.text


def test_the_weekly_job_writes_each_report_once_even_across_a_restart(seeded, tmp_path: Path) -> None:
    _, app, scenario = seeded

    def job() -> WeeklyReports:  # a new job, as after a restart, on the same folder
        return WeeklyReports(
            source=lambda: app,
            folder=tmp_path,
            policy=app.policy,
            langs=("en", "zh-Hant"),
            formats=("csv", "pdf"),
            catch_up_weeks=2,
        )

    week_end = datetime(2026, 11, 8, 16, 0, tzinfo=UTC)  # Monday 9 November 00:00 in Hong Kong
    assert [p.key for p in job().due_weeks(week_end + timedelta(minutes=30))] == ["2026-W44"], "W45 waits its grace"
    written = job().run_once(week_end + timedelta(hours=2))
    scopes = ["group", *scenario.offices()]
    # W44 is due too, but nothing recorded falls in it or before: no empty report of it.
    assert app.first_week() == WEEK
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(f"{WEEK}/{s}.json" for s in scopes)
    assert not (tmp_path / "2026-W44").exists()
    files = sorted((tmp_path / WEEK).glob("complaints-*"))
    assert len(files) == len(scopes) * 2 * 2
    stamps = {f: f.stat().st_mtime_ns for f in files}

    assert job().run_once(week_end + timedelta(hours=3)) == [], "nothing twice"
    (tmp_path / WEEK / "kln-east.json").unlink()  # as if the process died before its manifest
    again = job().run_once(week_end + timedelta(hours=4))
    assert again == [tmp_path / WEEK / "kln-east.json"]
    assert sorted((tmp_path / WEEK).glob("complaints-*")) == files, "the same names: never two of a report"
    untouched = [f for f in files if "kln-east" not in f.name]
    assert all(f.stat().st_mtime_ns == stamps[f] for f in untouched)
    figures = csv_figures((tmp_path / WEEK / f"complaints-weekly-hk-central-{WEEK}-en.csv").read_bytes())
    assert (
        number(figures[("summary", "", "complaints")])
        == app.statistics("hk-central", scenario.now, week=WEEK)["complaints"]
    )
    assert not list(tmp_path.rglob(".*.partial"))


def test_the_cli_writes_the_files(seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _, scenario = seeded
    monkeypatch.setenv("PROJECTION_STORE", "sqlite")
    monkeypatch.setenv("PROJECTION_STATE_DIR", str(settings.state_dir))
    monkeypatch.setenv("PROJECTION_OFFICE_UNITS", '{"sz-futian": 20000}')
    result = CliRunner().invoke(
        cli,
        ["generate", "weekly", "--week", WEEK, "--office", "sz-futian", "--format", "csv", "--format", "xlsx",
         "--lang", "zh-Hans", "--at", scenario.now.isoformat(), "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        f"complaints-weekly-sz-futian-{WEEK}-zh-Hans.csv",
        f"complaints-weekly-sz-futian-{WEEK}-zh-Hans.xlsx",
    ]
    refused = CliRunner().invoke(cli, ["generate", "weekly", "--month", "2026-11", "--out", str(tmp_path)])
    assert refused.exit_code != 0


async def test_the_job_waits_for_the_consumer_turns_until_stopped_and_survives_a_failing_turn(
    seeded, tmp_path: Path
) -> None:
    _, app, scenario = seeded
    turns = []

    def source() -> ProjectionApplication:
        turns.append(1)
        if len(turns) == 1:
            raise OSError("the store is away for a moment")
        return app

    job = WeeklyReports(
        source=source, folder=tmp_path, policy=app.policy, langs=("en",), formats=("csv",), catch_up_weeks=1
    )
    stop = asyncio.Event()
    after_the_week = datetime(2026, 11, 9, 2, 0, tzinfo=UTC)  # Monday 10:00 in Hong Kong
    asked = []

    async def caught_up() -> bool:  # the consumer still has lag on the first question
        asked.append(1)
        return len(asked) > 1

    task = asyncio.create_task(job.run(stop, lambda: after_the_week, 0.05, caught_up=caught_up))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if (tmp_path / WEEK / "group.json").exists():
            break
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(asked) >= 3 and len(turns) >= 2, "no turn before the consumer caught up; the failed turn was retried"
    assert sorted(p.name for p in (tmp_path / WEEK).glob("*.json")) == sorted(
        f"{s}.json" for s in ["group", *scenario.offices()]
    )


async def test_the_workers_turns_run_in_a_nicer_child_process_and_a_dead_child_is_replaced(
    seeded, tmp_path: Path
) -> None:
    settings, app, scenario = seeded
    settings = settings.model_copy(
        update={
            "reports_dir": tmp_path,
            "reports_niceness": 3,
            "reports_langs": ["en"],
            "reports_formats": ["csv"],
            "reports_catch_up_weeks": 1,
        }
    )
    after_the_week = datetime(2026, 11, 9, 2, 0, tzinfo=UTC)  # Monday 10:00 in Hong Kong
    scopes = ["group", *scenario.offices()]
    turns = ReportTurns(settings)
    try:
        written = await turns(after_the_week)
        assert sorted(p.name for p in written) == sorted(f"{s}.json" for s in scopes)
        (child,) = multiprocessing.active_children()
        assert child.pid != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, child.pid or 0) == os.getpriority(os.PRIO_PROCESS, 0) + 3
        figures = csv_figures((tmp_path / WEEK / f"complaints-weekly-hk-central-{WEEK}-en.csv").read_bytes())
        counted = app.statistics("hk-central", scenario.now, week=WEEK)["complaints"]
        assert number(figures[("summary", "", "complaints")]) == counted

        os.kill(child.pid or 0, signal.SIGKILL)  # the child dies between turns
        with pytest.raises(BrokenProcessPool):
            await turns(after_the_week)
        (tmp_path / WEEK / "kln-east.json").unlink()  # as if it had died before this manifest
        assert await turns(after_the_week) == [tmp_path / WEEK / "kln-east.json"], "a new child; nothing twice"
        assert [c.pid for c in multiprocessing.active_children()] != [child.pid]
    finally:
        turns.close()
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_the_pdf_and_xlsx_say_when_they_were_judged_in_the_offices_time(seeded, lang) -> None:
    """Found on the walk as a manager: the PDF's and XLSX's 'Judged at' read 2026-12-02T05:26+00:00 (the
    XLSX with microseconds) for a Hong Kong office, where every other time it is told is the office's
    (the weeks themselves are the offices' calendar's). The CSV, for programs, keeps the instant in ISO."""
    pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extras (pip install -e '.[test]')")
    _, app, _ = seeded
    judged = datetime(2026, 11, 9, 1, 30, 12, 345678, tzinfo=UTC)  # Monday 09:30 in Hong Kong
    report = build_report(app, "kln-east", Period.of("week", WEEK), judged)
    local = "2026-11-09 09:30 (UTC+08:00)"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render(report, "pdf", lang))).pages)
    assert local in text and "+00:00" not in text, text[:300]
    book = load_workbook(io.BytesIO(render(report, "xlsx", lang)))
    cells = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert local in cells and not any("+00:00" in c for c in cells)
    assert csv_figures(render(report, "csv", lang))[("report", "", "judged_at")] == judged.isoformat()
