"""SLA's worker: hears the facts that start and stop clocks, and runs the scheduler that records due
warnings, breaches and re-grade requests. `python -m services.sla.entrypoints.worker`

`SLA_TIME_FACTOR=60` runs SLA time 60x faster (a demo day in 24 minutes); `SLA_CLOCK_EPOCH` sets
where it starts.
"""

from __future__ import annotations

import asyncio

from shared.bus.runner import run_until_signalled
from shared.health import worker_endpoint

from .. import bootstrap
from ..settings import SlaSettings


def main() -> None:
    settings = SlaSettings()
    app = bootstrap.application(settings)
    clock = settings.clock()
    consumer = bootstrap.consumer(settings, app, clock)
    scheduler = bootstrap.Scheduler(app, clock, settings.tick_seconds)

    async def both(stop: asyncio.Event) -> None:
        await asyncio.gather(consumer.run(stop), scheduler.run(stop))

    run_until_signalled(
        "sla worker",
        both,
        lambda: {"consumer": consumer.progress, "fired": scheduler.fired},
        health=worker_endpoint(settings, consumer),
    )


if __name__ == "__main__":
    main()
