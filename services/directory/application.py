"""The directory's commands and queries. Every command takes who (`Principal`), why and `now`.

Every change is an event of its aggregate, carrying who, in which role, why and when; a command that
changes nothing records nothing. Authorisation is decided here (domain/access.py), so the API, the
CLI and the desk obey the same rules.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from shared.auth import Principal, hash_key
from shared.contracts.labels import department_code
from shared.eventstore import ServiceApplication, UnitOfWork

from .domain import access
from .domain.errors import AlreadyExists, Invalid, NotFound, Refused
from .domain.keys import ApiKey
from .domain.office import Department, Office, check_names, check_slug, check_units, check_zone
from .domain.roster import Roster
from .domain.staff import STAFF_ID, StaffMember, check_contacts, check_language, check_roles

T = TypeVar("T")


@dataclass(frozen=True)
class IssuedKey:
    """A new key: the plain key is in this answer only; the store keeps its hash."""

    key_id: UUID
    key: str
    actor_id: str
    office_id: str | None
    roles: list[str]
    expires_at: datetime | None


def _audit(actor: Principal, reason: str, now: datetime) -> dict[str, Any]:
    if not reason.strip():
        raise Invalid("directory.reason_needed", "every change says why: give a reason")
    return {"by": actor.actor_id, "role": actor.role, "reason": reason.strip(), "at": now}


class DirectoryApplication(ServiceApplication):
    name = "directory"

    # -- plumbing ---------------------------------------------------------------------------------

    def _retrying(self, change: Callable[[UnitOfWork], T]) -> T:
        for attempt in range(20):
            uow = self.unit_of_work()
            result = change(uow)
            try:
                self.commit(uow)
                return result
            except IntegrityError:  # another request recorded meanwhile: decide again on the new state
                time.sleep(0.01 * (attempt + 1))
        raise RuntimeError("the directory is too contended")

    def _roster(self, uow: UnitOfWork) -> Roster:
        roster: Roster = uow.find(Roster.create_id()) or Roster()
        uow.add(roster)
        return roster

    def _office(self, uow: UnitOfWork, office_id: str) -> Office:
        office: Office | None = uow.find(Office.create_id(office_id))
        if office is None:
            raise NotFound("directory.office_not_found", f"no office {office_id!r}", office_id=office_id)
        return office

    def _listed(self, kind: str) -> list[Any]:
        roster: Roster | None = self.unit_of_work().find(Roster.create_id())
        return [self.repository.get(i) for i in roster.ids[kind]] if roster else []

    # -- offices ----------------------------------------------------------------------------------

    def create_office(
        self, actor: Principal, office_id: str, name: str, time_zone: str, units_served: int, reason: str,
        now: datetime, names: dict[str, str] | None = None,
    ) -> Office:  # fmt: skip
        access.require_admin(actor.roles, "creating an office")
        check_slug("office", office_id), check_zone(time_zone), check_units(units_served)
        names = check_names(names or {})

        def create(uow: UnitOfWork) -> Office:
            if uow.find(Office.create_id(office_id)) is not None:
                raise AlreadyExists("directory.office_exists", f"office {office_id!r} exists", office_id=office_id)
            office = Office(office_id, name, time_zone, units_served, **_audit(actor, reason, now), names=names or {})
            uow.add(office)
            self._roster(uow).enrol("office", office.id)
            return office

        return self._retrying(create)

    def change_office(
        self, actor: Principal, office_id: str, reason: str, now: datetime, *, name: str | None = None,
        time_zone: str | None = None, units_served: int | None = None, active: bool | None = None,
        names: dict[str, str] | None = None,
    ) -> Office:  # fmt: skip
        access.require_admin(actor.roles, "changing an office")

        def change(uow: UnitOfWork) -> Office:
            office = self._office(uow, office_id)
            office.change(name, time_zone, units_served, active, **_audit(actor, reason, now), names=names)
            return office

        return self._retrying(change)

    def offices(self, actor: Principal) -> list[Office]:
        found: list[Office] = self._listed("office")
        return [o for o in found if access.may_read(actor.roles, actor.office_id, o.office_id)]

    def office(self, actor: Principal, office_id: str) -> Office:
        if not access.may_read(actor.roles, actor.office_id, office_id):
            if actor.office_id == office_id:  # their own office exists: say why, not "no office"
                raise Refused(
                    "directory.read_refused",
                    f"reading office {office_id!r} needs its office manager's or the group's role",
                    office_id=office_id,
                )
            raise NotFound("directory.office_not_found", f"no office {office_id!r}", office_id=office_id)
        return self._office(self.unit_of_work(), office_id)

    # -- departments ------------------------------------------------------------------------------

    def create_department(
        self, actor: Principal, office_id: str, code: str, name: str, reason: str, now: datetime
    ) -> Department:
        access.require_office_manager(actor.roles, actor.office_id, office_id, "creating a department")
        check_slug("department", code)

        def create(uow: UnitOfWork) -> Department:
            self._office(uow, office_id)
            if uow.find(Department.create_id(office_id, code)) is not None:
                raise AlreadyExists(
                    "directory.department_exists", f"department {code!r} of {office_id!r} exists",
                    department=code, office_id=office_id,
                )  # fmt: skip
            department = Department(office_id, code, name, **_audit(actor, reason, now))
            uow.add(department)
            self._roster(uow).enrol("department", department.id)
            return department

        return self._retrying(create)

    def change_department(
        self, actor: Principal, office_id: str, code: str, reason: str, now: datetime, *, name: str | None = None,
        active: bool | None = None,
    ) -> Department:  # fmt: skip
        access.require_office_manager(actor.roles, actor.office_id, office_id, "changing a department")

        def change(uow: UnitOfWork) -> Department:
            department: Department | None = uow.find(Department.create_id(office_id, code))
            if department is None:
                raise NotFound(
                    "directory.department_not_found", f"no department {code!r} in {office_id!r}",
                    department=code, office_id=office_id,
                )  # fmt: skip
            department.change(name, active, **_audit(actor, reason, now))
            return department

        return self._retrying(change)

    def departments(self, actor: Principal, office_id: str | None = None) -> list[Department]:
        found: list[Department] = self._listed("department")
        return [
            d for d in found
            if (office_id is None or d.office_id == office_id)
            and access.may_read(actor.roles, actor.office_id, d.office_id)
        ]  # fmt: skip

    # -- staff ------------------------------------------------------------------------------------

    def _placement(self, uow: UnitOfWork, office_id: str | None, department: str | None) -> str | None:
        """The office's department a staff record names, as its code: by the code, or by its word in any
        language — read as triage reads a routing override and handling a hand-over
        (shared/contracts/labels.department_code); 'Engineering Dept' names none and is refused."""
        if office_id is not None:
            self._office(uow, office_id)
        if department is None:
            return None
        if office_id is None:
            raise Invalid(
                "directory.group_staff_no_department", "the group's own staff belong to no office's department"
            )
        if uow.find(Department.create_id(office_id, department)) is not None:
            return department
        code = department_code(department, [d.code for d in self._listed("department") if d.office_id == office_id])
        if code is None:
            raise Invalid(
                "directory.department_unknown", f"no department {department!r} in {office_id!r}",
                department=department, office_id=office_id,
            )  # fmt: skip
        return code

    def add_staff(
        self, actor: Principal, staff_id: str, name: str, office_id: str | None, roles: list[str],
        contacts: dict[str, str | None], reason: str, now: datetime, department: str | None = None,
        language: str | None = None,
    ) -> StaffMember:  # fmt: skip
        access.require_office_manager(actor.roles, actor.office_id, office_id, "adding staff")
        access.require_grantable(actor.roles, roles)
        if not STAFF_ID.match(staff_id):
            raise Invalid(
                "directory.bad_staff_id", f"staff id {staff_id!r}: lower-case letters, digits and '/._-'",
                staff_id=staff_id,
            )  # fmt: skip
        held, reach, reads = check_roles(roles), check_contacts(contacts), check_language(language)

        def add(uow: UnitOfWork) -> StaffMember:
            if uow.find(StaffMember.create_id(staff_id)) is not None:
                raise AlreadyExists("directory.staff_exists", f"staff member {staff_id!r} exists", staff_id=staff_id)
            placed = self._placement(uow, office_id, department)
            member = StaffMember(
                staff_id, name, office_id, placed, held, reach, **_audit(actor, reason, now), language=reads
            )
            uow.add(member)
            self._roster(uow).enrol("staff", member.id)
            return member

        return self._retrying(add)

    def change_staff(
        self, actor: Principal, staff_id: str, changes: dict[str, Any], reason: str, now: datetime
    ) -> StaffMember:
        """`changes`: any of name, office_id, department, roles, contacts, active, language. Moving someone to
        another office needs the manager of both (or an administrator)."""

        def change(uow: UnitOfWork) -> StaffMember:
            member = self._member(uow, actor, staff_id)
            access.require_office_manager(actor.roles, actor.office_id, member.office_id, "changing staff")
            target = changes.get("office_id", member.office_id)
            if target != member.office_id:
                access.require_office_manager(actor.roles, actor.office_id, target, "moving staff")
            if "roles" in changes:
                access.require_grantable(actor.roles, set(changes["roles"]) - set(member.roles))
            department = changes.get("department", member.department if target == member.office_id else None)
            placed = self._placement(uow, target, department)
            member.change(changes | {"department": placed}, **_audit(actor, reason, now))
            return member

        return self._retrying(change)

    def _member(self, uow: UnitOfWork, actor: Principal, staff_id: str) -> StaffMember:
        member: StaffMember | None = uow.find(StaffMember.create_id(staff_id))
        if member is None or not access.may_read(actor.roles, actor.office_id, member.office_id):
            raise NotFound("directory.staff_not_found", f"no staff member {staff_id!r}", staff_id=staff_id)
        return member

    def staff(self, actor: Principal, office_id: str | None = None) -> list[StaffMember]:
        found: list[StaffMember] = self._listed("staff")
        return [
            s for s in found
            if (office_id is None or s.office_id == office_id)
            and access.may_read(actor.roles, actor.office_id, s.office_id)
        ]  # fmt: skip

    def staff_member(self, actor: Principal, staff_id: str) -> StaffMember:
        return self._member(self.unit_of_work(), actor, staff_id)

    # -- keys -------------------------------------------------------------------------------------

    def issue_key(
        self, actor: Principal, actor_id: str, office_id: str | None, roles: list[str], expires_at: datetime | None,
        reason: str, now: datetime, *, replaces: UUID | None = None, raw_key: str | None = None,
    ) -> IssuedKey:  # fmt: skip
        """A new key for `actor_id`. `raw_key`: a key made elsewhere (development seeding only); one whose
        hash the directory has issued already is refused: every reader keeps keys by their hash, and the
        compacted topic keeps one state per key id, so two ids of one hash would disagree by order."""
        access.require_office_manager(actor.roles, actor.office_id, office_id, "issuing a key")
        access.require_grantable(actor.roles, roles)
        held = check_roles(roles)
        if not actor_id.strip():
            raise Invalid("directory.key_actor_needed", "a key speaks for someone: give its actor id")
        if raw_key is not None and any(k.key_sha256 == hash_key(raw_key) for k in self._listed("key")):
            raise AlreadyExists("directory.key_exists", "a key with this hash was issued already")
        raw = raw_key or f"ck_{secrets.token_urlsafe(24)}"
        key_id = uuid4()

        def issue(uow: UnitOfWork) -> None:
            if office_id is not None:
                self._office(uow, office_id)
            if replaces is not None:
                old = self._key(uow, actor, replaces)
                access.require_office_manager(actor.roles, actor.office_id, old.office_id, "rotating a key")
                old.revoke(**_audit(actor, f"rotated to {key_id}: {reason}", now))
            key = ApiKey(key_id, hash_key(raw), actor_id.strip(), office_id, held, expires_at, replaces,
                         **_audit(actor, reason, now))  # fmt: skip
            uow.add(key)
            self._roster(uow).enrol("key", key.id)

        self._retrying(issue)
        return IssuedKey(key_id, raw, actor_id.strip(), office_id, held, expires_at)

    def rotate_key(
        self, actor: Principal, key_id: UUID, expires_at: datetime | None, reason: str, now: datetime
    ) -> IssuedKey:
        """A new key with the old one's actor, office and roles; the old one revoked in the same save."""
        old = self._key(self.unit_of_work(), actor, key_id)
        # who may, before what state the key is in: a reader who may not rotate learns nothing more
        access.require_office_manager(actor.roles, actor.office_id, old.office_id, "rotating a key")
        if old.revoked:
            raise Invalid(
                "directory.key_revoked", f"key {key_id} is revoked: issue a new one instead", key_id=str(key_id)
            )
        return self.issue_key(actor, old.actor_id, old.office_id, old.roles, expires_at, reason, now, replaces=key_id)

    def revoke_key(self, actor: Principal, key_id: UUID, reason: str, now: datetime) -> ApiKey:
        def revoke(uow: UnitOfWork) -> ApiKey:
            key = self._key(uow, actor, key_id)
            access.require_office_manager(actor.roles, actor.office_id, key.office_id, "revoking a key")
            key.revoke(**_audit(actor, reason, now))
            return key

        return self._retrying(revoke)

    def _key(self, uow: UnitOfWork, actor: Principal, key_id: UUID) -> ApiKey:
        key: ApiKey | None = uow.find(key_id)
        if not isinstance(key, ApiKey) or not access.may_read(actor.roles, actor.office_id, key.office_id):
            raise NotFound("directory.key_not_found", f"no key {key_id}", key_id=str(key_id))
        return key

    def key(self, actor: Principal, key_id: UUID) -> ApiKey:
        return self._key(self.unit_of_work(), actor, key_id)

    def keys(self, actor: Principal, office_id: str | None = None) -> list[ApiKey]:
        found: list[ApiKey] = self._listed("key")
        return [
            k for k in found
            if (office_id is None or k.office_id == office_id)
            and access.may_read(actor.roles, actor.office_id, k.office_id)
        ]  # fmt: skip

    # -- audit ------------------------------------------------------------------------------------

    def history(self, aggregate_id: UUID) -> list[dict[str, Any]]:
        """Every change of one entity: what, who, in which role, why, when."""
        return [
            {"change": type(e).__name__, "version": e.originator_version, "by": getattr(e, "by", None),
             "role": getattr(e, "role", None), "reason": getattr(e, "reason", None), "at": getattr(e, "at", None)}
            for e in self.repository.event_store.get(aggregate_id)
        ]  # fmt: skip
