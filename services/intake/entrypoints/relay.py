"""Intake's outbox relay: `python -m services.intake.entrypoints.relay`."""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import relay_endpoint

from .. import bootstrap
from ..settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    relay = bootstrap.relay(settings, bootstrap.application(settings))
    run_until_signalled("intake relay", relay.run, lambda: relay.progress, health=relay_endpoint(settings, relay))


if __name__ == "__main__":
    main()
