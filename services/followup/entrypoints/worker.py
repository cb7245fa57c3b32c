"""Follow-up's worker: hears triage's judgements and handling's results and reopenings.

`python -m services.followup.entrypoints.worker`
"""

from __future__ import annotations

from shared.bus.runner import run_until_signalled
from shared.health import worker_endpoint

from .. import bootstrap
from ..settings import FollowupSettings


def main() -> None:
    settings = FollowupSettings()
    consumer = bootstrap.consumer(settings, bootstrap.application(settings), settings.clock())
    run_until_signalled(
        "followup worker", consumer.run, lambda: consumer.progress, health=worker_endpoint(settings, consumer)
    )


if __name__ == "__main__":
    main()
