"""The notifier's start-up time and memory at a history's size: `python -m bench.startup_notifier
--sizes 10000,100000` (`make bench-startup-notifier`).

The notifier keeps no event store: its state is two faust tables (the deliveries it made, the sealed
contacts of open complaints) in memory, restored from their compacted changelog topics at every start
(services/notifier/bootstrap.py). So its history is the deliveries changelog, and that is what is
written here, straight onto the topic as the worker's ledger writes it (`TableLedger.record`: the
notifier's own key functions, raw UTF-8 key and outcome, in the partition of the message handled):
`--per-complaint` entries for each complaint (its receipt, then deliveries to staff; every key distinct,
so compaction keeps them all, as it keeps a live ledger's). Undated by default, as a worker before the
ledger's age rule wrote them; `--aged-days D` dates them D days ago (`domain/ledger_age.Entry`, their
time and partition), history older than the rule (`NOTIFIER_LEDGER_KEEP_DAYS`, 7) when D exceeds it.

Then one worker process (the Procfile's command) is started on that history and timed:
- *ready*: spawn → `/health/ready` 200 (partitions owned and the tables restored);
- *consuming*: spawn → the emails of a notification published just after spawn arrive in a local
  SMTP server (two leaders, so two emails);
and its peak resident memory (VmHWM) and CPU seconds are read from /proc; *swept*: spawn → the worker's
log saying its first sweep of the ledger ended (`--aged-days`; entries past the rule tombstoned).
With `--compact`, each size is measured a second time once the broker has compacted the tombstoned
entries away, as a deployment's does within its topic's settings (`segment.ms` an hour,
`max.compaction.lag.ms` a day, `delete.retention.ms` a day for the tombstones): here, on the bench's own
broker, the changelog's segments roll after a second and tombstones go at once, and the bench waits
for the changelog to shrink. No figure is asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import typer
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from services.notifier.application import SENT
from services.notifier.domain.ledger_age import Entry
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


async def fill(servers: str, complaints: int, per_complaint: int, written_at: datetime | None = None) -> int:
    """`complaints` complaints' ledger entries onto the deliveries changelog, dated `written_at` (None:
    undated, as before the age rule); how many were written."""
    producer = kafka.producer(servers)
    await producer.start()
    written = 0
    try:
        futures = []
        for _ in range(complaints):
            complaint = uuid.uuid4()
            partition = zlib.crc32(complaint.bytes) % NOTIFIER_DELIVERIES.partitions
            value = Entry(SENT, written_at, partition).encode()
            for key in ledger_entries(complaint, per_complaint):
                futures.append(
                    await producer.send(NOTIFIER_DELIVERIES.name, value, key=key.encode(), partition=partition)
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


async def changelog_records(servers: str) -> int:
    """How many records the deliveries changelog holds now (entries and tombstones): what a restore reads."""
    reader = kafka.consumer(servers, group_id=None)
    await reader.start()
    try:
        partitions = [TopicPartition(NOTIFIER_DELIVERIES.name, p) for p in range(NOTIFIER_DELIVERIES.partitions)]
        reader.assign(partitions)
        ends = await reader.end_offsets(partitions)
        await reader.seek_to_beginning(*partitions)
        count = 0
        while [tp for tp in partitions if await reader.position(tp) < ends[tp]]:
            for tp, records in (await reader.getmany(timeout_ms=500)).items():
                count += len([r for r in records if r.offset < ends[tp]])
        return count
    finally:
        await reader.stop()


async def compact_now(servers: str, timeout: float) -> dict[str, Any]:
    """The bench broker's compaction, hurried: the changelog's segments roll after a second and its
    tombstones are dropped at the next clean (the registry's settings otherwise), each partition's
    active segment rolled by a tombstone of a key no entry has; then wait until the record count stops
    falling. Returns the records before and after and the seconds it took."""
    started, before = time.monotonic(), await changelog_records(servers)
    hurried = NOTIFIER_DELIVERIES.config() | {
        "min.insync.replicas": "1",
        "segment.ms": "1000",
        "delete.retention.ms": "0",
        "min.cleanable.dirty.ratio": "0",
    }
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, NOTIFIER_DELIVERIES.name, configs=hurried)])
    finally:
        await admin.close()
    producer = kafka.producer(servers)
    await producer.start()
    count, seen = before, [before]
    try:
        while time.monotonic() - started < timeout:
            await asyncio.sleep(1.5)
            for partition in range(NOTIFIER_DELIVERIES.partitions):  # rolls the active segment
                await producer.send_and_wait(NOTIFIER_DELIVERIES.name, None, key=b"bench/roll", partition=partition)
            await asyncio.sleep(15)  # the broker's log.cleaner.backoff.ms
            count = await changelog_records(servers)
            seen.append(count)
            if len(seen) >= 3 and seen[-1] >= seen[-2] >= seen[-3]:
                break  # nothing more to compact
    finally:
        await producer.stop()
    return {"records_before": before, "records_after": count, "compact_s": time.monotonic() - started}


def _swept_at(log: Path, skip: int) -> float | None:
    """When the worker's log (after its first `skip` bytes) first says a sweep ended, as a time.time()."""
    for line in log.read_bytes()[skip:].decode(errors="replace").splitlines():
        if re.search(r"ledger: \d+ entries past the age rule forgotten", line):
            stamp = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})", line)
            if stamp:
                return datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f").astimezone(UTC).timestamp()
    return None


def measure(
    servers: str, folder: Path, app_id: str, smtp: SmtpSink, settle: float, sweeps: bool = False
) -> dict[str, Any]:
    """One worker's start on the history there is; `sweeps`: wait for its log to say it forgot entries."""
    book = directory()
    for person in book["staff"]:
        person.pop("webhook", None)
    directory_file = write_directory(folder / "directory.json", book)
    worker = WorkerProcess(servers, app_id, directory_file, smtp, folder / "worker.log")
    port = free_port()
    worker.env |= {
        "NOTIFIER_WORKER_HEALTH_PORT": str(port),
        "NOTIFIER_RECONCILE_SECONDS": "600",
        "NOTIFIER_LEDGER_EXPIRE_SECONDS": "1",  # the first sweep a second after start (an hour by default)
    }
    before = len(smtp.messages)
    log = folder / "worker.log"
    skip = log.stat().st_size if log.exists() else 0
    wall_started = time.time()
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
        deadline, swept = time.monotonic() + 120, None
        while sweeps and (swept := _swept_at(log, skip)) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        found["swept_s"] = swept - wall_started if sweeps and swept is not None else None
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
    aged_days: float = typer.Option(
        None, help="Date the entries this many days ago (default: undated, the old format)."
    ),
    compact: bool = typer.Option(False, help="Measure each size again once the broker compacted the changelog."),
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
            written_at = None if aged_days is None else datetime.now(UTC) - timedelta(days=aged_days)
            entries = asyncio.run(fill(servers, size - have, per_complaint, written_at))
            have = size
            results[size] = measure(servers, Path(tmp), app_id, smtp, settle, sweeps=aged_days is not None)
            results[size] |= {"fill_s": time.monotonic() - filling, "entries_added": entries}
            console.print(f"{size:,} complaints: {results[size]}")
            if compact:
                compaction = asyncio.run(compact_now(servers, timeout=300))
                results[size]["compacted"] = measure(servers, Path(tmp), app_id, smtp, settle) | compaction
                console.print(f"{size:,} complaints, compacted: {results[size]['compacted']}")
    for size, found in results.items():
        console.print(f"{size:>9,} complaints ({size * per_complaint:,} ledger entries): {_line(found)}")
        if "compacted" in found:
            console.print(f"{'':>9}   after compaction ({found['compacted']['records_after']:,} records): "
                          f"{_line(found['compacted'])}")  # fmt: skip
    if json_out:
        json_out.write_text(json.dumps(results, indent=2, default=str))


def _line(found: dict[str, Any]) -> str:
    swept = f", swept {found['swept_s']:.1f} s" if found.get("swept_s") is not None else ""
    return (
        f"ready {found['ready_s']:.1f} s, consuming {found['consuming_s']:.1f} s{swept}, "
        f"peak {found['peak_mib']:.0f} MiB, CPU {found['cpu_s']:.1f} s"
    )


if __name__ == "__main__":
    cli()
