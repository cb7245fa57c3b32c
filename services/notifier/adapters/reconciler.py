"""A second line behind faust: re-reads the worker's partitions (from a little before the consumer
group's committed offset to the end, leaving the newest messages to the agent) and hands every message
to the (idempotent) application again; the ledger makes that a no-op for what was delivered, and a
delivery for what was not.

Why: faust-streaming 0.15.3 can commit past a message it never gave to the agent. A message that
reaches a stream while flow control is suspended or from an older generation is "skipped" *and acked*,
and its commit check misses a one-message gap at the head of the acked offsets (and any gap while the
group has no committed offset yet). Our SIGKILL test lost notifications that way (the worker had
never handled them, yet the group's offset was past them). Reading back what was committed closes that
hole without trusting faust's bookkeeping: the ledger is the truth of what was delivered, the topic the
truth of what should be. It reads up to the end, not only to the committed offset, because a
restarted faust worker was also seen to stop handling the messages after its commit (Ready, nothing more).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.bus import kafka
from shared.contracts.wire import WireMessage

from ..application import Origin

log = logging.getLogger(__name__)

Handle = Callable[[WireMessage, Origin], Awaitable[None]]


async def reconcile(
    servers: str,
    group: str,
    topic: str,
    partitions: list[int],
    handle: Handle,
    lookback: int,
    grace_seconds: float = 0.0,
) -> int:
    """Hand `handle` every message of `partitions` (the worker's own) from `lookback` messages before
    the group's committed offset up to the end, except those younger than `grace_seconds` (the agent's
    to handle first). Returns how many messages were handed over."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    reader = kafka.consumer(servers, group_id=None)
    await reader.start()
    handed = 0
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        reader.assign(tps)
        beginnings = await reader.beginning_offsets(tps)
        ends = await reader.end_offsets(tps)
        newest = (time.time() - grace_seconds) * 1000  # Kafka timestamps are in milliseconds
        for tp in tps:
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            start, end = max(beginnings[tp], done - lookback), ends[tp]
            if start >= end:
                continue
            reader.seek(tp, start)
            while (await reader.position(tp)) < end:
                for record in (await reader.getmany(tp, timeout_ms=500)).get(tp, []):
                    if record.offset >= end:
                        break
                    if record.timestamp > newest:
                        continue  # just arrived: the agent's
                    wire = WireMessage(key=record.key, value=record.value or b"", headers=list(record.headers))
                    stamp = record.timestamp  # the broker's append time, ms (-1: none known)
                    appended = datetime.fromtimestamp(stamp / 1000, UTC) if stamp and stamp > 0 else None
                    await handle(wire, Origin(record.topic, record.partition, record.offset, appended))
                    handed += 1
    finally:
        await reader.stop()
    return handed
