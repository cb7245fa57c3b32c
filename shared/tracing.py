"""Traces: OpenTelemetry from an HTTP request through every Kafka hop, off unless configured.

Nothing is traced unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set (`TraceSettings`): then each process
exports its spans over OTLP/HTTP, named `<service>-<process>`. Off, nothing below changes a byte
that is stored or published.

How one complaint step stays one trace although the outbox puts a store and a relay process between
the request and Kafka:

1. An HTTP app's server span (FastAPI instrumentation) is current while its command saves events;
   the store's mapper (`TracingMapper`) writes the W3C `traceparent` into each stored event's state
   (a private `_trace` key, never seen by the domain: reading the event removes it).
2. The relay, reading that event back, publishes its messages with the CloudEvents distributed-
   tracing extension `traceparent` (Kafka header `ce_traceparent`).
3. A tracked consumer handles each message inside a CONSUMER span whose parent is that
   `traceparent`; the events its handler records are stamped with this span (`stamp_pending`:
   a batch commits after its messages' spans ended), so the next relay carries the trace on.
4. Work done later on stored events (the projection's read-side write, its SSE push) is a span in
   the trace each event was recorded under (`within_recorded`), linked to where it ran.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.settings import TraceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

TRACE_KEY = "_trace"  # in a stored event's state
EXTENSION = "traceparent"  # the CloudEvents distributed-tracing extension attribute
HEADER = f"ce_{EXTENSION}"  # ... as a Kafka header in binary mode

_propagator = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None
_local = threading.local()  # per thread: stamps of pending events, the last event read's trace


def configure_tracing(service: str, process: str, *, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """Trace this process if `OTEL_EXPORTER_OTLP_ENDPOINT` is set (or an exporter is given, in tests)."""
    global _provider
    if exporter is None:
        if not TraceSettings().exporter_otlp_endpoint:
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor: Any = BatchSpanProcessor(OTLPSpanExporter())  # reads the standard OTEL_* variables
    else:
        processor = SimpleSpanProcessor(exporter)
    provider = TracerProvider(resource=Resource.create({"service.name": f"{service}-{process}"}))
    provider.add_span_processor(processor)
    _provider = provider
    return provider


def disable_tracing() -> None:
    global _provider
    if _provider is not None:
        _provider.shutdown()
    _provider = None


def enabled() -> bool:
    return _provider is not None


def tracer() -> trace.Tracer:
    return trace.get_tracer("complaints", tracer_provider=_provider)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(EXTENSION)


def instrument_app(api: FastAPI) -> None:
    """A server span per request (named by route template) when tracing is on."""
    if _provider is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(api, tracer_provider=_provider, excluded_urls="/metrics,/health.*")


# -- Kafka hops ----------------------------------------------------------------------------------


@contextmanager
def consuming(
    headers: dict[str, str],
    *,
    topic: str,
    partition: int,
    offset: int,
    event_id: str,
    group: str = "",
    key: str | None = None,
) -> Iterator[None]:
    """Handle one message inside a CONSUMER span continuing its publisher's trace (if any)."""
    if _provider is None:
        yield
        return
    parent = _propagator.extract({EXTENSION: headers[HEADER]}) if HEADER in headers else None
    attributes: dict[str, str | int] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        "messaging.destination.partition.id": str(partition),
        "messaging.kafka.offset": offset,
        "cloudevents.event_id": event_id,
    }
    if group:
        attributes["messaging.consumer.group.name"] = group
    if key is not None:  # a complaint's messages are keyed by its id: a backend finds them by it
        attributes["messaging.kafka.message.key"] = key
    with tracer().start_as_current_span(
        f"process {topic}", context=parent, kind=trace.SpanKind.CONSUMER, attributes=attributes
    ):
        yield


def within_recorded(name: str, traceparents: Iterable[str | None], *, start_time: int, **attributes: Any) -> None:
    """A span (from `start_time` to now) for work done on stored events, in each trace they were
    recorded under: a child of the span that recorded them, linked to the span current here (the
    work may serve many complaints' events at once, e.g. the projection's read-side write)."""
    if _provider is None:
        return
    here = trace.get_current_span().get_span_context()
    links = [trace.Link(here)] if here.is_valid else []
    for traceparent in dict.fromkeys(t for t in traceparents if t):
        parent = _propagator.extract({EXTENSION: traceparent})
        span = tracer().start_span(name, context=parent, links=links, start_time=start_time, attributes=attributes)
        span.end()


def stamp_pending(aggregates: Any) -> None:
    """Remember the current span for the events the aggregates hold pending, until they are stored."""
    if _provider is None:
        return
    traceparent = current_traceparent()
    if traceparent is None:
        return
    stamps = _stamps()
    for aggregate in aggregates:
        for event in getattr(aggregate, "pending_events", ()):
            stamps.setdefault(id(event), (event, traceparent))


def forget_stamps() -> None:
    """A new unit of work begins on this thread: stamps of events never stored are dropped."""
    if _provider is not None:
        _stamps().clear()


def extensions_for(traceparent: str | None) -> dict[str, str] | None:
    """The CloudEvents extension attributes carrying a trace onto a published message."""
    return {EXTENSION: traceparent} if traceparent and _provider is not None else None


def last_read_trace() -> str | None:
    """The trace the event this thread last read from the store was recorded under."""
    return getattr(_local, "last", None)


def _stamps() -> dict[int, tuple[Any, str]]:
    """Per thread: id(event) -> (the event, its trace). Holding the event keeps its id from being
    reused by another event (say, one a scheduler records on this pool thread after a failed batch)."""
    stamps: dict[int, tuple[Any, str]] | None = getattr(_local, "stamps", None)
    if stamps is None:
        stamps = _local.stamps = {}
    return stamps


def _stamped(domain_event: Any) -> str | None:
    stamp = _stamps().pop(id(domain_event), None)
    return stamp[1] if stamp is not None and stamp[0] is domain_event else None


class TracingMapper(Mapper[UUID]):
    """Stores the trace an event was recorded under beside its state (only when tracing is on), and
    takes it off again when the event is read, so the domain never sees it."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        traceparent = (_stamped(domain_event) or current_traceparent()) if _provider else None
        if traceparent is None:
            return super().to_stored_event(domain_event)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        state[TRACE_KEY] = traceparent
        stored = self.transcoder.encode(state)
        if self.compressor:
            stored = self.compressor.compress(stored)
        if self.cipher:
            stored = self.cipher.encrypt(stored)
        return StoredEvent(originator_id, originator_version, get_topic(type(domain_event)), stored)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        _local.last = vars(domain_event).pop(TRACE_KEY, None)
        return domain_event
