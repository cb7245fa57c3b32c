"""A scheduled report is recorded as published once per scope and week (even when its files are written
again after a crash), the relay turns it into `ReportPublished`, and the API serves it judged at the
same instant (`at`), so what a reader fetches is what was written."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.adapters.outbound import ProjectionTranslator
from services.projection.domain.published_reports import PublishedReport, published_report_id
from services.projection.entrypoints.http import create_app
from services.projection.reports.schedule import WeeklyReports
from services.projection.settings import ProjectionSettings
from shared.contracts.projection import ReportPublished
from tests.projection.scenario import build
from tests.projection.support import feed
from tests.support import write_keys

WEEK = "2026-W45"
WEEK_END = datetime(2026, 11, 8, 16, 0, tzinfo=UTC)  # Monday 9 November 00:00 in Hong Kong


def published(app) -> list[ReportPublished]:
    translate = ProjectionTranslator(app)
    found = []
    for notification in app.process_recorder.select_notifications(1, 100_000):
        event = app.mapper.to_domain_event(notification)
        if isinstance(event, PublishedReport.Published):
            found += [p.message for p in translate(event)]
    return found


def test_each_report_is_published_once_and_fetched_as_it_was_written(tmp_path: Path) -> None:
    settings = ProjectionSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    scenario = build("published", offices=("hk-central", "kln-east"), per_office=8, seed=7)
    feed(app, scenario.events())
    folder = tmp_path / "reports"

    def job() -> WeeklyReports:  # a new job each turn, as after a restart
        return WeeklyReports(
            source=lambda: app, folder=folder, policy=app.policy, langs=("en", "zh-Hant"),
            formats=("csv", "xlsx", "pdf"), catch_up_weeks=1, publish=app.publish_report,
            published_judged_at=app.published_report_judged_at,
        )  # fmt: skip

    written_at = WEEK_END + timedelta(hours=2)
    assert len(job().run_once(written_at)) == 3  # the group and two offices
    (folder / WEEK / "kln-east.json").unlink()  # died after publishing, before its manifest
    assert job().run_once(written_at + timedelta(hours=1)) == [folder / WEEK / "kln-east.json"]
    assert job().run_once(written_at + timedelta(hours=2)) == []

    events = published(app)
    assert sorted(e.key for e in events) == [f"group/{WEEK}", f"hk-central/{WEEK}", f"kln-east/{WEEK}"]
    hk = next(e for e in events if e.office_id == "hk-central")
    assert hk.event_id == published_report_id("hk-central", WEEK)
    assert (hk.period, hk.period_key, hk.judged_at, hk.occurred_at) == ("week", WEEK, written_at, written_at)
    assert {(f.format, f.lang) for f in hk.files} == {
        (f, lang) for f in ("csv", "xlsx", "pdf") for lang in ("en", "zh-Hant")
    }
    assert hk.complaints == app.statistics("hk-central", written_at, week=WEEK)["complaints"] > 0
    group = next(e for e in events if e.office_id is None)
    assert "office" not in parse_qs(urlsplit(group.fetch_path).query)

    later = written_at + timedelta(days=3)  # the API judges at the report's instant, not its own
    with TestClient(create_app(settings, app_instance=app, clock=lambda: later)) as client:
        for event in events:
            csv = next(f for f in event.files if f.format == "csv" and f.lang == "en")
            answer = client.get(
                f"{event.fetch_path}&format=csv&lang=en", headers={"X-Office-Key": keys["group/dashboard"]}
            )
            assert answer.status_code == 200, answer.text
            assert (
                hashlib.sha256(answer.content).hexdigest()
                == csv.sha256
                == hashlib.sha256((folder / WEEK / csv.file).read_bytes()).hexdigest()
            )
        future = client.get(
            "/reports/weekly",
            params={"week": WEEK, "at": (later + timedelta(hours=1)).isoformat()},
            headers={"X-Office-Key": keys["group/dashboard"]},
        )
        assert future.status_code == 422
    app.close()
