"""Runs a long-lived bus loop (relay or consumer) until SIGTERM/SIGINT, logging its progress and
serving its health endpoint (`shared/health.py`) from the same event loop: an answer proves the loop
turns, and the probe reads the loop's own progress without locks."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from shared.health import Endpoint, serving
from shared.logs import configure_logging

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[None]]


def run_until_signalled(
    name: str,
    loop: Loop,
    progress: Callable[[], Any] | None = None,
    report_seconds: float = 10.0,
    *,
    health: Endpoint | None = None,
) -> None:
    configure_logging()

    async def main() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)

        async def report() -> None:
            while progress is not None and not stop.is_set():
                await asyncio.sleep(report_seconds)
                log.info("%s: %s", name, progress())

        reporter = asyncio.create_task(report())
        try:
            async with serving(health):
                if health is not None:
                    log.info("%s serves its health on http://%s:%d/health", name, health.host, health.port)
                await loop(stop)
        finally:
            reporter.cancel()
        log.info("%s stopped", name)

    asyncio.run(main())
