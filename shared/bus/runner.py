"""Runs a long-lived bus loop (relay or consumer) until SIGTERM/SIGINT, logging its progress and
serving its health endpoint (`shared/health.py`) from the same event loop: an answer proves the loop
turns, and the probe reads the loop's own progress without locks.

A process that is alive in name only (its loop stuck, e.g. on a broker that never answers) is no
use to anyone: after `health.exit_after_seconds` of not being alive it exits, and its supervisor
(supervisord under `make up`, the container engine in production) starts it afresh. Nothing is
lost: a relay goes on from its committed position, a worker from its tracking records."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

from shared.health import Endpoint, serving
from shared.logs import configure_logging
from shared.tracing import configure_tracing

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
    service, _, process = name.partition(" ")  # "intake relay"
    configure_logging(service=service, process=process or service)
    configure_tracing(service, process or service)  # only with OTEL_EXPORTER_OTLP_ENDPOINT

    async def main() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)

        async def report() -> None:
            while progress is not None and not stop.is_set():
                await asyncio.sleep(report_seconds)
                log.info("%s: %s", name, progress())

        async def watchdog(endpoint: Endpoint) -> None:
            alive_at = time.monotonic()
            while not stop.is_set():
                await asyncio.sleep(min(5.0, endpoint.exit_after_seconds / 4))
                try:
                    alive = (await endpoint.probe()).alive
                except Exception:
                    log.exception("%s: health probe failed", name)
                    alive = False
                if alive:
                    alive_at = time.monotonic()
                elif time.monotonic() - alive_at > endpoint.exit_after_seconds:
                    log.error("%s: not alive for %.0f s; exiting to be restarted", name, endpoint.exit_after_seconds)
                    logging.shutdown()
                    os._exit(75)  # EX_TEMPFAIL; skips the stuck loop's clean-up, which is what hangs

        reporter = asyncio.create_task(report())
        if health is not None and health.exit_after_seconds > 0:
            tasks = [reporter, asyncio.create_task(watchdog(health))]
        else:
            tasks = [reporter]
        try:
            async with serving(health):
                if health is not None:
                    log.info("%s serves its health on http://%s:%d/health", name, health.host, health.port)
                await loop(stop)
        finally:
            for task in tasks:
                task.cancel()
        log.info("%s stopped", name)

    asyncio.run(main())
