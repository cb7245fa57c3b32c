"""Contracts of the directory: offices, departments, staff and their keys (issue 14, item 5).

The directory service is the one author of these facts. Each event carries the entity's whole state
after the change (what changed is `change`; who and why are `actor` and `reason`), so a reader keeps
the latest state per entity by upserting, whatever it missed before: the notifier's staff, the
projection's units served and every service's table of live keys are such readers.

Office calendars are not here: the SLA service owns them (its `PUT /offices/{id}/calendar`).
Staff contacts are personal data (of staff, not of complainants); a key travels as its SHA-256 only.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from .bounds import TimeZoneName
from .envelope import Actor, Contract

SLUG = r"^[a-z0-9][a-z0-9-]*$"
NameLanguage = Literal["en", "zh-Hant", "zh-Hans"]  # the languages the desk, the dashboard and the mails speak
OfficeName = Annotated[str, Field(min_length=1, max_length=200)]


class OfficeRecord(Contract):
    office_id: str = Field(max_length=100, pattern=SLUG, examples=["hk-central"])
    name: str = Field(min_length=1, max_length=200)
    names: dict[NameLanguage, OfficeName] = Field(
        default_factory=dict,
        description="The office's name in each language that has one ('zh-Hant', 'zh-Hans', 'en'), e.g. "
        "{'zh-Hant': '中環管理處'}: what a mail or page in that language calls the office. A language "
        "without one: `name` in English, else the office id. Empty on events published before it travelled.",
        examples=[{"zh-Hant": "中環管理處", "zh-Hans": "中环管理处"}],
    )
    time_zone: TimeZoneName = Field(description="The office's IANA time zone, e.g. 'Asia/Hong_Kong'.")
    units_served: int = Field(ge=0, description="Units (flats, shops) the office serves: complaints per million.")
    active: bool = True


class DepartmentRecord(Contract):
    office_id: str = Field(max_length=100, pattern=SLUG)
    code: str = Field(max_length=60, pattern=SLUG, examples=["engineering"])
    name: str = Field(min_length=1, max_length=200)
    active: bool = True


class Contacts(Contract):
    """How to reach a person. `webhook_endpoint` names a receiver the notifier is configured with
    (an SMS gateway, a chat hook): the endpoint's address and secret are infrastructure, not directory data."""

    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()-]{3,40}$")
    webhook_endpoint: str | None = Field(default=None, max_length=100, pattern=SLUG)
    webhook_to: str | None = Field(default=None, max_length=200, description="The address there (default: phone).")


class StaffRecord(Contract):
    staff_id: str = Field(max_length=200, pattern=r"^[a-z0-9][a-z0-9/._-]*$", examples=["hk-central/leader-1"])
    name: str = Field(min_length=1, max_length=200)
    office_id: str | None = Field(max_length=100, description="None for the group's own staff.")
    department: str | None = Field(default=None, max_length=60, description="A department code of the office.")
    roles: list[str] = Field(description="Roles held, e.g. ['leader']; sorted.")
    contacts: Contacts
    active: bool = True
    language: NameLanguage | None = Field(
        default=None,
        description="The language the person reads the system's mails in ('en', 'zh-Hant', 'zh-Hans'): "
        "a notification is written to them in it. None: not said (English). None on events published "
        "before it travelled.",
        examples=["zh-Hant"],
    )


class ApiKeyRecord(Contract):
    key_id: UUID
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Only the hash: the key is shown once, at issue.")
    actor_id: str = Field(min_length=1, max_length=200, description="Who the key speaks for (recorded on events).")
    office_id: str | None = Field(max_length=100, description="None for group-wide keys.")
    roles: list[str]
    expires_at: AwareDatetime | None = Field(description="After this instant the key is refused (None: never).")
    revoked: bool = False
    revoked_at: AwareDatetime | None = None
    replaces: UUID | None = Field(default=None, description="The key this one rotated (revoked with it).")


class DirectoryEvent(Contract):
    """Fields every directory event carries. Keyed by the entity (`entity`), so one entity's changes
    stay in order on one partition."""

    type: str
    schema_version: int
    event_id: UUID = Field(description="Unique; the same on a re-publication.")
    entity: str = Field(
        description="The Kafka key: 'office:<id>', 'department:<office>/<code>', 'staff:<id>' or 'key:<id>'."
    )
    change: str = Field(description="What changed, e.g. 'created', 'changed', 'revoked'.")
    occurred_at: AwareDatetime
    actor: Actor = Field(description="Who changed it.")
    reason: str = Field(min_length=1, max_length=2000, description="Why, in the actor's words.")

    @property
    def key(self) -> str:
        return self.entity


class OfficeChanged(DirectoryEvent):
    """An office was created or changed (name, time zone, units served, active). Its whole state."""

    type: Literal["complaints.directory.OfficeChanged"] = "complaints.directory.OfficeChanged"
    schema_version: Literal[1] = 1
    payload: OfficeRecord


class DepartmentChanged(DirectoryEvent):
    """A department of an office was created or changed. Its whole state."""

    type: Literal["complaints.directory.DepartmentChanged"] = "complaints.directory.DepartmentChanged"
    schema_version: Literal[1] = 1
    payload: DepartmentRecord


class StaffMemberChanged(DirectoryEvent):
    """A staff member was added or changed (roles, office, contacts, active). Their whole record."""

    type: Literal["complaints.directory.StaffMemberChanged"] = "complaints.directory.StaffMemberChanged"
    schema_version: Literal[1] = 1
    payload: StaffRecord


class ApiKeyChanged(DirectoryEvent):
    """A key was issued or revoked (rotation: a new key issued, the old one revoked). Its hash and state."""

    type: Literal["complaints.directory.ApiKeyChanged"] = "complaints.directory.ApiKeyChanged"
    schema_version: Literal[1] = 1
    payload: ApiKeyRecord
