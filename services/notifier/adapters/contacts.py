"""The complainants' sealed contacts as a faust table keyed by complaint id (changelog
`complaints.notifier.contacts`, compacted), as the ledger keeps its deliveries.

Only what intake published sealed goes in (`KeptContact`: ciphertext, person id, reference): the
clear contact exists only in the email, for the moment it is sent. An erased person's entry stays
ciphertext that no key opens. The entry is deleted (a tombstone) when the complaint is closed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ..domain.updates import KeptContact


class TableContacts:
    """Raw bytes keys and values, for the reason `TableLedger` gives (str keys do not survive a restore)."""

    def __init__(self, table: Any) -> None:
        self.table = table  # faust.Table[bytes, bytes]

    def get(self, complaint_id: UUID) -> KeptContact | None:
        value = self.table.get(str(complaint_id).encode())
        return None if value is None else KeptContact.model_validate_json(bytes(value))

    async def keep(self, complaint_id: UUID, kept: KeptContact, partition: int) -> None:
        key, value = str(complaint_id).encode(), kept.model_dump_json().encode()
        self.table.data[key] = value
        await self.table.send_changelog(partition, key, value)

    async def forget(self, complaint_id: UUID, partition: int) -> None:
        key = str(complaint_id).encode()
        self.table.data.pop(key, None)
        # A tombstone (a null value, raw as faust's own `on_key_del` sends it: the table's serializer
        # would write `null`, a value): compaction drops the entry, a restore deletes the key.
        await self.table.send_changelog(partition, key, None, value_serializer="raw")


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
