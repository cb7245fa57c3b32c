"""Prometheus metrics of every process: what an operator graphs and alerts on.

One `CollectorRegistry` per process (one process per role, so no multiprocess mode): an HTTP app
serves its own at `GET /metrics`; a relay or a worker serves its own at `/metrics` beside its health
(`shared/health.py`). Each metric family belongs to one role and is made with that role's registry,
never at import time, so tests can run many relays and workers in one interpreter.

Label values are bounded by design: the route *template* (never the raw path), the status code, a
topic and partition from the registry, a dead letter's reason class, a quarantine's stage, an event
type, an SLA clock kind and level. No complaint id, office key or personal data is ever a label.

The SLA's clocks are counted from what the SLA relay publishes (`SlaClockCounter`), not where the
SLA application records them: the relay publishes each fact exactly once, after its Kafka
transaction committed, whereas the application's unit of work may be retried or rolled back; and
the count then follows the published contract (stable), not the SLA's private domain model.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    generate_latest,
)

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

    from shared.contracts import WireMessage

__all__ = [
    "CONTENT_TYPE_LATEST",
    "ConsumerMetrics",
    "HttpMetrics",
    "RelayMetrics",
    "SlaClockCounter",
    "install_http_metrics",
    "process_registry",
    "render",
]

# Batches are up to a few hundred records; commits take milliseconds to seconds.
BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def process_registry(service: str, process: str) -> CollectorRegistry:
    """A fresh registry for one process, with its CPU/memory/fds and who it is."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    Info("complaints_process", "Which service and process this is.", registry=registry).info(
        {"service": service, "process": process}
    )
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus' text format."""
    return generate_latest(registry)


# -- HTTP apps -----------------------------------------------------------------------------------


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer a request (until the response starts), by method, route template and status.",
            ["method", "route", "status"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge("http_requests_in_flight", "Requests being answered now.", registry=registry)


def route_template(request: Request) -> str:
    """The matched route's template (`/complaints/{complaint_id}`), or `unmatched`: never the raw
    path, so a client cannot mint label values."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"


def install_http_metrics(api: FastAPI, service: str) -> HttpMetrics:
    """Time every request and serve `GET /metrics` (not in the OpenAPI document)."""
    from starlette.responses import Response

    metrics = HttpMetrics(process_registry(service, "http"))
    api.state.metrics = metrics

    @api.middleware("http")
    async def _time(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        metrics.in_flight.inc()
        status = 500  # an exception escaping the app is answered 500 by the server
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            metrics.in_flight.dec()
            elapsed = time.perf_counter() - started
            metrics.latency.labels(request.method, route_template(request), str(status)).observe(elapsed)

    @api.get("/metrics", include_in_schema=False)
    def _metrics() -> Response:
        return Response(render(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


# -- the tracked consumer (workers) --------------------------------------------------------------


class ConsumerMetrics:
    """A worker's consumption: what it handled, dead-lettered, and how far behind it is."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.handled = Counter(
            "consumer_records_handled", "Messages handled (effects saved with their position).", ["topic"], registry=r
        )
        self.dead_letters = Counter(
            "consumer_dead_letters",
            "Messages recorded as dead letters, by reason class: unauthored (not signed by the topic's "
            "service, or altered), decode (not a message we read), refused (the handler refused it for "
            "good), failed (handling raised max_attempts times).",
            ["topic", "reason"],
            registry=r,
        )
        self.open_dead_letters = Gauge(
            "consumer_dead_letters_open",
            "This worker's dead letters that still need an operator: neither redriven nor dismissed "
            "(read from the store at scrape time; `python -m shared.bus.operator list`).",
            registry=r,
        )
        self.skipped = Counter(
            "consumer_redeliveries_skipped", "Redelivered messages skipped by their tracked offset.", registry=r
        )
        self.batch_size = Histogram(
            "consumer_batch_size", "Messages per partition batch saved in one transaction.", buckets=BATCH_BUCKETS,
            registry=r,
        )  # fmt: skip
        self.commit_seconds = Histogram(
            "consumer_commit_duration_seconds",
            "Time to save a batch's effects with its tracking record (one database transaction).",
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.lag = Gauge(
            "consumer_lag",
            "Last stable offset minus the next offset to handle, per assigned partition (at scrape time).",
            ["topic", "partition"],
            registry=r,
        )
        self.assigned = Gauge("consumer_assigned_partitions", "Partitions this worker owns.", registry=r)

    def set_lag(self, report: dict[str, dict[str, int | None]]) -> None:
        """Replace the lag gauges by the partitions assigned now (revoked ones disappear)."""
        self.lag.clear()
        self.assigned.set(len(report))
        for name, values in report.items():
            topic, _, partition = name.rpartition("/")
            if values.get("lag") is not None:
                self.lag.labels(topic, partition).set(values["lag"] or 0)


# -- the outbox relay ----------------------------------------------------------------------------


class RelayMetrics:
    """A relay's publishing: what it published and quarantined, how big and slow its transactions are."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.notifications = Counter(
            "relay_notifications_published", "Notifications of the store's log published (or passed).", registry=r
        )
        self.messages = Counter(
            "relay_messages_published", "Messages published to Kafka, by topic and event type.", ["topic", "type"],
            registry=r,
        )  # fmt: skip
        self.quarantines = Counter(
            "relay_quarantines", "Records quarantined instead of published, by stage.", ["stage"], registry=r
        )
        self.batch_size = Histogram(
            "relay_batch_size", "Notifications per Kafka transaction.", buckets=BATCH_BUCKETS, registry=r
        )
        self.commit_seconds = Histogram(
            "relay_commit_duration_seconds",
            "Time to publish a batch and its position in one Kafka transaction.",
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.behind = Gauge(
            "relay_notifications_behind", "Notifications recorded but not yet published (at scrape time).", registry=r
        )
        self.sla = SlaClockCounter(r)

    def published(self, outgoing: Sequence[tuple[str, WireMessage]]) -> None:
        """Count a committed transaction's messages (called only after the commit)."""
        for topic, wire in outgoing:
            kind = wire.header("ce_type") or "unknown"
            self.messages.labels(topic, kind).inc()
            if kind in SlaClockCounter.TYPES:
                self.sla.observe(wire)


class SlaClockCounter:
    """Clocks started, warned and breached, by clock kind and level, as the SLA relay publishes them."""

    TYPES = frozenset(
        {"complaints.sla.ClockStarted", "complaints.sla.DeadlineWarning", "complaints.sla.DeadlineBreached"}
    )
    MAX_LEVEL = 5  # escalation levels above this share one label value ("5+")

    def __init__(self, registry: CollectorRegistry) -> None:
        self.clocks = Counter(
            "sla_clock_events",
            "SLA clock events published: started (level none), warned (level = the share "
            "of the allowed time used), breached (level = the escalation level).",
            ["event", "clock", "level"],
            registry=registry,
        )

    def observe(self, wire: WireMessage) -> None:
        from shared.contracts import decode_message

        try:
            message: Any = decode_message(wire)
        except Exception:  # the relay encoded it; a message it cannot read back is counted, not raised
            self.clocks.labels("unreadable", "unknown", "unknown").inc()
            return
        payload = message.payload
        clock = str(payload.clock)
        if message.type.endswith("ClockStarted"):
            self.clocks.labels("started", clock, "none").inc()
        elif message.type.endswith("DeadlineWarning"):
            self.clocks.labels("warned", clock, f"{payload.fraction:g}").inc()
        else:
            level = payload.escalation_level
            label = str(level) if level < self.MAX_LEVEL else f"{self.MAX_LEVEL}+"
            self.clocks.labels("breached", clock, label).inc()
