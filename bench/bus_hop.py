"""One Kafka hop as the pipeline makes it, alone: `python -m bench.bus_hop [--count 150] [--gap 0.09]`.

A relay's path to a worker, without the services around it: one record a transaction from a
transactional producer (the relays' settings, `shared.bus.kafka.producer`), read by a consumer of a
group with the workers' settings (`read_committed`, `getmany(timeout_ms=200)` as the tracked consumer
calls it) over a topic of six partitions. Prints p50/p95/p99/max of: send start -> the record
returned by `getmany`, the send inside the transaction, and the transaction's commit. With
`--fetch-max-wait MS` the consumer's `fetch_max_wait_ms` (aiokafka's default 500) is set, to see
whether the broker holds a fetch that a commit should answer. Starts the project's broker on `--port`
unless KAFKA_BOOTSTRAP_SERVERS is set (bench/run.py). docs/performance.md says what was measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.bus import kafka

from .run import broker


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    at = lambda q: 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * q))]  # noqa: E731
    return f"p50 {at(0.5):.0f} / p95 {at(0.95):.0f} / p99 {at(0.99):.0f} / max {1000 * ordered[-1]:.0f} ms"


async def hop(servers: str, count: int, gap: float, fetch: dict[str, Any] | None) -> None:
    topic = f"bench.bus-hop-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 6, 1)])
    finally:
        await admin.close()
    producer = kafka.producer(servers, transactional_id=f"bench-bus-hop-{uuid.uuid4().hex[:8]}")
    consumer = kafka.consumer(servers, group_id=f"bench-bus-hop-{uuid.uuid4().hex[:8]}", fetch=fetch)
    await producer.start()
    await consumer.start()
    try:
        consumer.subscribe([topic])
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        started: dict[int, float] = {}
        received: list[float] = []
        sending: list[float] = []
        committing: list[float] = []

        async def consume() -> None:
            while len(received) < count:
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                now = time.perf_counter()
                received.extend(now - started[int(r.value or b"0")] for records in batches.values() for r in records)

        reading = asyncio.create_task(consume())
        await asyncio.sleep(1)
        for n in range(count):
            started[n] = begun = time.perf_counter()
            async with producer.transaction():
                await producer.send(topic, str(n).encode(), key=str(n).encode())
                sent = time.perf_counter()
            committing.append(time.perf_counter() - sent)
            sending.append(sent - begun)
            await asyncio.sleep(gap)
        await asyncio.wait_for(reading, 60)
    finally:
        await producer.stop()
        await consumer.stop()
    print(f"fetch settings {fetch or 'default'}, {count} records, one a transaction every {gap:g} s")
    print(f"  send -> returned by getmany: {percentiles(received)}")
    print(f"  send inside the transaction: {percentiles(sending)}")
    print(f"  transaction commit:          {percentiles(committing)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--gap", type=float, default=0.09, help="seconds between two transactions")
    parser.add_argument("--fetch-max-wait", type=int, action="append", default=[], help="ms; repeat to compare")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TEST_KAFKA_PORT", 19594)))
    args = parser.parse_args()
    with broker(args.port) as servers:
        for wait in [None, *args.fetch_max_wait]:
            asyncio.run(hop(servers, args.count, args.gap, None if wait is None else {"fetch_max_wait_ms": wait}))


if __name__ == "__main__":
    main()
