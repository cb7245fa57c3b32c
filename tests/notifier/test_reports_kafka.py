"""The weekly report mailed on schedule, on the real broker: a seeded week in the projection's store,
its weekly job writes and publishes each office's and the group's report, the projection's relay puts
`ReportPublished` on complaints.projection.reports, the notifier worker (its own process) fetches the
files from the projection's API (served by uvicorn) with a group key and mails them to a real SMTP
server. Each manager of each office receives one email with the XLSX and the PDF; opened (openpyxl,
pypdf), their figures equal the projection's statistics API for that office and week."""

from __future__ import annotations

import asyncio
import io
import time
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from openpyxl import load_workbook

from services.notifier.domain import messages
from services.projection import bootstrap
from services.projection.domain.published_reports import published_report_id
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from tests.desk.system import serve
from tests.kafka_support import run_until
from tests.projection.scenario import build
from tests.projection.support import feed
from tests.support import write_keys

from .support import SmtpSink, directory, write_directory
from .test_worker_kafka import MAIL_DOMAIN, WorkerProcess

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
WEEK = "2026-W45"  # the scenario's complaints arrive Monday 2 - Friday 6 November 2026 (Hong Kong)
TITLES = {"en": "Weekly complaint report", "zh-Hant": "每週投訴報告"}


def attachment(mail: Message, suffix: str) -> tuple[str, bytes]:
    [(name, data)] = [
        (part.get_filename(), part.get_payload(decode=True))
        for part in mail.walk()
        if (part.get_filename() or "").endswith(suffix)
    ]
    return name, data


async def test_the_weekly_report_reaches_each_manager_with_xlsx_and_pdf_whose_figures_are_the_projections(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extras (pip install -e '.[test]')")
    run = uuid4().hex[:6]
    offices = (f"hk-{run}", f"kln-{run}")
    settings = ProjectionSettings(
        store="sqlite",
        state_dir=tmp_path / "projection",
        keys_file=tmp_path / "keys.json",
        kafka_bootstrap_servers=kafka_bootstrap,
        reports_dir=tmp_path / "reports",
        reports_formats=["csv", "xlsx", "pdf"],
        reports_langs=["en", "zh-Hant"],
    )
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    scenario = build(run, offices=offices, per_office=8, seed=11)
    feed(app, scenario.events())
    written_at = max(scenario.now, datetime(2026, 11, 9, 2, 0, tzinfo=UTC))  # after the week and its grace

    # the scheduled job's turn: every report of the ended week written and published, once
    job = bootstrap.weekly_reports(settings)
    job.catch_up_weeks = 1
    assert len(await asyncio.to_thread(job.run_once, written_at)) == 3
    relay = bootstrap.relay(settings, app)
    last = app.process_recorder.max_notification_id()
    await run_until(lambda: (relay.progress.position or 0) >= last, relay.run)

    served = serve(create_app(settings, app_instance=app, clock=lambda: written_at), "projection")
    smtp = SmtpSink().__enter__()
    people = directory(offices=offices)
    for office in offices:  # a second manager in each office
        people["staff"].append({"id": f"{office}/manager-2", "name": "Mandy", "office_id": office,
                                "roles": ["manager"], "email": f"manager2@{office}.test"})  # fmt: skip
    worker = WorkerProcess(
        kafka_bootstrap,
        f"notifier-{run}",
        write_directory(tmp_path / "directory.json", people),
        smtp,
        tmp_path / "worker.log",
    )
    worker.env |= {"NOTIFIER_PROJECTION_URL": served.url, "NOTIFIER_PROJECTION_KEY": keys["group/dashboard"]}
    try:
        worker.start()
        report_ids = {str(published_report_id(scope, WEEK)) for scope in (*offices, "group")}
        expected = sorted(
            [f"manager@{o}.test" for o in offices] + [f"manager2@{o}.test" for o in offices] + ["ceo@group.test"]
        )

        def received() -> dict[str, list[Message]]:
            by_address: dict[str, list[Message]] = {}
            for m in smtp.messages:
                if m["X-Report-Id"] in report_ids:
                    by_address.setdefault(m["To"].split("<")[1].rstrip(">"), []).append(m)
            return by_address

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(received()) < len(expected):
            await asyncio.sleep(0.2)
        log = (tmp_path / "worker.log").read_text()[-4000:]
        assert sorted(received()) == expected, log
        # at least once: a repeat (the reconciler racing a slow delivery, a restart) is the same email
        assert all(len({m["Message-ID"] for m in copies}) == 1 for copies in received().values())
        mails = [copies[0] for copies in received().values()]

        async with httpx.AsyncClient(base_url=served.url, headers={"X-Office-Key": keys["group/dashboard"]}) as api:
            for mail in mails:
                office = next((o for o in offices if f"@{o}.test" in mail["To"]), None)
                scope = office or "group"
                staff = f"{office}/manager" if "manager@" in mail["To"] else f"{office}/manager-2"
                if office is None:
                    staff = "group/ceo"
                assert mail["Message-ID"] == messages.message_id(published_report_id(scope, WEEK), staff, MAIL_DOMAIN)
                answer = await api.get("/statistics", params={"week": WEEK, **({"office": office} if office else {})})
                assert answer.json()["judged_at"] == written_at.isoformat()  # the report's instant
                stats = answer.json()["statistics"]
                assert stats["complaints"] > 0

                name, xlsx = attachment(mail, "-en.xlsx")
                assert name == f"complaints-weekly-{scope}-{WEEK}-en.xlsx"
                summary = load_workbook(io.BytesIO(xlsx))["Summary"]
                figures = {row[2]: row[1] for row in summary.iter_rows(min_row=8, values_only=True) if row[2]}
                expected: dict[str, Any] = {
                    "complaints": stats["complaints"],
                    "valid": stats["valid"],
                    "assisted": stats["assisted"],
                    "invalid": stats["invalid"],
                    "resolution_met": stats["compliance"]["met"],
                    "resolution_breached": stats["compliance"]["breached"],
                    "visits_due": stats["return_visits"]["due"],
                    "visits_made": stats["return_visits"]["made"],
                    "return_visit_rate": stats["return_visits"]["rate"],
                    "satisfaction": stats["satisfaction"]["average"],
                    "repeat_complainants": stats["repeat_complainants"],
                    "violations": stats["violations"],
                }
                assert {k: figures[k] for k in expected} == expected, scope
                pareto = [
                    (r[4], r[1])
                    for r in load_workbook(io.BytesIO(xlsx))["Pareto"].iter_rows(min_row=2, values_only=True)
                    if r[4]
                ]
                assert pareto == [(c["category"], c["count"]) for c in stats["categories"]]

                for lang in ("en", "zh-Hant"):
                    name, pdf = attachment(mail, f"-{lang}.pdf")
                    assert name == f"complaints-weekly-{scope}-{WEEK}-{lang}.pdf" and pdf.startswith(b"%PDF-")
                    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
                    assert TITLES[lang] in text and (office or "") in text and WEEK in text
                    assert str(stats["complaints"]) in text
    finally:
        worker.stop()
        smtp.__exit__()
        served.server.should_exit = True
        served.thread.join(10)
        app.close()
