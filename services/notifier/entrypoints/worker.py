"""The notifier's worker: `python -m services.notifier.entrypoints.worker`.

A faust-streaming worker consuming `complaints.notifications`; SIGTERM/SIGINT stop it cleanly (faust's
own signal handling), SIGKILL loses nothing (what was not committed is redelivered, and the table of
deliveries keeps a redelivery from sending twice).
"""

from __future__ import annotations

import faust

from .. import bootstrap
from ..settings import NotifierSettings


def main() -> None:
    settings = NotifierSettings()
    app, _ = bootstrap.worker(settings)
    faust.Worker(app, loglevel="INFO").execute_from_commandline()


if __name__ == "__main__":
    main()
