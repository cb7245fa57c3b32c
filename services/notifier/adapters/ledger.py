"""The ledger of deliveries as a faust table: local reads, writes shipped to its changelog topic.

A write goes to the changelog partition of the message being handled (given explicitly: the worker
handles a batch of messages concurrently, outside faust's per-event context), so the worker that owns
a notification's partition owns its deliveries, and a rebalance moves both together.
"""

from __future__ import annotations

from typing import Any


class TableLedger:
    """Keys and values are UTF-8 bytes, written raw: faust 0.15 writes a `str` key as JSON but restores
    it from the changelog undecoded, so a `str` table would not recognise its own keys after a restart."""

    def __init__(self, table: Any) -> None:
        self.table = table  # faust.Table[bytes, bytes]

    def outcome(self, key: str) -> str | None:
        value = self.table.get(key.encode())
        return None if value is None else bytes(value).decode()

    async def record(self, key: str, outcome: str, partition: int) -> None:
        """Written to the local store and its changelog (as `Table.__setitem__` does), and awaited until
        the broker has it: the window in which a crash makes a delivery repeat is one round-trip."""
        raw_key, raw_value = key.encode(), outcome.encode()
        self.table.data[raw_key] = raw_value
        await self.table.send_changelog(partition, raw_key, raw_value)

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
