"""Staff: who holds which roles in which office (or in the group), and how to reach them.

The notifier tells the holders of a requested role; which roles to tell is the publisher's decision,
who holds them is this aggregate's.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

from .errors import Invalid

STAFF_ID = re.compile(r"^[a-z0-9][a-z0-9/._-]{0,199}$")
ROLE = re.compile(r"^[a-z][a-z-]{0,49}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{3,40}$")
CONTACT_FIELDS = ("email", "phone", "webhook_endpoint", "webhook_to")
LANGUAGES = ("en", "zh-Hant", "zh-Hans")  # what the notifier writes mails in (the contracts' NameLanguage)


def check_roles(roles: list[str]) -> list[str]:
    if not roles:
        raise Invalid("directory.no_roles", "a staff member holds at least one role")
    for role in roles:
        if not ROLE.match(role):
            raise Invalid("directory.bad_role", f"role {role!r}: lower-case words joined by '-'", role=role)
    return sorted(set(roles))


def check_contacts(contacts: dict[str, str | None]) -> dict[str, str | None]:
    unknown = set(contacts) - set(CONTACT_FIELDS)
    if unknown:
        raise Invalid(
            "directory.unknown_contact_fields", f"unknown contact fields {sorted(unknown)}", fields=sorted(unknown)
        )
    found = {name: contacts.get(name) or None for name in CONTACT_FIELDS}
    if found["email"] is not None and not EMAIL.match(found["email"]):
        raise Invalid("directory.bad_email", f"e-mail address {found['email']!r} is not one", email=found["email"])
    if found["phone"] is not None and not PHONE.match(found["phone"]):
        raise Invalid("directory.bad_phone", f"phone number {found['phone']!r} is not one", phone=found["phone"])
    if found["webhook_to"] is not None and found["webhook_endpoint"] is None:
        raise Invalid("directory.webhook_needs_endpoint", "a webhook address needs its endpoint")
    return found


def check_language(language: str | None) -> str | None:
    """The language a person's mails are written in; None: not said (they are written in English)."""
    if language is not None and language not in LANGUAGES:
        raise Invalid(
            "directory.bad_language", f"language {language!r}: one of {', '.join(LANGUAGES)}",
            language=language, languages=list(LANGUAGES),
        )  # fmt: skip
    return language


class StaffMember(Aggregate):
    @staticmethod
    def create_id(staff_id: str, **_: Any) -> UUID:
        return derived_id("directory-staff", staff_id)

    @event("Added")
    def __init__(
        self, staff_id: str, name: str, office_id: str | None, department: str | None, roles: list[str],
        contacts: dict[str, str | None], by: str, role: str, reason: str, at: datetime,
        language: str | None = None,
    ) -> None:  # fmt: skip
        self.staff_id = staff_id
        self.name = name
        self.office_id = office_id
        self.department = department
        self.roles = list(roles)
        self.contacts = dict(contacts)
        self.active = True
        self.language = language  # the mails' language (stored before it existed: none)
        self.changed_by, self.changed_at = by, at

    def state(self) -> dict[str, Any]:
        return {"name": self.name, "office_id": self.office_id, "department": self.department,
                "roles": list(self.roles), "contacts": dict(self.contacts), "active": self.active,
                "language": getattr(self, "language", None)}  # fmt: skip

    def change(self, new: dict[str, Any], by: str, role: str, reason: str, at: datetime) -> None:
        """`new` holds the fields to change (name, office_id, department, roles, contacts, active,
        language); a change equal to the current state records nothing."""
        merged = self.state() | {k: v for k, v in new.items() if k in self.state()}
        if "roles" in new:
            merged["roles"] = check_roles(new["roles"])
        if "contacts" in new:
            merged["contacts"] = check_contacts(new["contacts"])
        if "language" in new:
            merged["language"] = check_language(new["language"])
        if merged != self.state():
            self._changed(**merged, by=by, role=role, reason=reason, at=at)

    @event("Changed")
    def _changed(
        self, name: str, office_id: str | None, department: str | None, roles: list[str],
        contacts: dict[str, str | None], active: bool, by: str, role: str, reason: str, at: datetime,
        language: str | None = None,
    ) -> None:  # fmt: skip
        self.name, self.office_id, self.department = name, office_id, department
        self.roles, self.contacts, self.active = list(roles), dict(contacts), active
        self.language = language  # a change stored before languages: none (as the person had)
        self.changed_by, self.changed_at = by, at
