"""The ledger of deliveries as a faust table: local reads, writes shipped to its changelog topic.

A write goes to the changelog partition of the message being handled (given explicitly: the worker
handles a batch of messages concurrently, outside faust's per-event context), so the worker that owns
a notification's partition owns its deliveries, and a rebalance moves both together.

Each value carries when it was written and its partition (`domain/ledger_age.Entry`); `forget_expired`
deletes (tombstones) the entries past the age rule in the partitions this worker owns, so the compacted
changelog, and every later restore, holds what the rule keeps and no more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.clock import Clock, utc_now

from ..domain.ledger_age import AgeRule, Entry

CHUNK = 5_000  # changelog writes awaited together by a sweep


@dataclass
class Swept:
    forgotten: int = 0  # entries past the rule: tombstoned
    dated: int = 0  # entries written before values carried their time: dated now, rewritten


class TableLedger:
    """Keys and values are UTF-8 bytes, written raw: faust 0.15 writes a `str` key as JSON but restores
    it from the changelog undecoded, so a `str` table would not recognise its own keys after a restart.
    Times are the wall clock's (redelivery is a matter of the broker's time, not a demo's)."""

    def __init__(self, table: Any, clock: Clock = utc_now) -> None:
        self.table = table  # faust.Table[bytes, bytes]
        self.clock = clock

    def outcome(self, key: str) -> str | None:
        value = self.table.get(key.encode())
        return None if value is None else Entry.decode(bytes(value)).outcome

    async def record(self, key: str, outcome: str, partition: int) -> None:
        """Written to the local store and its changelog (as `Table.__setitem__` does), and awaited until
        the broker has it: the window in which a crash makes a delivery repeat is one round-trip."""
        await self._write(key.encode(), Entry(outcome, self.clock(), partition).encode(), partition)

    def _write(self, raw_key: bytes, raw_value: bytes, partition: int) -> Awaitable[Any]:
        self.table.data[raw_key] = raw_value
        return self.table.send_changelog(partition, raw_key, raw_value)  # a future: the broker's ack

    def _tombstone(self, raw_key: bytes, partition: int) -> Awaitable[Any]:
        self.table.data.pop(raw_key, None)
        # A null value, raw as faust's own `on_key_del` sends it (the table's serializer would write
        # `null`, a value): compaction drops the entry, a restore deletes the key.
        return self.table.send_changelog(partition, raw_key, None, value_serializer="raw")

    async def forget_expired(self, owned: Collection[int], rule: AgeRule, now: datetime) -> Swept:
        """Tombstone every entry of the partitions in `owned` that the rule forgets; date the entries
        that carry no time yet (written before they did) with `now`, so they are forgotten `keep` from
        now. Each entry is judged on its value at that moment, and the changelog writes are enqueued in
        the order they are decided (a delivery's write after a tombstone wins), then awaited in chunks.
        Run twice, the second finds nothing to do; another worker's partitions are not touched."""
        swept = Swept()
        pending: list[Awaitable[Any]] = []
        for raw_key in list(self.table.data.keys()):
            raw_value = self.table.data.get(raw_key)
            if raw_value is None:
                continue  # deleted meanwhile
            entry = Entry.decode(bytes(raw_value))
            partition = entry.partition if entry.partition is not None else self._restored_partition(raw_key)
            if partition is None or partition not in owned:
                continue
            if entry.written_at is None:
                pending.append(self._write(raw_key, Entry(entry.outcome, now, partition).encode(), partition))
                swept.dated += 1
            elif rule.forgets(entry.written_at, now):
                pending.append(self._tombstone(raw_key, partition))
                swept.forgotten += 1
            if len(pending) >= CHUNK:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        return swept

    def _restored_partition(self, raw_key: bytes) -> int | None:
        """The changelog partition an entry was restored from (faust's memory store notes it for every
        key it restores); None for a key it does not know, which is then kept."""
        known = getattr(self.table.data, "_key_partition", None)
        return None if known is None else known.get(raw_key)

    def __len__(self) -> int:
        return len(self.table)


class MemoryLedger:
    """For tests of the application without a broker."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    def outcome(self, key: str) -> str | None:
        return self.entries.get(key)

    async def record(self, key: str, outcome: str, partition: int) -> None:
        self.entries[key] = outcome
