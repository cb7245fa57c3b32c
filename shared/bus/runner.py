"""Runs a long-lived bus loop (relay or consumer) until SIGTERM/SIGINT, logging its progress."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[None]]


def run_until_signalled(
    name: str,
    loop: Loop,
    progress: Callable[[], Any] | None = None,
    report_seconds: float = 10.0,
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

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
            await loop(stop)
        finally:
            reporter.cancel()
        log.info("%s stopped", name)

    asyncio.run(main())
