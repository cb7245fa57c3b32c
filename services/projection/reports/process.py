"""The weekly job's turns in a child process of their own, at a lower CPU priority.

A turn that finds weeks due renders every office's and the group's report in every format and language:
tens of seconds of pure Python (reportlab, openpyxl) after a start or on a Monday. In a thread of the
worker it held the worker's interpreter lock, so each time the consumer let go of it (a SQLite call, a
socket) it waited up to the interpreter's switch interval to take it back, and every batch on the live
path took seconds longer while a turn ran (docs/performance.md, "At half the sustained rate"). In a
child process it shares only the cores, and at `PROJECTION_REPORTS_NICENESS` less of them.

The child builds its job once from the settings (`bootstrap.weekly_reports`: its own application, as the
thread had) and keeps it between turns; what a turn does, and its once-only rule, are the job's own. A
child that dies fails its turn (logged and retried by `WeeklyReports.run`) and the next turn starts a
new one.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

from ..settings import ProjectionSettings
from .schedule import WeeklyReports


class ReportTurns:
    """`await turns(now)`: one turn of the weekly job (`WeeklyReports.run_once`) in the child process."""

    def __init__(self, settings: ProjectionSettings) -> None:
        self.settings = settings
        self._pool: ProcessPoolExecutor | None = None

    async def __call__(self, now: datetime) -> list[Path]:
        if self._pool is None:  # spawned, not forked: the worker runs threads and open connections
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=os.nice,
                initargs=(self.settings.reports_niceness,),
            )
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, _turn, self.settings, now)
        except BrokenProcessPool:
            self.close()  # the child died: the next turn starts a new one
            raise

    def close(self) -> None:
        """Wait for a turn under way (as a thread's turn was waited for), then end the child."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_job: list[WeeklyReports] = []  # the child's job, built on its first turn


def _turn(settings: ProjectionSettings, now: datetime) -> list[Path]:
    if not _job:
        from .. import bootstrap  # in the child only: bootstrap imports this package

        _job.append(bootstrap.weekly_reports(settings))
    return _job[0].run_once(now)
