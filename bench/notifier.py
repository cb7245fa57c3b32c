"""Delivery throughput of the notifier's faust worker: notifications/s into a local SMTP sink.

`KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 python -m bench.notifier --notifications 1000` (the broker must
run, with the registry's topics). Publishes N major-complaint notifications (two leaders each, email
only), starts one worker process (`python -m services.notifier.entrypoints.worker`, a fresh consumer
group) and times the emails arriving in an in-process aiosmtpd server: from the first email to the
last (steady state), and from the worker's start (with its start-up and table recovery).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

import typer

from shared.bus.kafka import create_topics, wait_for_broker
from tests.notifier.support import SmtpSink, directory, major, write_directory
from tests.notifier.test_worker_kafka import WorkerProcess, publish

cli = typer.Typer(add_completion=False)


@cli.command()
def run(notifications: int = 1000) -> None:
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    asyncio.run(wait_for_broker(servers))
    asyncio.run(create_topics(servers))
    book = directory()
    for person in book["staff"]:
        person.pop("webhook", None)
    events = [major("office-a" if n % 2 else "office-b", roles=("leader",)) for n in range(notifications)]
    expected = 2 * notifications
    asyncio.run(publish(servers, events))
    with tempfile.TemporaryDirectory() as folder, SmtpSink() as smtp:
        directory_file = write_directory(Path(folder) / "directory.json", book)
        worker = WorkerProcess(servers, f"bench-{uuid.uuid4().hex[:8]}", directory_file, smtp, Path(folder) / "w.log")
        started = time.monotonic()
        worker.start()
        first: float | None = None
        try:
            while len(smtp.messages) < expected and time.monotonic() - started < 600:
                if first is None and smtp.messages:
                    first = time.monotonic()
                time.sleep(0.01)
            done = time.monotonic()
        finally:
            worker.stop()
        got = len(smtp.messages)
    assert first is not None and got >= expected, f"only {got} of {expected} emails"
    steady = done - first
    print(f"{notifications} notifications, {expected} emails")
    print(f"steady state: {notifications / steady:.0f} notifications/s ({expected / steady:.0f} emails/s)")
    print(f"from worker start: {done - started:.1f} s")


if __name__ == "__main__":
    cli()
