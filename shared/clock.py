"""Time comes from an injectable clock, so decisions are deterministic in tests and a demo can run fast.

- `utc_now`: the wall clock (production).
- `accelerated(epoch, factor)`: demo time. From `epoch` (a real instant, when the demo began) time runs
  `factor` times faster. It is anchored to the wall clock, not to when a process started, so every
  process of the system agrees on the time.
- `SimulatedClock`: tests move it by hand — days of SLA time in no time at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def accelerated(epoch: datetime, factor: float, wall: Clock = utc_now) -> Clock:
    if factor <= 0:
        raise ValueError("a clock's factor must be positive")
    start = epoch.astimezone(UTC)

    def now() -> datetime:
        return start + (wall() - start) * factor

    return now


class SimulatedClock:
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
