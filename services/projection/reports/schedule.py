"""The weekly report, on schedule: when an office week has ended (Monday 00:00 in the offices' time
zone, plus a grace for late events), each office's and the group's report of that week is written into
the reports folder, in every configured format and language, once.

Once, even across restarts: a week's report for a scope is done when its manifest
(`<folder>/<week>/<scope>.json`, listing each file with its SHA-256) exists. Files and manifest are
written to a temporary name and renamed into place, the manifest last, so a crash leaves either a
finished report or one the next turn writes again (under the same names: never two). After a stop the
job makes up the `catch_up_weeks` most recent weeks it missed; a week before the earliest one anything
recorded falls in has no report (a new deployment mails no empty reports of weeks before it).

Each report written is also recorded as published (`ReportPublished`, once per scope and week: its id
is derived from both), which the projection's relay publishes and the notifier mails.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from ..domain.policy import Policy
from . import render
from .figures import FiguresSource, Period, build_report, safe_name

log = logging.getLogger(__name__)


@dataclass
class WeeklyReports:
    source: Callable[[], FiguresSource]  # a fresh look at the projection (refreshed) each turn
    folder: Path
    policy: Policy
    langs: tuple[str, ...] = ("en", "zh-Hant", "zh-Hans")
    formats: tuple[str, ...] = ("csv", "xlsx", "pdf")
    grace: timedelta = timedelta(hours=1)
    catch_up_weeks: int = 4
    font_file: Path | None = None
    # records that a report was written (`ProjectionApplication.publish_report`: the relay publishes
    # `ReportPublished` and the notifier mails it); called after its files, before its manifest
    publish: Callable[..., bool] | None = None
    # when a report already published was judged (`ProjectionApplication.published_report_judged_at`):
    # written again after a crash, it is judged at that instant, so its files match what was published
    published_judged_at: Callable[[str, str], datetime | None] | None = None

    def due_weeks(self, now: datetime) -> list[Period]:
        """The ended weeks (oldest first) whose report may be written at `now`."""
        local = self.policy.local(now)
        this_monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(), tzinfo=local.tzinfo)
        due = []
        for back in range(self.catch_up_weeks, 0, -1):
            start = this_monday - timedelta(weeks=back)
            if start + timedelta(weeks=1) + self.grace <= now:
                due.append(Period.of("week", self.policy.week_of(start)))
        return due

    def manifest(self, period: Period, scope: str) -> Path:
        return self.folder / period.key / f"{safe_name(scope)}.json"

    def run_once(self, now: datetime) -> list[Path]:
        """Write every due report not yet written; the manifests written this turn."""
        written: list[Path] = []
        source: FiguresSource | None = None
        first: str | None = None
        for period in self.due_weeks(now):
            if source is None:
                source = self.source()  # only when a week is due: most turns find nothing to do
                first = source.first_week()
            if first is None or period.key < first:
                continue  # before anything was recorded (a new deployment): nothing to report
            for office in [None, *source.offices()]:
                if not self._done(period, office):
                    written.append(self._write(source, office, period, now))
        return written

    def _done(self, period: Period, office: str | None) -> bool:
        return self.manifest(period, office or "group").exists()

    def _write(self, source: FiguresSource, office: str | None, period: Period, now: datetime) -> Path:
        judged = self.published_judged_at(office or "group", period.key) if self.published_judged_at else None
        now = judged or now
        report = build_report(source, office, period, now)
        target = self.folder / period.key
        target.mkdir(parents=True, exist_ok=True)
        files = []
        for fmt in self.formats:
            for lang in self.langs:
                data = render(report, fmt, lang, self.font_file)
                name = report.filename(lang, fmt)
                _write_atomically(target / name, data)
                files.append({"file": name, "format": fmt, "lang": lang, "sha256": hashlib.sha256(data).hexdigest()})
        manifest = {
            "scope": report.scope,
            "period": period.key,
            "judged_at": now.isoformat(),
            "complaints": report.statistics["complaints"],
            "files": files,
        }
        if self.publish is not None:
            # after the files (a reader fetching them finds them), before the manifest (a crash
            # in between writes the files again next turn, and finds the report already published)
            self.publish(report.scope, period.kind, period.key, judged_at=now, now=now,
                         complaints=report.statistics["complaints"], files=files)  # fmt: skip
        path = self.manifest(period, report.scope)
        _write_atomically(path, json.dumps(manifest, indent=2).encode())
        log.info("weekly report %s %s written (%d files)", report.scope, period.key, len(files))
        return path

    async def run(
        self,
        stop: asyncio.Event,
        clock: Callable[[], datetime],
        every_seconds: float,
        first_after: float = 0,
        caught_up: Callable[[], Awaitable[bool]] | None = None,
        turn: Callable[[datetime], Awaitable[list[Path]]] | None = None,
    ) -> None:
        """Look for due reports every `every_seconds` until `stop`; a failing turn is logged and retried.
        The first turn waits `first_after` seconds, and a turn writes only once `caught_up()` says the
        consumer has read what its topics hold: a week's report counts the events already published.
        Each turn is `run_once` in a thread, or `turn(now)` when given (the worker's: in a child
        process, `reports/process.py`)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), first_after)
        while not stop.is_set():
            try:
                if caught_up is None or await caught_up():
                    await (turn(clock()) if turn is not None else asyncio.to_thread(self.run_once, clock()))
                else:
                    log.info("weekly reports: waiting for the consumer to catch up")
            except Exception:
                log.exception("weekly reports: this turn failed; trying again in %.0f s", every_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_seconds)


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
