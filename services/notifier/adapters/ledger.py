"""The ledger of deliveries as a faust table: local reads, writes shipped to its changelog topic.

A write is keyed in the partition of the notification being handled (faust's current event), so the
worker that owns a notification's partition owns its deliveries, and a rebalance moves both together.
"""

from __future__ import annotations

from typing import Any


class TableLedger:
    def __init__(self, table: Any) -> None:
        self.table = table  # faust.Table[str, str]

    def outcome(self, key: str) -> str | None:
        return self.table.get(key)

    def record(self, key: str, outcome: str) -> None:
        self.table[key] = outcome


class MemoryLedger:
    """For tests of the application without a broker."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    def outcome(self, key: str) -> str | None:
        return self.entries.get(key)

    def record(self, key: str, outcome: str) -> None:
        self.entries[key] = outcome
