"""The directory's HTTP API (FastAPI): offices, departments, staff and keys; every change with a reason.

Run: `uvicorn services.directory.entrypoints.http:create_app --factory --port 8007`

The group's administrators (`admin` role) manage everything; an office's manager manages its own
office's departments, staff and keys (office roles only). Office calendars are the SLA's API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request, status
from pydantic import AwareDatetime, BaseModel, Field

from shared.clock import Clock, utc_now
from shared.contracts.directory import (
    ApiKeyRecord,
    Contacts,
    DepartmentRecord,
    NameLanguage,
    OfficeName,
    OfficeRecord,
    StaffRecord,
)
from shared.web import PROBLEM_RESPONSES, CurrentPrincipal, FilledIn, Problem, refused, service_api

from .. import bootstrap
from ..adapters.outbound import department_record, key_record, office_record, staff_record
from ..application import DirectoryApplication
from ..domain.errors import AlreadyExists, Invalid, NotFound, Refused
from ..domain.office import Department, Office
from ..domain.staff import StaffMember
from ..settings import DirectorySettings

RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such entry (or not one your key may see)."},
    409: {"model": Problem, "description": "Exists already, or does not fit the directory now; nothing recorded."},
    **PROBLEM_RESPONSES,
}
Reason = Field(min_length=1, max_length=2000, description="Why: recorded with the change and who made it.")


class OfficeIn(BaseModel):
    office_id: str = Field(max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$", examples=["hk-central"])
    name: FilledIn = Field(min_length=1, max_length=200)
    names: dict[NameLanguage, OfficeName] = Field(
        default_factory=dict, description="The name in each language that has one, e.g. {'zh-Hant': '中環管理處'}."
    )
    time_zone: FilledIn = Field(min_length=1, max_length=64, examples=["Asia/Hong_Kong"])
    units_served: int = Field(ge=0, le=100_000_000)
    reason: FilledIn = Reason


class OfficeChange(BaseModel):
    name: FilledIn | None = Field(default=None, min_length=1, max_length=200)
    names: dict[NameLanguage, OfficeName] | None = Field(
        default=None, description="Replaces the names per language as a whole (absent: unchanged)."
    )
    time_zone: FilledIn | None = Field(default=None, min_length=1, max_length=64)
    units_served: int | None = Field(default=None, ge=0, le=100_000_000)
    active: bool | None = None
    reason: FilledIn = Reason


class DepartmentIn(BaseModel):
    code: str = Field(max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$", examples=["engineering"])
    name: FilledIn = Field(min_length=1, max_length=200)
    reason: FilledIn = Reason


class DepartmentChange(BaseModel):
    name: FilledIn | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None
    reason: FilledIn = Reason


class StaffIn(BaseModel):
    staff_id: str = Field(max_length=200, pattern=r"^[a-z0-9][a-z0-9/._-]*$", examples=["hk-central/leader-3"])
    name: FilledIn = Field(min_length=1, max_length=200)
    office_id: str | None = Field(default=None, max_length=100, description="None: the group's own staff.")
    department: str | None = Field(default=None, max_length=60)
    roles: list[str] = Field(min_length=1, max_length=20)
    contacts: Contacts = Field(default_factory=Contacts)
    language: NameLanguage | None = Field(default=None, description="The language of their mails (none: English).")
    reason: FilledIn = Reason


class StaffChange(BaseModel):
    name: FilledIn | None = Field(default=None, min_length=1, max_length=200)
    office_id: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=60)
    roles: list[str] | None = Field(default=None, min_length=1, max_length=20)
    contacts: Contacts | None = None
    active: bool | None = None
    language: NameLanguage | None = Field(default=None, description="The language of their mails (null: English).")
    reason: FilledIn = Reason


class KeyIn(BaseModel):
    actor_id: FilledIn = Field(min_length=1, max_length=200, description="Who the key speaks for, e.g. a staff id.")
    office_id: str | None = Field(default=None, max_length=100, description="None: a group-wide key.")
    roles: list[str] = Field(min_length=1, max_length=20)
    expires_at: AwareDatetime | None = None
    reason: FilledIn = Reason


class RotationIn(BaseModel):
    expires_at: AwareDatetime | None = None
    reason: FilledIn = Reason


class RevocationIn(BaseModel):
    reason: FilledIn = Reason


class IssuedKeyOut(BaseModel):
    key_id: UUID
    key: str = Field(description="The key itself: shown this once; only its hash is kept.")
    actor_id: str
    office_id: str | None
    roles: list[str]
    expires_at: datetime | None


class Change(BaseModel):
    change: str
    version: int
    by: str | None
    role: str | None
    reason: str | None
    at: datetime | None
    after: dict[str, Any] | None = Field(
        default=None,
        description="The entity's whole state after this change, as it was published (a key: its hash only). "
        "The directory's topic is compacted (only each entity's latest state stays there): this store is "
        "the history of who changed what and why.",
    )


def published(entity: Any) -> dict[str, Any]:
    """An entity's state as its event carried it."""
    record: BaseModel
    if isinstance(entity, Office):
        record = office_record(entity)
    elif isinstance(entity, Department):
        record = department_record(entity)
    elif isinstance(entity, StaffMember):
        record = staff_record(entity)
    else:
        record = key_record(entity)
    return record.model_dump(mode="json")


def create_app(
    settings: DirectorySettings | None = None,
    app_instance: DirectoryApplication | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    settings = settings or DirectorySettings()
    if clock is utc_now:
        clock = settings.clock()

    api = service_api(
        settings,
        title="Complaint directory",
        description="Offices, departments, staff and their keys. Every change says who and why.",
        state_name="directory",
        open_app=lambda: bootstrap.application(settings),
        app_instance=app_instance,
        max_body_bytes=settings.max_body_bytes,
    )

    def directory(request: Request) -> DirectoryApplication:
        return request.app.state.directory  # type: ignore[no-any-return]

    def run(action: Any) -> Any:
        try:
            return action()
        except NotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        except Refused as error:
            raise refused(status.HTTP_403_FORBIDDEN, error) from None
        except (AlreadyExists, Invalid) as error:
            raise refused(status.HTTP_409_CONFLICT, error) from None

    def changes(request: Request, aggregate_id: UUID) -> list[Change]:
        app = directory(request)
        return [
            Change.model_validate(c | {"after": published(app.repository.get(aggregate_id, version=c["version"]))})
            for c in app.history(aggregate_id)
        ]

    # -- offices ----------------------------------------------------------------------------------

    @api.get("/offices", response_model=list[OfficeRecord], responses=RESPONSES)
    def offices(principal: CurrentPrincipal, request: Request) -> list[OfficeRecord]:
        """The offices your key may see (the group's roles: all; a manager: their own)."""
        return [office_record(o) for o in directory(request).offices(principal)]

    @api.post("/offices", status_code=201, response_model=OfficeRecord, responses=RESPONSES)
    def create_office(body: OfficeIn, principal: CurrentPrincipal, request: Request) -> OfficeRecord:
        """An administrator creates an office (its calendar: the SLA's `PUT /offices/{id}/calendar`)."""
        made = run(lambda: directory(request).create_office(
            principal, body.office_id, body.name, body.time_zone, body.units_served, body.reason, clock(),
            names={str(k): v for k, v in body.names.items()}))  # fmt: skip
        return office_record(made)

    @api.get("/offices/{office_id}", response_model=OfficeRecord, responses=RESPONSES)
    def office(office_id: str, principal: CurrentPrincipal, request: Request) -> OfficeRecord:
        return office_record(run(lambda: directory(request).office(principal, office_id)))

    @api.patch("/offices/{office_id}", response_model=OfficeRecord, responses=RESPONSES)
    def change_office(
        office_id: str, body: OfficeChange, principal: CurrentPrincipal, request: Request
    ) -> OfficeRecord:
        """An administrator changes an office's name, time zone, units served or closes it (`active`)."""
        changed = run(lambda: directory(request).change_office(
            principal, office_id, body.reason, clock(), name=body.name, time_zone=body.time_zone,
            units_served=body.units_served, active=body.active,
            names=None if body.names is None else {str(k): v for k, v in body.names.items()}))  # fmt: skip
        return office_record(changed)

    @api.get("/offices/{office_id}/history", response_model=list[Change], responses=RESPONSES)
    def office_history(office_id: str, principal: CurrentPrincipal, request: Request) -> list[Change]:
        """Every change of an office: what it became, who, in which role, why, when."""
        return changes(request, run(lambda: directory(request).office(principal, office_id)).id)

    # -- departments ------------------------------------------------------------------------------

    @api.get("/offices/{office_id}/departments", response_model=list[DepartmentRecord], responses=RESPONSES)
    def departments(office_id: str, principal: CurrentPrincipal, request: Request) -> list[DepartmentRecord]:
        return [department_record(d) for d in directory(request).departments(principal, office_id)]

    @api.post("/offices/{office_id}/departments", status_code=201, response_model=DepartmentRecord,
              responses=RESPONSES)  # fmt: skip
    def create_department(
        office_id: str, body: DepartmentIn, principal: CurrentPrincipal, request: Request
    ) -> DepartmentRecord:
        made = run(lambda: directory(request).create_department(
            principal, office_id, body.code, body.name, body.reason, clock()))  # fmt: skip
        return department_record(made)

    @api.patch("/offices/{office_id}/departments/{code}", response_model=DepartmentRecord, responses=RESPONSES)
    def change_department(
        office_id: str, code: str, body: DepartmentChange, principal: CurrentPrincipal, request: Request
    ) -> DepartmentRecord:
        changed = run(lambda: directory(request).change_department(
            principal, office_id, code, body.reason, clock(), name=body.name, active=body.active))  # fmt: skip
        return department_record(changed)

    @api.get("/offices/{office_id}/departments/{code}/history", response_model=list[Change], responses=RESPONSES)
    def department_history(office_id: str, code: str, principal: CurrentPrincipal, request: Request) -> list[Change]:
        """Every change of a department: what it became, who, in which role, why, when."""
        run(lambda: directory(request).office(principal, office_id))  # who may read it, as for the office
        found = [d for d in directory(request).departments(principal, office_id) if d.code == code]
        if not found:
            raise refused(
                status.HTTP_404_NOT_FOUND,
                NotFound("directory.department_not_found", f"no department {code!r} in {office_id!r}",
                         department=code, office_id=office_id),
            )  # fmt: skip
        return changes(request, found[0].id)

    # -- staff ------------------------------------------------------------------------------------

    @api.get("/staff", response_model=list[StaffRecord], responses=RESPONSES)
    def staff(principal: CurrentPrincipal, request: Request, office_id: str | None = None) -> list[StaffRecord]:
        """Staff your key may see, of one office if `office_id` is given."""
        return [staff_record(s) for s in directory(request).staff(principal, office_id)]

    @api.post("/staff", status_code=201, response_model=StaffRecord, responses=RESPONSES)
    def add_staff(body: StaffIn, principal: CurrentPrincipal, request: Request) -> StaffRecord:
        """An administrator, or the office's manager, adds a staff member with roles and contacts."""
        made = run(lambda: directory(request).add_staff(
            principal, body.staff_id, body.name, body.office_id, body.roles, body.contacts.model_dump(),
            body.reason, clock(), department=body.department, language=body.language))  # fmt: skip
        return staff_record(made)

    @api.get("/staff/{staff_id:path}/history", response_model=list[Change], responses=RESPONSES)
    def staff_history(staff_id: str, principal: CurrentPrincipal, request: Request) -> list[Change]:
        """Every change of a staff member: what, who, in which role, why, when."""
        member = run(lambda: directory(request).staff_member(principal, staff_id))
        return changes(request, member.id)

    @api.get("/staff/{staff_id:path}", response_model=StaffRecord, responses=RESPONSES)
    def staff_member(staff_id: str, principal: CurrentPrincipal, request: Request) -> StaffRecord:
        return staff_record(run(lambda: directory(request).staff_member(principal, staff_id)))

    @api.patch("/staff/{staff_id:path}", response_model=StaffRecord, responses=RESPONSES)
    def change_staff(staff_id: str, body: StaffChange, principal: CurrentPrincipal, request: Request) -> StaffRecord:
        """Change roles, contacts, department or office, or deactivate (`active: false`)."""
        changes = body.model_dump(exclude_unset=True, exclude={"reason"})
        changed = run(lambda: directory(request).change_staff(principal, staff_id, changes, body.reason, clock()))
        return staff_record(changed)

    # -- keys -------------------------------------------------------------------------------------

    @api.get("/keys", response_model=list[ApiKeyRecord], responses=RESPONSES)
    def keys(principal: CurrentPrincipal, request: Request, office_id: str | None = None) -> list[ApiKeyRecord]:
        """Keys your key may see: hashes and state only, never a key."""
        return [key_record(k) for k in directory(request).keys(principal, office_id)]

    @api.post("/keys", status_code=201, response_model=IssuedKeyOut, responses=RESPONSES)
    def issue_key(body: KeyIn, principal: CurrentPrincipal, request: Request) -> IssuedKeyOut:
        """Issue a key: the answer holds it, once. Every service accepts it within seconds."""
        issued = run(lambda: directory(request).issue_key(
            principal, body.actor_id, body.office_id, body.roles, body.expires_at, body.reason, clock()))  # fmt: skip
        return IssuedKeyOut.model_validate(issued, from_attributes=True)

    @api.post("/keys/{key_id}/rotation", status_code=201, response_model=IssuedKeyOut, responses=RESPONSES)
    def rotate_key(key_id: UUID, body: RotationIn, principal: CurrentPrincipal, request: Request) -> IssuedKeyOut:
        """A new key with the same actor, office and roles; the old one revoked with it."""
        issued = run(lambda: directory(request).rotate_key(principal, key_id, body.expires_at, body.reason, clock()))
        return IssuedKeyOut.model_validate(issued, from_attributes=True)

    @api.post("/keys/{key_id}/revocation", response_model=ApiKeyRecord, responses=RESPONSES)
    def revoke_key(key_id: UUID, body: RevocationIn, principal: CurrentPrincipal, request: Request) -> ApiKeyRecord:
        """Revoke a key: every service refuses it within seconds."""
        return key_record(run(lambda: directory(request).revoke_key(principal, key_id, body.reason, clock())))

    @api.get("/keys/{key_id}/history", response_model=list[Change], responses=RESPONSES)
    def key_history(key_id: UUID, principal: CurrentPrincipal, request: Request) -> list[Change]:
        run(lambda: directory(request).key(principal, key_id))
        return changes(request, key_id)

    return api
