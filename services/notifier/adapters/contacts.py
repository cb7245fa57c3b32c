"""The complaints' kept registrations (`domain/kept.py`: the reference, the complainant's sealed
contact, the latest close and reopening) as a faust table keyed by complaint id (changelog
`complaints.notifier.contacts`, compacted), as the ledger keeps its deliveries.

Only what intake published sealed goes in: the clear contact exists only in the email, for the moment
it is sent. An erased person's entry stays ciphertext that no key opens. An entry closed longer than
the window after its close is deleted (a tombstone, `forget_closed`); a reopened one is kept.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Collection
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ..domain.kept import KeptContact

CHUNK = 500  # changelog writes awaited together in a sweep


class TableContacts:
    """Raw bytes keys and values, for the reason `TableLedger` gives (str keys do not survive a restore).
    A value is the `KeptContact` with the changelog partition it was written to (`partition`), so a
    sweep tombstones it there; a value written before it carried one is placed where faust restored it."""

    def __init__(self, table: Any) -> None:
        self.table = table  # faust.Table[bytes, bytes]

    def get(self, complaint_id: UUID) -> KeptContact | None:
        value = self.table.get(str(complaint_id).encode())
        return None if value is None else KeptContact.model_validate_json(bytes(value))

    async def keep(self, complaint_id: UUID, kept: KeptContact, partition: int) -> None:
        key = str(complaint_id).encode()
        value = json.dumps(kept.model_dump(mode="json") | {"partition": partition}).encode()
        self.table.data[key] = value
        await self.table.send_changelog(partition, key, value)

    async def forget(self, complaint_id: UUID, partition: int) -> None:
        await self._tombstone(str(complaint_id).encode(), partition)

    def _tombstone(self, key: bytes, partition: int) -> Awaitable[Any]:
        self.table.data.pop(key, None)
        # A tombstone (a null value, raw as faust's own `on_key_del` sends it: the table's serializer
        # would write `null`, a value): compaction drops the entry, a restore deletes the key.
        return self.table.send_changelog(partition, key, None, value_serializer="raw")  # type: ignore[no-any-return]

    async def forget_closed(self, owned: Collection[int], keep_after_close: timedelta, now: datetime) -> int:
        """Tombstone every entry of the partitions in `owned` closed longer than `keep_after_close`;
        returns how many. Run twice, the second finds nothing; another worker's partitions are untouched."""
        forgotten = 0
        pending: list[Awaitable[Any]] = []
        for key in list(self.table.data.keys()):
            raw = self.table.data.get(key)
            if raw is None:
                continue  # deleted meanwhile
            data = json.loads(bytes(raw))
            partition = data.get("partition")
            if partition is None:
                partition = _restored_partition(self.table, key)
            if partition is None or partition not in owned:
                continue
            if KeptContact.model_validate(data).forgettable(now, keep_after_close):
                pending.append(self._tombstone(key, partition))
                forgotten += 1
            if len(pending) >= CHUNK:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        return forgotten

    def __len__(self) -> int:
        return len(self.table)


def _restored_partition(table: Any, key: bytes) -> int | None:
    """The changelog partition an entry was restored from (faust's memory store notes it for every key
    it restores); None for a key it does not know, which is then kept."""
    known = getattr(table.data, "_key_partition", None)
    return None if known is None else known.get(key)  # type: ignore[no-any-return]


class MemoryContacts:
    """For tests of the application without a broker."""

    def __init__(self) -> None:
        self.entries: dict[UUID, KeptContact] = {}

    def get(self, complaint_id: UUID) -> KeptContact | None:
        return self.entries.get(complaint_id)

    async def keep(self, complaint_id: UUID, kept: KeptContact, partition: int) -> None:
        self.entries[complaint_id] = kept

    async def forget(self, complaint_id: UUID, partition: int) -> None:
        self.entries.pop(complaint_id, None)

    async def forget_closed(self, owned: Collection[int], keep_after_close: timedelta, now: datetime) -> int:
        gone = [cid for cid, kept in self.entries.items() if kept.forgettable(now, keep_after_close)]
        for complaint_id in gone:
            del self.entries[complaint_id]
        return len(gone)
