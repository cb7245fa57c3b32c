"""The notifier's start-up time and memory at a history's size: `python -m bench.startup_notifier
--sizes 10000,100000` (`make bench-startup-notifier`).

The notifier keeps no event store: its state is two faust tables (the deliveries it made, the sealed
contacts of open complaints) in memory, restored from their compacted changelog topics at every start
(services/notifier/bootstrap.py). So its history is the deliveries changelog, and that is what is
written here, straight onto the topic as the worker's ledger writes it (`TableLedger.record`: the
notifier's own key functions, raw UTF-8 key and outcome, in the partition of the message handled):
`--per-complaint` entries for each complaint (its receipt, then deliveries to staff; every key distinct,
so compaction keeps them all, as it keeps a live ledger's).

Then one worker process (the Procfile's command) is started on that history and timed:
- *ready*: spawn → `/health/ready` 200 (partitions owned and the tables restored);
- *consuming*: spawn → the emails of a notification published just after spawn arrive in a local
  SMTP server (two leaders, so two emails);
and its peak resident memory (VmHWM) and CPU seconds are read from /proc. No figure is asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

import httpx
import typer

from services.notifier.application import SENT
from services.notifier.domain.messages import delivery_key
from services.notifier.domain.receipts import receipt_key
from shared.bus import kafka
from shared.contracts import derived_id
from shared.contracts.topics import NOTIFIER_DELIVERIES, signing_services
from shared.signing import ensure_service_keys
from tests.fixtures.signing import SIGNERS
from tests.notifier.support import SmtpSink, directory, free_port, major, write_directory
from tests.notifier.test_worker_kafka import WorkerProcess, publish

from .processes import cpu_seconds, peak_rss_mib
from .run import broker
from .traffic import console

cli = typer.Typer(add_completion=False)
LEADERS = ("office-a/leader-1", "office-a/leader-2", "office-b/leader-1", "office-b/leader-2")


def ledger_entries(complaint: uuid.UUID, per_complaint: int) -> list[str]:
    """The ledger keys one complaint leaves: its receipt, then one delivery per notification and person."""
    keys = [receipt_key(complaint)]
    for n in range(per_complaint - 1):
        notification = derived_id("bench-notification", complaint, n // len(LEADERS))
        keys.append(delivery_key(notification, LEADERS[n % len(LEADERS)], "email"))
    return keys


async def fill(servers: str, complaints: int, per_complaint: int) -> int:
    """`complaints` complaints' ledger entries onto the deliveries changelog; how many were written."""
    producer = kafka.producer(servers)
    await producer.start()
    written = 0
    try:
        futures = []
        for _ in range(complaints):
            complaint = uuid.uuid4()
            partition = zlib.crc32(complaint.bytes) % NOTIFIER_DELIVERIES.partitions
            for key in ledger_entries(complaint, per_complaint):
                futures.append(
                    await producer.send(NOTIFIER_DELIVERIES.name, SENT.encode(), key=key.encode(), partition=partition)
                )
                written += 1
            if len(futures) >= 10_000:
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return written


def sign_as_the_services(folder: Path) -> None:
    """Every service's event signing key, as `make up` makes them: the notification published here is
    signed as triage's, and the worker (this process's environment) checks it."""
    SIGNERS.update(ensure_service_keys(folder / "dev.env", folder / "event-signing-keys.json", signing_services()))
    os.environ |= {f"{s.upper()}_EVENT_SIGNING_KEY": signer.to_setting() for s, signer in SIGNERS.items()}
    os.environ["COMPLAINTS_EVENT_SIGNING_KEYS_FILE"] = str(folder / "event-signing-keys.json")


def measure(servers: str, folder: Path, app_id: str, smtp: SmtpSink, settle: float) -> dict[str, Any]:
    book = directory()
    for person in book["staff"]:
        person.pop("webhook", None)
    directory_file = write_directory(folder / "directory.json", book)
    worker = WorkerProcess(servers, app_id, directory_file, smtp, folder / "worker.log")
    port = free_port()
    worker.env |= {
        "NOTIFIER_WORKER_HEALTH_PORT": str(port),
        "NOTIFIER_RECONCILE_SECONDS": "600",
    }
    before = len(smtp.messages)
    started = time.monotonic()
    worker.start()
    assert worker.process is not None
    found: dict[str, Any] = {}
    try:
        asyncio.run(publish(servers, [major("office-a", roles=("leader",))]))
        with httpx.Client() as client:
            while "ready_s" not in found or "consuming_s" not in found:
                if time.monotonic() - started > 900:
                    raise RuntimeError(f"notifier not ready/consuming after 900 s: {found}")
                if worker.process.poll() is not None:
                    raise RuntimeError("notifier worker exited while starting (see worker.log)")
                if "ready_s" not in found:
                    try:
                        if client.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                            found["ready_s"] = time.monotonic() - started
                    except httpx.TransportError:
                        pass
                if "consuming_s" not in found and len(smtp.messages) >= before + 2:
                    found["consuming_s"] = time.monotonic() - started
                time.sleep(0.05)
        time.sleep(settle)
        found["peak_mib"] = peak_rss_mib(worker.process.pid)
        found["cpu_s"] = cpu_seconds(worker.process.pid)
    finally:
        worker.stop()
    return found


@cli.command()
def main(
    sizes: str = typer.Option("10000,100000", help="Complaints of history to grow to, in order (comma separated)."),
    per_complaint: int = typer.Option(6, help="Ledger entries a complaint leaves (its receipt, deliveries to staff)."),
    settle: float = typer.Option(5.0, help="Seconds after consuming before memory and CPU are read."),
    port: int = typer.Option(int(os.environ.get("TEST_KAFKA_PORT", 19594)), help="Port of the bench broker."),
    json_out: Path = typer.Option(None, help="Also write the figures as JSON here."),
) -> None:
    """The notifier worker's start-up time and peak memory at each size of history."""
    wanted = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    results: dict[int, dict[str, Any]] = {}
    with (
        broker(port) as servers,
        tempfile.TemporaryDirectory(prefix="bench-notifier-") as tmp,
        SmtpSink() as smtp,
    ):
        asyncio.run(kafka.wait_for_broker(servers))
        asyncio.run(kafka.create_topics(servers))
        sign_as_the_services(Path(tmp))
        app_id = f"bench-startup-{uuid.uuid4().hex[:8]}"
        results[0] = measure(servers, Path(tmp), app_id, smtp, settle)
        console.print(f"empty: {results[0]}")
        have = 0
        for size in wanted:
            filling = time.monotonic()
            entries = asyncio.run(fill(servers, size - have, per_complaint))
            have = size
            results[size] = measure(servers, Path(tmp), app_id, smtp, settle)
            results[size] |= {"fill_s": time.monotonic() - filling, "entries_added": entries}
            console.print(f"{size:,} complaints: {results[size]}")
    for size, found in results.items():
        console.print(
            f"{size:>9,} complaints ({size * per_complaint:,} ledger entries): ready {found['ready_s']:.1f} s, "
            f"consuming {found['consuming_s']:.1f} s, peak {found['peak_mib']:.0f} MiB, CPU {found['cpu_s']:.1f} s"
        )
    if json_out:
        json_out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    cli()
