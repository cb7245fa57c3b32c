"""Logs that cannot drown a disk: every process's log lines pass a rate limit.

One misbehaving loop or one flood of requests must not write a million lines. `RateLimit` lets
through, per logger and message template, a burst and then `per_second` lines; what it holds back
is counted and said on the next line it lets through ("... [412 similar lines suppressed]").
Under `make up` the supervisor also rotates every process's log file (see deploy/local/).

Workers and relays call `configure_logging()`; the uvicorn processes get the same filter from
`deploy/logging.json` (`--log-config`), which also turns the access log on, rate-limited.
"""

from __future__ import annotations

import logging
import threading
import time

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


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
        key = (record.name, str(record.msg))
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
            record.msg = f"{record.getMessage()} [{suppressed} similar lines suppressed]"
            record.args = ()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Root logging to stderr, rate-limited (workers and relays)."""
    logging.basicConfig(level=level, format=FORMAT)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RateLimit) for f in handler.filters):
            handler.addFilter(RateLimit())
