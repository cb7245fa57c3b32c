"""Health and readiness of a service's processes.

A relay or a worker has no HTTP API of its own, yet a supervisor, a container engine and its own
service's HTTP app must be able to ask it "are you alive, are you ready, how far behind are you?".
So each one serves a tiny HTTP endpoint from its own event loop (`shared/bus/runner.py`):

- `GET /health/live`  200 while its loop turns (a heartbeat younger than `health_stale_seconds`);
- `GET /health/ready` 200 once it does its job (a relay has read its position; a worker owns partitions);
- `GET /health`       both, with the details: assigned partitions, lag, last commit age (worker);
  last published position, age of the last batch, notifications not yet published (relay);
- `GET /metrics`      its Prometheus metrics (`shared/metrics.py`), lag and backlog read at scrape time.

Liveness and readiness differ on purpose: a worker waiting for its partitions is alive (do not kill
it) but not ready (do not count on it). Each HTTP app's `GET /health` asks its service's relay and
worker (`background_health`) and answers 503 when one is unreachable, not alive or not ready.

`python -m shared.health URL` exits 0 when URL answers 200 (the containers' health checks).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.metrics import CONTENT_TYPE_LATEST, ConsumerMetrics, RelayMetrics, render

if TYPE_CHECKING:
    from shared.bus.consumer import TrackedConsumer
    from shared.bus.relay import OutboxRelay
    from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    """What a process says about itself: alive (its loop turns), ready (it does its job), and why."""

    alive: bool
    ready: bool
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.alive and self.ready

    def as_dict(self, name: str) -> dict[str, Any]:
        state = "ok" if self.ok else "starting" if self.alive else "stale"
        return {"status": state, "process": name, "alive": self.alive, "ready": self.ready, **self.details}


Probe = Callable[[], Awaitable[Status]]
Scrape = Callable[[], Awaitable[bytes]]  # the process's metrics in Prometheus' text format


def _age(since: float | None) -> float | None:
    return None if since is None else round(time.monotonic() - since, 3)


def relay_probe(relay: OutboxRelay, stale_after: float) -> Probe:
    """A relay is alive while its loop turns, ready once it has read its committed position."""

    born = time.monotonic()  # before its first turn, a relay that starts counts as alive

    async def probe() -> Status:
        progress = relay.progress
        beat = _age(progress.last_beat or born)
        last_id = await asyncio.to_thread(relay.app.process_recorder.max_notification_id)
        behind = None if last_id is None else max(last_id - (progress.position or 0), 0)
        return Status(
            alive=beat is not None and beat < stale_after,
            ready=progress.started > 0 and progress.last_beat is not None,
            details={
                "heartbeat_age_seconds": beat,
                "published_position": progress.position,
                "last_batch_age_seconds": _age(progress.last_batch),
                "notifications_behind": behind,
                "published_events": progress.published_events,
            },
        )

    return probe


async def _open_letters(consumer: TrackedConsumer) -> int | None:
    """The worker's dead letters that need an operator, or None when the store cannot say now (a
    store that is down shows in the worker's own loop; the probe must not fail on it)."""
    try:
        return await asyncio.to_thread(consumer.open_letters.count)
    except Exception:
        log.warning("open dead letters not counted now", exc_info=True)
        return None


def consumer_probe(consumer: TrackedConsumer, stale_after: float) -> Probe:
    """A worker is alive while it polls, ready while it owns partitions; lag is per partition:
    the last stable offset Kafka reported minus the next offset the worker will handle."""

    async def probe() -> Status:
        progress = consumer.progress
        beat = _age(progress.last_poll or progress.started)
        partitions = await consumer.partition_report()
        lags = [p["lag"] for p in partitions.values() if p["lag"] is not None]
        return Status(
            alive=beat is not None and beat < stale_after,
            ready=bool(partitions),
            details={
                "heartbeat_age_seconds": beat,
                "assigned_partitions": sorted(partitions),
                "lag": sum(lags) if lags else None,
                "partitions": partitions,
                "last_commit_age_seconds": _age(progress.last_commit),
                "handled": progress.handled,
                "dead_lettered": progress.dead_lettered,
                "open_dead_letters": await _open_letters(consumer),
            },
        )

    return probe


# -- the endpoint a relay or worker serves -------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where a process serves its health, and what it answers with."""

    name: str
    host: str
    port: int
    probe: Probe
    exit_after_seconds: float = 0.0  # not alive for this long: the process exits to be restarted (0: never)
    metrics: Scrape | None = None


def relay_endpoint(settings: ServiceSettings, relay: OutboxRelay) -> Endpoint:
    """The relay process's health endpoint, as its settings place it."""
    probe = relay_probe(relay, settings.health_stale_seconds)
    port = settings.health_port("relay")
    exit_after = settings.health_exit_after_seconds
    return Endpoint("relay", settings.health_bind_host, port, probe, exit_after, relay_scrape(relay))


def worker_endpoint(settings: ServiceSettings, consumer: TrackedConsumer) -> Endpoint:
    """The worker process's health endpoint, as its settings place it."""
    probe = consumer_probe(consumer, settings.health_stale_seconds)
    port = settings.health_port("worker")
    exit_after = settings.health_exit_after_seconds
    return Endpoint("worker", settings.health_bind_host, port, probe, exit_after, consumer_scrape(consumer))


def relay_scrape(relay: OutboxRelay) -> Scrape:
    """The relay's metrics, with its backlog (notifications not yet published) read now."""
    metrics: RelayMetrics = relay.metrics

    async def scrape() -> bytes:
        last_id = await asyncio.to_thread(relay.app.process_recorder.max_notification_id)
        if last_id is not None:
            metrics.behind.set(max(last_id - (relay.progress.position or 0), 0))
        return render(metrics.registry)

    return scrape


def consumer_scrape(consumer: TrackedConsumer) -> Scrape:
    """The worker's metrics, with each assigned partition's lag read now."""
    metrics: ConsumerMetrics = consumer.metrics

    async def scrape() -> bytes:
        metrics.set_lag(await consumer.partition_report())
        open_letters = await _open_letters(consumer)
        if open_letters is not None:
            metrics.open_dead_letters.set(open_letters)
        return render(metrics.registry)

    return scrape


def health_app(endpoint: Endpoint) -> Starlette:
    async def answer(request: Request) -> JSONResponse:
        try:
            status = await endpoint.probe()
        except Exception as error:  # a probe that fails says so instead of hiding the process
            status = Status(alive=False, ready=False, details={"error": f"{type(error).__name__}: {error}"})
        wanted = {"/health/live": status.alive, "/health/ready": status.ready}.get(request.url.path, status.ok)
        return JSONResponse(status.as_dict(endpoint.name), status_code=200 if wanted else 503)

    async def metrics(request: Request) -> Response:
        if endpoint.metrics is None:
            return Response("no metrics\n", status_code=404, media_type="text/plain")
        return Response(await endpoint.metrics(), media_type=CONTENT_TYPE_LATEST)

    paths = ("/health", "/health/live", "/health/ready")
    return Starlette(routes=[*(Route(path, answer) for path in paths), Route("/metrics", metrics)])


class _InLoopServer(uvicorn.Server):
    # The process's own runner owns SIGTERM/SIGINT; uvicorn must not replace its handlers.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(endpoint: Endpoint | None) -> AsyncIterator[None]:
    """Serve `endpoint` on the running event loop for as long as the block runs."""
    if endpoint is None or endpoint.port <= 0:
        yield
        return
    config = uvicorn.Config(
        health_app(endpoint),
        host=endpoint.host,
        port=endpoint.port,
        log_config=None,
        access_log=False,
        lifespan="off",
    )
    server = _InLoopServer(config)

    async def serve() -> None:
        try:
            await server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind: the process goes on, unhealthy to others
            log.error(
                "%s: cannot serve health on %s:%d; going on without it", endpoint.name, endpoint.host, endpoint.port
            )

    task = asyncio.create_task(serve())
    try:
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


# -- what an HTTP app asks of its service's relay and worker ------------------------------------


def background_health(settings: ServiceSettings, cache_seconds: float = 1.0) -> Callable[[], Awaitable[dict[str, Any]]]:
    """The health of the service's background processes (`settings.health_processes`), asked over
    HTTP with a short timeout and remembered for `cache_seconds`, so `GET /health` stays cheap
    however often it is called."""
    cached: dict[str, Any] = {}

    async def ask(client: httpx.AsyncClient, process: str) -> dict[str, Any]:
        url = f"http://{settings.health_address(process)}/health"
        try:
            answer = await client.get(url)
            body: dict[str, Any] = answer.json()
            return body | {"ok": answer.status_code == 200}
        except (httpx.HTTPError, ValueError) as error:
            return {"status": "unreachable", "process": process, "url": url, "error": str(error), "ok": False}

    async def check() -> dict[str, Any]:
        if cached and time.monotonic() - cached["at"] < cache_seconds:
            return dict(cached["value"])
        async with httpx.AsyncClient(timeout=settings.health_probe_timeout_seconds) as client:
            answers = await asyncio.gather(*(ask(client, p) for p in settings.health_processes))
        value = dict(zip(settings.health_processes, answers, strict=True))
        cached.update(at=time.monotonic(), value=value)
        return dict(value)

    return check


def main(argv: list[str]) -> int:
    """`python -m shared.health URL`: 0 when URL answers 200 within two seconds."""
    try:
        return 0 if httpx.get(argv[1], timeout=2).status_code == 200 else 1
    except httpx.HTTPError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
