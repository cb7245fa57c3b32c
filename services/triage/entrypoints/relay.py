"""Triage's outbox relay: `python -m services.triage.entrypoints.relay`."""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import relay_endpoint

from .. import bootstrap
from ..settings import TriageSettings


def main() -> None:
    settings = TriageSettings()
    relay = bootstrap.relay(settings, bootstrap.publishing_application(settings))
    run_until_signalled("triage relay", relay.run, lambda: relay.progress, health=relay_endpoint(settings, relay))


if __name__ == "__main__":
    main()
