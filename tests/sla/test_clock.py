"""The clocks the SLA runs on: wall time by default, accelerated for demos, simulated for tests."""

from __future__ import annotations

from datetime import timedelta

from services.sla import bootstrap
from services.sla.clock import SimulatedClock, accelerated_clock
from services.sla.settings import SlaSettings
from shared.clock import utc_now
from tests.sla.scenario import T0


def test_default_settings_run_on_the_wall_clock() -> None:
    assert bootstrap.clock(SlaSettings()) is utc_now


def test_an_accelerated_clock_starts_at_its_epoch_and_never_goes_back() -> None:
    clock = bootstrap.clock(SlaSettings(clock_epoch=T0, time_factor=3600))
    first, second = clock(), clock()
    assert T0 <= first <= second < T0 + timedelta(days=365)
    assert accelerated_clock(T0, 1.0)() >= T0


def test_a_simulated_clock_moves_only_when_told() -> None:
    clock = SimulatedClock(T0)
    assert clock() == clock() == T0
    assert clock.advance(timedelta(days=2)) == T0 + timedelta(days=2) == clock()
