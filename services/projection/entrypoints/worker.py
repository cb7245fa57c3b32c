"""The projection's worker: a tracked consumer over every service's topic (and the hotline's).

`python -m services.projection.entrypoints.worker`
"""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import worker_endpoint

from .. import bootstrap
from ..settings import ProjectionSettings


def main() -> None:
    settings = ProjectionSettings()
    consumer = bootstrap.consumer(settings, bootstrap.application(settings), settings.clock())
    run_until_signalled(
        "projection worker", consumer.run, lambda: consumer.progress, health=worker_endpoint(settings, consumer)
    )


if __name__ == "__main__":
    main()
