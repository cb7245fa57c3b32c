"""Contracts of the group's own complaint channel: reports taken by the group hotline.

The group hands each report to the office concerned. The office must register it, quoting the
hotline reference as its `office_reference` or as a whole word in the form's description or request
("HL-1" quotes HL-1, never HL-10); the projection flags a report that no registration of that office
quotes within the set time.

The hotline (or any channel outside the office) sends its call records to intake's
`POST /hotline/calls` as a `HotlineCallRecord`; intake records each in its own store and its relay
publishes it as `HotlineComplaintReported`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .bounds import Instant
from .envelope import Contract, IntegrationEvent
from .intake import Complainant, PersonalData, SealedPersonal, legacy_person_id

_REFERENCE = Field(
    min_length=1,
    max_length=100,
    pattern=r"^[A-Za-z0-9._:/-]+$",
    description="The group hotline's reference; the office quotes it when it registers the complaint.",
)


class HotlineComplaintReportedPayload(Contract):
    hotline_reference: str = _REFERENCE
    reported_at: Instant = Field(description="When the hotline took the complaint.")
    personal: SealedPersonal = Field(description="The caller's name, contact and unit, sealed (docs/privacy.md).")
    summary: str = Field(min_length=1, max_length=4000, description="What the customer said.")


class HotlineComplaintReported(IntegrationEvent):
    """The group hotline took a complaint about an office. `complaint_id` is the report's own id
    (derived from the hotline reference), not the id the office's registration will get.
    v2: the caller is sealed (`payload.personal`); v1 carried them in clear."""

    type: Literal["complaints.hotline.ComplaintReported"] = "complaints.hotline.ComplaintReported"
    schema_version: Literal[2] = 2
    payload: HotlineComplaintReportedPayload


class HotlineCallRecord(Contract):
    """A call record as the hotline sends it to intake: the report and the office it concerns."""

    hotline_reference: str = _REFERENCE
    reported_at: Instant = Field(description="When the hotline took the complaint.")
    complainant: Complainant
    unit_address: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=4000, description="What the customer said.")
    office_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="The office the complaint is about, e.g. 'kln-east'.",
    )

    def personal_data(self) -> PersonalData:
        return PersonalData(
            name=self.complainant.name, contact=self.complainant.contact, unit_address=self.unit_address
        )

    def report(self, personal: SealedPersonal) -> HotlineComplaintReportedPayload:
        """The report as intake stores and publishes it, the caller sealed as `personal`."""
        return HotlineComplaintReportedPayload(
            hotline_reference=self.hotline_reference,
            reported_at=self.reported_at,
            personal=personal,
            summary=self.summary,
        )


def upcast_reported_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 carried the caller in clear: keep it as `legacy_clear` (it was published so)."""
    payload = dict(data["payload"])
    complainant = payload.pop("complainant")
    unit_address = payload.pop("unit_address")
    payload["personal"] = {
        "person_id": str(legacy_person_id(str(complainant["contact"]))),
        "sealed": "",
        "legacy_clear": {"name": complainant["name"], "contact": complainant["contact"], "unit_address": unit_address},
    }
    return data | {"payload": payload}
