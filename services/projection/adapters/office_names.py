"""The offices' names in the read side: `projection_offices`, one row per office the directory named.

The directory publishes each office's whole state on every change (`OfficeChanged`); every projection
process that follows its topic (`office_units.follow`) writes the names here, so the HTTP app, the
worker's reports and the relay read the same names, and nothing of them is held in memory. Each
process reads the topic from its start, so a row is written only by an event at least as recent as
the one it holds (`occurred_key`): a process starting late never puts an old name back.

Like every read-side table it can be dropped: the next start writes it again from the topic (the
directory's compacted topic keeps each office's latest state).
"""

from __future__ import annotations

import json

from shared.contracts.directory import OfficeChanged

from ..domain.office_names import OfficeName
from .sql import RETRYABLE, Database, retrying
from .tables import instant_key


def schema(text: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS projection_offices (
            office_id {text} PRIMARY KEY,
            name {text} NOT NULL,
            names {text} NOT NULL,
            occurred_key {text} NOT NULL
        )"""
    ]


def record(db: Database, event: OfficeChanged) -> None:
    """Keep the office's names as the event says, unless a later event's are kept already."""
    office = event.payload
    row = (office.office_id, office.name, json.dumps(office.names, sort_keys=True), instant_key(event.occurred_at))
    for attempt in retrying():
        try:
            # rows derived from the directory's topic, read again at every start: no flush waited for
            with db.transaction(write=True, durable=False) as cursor:
                cursor.execute(
                    "INSERT INTO projection_offices (office_id, name, names, occurred_key) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (office_id) DO UPDATE SET name = excluded.name, names = excluded.names, "
                    "occurred_key = excluded.occurred_key "
                    "WHERE projection_offices.occurred_key <= excluded.occurred_key",
                    row,
                )
            return
        except RETRYABLE:  # SQLite's one writer busy (the consumer's commit): try again
            if attempt == 20:
                raise


def names(db: Database) -> dict[str, OfficeName]:
    """Every named office's names, by office id."""
    with db.transaction(write=False) as cursor:
        rows = cursor.all("SELECT office_id, name, names FROM projection_offices ORDER BY office_id")
    return {r["office_id"]: OfficeName(r["office_id"], r["name"], json.loads(r["names"])) for r in rows}


def named(db: Database, office_id: str) -> bool:
    """Whether the directory named this office."""
    with db.transaction(write=False) as cursor:
        return cursor.one("SELECT 1 AS one FROM projection_offices WHERE office_id = ?", (office_id,)) is not None
