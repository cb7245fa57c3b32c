"""The projection's worker: a tracked consumer over every service's topic (and the hotline's), and,
beside it in the same supervision, the weekly report job (`PROJECTION_REPORTS_SCHEDULE`; each turn in a
child process, `reports/process.py`) and the read side's safety net (its tables written up to the store
when no other writer did for `PROJECTION_INDEX_POLL_SECONDS`).

`python -m services.projection.entrypoints.worker`
"""

from __future__ import annotations

import asyncio
import contextlib

from shared.bus.runner import run_until_signalled
from shared.health import worker_endpoint

from .. import bootstrap
from ..reports.process import ReportTurns
from ..settings import ProjectionSettings


def main() -> None:
    settings = ProjectionSettings()
    clock = settings.clock()
    app = bootstrap.application(settings)
    consumer = bootstrap.consumer(settings, app, clock)
    reports = bootstrap.weekly_reports(settings) if settings.reports_schedule else None

    async def caught_up() -> bool:
        partitions = await consumer.partition_report()
        return bool(partitions) and all(p["lag"] == 0 for p in partitions.values())

    async def follow(stop: asyncio.Event) -> None:
        # The SSE stream, the relay and every HTTP query write the read side as the store changes;
        # this is the safety net should none of them run: it writes only what they left for a whole
        # interval, so the consumer's commits do not queue behind it for the process's writer.
        behind_at: int | None = None
        while not stop.is_set():
            behind_at = await asyncio.to_thread(app.refresh_if_left, behind_at)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.index_poll_seconds)

    async def loop(stop: asyncio.Event) -> None:
        jobs = [consumer.run(stop), follow(stop)]
        turns = ReportTurns(settings)  # rendering in a child process: it never holds this one's GIL
        if reports is not None:
            jobs.append(
                reports.run(
                    stop,
                    clock,
                    settings.reports_check_seconds,
                    settings.reports_first_delay_seconds,
                    caught_up=caught_up,
                    turn=turns,
                )
            )
        try:
            await asyncio.gather(*jobs)
        finally:
            await asyncio.to_thread(turns.close)

    run_until_signalled(
        "projection worker", loop, lambda: consumer.progress, health=worker_endpoint(settings, consumer)
    )


if __name__ == "__main__":
    main()
