"""Clocks the SLA service runs on: the wall clock, an accelerated one for demos, a settable one for tests.

(A candidate for `shared/clock.py`: other services may want to run a demo on the same fast time.)
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from shared.clock import Clock, utc_now


def accelerated_clock(epoch: datetime | None = None, factor: float = 1.0) -> Clock:
    """SLA time that starts at `epoch` (default: now) and runs `factor` times faster than the wall."""
    if factor == 1.0 and epoch is None:
        return utc_now
    start_wall = time.monotonic()
    start = (epoch or utc_now()).astimezone(UTC)

    def now() -> datetime:
        return start + timedelta(seconds=(time.monotonic() - start_wall) * factor)

    return now


class SimulatedClock:
    """A clock tests move by hand: days of SLA time in no time at all."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now

    def set(self, instant: datetime) -> datetime:
        self.now = instant.astimezone(UTC)
        return self.now
