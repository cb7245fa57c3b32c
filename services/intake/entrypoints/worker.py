"""Intake's worker: registers what office systems publish to the office-facing topic.

`python -m services.intake.entrypoints.worker`
"""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import worker_endpoint

from .. import bootstrap
from ..settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    consumer = bootstrap.office_topic_consumer(settings, bootstrap.application(settings), settings.clock())
    run_until_signalled(
        "intake worker", consumer.run, lambda: consumer.progress, health=worker_endpoint(settings, consumer)
    )


if __name__ == "__main__":
    main()
