"""The projection's outbox relay: publishes every complaint's history and every office's statistics
to the compacted topics. `python -m services.projection.entrypoints.relay`"""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import relay_endpoint

from .. import bootstrap
from ..settings import ProjectionSettings


def main() -> None:
    settings = ProjectionSettings()
    relay = bootstrap.relay(settings, bootstrap.application(settings))
    run_until_signalled("projection relay", relay.run, lambda: relay.progress, health=relay_endpoint(settings, relay))


if __name__ == "__main__":
    main()
