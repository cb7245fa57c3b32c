"""Stored domain events -> integration events. Only here does intake's private model meet the contract."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from shared.bus.relay import Publication
from shared.contracts import (
    Actor,
    ComplaintRegistered,
    ComplaintRegisteredPayload,
    derived_id,
    stored_event_id,
)
from shared.contracts.hotline import HotlineComplaintReported
from shared.contracts.intake import SealedForm, upcast_registered_v1_v2
from shared.contracts.privacy import PersonErased, PersonErasedPayload

from ..domain.complaint import Complaint
from ..domain.erasure import PersonErasure
from ..domain.hotline import HotlineCall, stored_report


def translate(domain_event: Any) -> Iterable[Publication]:
    if isinstance(domain_event, Complaint.Registered):
        yield Publication.of(complaint_registered(domain_event))
    elif isinstance(domain_event, HotlineCall.Recorded):
        yield Publication.of(hotline_complaint_reported(domain_event))
    elif isinstance(domain_event, PersonErasure.Recorded):
        yield Publication.of(person_erased(domain_event))
    # OfficeLedger events stay private: the sequence number travels on ComplaintRegistered.


def complaint_registered(event: Any) -> ComplaintRegistered:
    complaint_id: UUID = event.originator_id
    causation = event.causation_id
    return ComplaintRegistered(
        # Derived from the stored event, so a re-publication carries the same id.
        event_id=stored_event_id("intake", complaint_id, event.originator_version),
        complaint_id=complaint_id,
        office_id=event.office_id,
        occurred_at=event.registered_at,
        actor=Actor(id=event.actor_id, role=event.actor_role),
        causation_id=derived_id("request", causation) if causation else None,
        correlation_id=complaint_id,
        payload=ComplaintRegisteredPayload(
            sequence_number=event.sequence_number,
            form=stored_form(event.form),
            registered_at=event.registered_at,
        ),
    )


def hotline_complaint_reported(event: Any) -> HotlineComplaintReported:
    report_id: UUID = event.originator_id
    report = stored_report(event.report)
    return HotlineComplaintReported(
        event_id=stored_event_id("intake", report_id, event.originator_version),
        complaint_id=report_id,
        office_id=event.office_id,
        occurred_at=report.reported_at,  # the business time: when the hotline took the call
        actor=Actor(id=event.actor_id, role=event.actor_role),
        correlation_id=report_id,
        payload=report,
    )


def stored_form(form: dict[str, Any]) -> SealedForm:
    """The form of a stored registration: sealed (every one since sealing began), or an older one kept
    in clear, published as its v1 event would read (see docs/privacy.md: erasure cannot reach those)."""
    if "personal" in form:
        return SealedForm.model_validate(form)
    upcast = upcast_registered_v1_v2({"payload": {"form": form}})
    return SealedForm.model_validate(upcast["payload"]["form"])


def person_erased(event: Any) -> PersonErased:
    erasure_id: UUID = event.originator_id
    return PersonErased(
        event_id=stored_event_id("intake", erasure_id, event.originator_version),
        complaint_id=erasure_id,
        office_id="group",
        occurred_at=event.erased_at,
        actor=Actor(id=event.actor_id, role=event.actor_role),
        correlation_id=erasure_id,
        payload=PersonErasedPayload(
            person_id=event.person_id,
            erased_at=event.erased_at,
            reason=event.reason,
            keys_destroyed=event.keys_destroyed,
            index_entries_deleted=event.index_entries_deleted,
        ),
    )
