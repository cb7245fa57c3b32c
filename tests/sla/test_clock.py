"""The clocks services run on: wall time by default, accelerated for demos, simulated for tests."""

from __future__ import annotations

from datetime import timedelta

from services.sla.settings import SlaSettings
from shared.clock import SimulatedClock, accelerated, utc_now
from tests.sla.scenario import T0


def test_default_settings_run_on_the_wall_clock() -> None:
    assert SlaSettings().clock() is utc_now


def test_accelerated_time_runs_factor_times_faster_from_its_epoch() -> None:
    wall = SimulatedClock(T0)
    clock = accelerated(T0, 60, wall)
    wall.advance(timedelta(minutes=2))
    assert clock() == T0 + timedelta(hours=2)


def test_processes_started_at_different_moments_agree_on_demo_time() -> None:
    wall = SimulatedClock(T0)
    first = accelerated(T0, 3600, wall)
    wall.advance(timedelta(seconds=30))
    second = accelerated(T0, 3600, wall)  # another process, started later
    assert first() == second() == T0 + timedelta(hours=30)


def test_settings_build_the_demo_clock() -> None:
    clock = SlaSettings(clock_epoch=utc_now(), time_factor=3600).clock()
    first, second = clock(), clock()
    assert first <= second


def test_a_simulated_clock_moves_only_when_told() -> None:
    clock = SimulatedClock(T0)
    assert clock() == clock() == T0
    assert clock.advance(timedelta(days=2)) == T0 + timedelta(days=2) == clock()
