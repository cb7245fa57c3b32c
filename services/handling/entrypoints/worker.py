"""Handling's worker: opens a case for every routed complaint, keeps its severity current, and
reopens it when a return visit finds the customer dissatisfied.

`python -m services.handling.entrypoints.worker`
"""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import worker_endpoint

from .. import bootstrap
from ..settings import HandlingSettings


def main() -> None:
    settings = HandlingSettings()
    consumer = bootstrap.consumer(settings, bootstrap.application(settings), settings.clock())
    run_until_signalled(
        "handling worker", consumer.run, lambda: consumer.progress, health=worker_endpoint(settings, consumer)
    )


if __name__ == "__main__":
    main()
