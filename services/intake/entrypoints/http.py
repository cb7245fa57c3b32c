"""Intake's HTTP API (FastAPI). Routes parse, call one application method, and map domain errors.

Run: `uvicorn services.intake.entrypoints.http:create_app --factory --port 8001`
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import FastAPI, Header, Request, Response, status
from pydantic import BaseModel, Field

from shared import redaction
from shared.auth import Principal
from shared.clock import Clock, utc_now
from shared.contracts import Complainant, PersonalData, RegistrationForm
from shared.contracts.hotline import HotlineCallRecord
from shared.web import (
    PROBLEM_RESPONSES,
    CurrentPrincipal,
    FilledIn,
    Problem,
    Refused,
    reading_office,
    refused,
    require_office,
    require_roles,
    service_api,
    unprocessable,
)

from .. import bootstrap
from ..adapters.office_topic_prune import prune_handled
from ..application import HOTLINE_ROLES, PRIVACY_ROLES, REGISTERING_ROLES, IntakeApplication
from ..domain.errors import (
    BlankField,
    ComplaintNotFound,
    ContactRefused,
    HotlineReferenceReused,
    ReferenceReused,
    TimeOutOfBounds,
    UnknownOffice,
)
from ..settings import IntakeSettings


class Registered(BaseModel):
    complaint_id: UUID
    sequence_number: int


class HotlineCallRecorded(BaseModel):
    report_id: UUID
    hotline_reference: str


# A call reported further ahead than this (clock skew between systems) is refused as impossible.
FUTURE_TOLERANCE = timedelta(minutes=5)


class PersonFound(BaseModel):
    person_id: UUID


class ErasureRequest(BaseModel):
    reason: FilledIn = Field(min_length=1, max_length=2000, description="Why: e.g. the data subject's request number.")


class ErasureOut(BaseModel):
    erasure_id: UUID
    person_id: UUID
    erased_at: datetime
    keys_destroyed: int
    index_entries_deleted: int
    office_topic_low_watermarks: dict[int, int] = Field(
        default_factory=dict,
        description="Per partition of the office-facing topic, the first offset it still holds: the records "
        "intake had handled (stored sealed) were deleted, the erased person's clear forms with them.",
    )
    office_topic_prune_error: str | None = Field(default=None, description="Why the topic was not pruned.")


class RegistrationOut(BaseModel):
    complaint_id: UUID
    office_id: str
    sequence_number: int
    registered_at: datetime
    registered_by: str
    form: RegistrationForm


def require_group_privacy(principal: Principal) -> None:
    """Data subjects are found and erased across every office: a group-wide `privacy` key or user only
    (an office's key with the role, however it was made, is refused)."""
    require_roles(principal, *PRIVACY_ROLES)
    if principal.office_id is not None:
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            "auth.group_privacy_key_needed",
            "finding and erasing data subjects needs a group-wide key",
        )


def _opened(settings: IntakeSettings) -> IntakeApplication:
    app = bootstrap.application(settings)
    redaction.warm_in_background()  # not in the first registration's time
    return app


def create_app(
    settings: IntakeSettings | None = None,
    app_instance: IntakeApplication | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    settings = settings or IntakeSettings()
    if clock is utc_now:  # a demo on accelerated time (<SERVICE>_TIME_FACTOR)
        clock = settings.clock()

    api = service_api(
        settings,
        title="Complaint intake",
        description="Offices record complaints. Authenticate with your office's key.",
        state_name="intake",
        open_app=lambda: _opened(settings),
        app_instance=app_instance,
        max_body_bytes=settings.max_body_bytes,
    )

    @api.post(
        "/complaints",
        status_code=status.HTTP_201_CREATED,
        response_model=Registered,
        responses={
            200: {"model": Registered, "description": "Already registered under this reference."},
            409: {"model": Problem, "description": "The reference names a different complaint."},
            **PROBLEM_RESPONSES,
        },
    )
    def register(
        form: RegistrationForm,
        principal: CurrentPrincipal,
        request: Request,
        response: Response,
        x_request_id: Annotated[str | None, Header()] = None,
    ) -> Registered:
        """Record a complaint at once. The office is the key's; the same reference twice is one complaint.

        `received_at` must lie between `INTAKE_RECEIVED_MAX_AGE_DAYS` (3653) days before now and
        `INTAKE_RECEIVED_FUTURE_SKEW_MINUTES` (5) minutes after it; `occurred_at` not after `received_at`
        and at most `INTAKE_OCCURRED_MAX_DAYS_BEFORE_RECEIVED` (3653) days before it. The complainant's
        `contact` must be a phone number valid in the office's region (its time zone's, from the directory;
        another region's with its country code) or an e-mail address. Otherwise 422 naming the field and
        the reason."""
        require_roles(principal, *REGISTERING_ROLES)
        office_id = require_office(principal)
        intake: IntakeApplication = request.app.state.intake
        try:
            registration = intake.register(office_id, principal, form, clock(), x_request_id)
        except ReferenceReused as error:
            raise refused(status.HTTP_409_CONFLICT, error) from error
        except TimeOutOfBounds as error:  # a time outside its window around now: named, nothing recorded
            raise unprocessable(error.field, error.reason, error.code, "out_of_bounds", **error.params) from None
        except ContactRefused as error:  # no phone number, no e-mail: nobody can be replied to
            raise unprocessable(
                list(error.field), error.reason, error.code, "contact_invalid", **error.params
            ) from None
        except BlankField as error:  # a required text of only spaces: as unfilled as an empty one
            raise unprocessable(list(error.field), error.reason, error.code, "string_blank", **error.params) from None
        if not registration.created:
            response.status_code = status.HTTP_200_OK
        return Registered(complaint_id=registration.complaint_id, sequence_number=registration.sequence_number)

    @api.get(
        "/complaints/{complaint_id}",
        response_model=RegistrationOut,
        responses={
            404: {"model": Problem, "description": "No such complaint for your key."},
            **PROBLEM_RESPONSES,
        },
    )
    def registration(complaint_id: UUID, principal: CurrentPrincipal, request: Request) -> RegistrationOut:
        """A complaint as registered. An office's key sees only its own office's complaints; group keys
        see every office's, with the complainant's personal data withheld (auditors' too)."""
        intake: IntakeApplication = request.app.state.intake
        try:
            view = intake.registration(reading_office(principal), complaint_id)
        except ComplaintNotFound as error:
            raise refused(status.HTTP_404_NOT_FOUND, error) from None
        out = RegistrationOut.model_validate(view, from_attributes=True)
        if principal.office_id is None:  # group keys, auditors too: no personal data (docs/privacy.md)
            withheld = Complainant(name="(withheld)", contact="(withheld)")
            form = out.form.model_copy(update={"complainant": withheld, "unit_address": "(withheld)"})
            out = out.model_copy(update={"form": form})
        return out

    @api.post(
        "/privacy/persons/lookup",
        response_model=PersonFound,
        responses={404: {"model": Problem, "description": "The keyring knows nobody by these."}, **PROBLEM_RESPONSES},
    )
    def find_person(data: PersonalData, principal: CurrentPrincipal, request: Request) -> PersonFound:
        """The person id of a data subject, found by their contact or their name with their unit
        (the keyring's blind index), for a `privacy` key. The facts sent are not stored."""
        require_group_privacy(principal)
        intake: IntakeApplication = request.app.state.intake
        person_id = intake.find_person(data)
        if person_id is None:
            raise Refused(
                status.HTTP_404_NOT_FOUND,
                "intake.data_subject_not_found",
                "nobody known by this contact or name and unit",
            )
        return PersonFound(person_id=person_id)

    @api.post(
        "/privacy/persons/{person_id}/erasure",
        response_model=ErasureOut,
        responses=PROBLEM_RESPONSES,
    )
    async def erase_person(
        person_id: UUID, body: ErasureRequest, principal: CurrentPrincipal, request: Request
    ) -> ErasureOut:
        """Erase a data subject (a `privacy` key): their data key and blind-index entries are destroyed,
        so their name, contact and unit can no longer be read from any store, topic, dead letter, read
        side or evidence pack. Complaints, statistics and hash chains stay whole. Audited: who, why,
        when and the person id are published on `complaints.privacy.erasures`. Repeating it is harmless.
        Then the office-facing topic's records intake has handled are deleted (their clear forms are
        stored sealed): see `adapters/office_topic_prune.py`."""
        require_group_privacy(principal)
        intake: IntakeApplication = request.app.state.intake
        done = await asyncio.to_thread(intake.erase_person, person_id, principal, body.reason, clock())
        pruned = await prune_handled(intake, settings.kafka_bootstrap_servers)
        return ErasureOut.model_validate(
            vars(done)
            | {"office_topic_low_watermarks": pruned.low_watermarks, "office_topic_prune_error": pruned.error}
        )

    @api.post(
        "/hotline/calls",
        status_code=status.HTTP_201_CREATED,
        response_model=HotlineCallRecorded,
        responses={
            200: {"model": HotlineCallRecorded, "description": "Already recorded under this reference."},
            409: {"model": Problem, "description": "The reference names a different call."},
            **PROBLEM_RESPONSES,
        },
    )
    def record_hotline_call(
        call: HotlineCallRecord, principal: CurrentPrincipal, request: Request, response: Response
    ) -> HotlineCallRecorded:
        """Record a call the group hotline (or another channel outside the offices) took about an
        office (a `hotline` key). The office must then register it quoting the hotline reference;
        the projection flags a call no registration quotes in time. When intake follows the directory
        (`INTAKE_ZONES_FROM_DIRECTORY`), an `office_id` the directory never announced is refused: 422
        naming `office_id`, nothing recorded."""
        require_roles(principal, *HOTLINE_ROLES)
        now = clock()
        if call.reported_at > now + FUTURE_TOLERANCE:
            raise unprocessable(
                "reported_at",
                f"reported_at {call.reported_at.isoformat()} is in the future (now {now.isoformat()})",
                "intake.reported_in_future",
                value=call.reported_at.isoformat(),
                now=now.isoformat(),
            )
        intake: IntakeApplication = request.app.state.intake
        try:
            recorded = intake.record_hotline_call(call, principal, now)
        except HotlineReferenceReused as error:
            raise refused(status.HTTP_409_CONFLICT, error) from error
        except UnknownOffice as error:  # the directory never announced it: no call about a phantom office
            raise unprocessable(list(error.field), error.reason, error.code, "unknown_office", **error.params) from None
        except ContactRefused as error:  # the same rule as a registration's, in the office's region
            raise unprocessable(
                list(error.field), error.reason, error.code, "contact_invalid", **error.params
            ) from None
        except BlankField as error:  # a required text of only spaces, as on the registration form
            raise unprocessable(list(error.field), error.reason, error.code, "string_blank", **error.params) from None
        if not recorded.created:
            response.status_code = status.HTTP_200_OK
        return HotlineCallRecorded(report_id=recorded.report_id, hotline_reference=call.hotline_reference)

    return api
