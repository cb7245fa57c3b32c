"""SLA's outbox relay: `python -m services.sla.entrypoints.relay`."""

from __future__ import annotations

from shared.bus.runner import run_until_signalled

from .. import bootstrap
from ..settings import SlaSettings


def main() -> None:
    settings = SlaSettings()
    relay = bootstrap.relay(settings, bootstrap.application(settings))
    run_until_signalled("sla relay", relay.run, lambda: relay.progress)


if __name__ == "__main__":
    main()
