"""Stored domain events -> integration events (the relay's translator).

Each directory event is published as the entity's whole state after it (read back at that version),
with the change's name, who made it and why: a reader upserts the latest state per entity.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.bus.relay import Publication
from shared.contracts import Actor, stored_event_id
from shared.contracts.directory import (
    ApiKeyChanged,
    ApiKeyRecord,
    Contacts,
    DepartmentChanged,
    DepartmentRecord,
    OfficeChanged,
    OfficeRecord,
    StaffMemberChanged,
    StaffRecord,
)
from shared.eventstore import ServiceApplication

from ..domain.keys import ApiKey
from ..domain.office import Department, Office
from ..domain.staff import StaffMember

CHANGES = {"Created": "created", "Added": "added", "Changed": "changed", "Issued": "issued", "Revoked": "revoked"}


def office_record(office: Office) -> OfficeRecord:
    return OfficeRecord(
        office_id=office.office_id, name=office.name, names=getattr(office, "names", {}), time_zone=office.time_zone,
        units_served=office.units_served, active=office.active,
    )  # fmt: skip


def department_record(department: Department) -> DepartmentRecord:
    return DepartmentRecord(
        office_id=department.office_id, code=department.code, name=department.name, active=department.active
    )


def staff_record(member: StaffMember) -> StaffRecord:
    return StaffRecord(
        staff_id=member.staff_id, name=member.name, office_id=member.office_id, department=member.department,
        roles=list(member.roles), contacts=Contacts(**member.contacts), active=member.active,
        language=getattr(member, "language", None),
    )  # fmt: skip


def key_record(key: ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=key.key_id, key_sha256=key.key_sha256, actor_id=key.actor_id, office_id=key.office_id,
        roles=list(key.roles), expires_at=key.expires_at, revoked=key.revoked, revoked_at=key.revoked_at,
        replaces=key.replaces,
    )  # fmt: skip


class Translator:
    def __init__(self, app: ServiceApplication) -> None:
        self.app = app

    def __call__(self, event: Any) -> Iterable[Publication]:
        if not isinstance(event, Office.Event | Department.Event | StaffMember.Event | ApiKey.Event):
            return
        entity: Any = self.app.repository.get(event.originator_id, version=event.originator_version)
        common = {
            "event_id": stored_event_id("directory", event.originator_id, event.originator_version),
            "change": CHANGES.get(type(event).__name__, type(event).__name__.lower()),
            "occurred_at": event.at,
            "actor": Actor(id=event.by, role=event.role),
            "reason": event.reason,
        }
        message: OfficeChanged | DepartmentChanged | StaffMemberChanged | ApiKeyChanged
        if isinstance(entity, Office):
            message = OfficeChanged(**common, entity=f"office:{entity.office_id}", payload=office_record(entity))
        elif isinstance(entity, Department):
            message = DepartmentChanged(
                **common, entity=f"department:{entity.office_id}/{entity.code}", payload=department_record(entity)
            )
        elif isinstance(entity, StaffMember):
            message = StaffMemberChanged(**common, entity=f"staff:{entity.staff_id}", payload=staff_record(entity))
        else:
            message = ApiKeyChanged(**common, entity=f"key:{entity.key_id}", payload=key_record(entity))
        yield Publication(message, message.key, str(message.event_id), message.occurred_at)
