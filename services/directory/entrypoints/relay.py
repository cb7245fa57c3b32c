"""Directory's outbox relay: `python -m services.directory.entrypoints.relay`."""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import relay_endpoint

from .. import bootstrap
from ..settings import DirectorySettings


def main() -> None:
    settings = DirectorySettings()
    relay = bootstrap.relay(settings, bootstrap.application(settings))
    run_until_signalled("directory relay", relay.run, lambda: relay.progress, health=relay_endpoint(settings, relay))


if __name__ == "__main__":
    main()
