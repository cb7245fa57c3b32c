"""The hash chain as the store itself holds it: what the auditors verify (the truth, where tampering
would be), read page by page from the notification log; never from the read side's tables."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ..domain.chain import Link
from ..domain.records import Record
from .readside import Unreadable


def stored_links(app: Any, office_id: str | None) -> tuple[list[Link], list[tuple[Unreadable, str]]]:
    """Every chain link as the store holds it, and every stored event it cannot read (with its
    office, from the read side's subjects, else '?')."""
    links: list[Link] = []
    unreadable: list[Unreadable] = []
    position = 0
    while True:
        notifications = app.process_recorder.select_notifications(position + 1, 1000)
        if not notifications:
            break
        for notification in notifications:
            position = notification.id
            try:
                event = app.mapper.to_domain_event(notification)
            except Exception as error:  # altered at rest: fails decryption (AES-GCM) or decoding
                unreadable.append(
                    Unreadable(
                        notification.id,
                        str(notification.originator_id),
                        notification.originator_version,
                        f"{type(error).__name__}: {error}",
                    )
                )
                continue
            if isinstance(event, Record.Received) and (office_id is None or event.entry["office_id"] == office_id):
                links.append(link_of(event.entry))
    offices = {}
    for bad in unreadable:
        found = app.read.kind_of(UUID(bad.originator_id))
        offices[bad.notification_id] = found[1] if found else "?"
    return links, [(bad, offices[bad.notification_id]) for bad in unreadable]


def link_of(entry: dict[str, Any]) -> Link:
    return Link(
        office_id=entry["office_id"],
        position=entry["position"],
        previous=entry["previous"],
        hash=entry["hash"],
        digest=entry["digest"],
        event_id=entry["event_id"],
        event_json=entry["event_json"],
    )
