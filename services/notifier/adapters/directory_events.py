"""The staff directory as the directory service's events say it is now (issue 14, item 5).

Who holds which role in which office, and how to reach them, is the directory service's fact: this
keeps the latest `StaffMemberChanged` and `OfficeChanged` per entity (read by a `DirectoryFeed` from
the topic's start, in its own thread) and answers `resolve` with the same rules as the file directory.
Webhook endpoints (an address and the secret our signature uses) are infrastructure: they come from
the notifier's own configuration, and a person naming an endpoint it does not know is reached by
e-mail only (and the fact logged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from shared.contracts.directory import DirectoryEvent, OfficeChanged, OfficeRecord, StaffMemberChanged, StaffRecord
from shared.contracts.notifications import Recipient
from shared.directory_keys import DirectoryFeed

from ..domain.directory import Directory, Endpoint, Office, Resolution, Staff, WebhookContact

log = logging.getLogger(__name__)


def as_staff(record: StaffRecord, endpoints: Mapping[str, Endpoint]) -> Staff | None:
    """The notifier's view of a person; None for someone inactive or holding no role."""
    if not record.active or not record.roles:
        return None
    contacts = record.contacts
    webhook = None
    if contacts.webhook_endpoint is not None:
        if contacts.webhook_endpoint in endpoints:
            webhook = WebhookContact(endpoint=contacts.webhook_endpoint, to=contacts.webhook_to or contacts.phone)
        else:
            log.warning("staff %s names the unknown webhook endpoint %r", record.staff_id, contacts.webhook_endpoint)
    return Staff(id=record.staff_id, name=record.name, office_id=record.office_id, roles=frozenset(record.roles),
                 email=contacts.email, webhook=webhook, language=record.language)  # fmt: skip


class LiveDirectory:
    """Thread-safe: the feed writes, deliveries read. A `Directory` is built again after each change."""

    def __init__(self, endpoints: Mapping[str, Endpoint]) -> None:
        self.endpoints: dict[str, Endpoint] = dict(endpoints)
        self._offices: dict[str, OfficeRecord] = {}
        self._staff: dict[str, StaffRecord] = {}
        self._built: Directory | None = None
        self._lock = threading.Lock()
        self.feed: DirectoryFeed | None = None  # what keeps it current (closed with the process)

    def apply(self, event: DirectoryEvent) -> None:
        with self._lock:
            if isinstance(event, OfficeChanged):
                self._offices[event.payload.office_id] = event.payload
            elif isinstance(event, StaffMemberChanged):
                self._staff[event.payload.staff_id] = event.payload
            else:
                return
            self._built = None

    def directory(self) -> Directory:
        with self._lock:
            if self._built is None:
                staff = [s for s in (as_staff(r, self.endpoints) for r in self._staff.values()) if s is not None]
                office_ids = set(self._offices) | {s.office_id for s in staff if s.office_id is not None}
                offices = [
                    Office(
                        id=o,
                        name=self._offices[o].name,
                        names=dict(self._offices[o].names),
                        time_zone=self._offices[o].time_zone,
                    )
                    if o in self._offices
                    else Office(id=o, name=o)
                    for o in sorted(office_ids)
                ]
                self._built = Directory(offices=tuple(offices), endpoints=self.endpoints, staff=tuple(staff))
            return self._built

    def resolve(self, recipients: list[Recipient]) -> Resolution:
        return self.directory().resolve(recipients)

    def holders(self, recipient: Recipient) -> list[Staff]:
        return self.directory().holders(recipient)

    def time_zone(self, office_id: str) -> str | None:
        return self.directory().time_zone(office_id)

    def office_name(self, office_id: str, language: str) -> str:
        return self.directory().office_name(office_id, language)

    def office_name_for_staff(self, office_id: str, language: str) -> str:
        return self.directory().office_name_for_staff(office_id, language)
