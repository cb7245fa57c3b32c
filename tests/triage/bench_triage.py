"""Benchmark: triage decisions per second on the real broker, beside the raw consume rate of the
same messages in the same run.

    python -m tests.triage.bench_triage --servers 127.0.0.1:9092 --count 3000 [--store sqlite|postgres]

Publishes `count` registrations (a realistic mix: ordinary complaints on many sites, and some mass
incidents) to complaints.intake.events, then
1. reads them back with a plain aiokafka consumer (no decoding, no store): the raw consume rate;
2. runs triage's tracked consumer (decode, judge, history, incident windows, save with the Kafka
   position) on a fresh store until every one is decided: decisions per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from services.triage import bootstrap
from services.triage.settings import TriageSettings
from shared.bus import kafka
from shared.bus.kafka import create_topics, wait_for_broker
from shared.contracts.topics import INTAKE_EVENTS, signing_services
from shared.signing import ensure_service_keys
from tests.fixtures.signing import SIGNERS
from tests.kafka_support import run_until
from tests.support import T0
from tests.triage.kafka_helpers import publish
from tests.triage.support import registered

TEXTS = [
    "The lift in Block 3 stops between floors.",
    "Rubbish piled up by the bins, a bad smell and cockroaches.",
    "Someone parks in my parking space every night.",
    "I was overcharged on this month's management fee bill.",
    "The guard shouted at my son; I am very angry at this attitude.",
    "垃圾房很髒,有臭味和蟑螂。",
    "整棟大廈突然停電,電梯停運。",
    "請問怎麼辦理裝修申請?",
]


def complaints(count: int, tag: str) -> list:
    made = []
    for n in range(count):
        if n % 50 < 7:  # every 50 complaints, 7 about one outage on one site: a cluster
            site, text = f"Block 1, {tag} Incident {n // 50}", "No water in my flat since this morning."
        else:
            site, text = f"Block {n % 9}, {tag} Estate {n % 40}", TEXTS[n % len(TEXTS)]
        made.append(
            registered(
                text,
                office_id=("hk-central", "kln-east", "sz-futian")[n % 3],
                address=f"Flat {n}, {site}",
                at=T0 + timedelta(seconds=20 * n),
            )
        )
    return made


async def raw_consume(servers: str, total: int) -> float:
    consumer = kafka.consumer(servers, group_id=None, topics=[INTAKE_EVENTS.name])
    await consumer.start()
    seen = 0
    try:
        started = time.perf_counter()
        while seen < total:
            for records in (await consumer.getmany(timeout_ms=200, max_records=1000)).values():
                seen += len(records)
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def topic_size(servers: str) -> int:
    consumer = kafka.consumer(servers, group_id=None, topics=[INTAKE_EVENTS.name])
    await consumer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        partitions = list(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        return sum(ends[p] - starts[p] for p in partitions)
    finally:
        await consumer.stop()


def signing_keys(folder: Path) -> None:
    """The services' event signing keys, made as `make up` and the test session make them: intake's
    to sign what the bench publishes as intake, the public keys for triage's consumer to check."""
    public = folder / "event-signing-keys.json"
    SIGNERS.update(ensure_service_keys(folder / "dev.env", public, signing_services()))
    for service, signer in SIGNERS.items():
        os.environ[f"{service.upper()}_EVENT_SIGNING_KEY"] = signer.to_setting()
    os.environ["COMPLAINTS_EVENT_SIGNING_KEYS_FILE"] = str(public)


async def main(servers: str, count: int, store: str, batch: int) -> None:
    # Kept across runs: the topic keeps earlier runs' messages and each run reads them all, so every
    # run must sign as the last did (fresh keys dead-lettered the earlier runs' messages).
    keys = Path(tempfile.gettempdir()) / "triage-bench-signing-keys"
    keys.mkdir(exist_ok=True)
    signing_keys(keys)
    await wait_for_broker(servers)
    await create_topics(servers)
    tag = uuid.uuid4().hex[:6]
    await publish(servers, complaints(count, tag), source="/intake")
    total = await topic_size(servers)  # the topic may hold earlier runs' messages: both read them all

    raw = await raw_consume(servers, total)

    with tempfile.TemporaryDirectory() as state:
        settings = TriageSettings(
            store=store,
            state_dir=Path(state),
            kafka_bootstrap_servers=servers,
            consumer_group=f"bench-{tag}",
            consumer_batch_size=batch,
        )
        app = bootstrap.application(settings)
        worker = bootstrap.consumer(settings, app)
        started = time.perf_counter()
        await run_until(lambda: worker.progress.handled + worker.progress.dead_lettered >= total, worker.run, 600)
        elapsed = time.perf_counter() - started
        events = app.process_recorder.max_notification_id() or 0
        app.close()

    print(f"messages on the topic:          {total}")
    print(f"raw consume (aiokafka, no work): {raw:,.0f} msg/s")
    print(
        f"triage decisions ({store}, batch {batch}): {total / elapsed:,.0f} decisions/s "
        f"({elapsed:.1f} s, {events} stored events, dead letters {worker.progress.dead_lettered})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="127.0.0.1:9092")
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--store", default="sqlite", choices=["sqlite", "postgres", "memory"])
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.servers, args.count, args.store, args.batch))
