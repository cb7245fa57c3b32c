"""Structured logs that cannot drown a disk and never carry personal data.

Every process's log lines are rendered by structlog (`configure_logging`): one JSON object a line in
production (`LOG_FORMAT=json`, the default), readable columns under `make up` (`LOG_FORMAT=console`).
Each line carries `timestamp`, `level`, `logger`, `event` (the message), `service` and `process`,
`trace_id` and `span_id` when a span is current (shared/tracing.py), and whatever context is bound
where it is written: a worker binds the CloudEvent it is handling
(`complaint_id`, `correlation_id`, `event_id`, `event_type`, `topic`, `partition`, `offset`) around
each message (`message_context`); an HTTP app binds `request_id` and `correlation_id` around each
request (`install_request_context`). The code keeps writing through the standard `logging` module
(`logging.getLogger(__name__)`); structlog formats those lines too, so nothing had to change there.

Personal data stays out: a bound or passed field named like a complainant's name, contact or unit is
replaced by `[withheld]` (`withhold_personal_data`), so is a value pydantic echoes in an error's text
(`input_value=...`, in the message or the traceback), and the context bound from a message is taken
from its envelope only, never from its payload.

One misbehaving loop or one flood of requests must not write a million lines. `RateLimit` lets
through, per logger and message template, a burst and then `per_second` lines; what it holds back
is counted and said on the next line it lets through ("... [412 similar lines suppressed]").
Under `make up` the supervisor also rotates every process's log file (see deploy/local/).

Workers and relays call `configure_logging()` (`shared/bus/runner.py`); the uvicorn processes get
the same formatter and filter from `deploy/logging.json` (`--log-config`), which also turns the
access log on, rate-limited.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import structlog
from opentelemetry import trace

from shared.settings import LogSettings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# Who writes: set once per process (one process per role), added to every line.
_identity: dict[str, str] = {}

# Field names that could carry a complainant's personal data (see shared/contracts/intake.py).
PERSONAL_FIELDS = frozenset(
    {
        "complainant",
        "name",
        "contact",
        "phone",
        "email",
        "address",
        "unit",
        "unit_address",
        "complainant_name",
        "contact_details",
    }
)


class RateLimit(logging.Filter):
    """A token bucket per (logger, message template)."""

    def __init__(self, per_second: float = 20.0, burst: int = 100, max_keys: int = 2000) -> None:
        super().__init__()
        self.per_second = per_second
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[tuple[str, str], list[float]] = {}  # key -> [tokens, last refill, suppressed]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        # A structlog line arrives as its event dict: its template is the `event`, not the values.
        template = record.msg.get("event") if isinstance(record.msg, dict) else record.msg
        key = (record.name, str(template))
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:  # templates made of data: start afresh
                    self._buckets.clear()
                bucket = self._buckets[key] = [float(self.burst), now, 0.0]
            bucket[0] = min(float(self.burst), bucket[0] + (now - bucket[1]) * self.per_second)
            bucket[1] = now
            if bucket[0] < 1.0:
                bucket[2] += 1
                return False
            bucket[0] -= 1.0
            suppressed, bucket[2] = int(bucket[2]), 0.0
        if suppressed:
            if isinstance(record.msg, dict):
                record.msg = {**record.msg, "suppressed": suppressed}
            else:
                record.msg = f"{record.getMessage()} [{suppressed} similar lines suppressed]"
                record.args = ()
        return True


# -- processors: what every line gets -------------------------------------------------------------


def add_identity(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in _identity.items():
        event.setdefault(key, value)
    return event


def add_trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The current span's ids (shared/tracing.py), so a line leads to its trace and back."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", f"{context.trace_id:032x}")
        event.setdefault("span_id", f"{context.span_id:016x}")
    return event


# pydantic echoes the refused value in its errors (`input_value='Chan Tai Man...'`): an error's text
# logged as is could carry a complainant's name or contact.
_ECHOED_INPUT = re.compile(r"input_value=(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\]\n]*)")


def withhold_personal_data(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in PERSONAL_FIELDS & event.keys():
        event[key] = "[withheld]"
    for key in ("event", "exception"):
        value = event.get(key)
        if isinstance(value, str) and "input_value=" in value:
            event[key] = _ECHOED_INPUT.sub("input_value=[withheld]", value)
    return event


def _common() -> list[Any]:
    """What every line gets, whether written through `logging` or through structlog."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_identity,
        add_trace_ids,
        withhold_personal_data,
    ]


def formatter(log_format: str | None = None) -> structlog.stdlib.ProcessorFormatter:
    """The one formatter of every handler: structlog's, for `logging` and structlog lines alike."""
    chosen = log_format or LogSettings().format
    final: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if chosen == "json":  # the traceback's text is checked too, once it is text
        final += [structlog.processors.format_exc_info, withhold_personal_data, structlog.processors.JSONRenderer()]
    else:
        final.append(structlog.dev.ConsoleRenderer(colors=False, sort_keys=False))
    return structlog.stdlib.ProcessorFormatter(foreign_pre_chain=_common(), processors=final)


def set_identity(service: str, process: str) -> None:
    """Name the process on every line it writes (`service`, `process`)."""
    _identity.update(service=service, process=process)


def configure_logging(
    level: int | str | None = None, *, service: str | None = None, process: str | None = None
) -> None:
    """Root logging to stderr through structlog's formatter, rate-limited (workers and relays)."""
    settings = LogSettings()
    if service and process:
        set_identity(service, process)
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    root.setLevel(level or settings.level)
    for handler in root.handlers:
        handler.setFormatter(formatter(settings.format))
        if not any(isinstance(f, RateLimit) for f in handler.filters):
            handler.addFilter(RateLimit())
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *(p for p in _common() if not isinstance(p, structlog.stdlib.ExtraAdder)),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


# -- context: what the lines written while handling one message or request carry ---------------


@contextmanager
def message_context(message: Any, *, topic: str, partition: int, offset: int) -> Iterator[None]:
    """Bind the envelope of the CloudEvent being handled (never its payload) for the block."""
    fields: dict[str, Any] = {"topic": topic, "partition": partition, "offset": offset}
    for name in ("complaint_id", "correlation_id", "event_id", "type"):
        value = getattr(message, name, None)
        if value is not None:
            fields["event_type" if name == "type" else name] = str(value)
    with structlog.contextvars.bound_contextvars(**fields):
        yield


REQUEST_ID_HEADER = "X-Request-Id"
CORRELATION_HEADER = "X-Correlation-Id"


def install_request_context(api: FastAPI) -> None:
    """Bind `request_id` (the caller's X-Request-Id, or a new one, echoed back) and the caller's
    `correlation_id` (X-Correlation-Id) around each request."""

    @api.middleware("http")
    async def _context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = (request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex)[:64]
        fields = {"request_id": request_id}
        if correlation := request.headers.get(CORRELATION_HEADER):
            fields["correlation_id"] = correlation[:64]
        with structlog.contextvars.bound_contextvars(**fields):
            response = await call_next(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
