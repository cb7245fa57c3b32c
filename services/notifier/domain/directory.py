"""The staff directory: offices, the people in them, the roles they hold and how to reach them.

The publisher of a `NotificationRequested` decided *which roles* of *which office* (or of the group)
must be told; the directory only says *who* holds those roles today. It never re-decides who should be
told (one author per fact).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, model_validator

from shared.contracts.notifications import Recipient


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Endpoint(_Frozen):
    """A webhook receiver (a team's chat hook, an SMS gateway): its URL and the secret it checks
    our HMAC-SHA256 signature with. One secret per endpoint, so a leaked one is replaced alone."""

    url: HttpUrl
    secret: SecretStr = Field(min_length=16)


class WebhookContact(_Frozen):
    """A person reached through an endpoint; `to` is their address there (an SMS gateway's phone
    number), left out for a personal hook."""

    endpoint: str
    to: str | None = None


class Staff(_Frozen):
    id: str = Field(min_length=1, description="Stable: Message-IDs and de-duplication keys use it.")
    name: str = Field(min_length=1)
    office_id: str | None = Field(description="None for the group's own staff (company leaders, ...).")
    roles: frozenset[str] = Field(min_length=1)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    webhook: WebhookContact | None = None
    language: Literal["en", "zh-Hant", "zh-Hans"] | None = Field(
        default=None, description="The language their mails are written in (the directory's); None: English."
    )


class Office(_Frozen):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    names: dict[str, str] = {}  # the directory's name per language ('zh-Hant': '中環管理處'); none: not said
    time_zone: str | None = None  # the directory's IANA zone; None: not said (a file directory)

    def name_in(self, language: str) -> str:
        """What a mail in `language` calls the office: its name in that language; in English its name;
        else its id (never another language's name inside a Chinese sentence)."""
        if language in self.names:
            return self.names[language]
        return self.name if language == "en" else self.id

    def staff_name_in(self, language: str) -> str:
        """What a mail to staff in `language` calls the office: its name in that language, else its
        English name (staff read it inside a Chinese sentence, unlike a complainant), else its id."""
        return self.names.get(language) or self.names.get("en") or self.name or self.id


class Channel:
    EMAIL = "email"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class Addressee:
    """A person to tell, once, whatever number of the requested roles they hold."""

    staff: Staff
    roles: tuple[str, ...]  # the requested roles they hold, in the order requested

    def channels(self) -> list[str]:
        found = []
        if self.staff.email is not None:
            found.append(Channel.EMAIL)
        if self.staff.webhook is not None:
            found.append(Channel.WEBHOOK)
        return found


@dataclass(frozen=True)
class Resolution:
    addressees: tuple[Addressee, ...]
    unfilled: tuple[Recipient, ...]  # requested roles nobody holds: reported, never silently dropped


class Directory(_Frozen):
    """Everyone who can be told. Until administration becomes events (issue 14, item 5) it is read
    from a file; then it becomes a projection of those events, with the same `resolve`."""

    offices: tuple[Office, ...] = ()
    endpoints: dict[str, Endpoint] = {}
    staff: tuple[Staff, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Directory:
        ids = [s.id for s in self.staff]
        if len(ids) != len(set(ids)):
            raise ValueError("staff ids must be unique")
        offices = {o.id for o in self.offices}
        for person in self.staff:
            if person.office_id is not None and person.office_id not in offices:
                raise ValueError(f"staff {person.id!r}: unknown office {person.office_id!r}")
            if person.webhook is not None and person.webhook.endpoint not in self.endpoints:
                raise ValueError(f"staff {person.id!r}: unknown endpoint {person.webhook.endpoint!r}")
        return self

    def time_zone(self, office_id: str) -> str | None:
        """The office's time zone as the directory said it (None: not said): complainants read times in it."""
        return next((o.time_zone for o in self.offices if o.id == office_id), None)

    def office_name(self, office_id: str, language: str) -> str:
        """The office as a mail in `language` names it (`Office.name_in`); its id when unknown here."""
        office = next((o for o in self.offices if o.id == office_id), None)
        return office.name_in(language) if office is not None else office_id

    def office_name_for_staff(self, office_id: str, language: str) -> str:
        """The office as a staff mail in `language` names it (`Office.staff_name_in`); its id when unknown."""
        office = next((o for o in self.offices if o.id == office_id), None)
        return office.staff_name_in(language) if office is not None else office_id

    def holders(self, recipient: Recipient) -> list[Staff]:
        """Who holds `recipient.role` in `recipient.office_id` (None: in the group), in directory order."""
        return [s for s in self.staff if s.office_id == recipient.office_id and recipient.role in s.roles]

    def resolve(self, recipients: list[Recipient]) -> Resolution:
        """Each person holding one of the requested roles where it was requested, once, in the order
        of the request; and the requested roles nobody holds."""
        roles_of: dict[str, list[str]] = {}
        people: dict[str, Staff] = {}
        unfilled: list[Recipient] = []
        for recipient in recipients:
            holders = self.holders(recipient)
            if not holders:
                unfilled.append(recipient)
            for person in holders:
                people.setdefault(person.id, person)
                if recipient.role not in roles_of.setdefault(person.id, []):
                    roles_of[person.id].append(recipient.role)
        addressees = tuple(Addressee(people[i], tuple(roles)) for i, roles in roles_of.items())
        return Resolution(addressees, tuple(dict.fromkeys(unfilled)))


class StaffDirectory(Protocol):
    """What deliveries ask of a directory: the file's `Directory`, or the directory service's events
    as they stand now (adapters/directory_events.py)."""

    @property
    def endpoints(self) -> Mapping[str, Endpoint]: ...

    def resolve(self, recipients: list[Recipient]) -> Resolution: ...

    def time_zone(self, office_id: str) -> str | None: ...

    def office_name(self, office_id: str, language: str) -> str: ...

    def office_name_for_staff(self, office_id: str, language: str) -> str: ...
