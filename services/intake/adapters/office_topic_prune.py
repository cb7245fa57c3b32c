"""After an erasure, the office-facing topic keeps no record intake has already handled.

Office systems publish forms on `complaints.office.registrations` in clear (they hold no keyring);
the topic keeps them 7 days so intake may be down over a long weekend. Once intake's worker has
handled a record, intake's store holds it sealed (a registration, or a sealed dead letter), so the
topic's copy has no further use. When a person is erased, intake deletes every record of the topic
below its stored position in each partition (Kafka's DeleteRecords): the erased person's clear forms
go with everyone else's already-handled ones, at once rather than after seven days. Records intake has
not handled yet stay until it has (then a later erasure or the retention removes them).

Best effort: the erasure itself is done and audited whatever the broker says; the answer says what
was deleted, or why nothing was.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from shared.bus import kafka
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.eventstore import ServiceApplication

log = logging.getLogger(__name__)

OFFICE_TOPIC_GROUP = "intake"  # the office-topic worker's consumer group: its tracking names' prefix


@dataclass(frozen=True)
class Pruned:
    """Each partition's first offset the topic still holds (records before it are deleted), or why not."""

    low_watermarks: dict[int, int] = field(default_factory=dict)
    error: str | None = None


def handled_positions(app: ServiceApplication) -> dict[int, int]:
    """The last offset intake's worker stored as handled, per partition of the office-facing topic."""
    topic = OFFICE_REGISTRATIONS.name
    positions = {p: app.position(f"{OFFICE_TOPIC_GROUP}/{topic}/{p}") for p in range(OFFICE_REGISTRATIONS.partitions)}
    return {p: position for p, position in positions.items() if position is not None}


async def prune_handled(app: ServiceApplication, bootstrap_servers: str, timeout: float = 15.0) -> Pruned:
    """Delete the office-facing topic's records intake has handled (nothing to do: no broker call)."""
    positions = await asyncio.to_thread(handled_positions, app)
    if not positions:
        return Pruned()
    before = {partition: offset + 1 for partition, offset in positions.items()}
    try:
        low = await kafka.delete_records_before(bootstrap_servers, OFFICE_REGISTRATIONS.name, before, timeout)
    except Exception as error:  # the erasure stands; the topic's retention still removes them in time
        log.warning("office-facing topic not pruned after an erasure: %s", error)
        return Pruned(error=f"{type(error).__name__}: {error}")
    return Pruned(low_watermarks=low)
