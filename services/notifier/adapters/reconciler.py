"""A second line behind faust's offset commits: re-reads what the consumer group has committed and
hands every message to the (idempotent) application again; the ledger makes that a no-op for what
was delivered, and a delivery for what was not.

Why: faust-streaming 0.15.3 can commit past a message it never gave to the agent. A message that
reaches a stream while flow control is suspended or from an older generation is "skipped" *and acked*,
and its commit check misses a one-message gap at the head of the acked offsets (and any gap while the
group has no committed offset yet). Our SIGKILL test lost notifications that way (the worker had
never handled them, yet the group's offset was past them). Reading back what was committed closes that
hole without trusting faust's bookkeeping: the ledger is the truth of what was delivered, the topic the
truth of what should be.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.bus import kafka
from shared.contracts.wire import WireMessage

from ..application import Origin

log = logging.getLogger(__name__)

Handle = Callable[[WireMessage, Origin], Awaitable[None]]


async def reconcile(servers: str, group: str, topic: str, partitions: list[int], handle: Handle, lookback: int) -> int:
    """Hand `handle` the last `lookback` messages before the group's committed offset of each of
    `partitions` (the worker's own). Returns how many messages were handed over."""
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
        for tp in tps:
            meta = committed.get(tp)
            end = meta.offset if meta is not None and meta.offset >= 0 else 0
            start = max(beginnings[tp], end - lookback)
            if start >= end:
                continue
            reader.seek(tp, start)
            while (await reader.position(tp)) < end:
                for record in (await reader.getmany(tp, timeout_ms=500)).get(tp, []):
                    if record.offset >= end:
                        break
                    wire = WireMessage(key=record.key, value=record.value or b"", headers=list(record.headers))
                    await handle(wire, Origin(record.topic, record.partition, record.offset))
                    handed += 1
    finally:
        await reader.stop()
    return handed
