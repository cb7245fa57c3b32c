"""Intake's outbox relay: `python -m services.intake.entrypoints.relay`."""

from __future__ import annotations

from shared.bus.runner import run_until_signalled

from .. import bootstrap
from ..settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    relay = bootstrap.relay(settings, bootstrap.application(settings))
    run_until_signalled("intake relay", relay.run, lambda: relay.progress)


if __name__ == "__main__":
    main()
