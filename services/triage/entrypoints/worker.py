"""Triage's worker: judges every registered complaint, re-grades on SLA requests, finds mass incidents.

`python -m services.triage.entrypoints.worker`
"""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import worker_endpoint

from .. import bootstrap
from ..settings import TriageSettings


def main() -> None:
    settings = TriageSettings()
    consumer = bootstrap.consumer(settings, bootstrap.application(settings), settings.clock())
    run_until_signalled(
        "triage worker", consumer.run, lambda: consumer.progress, health=worker_endpoint(settings, consumer)
    )


if __name__ == "__main__":
    main()
