"""Each form of the desk and where it goes: the owning service, its existing HTTP route, the fields it
takes and how a form's text becomes the route's JSON. One table, so a reader sees every write the desk
can make (the desk decides nothing: the service records it, or refuses and says why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from .roles import Action


class FormProblem(ValueError):
    """A field the desk could not turn into the route's value (the services check everything else)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


@dataclass(frozen=True)
class Form:
    action: Action
    service: str
    path: str  # with {id}
    fields: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()  # checkboxes: present = true
    integers: tuple[str, ...] = ()
    instants: tuple[str, ...] = ()  # datetime-local inputs, in the offices' time zone

    def body(self, data: dict[str, str], zone: tzinfo) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name in self.fields:
            value = (data.get(name) or "").strip()
            if name in self.booleans:
                body[name] = value in ("on", "true", "1", "yes")
            elif not value:
                continue  # an optional field left empty; a required one is the service's to refuse
            elif name in self.integers:
                try:
                    body[name] = int(value)
                except ValueError:
                    raise FormProblem(name, "a whole number") from None
            elif name in self.instants:
                body[name] = local_instant(value, zone, name).isoformat()
            else:
                body[name] = value
        return body


def local_instant(value: str, zone: tzinfo, field: str) -> datetime:
    """A `datetime-local` value (no zone) read in the offices' zone; one with a zone is kept."""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise FormProblem(field, "a date and time") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=zone)


def extendable(clocks: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The clocks more time may still be asked for, as the SLA takes it: running, with no extension asked
    for yet, and before their deadline in force (overtime is asked before a limit runs out; offering a
    breached clock only led to the SLA's refusal)."""
    return [
        clock
        for clock in clocks
        if clock.get("stopped_at") is None
        and clock.get("extension") is None
        and clock.get("deadline_in_force")
        and datetime.fromisoformat(clock["deadline_in_force"]) > now
    ]


H = "/cases/{id}"
F = "/complaints/{id}"
S = "/complaints/{id}/clocks/{clock}"  # the clock chosen in the form, e.g. resolution#0
FORMS: dict[str, Form] = {
    # triage: confirm or override a decision, with why (aspect chosen in the form)
    "override": Form(Action.OVERRIDE, "triage", "/complaints/{id}/triage/{aspect}", ("value", "reason")),
    # handling: the department's steps
    "accept": Form(Action.HANDLE, "handling", f"{H}/acceptance"),
    "hand-over": Form(Action.HANDLE, "handling", f"{H}/hand-over", ("to_department", "reason")),
    "accept-hand-over": Form(Action.HANDLE, "handling", f"{H}/hand-over/acceptance"),
    "cause": Form(Action.HANDLE, "handling", f"{H}/cause", ("cause", "responsible_person")),
    "proposal": Form(Action.HANDLE, "handling", f"{H}/proposal", ("kind", "description")),
    "approval": Form(Action.APPROVE, "handling", f"{H}/approval", ("note",)),
    "rejection": Form(Action.APPROVE, "handling", f"{H}/rejection", ("instructions",)),
    "execution": Form(Action.HANDLE, "handling", f"{H}/execution", ("notes",)),
    "result": Form(Action.HANDLE, "handling", f"{H}/result", ("result", "resolved"), booleans=("resolved",)),
    "progress": Form(Action.HANDLE, "handling", f"{H}/progress", ("message",)),
    "commitment": Form(Action.HANDLE, "handling", f"{H}/commitments", ("promise", "due_at"), instants=("due_at",)),
    # a promise kept, with how (the promise chosen in the form: its number on the case, 0 the first)
    "commitment-kept": Form(Action.HANDLE, "handling", f"{H}/commitments/{{commitment}}/kept", ("note",)),
    # follow-up: the reply, return visits, the close
    "reply": Form(Action.REPLY, "followup", f"{F}/reply", ("channel", "summary")),
    "visit": Form(
        Action.VISIT,
        "followup",
        f"{F}/return-visits",
        ("outcome", "satisfaction", "acknowledged", "remarks"),
        booleans=("acknowledged",),
        integers=("satisfaction",),
    ),
    "close": Form(Action.CLOSE, "followup", f"{F}/close", ("cause", "lessons", "improvement", "responsibility")),
    "waiver": Form(Action.WAIVE, "followup", f"{F}/waivers", ("reason",)),
    "waiver-withdrawal": Form(Action.WAIVE, "followup", f"{F}/waivers/return-visit/withdrawal", ("reason",)),
    # sla: overtime on a running clock, asked for and decided (the SLA keeps the original deadline)
    "extension": Form(Action.EXTEND, "sla", f"{S}/extension", ("until", "reason"), instants=("until",)),
    "extension-decision": Form(
        Action.DECIDE_EXTENSION, "sla", f"{S}/extension/decision", ("approved", "reason"), booleans=("approved",)
    ),
}
CLOCK_KEY = re.compile(r"^[a-z][a-z-]*#\d+$")  # the SLA's clock keys: kind#cycle
COMMITMENT_NUMBER = re.compile(r"^\d{1,4}$")  # a promise's number on its case


@dataclass(frozen=True)
class HotlineForm:
    """The group hotline's call record, to intake's `POST /hotline/calls` (a `hotline` key)."""

    fields: tuple[str, ...] = ("office_id", "hotline_reference", "reported_at", "name", "contact", "unit_address",
                               "summary")  # fmt: skip

    def body(self, data: dict[str, str], zone: tzinfo) -> dict[str, Any]:
        value = {name: (data.get(name) or "").strip() for name in self.fields}
        return {
            "office_id": value["office_id"],
            "hotline_reference": value["hotline_reference"],
            "reported_at": local_instant(value["reported_at"], zone, "reported_at").isoformat(),
            "complainant": {"name": value["name"], "contact": value["contact"] or None},  # blank: none given
            "unit_address": value["unit_address"],
            "summary": value["summary"],
        }


TRIAGE_ASPECTS = ("validity", "nature", "category", "severity", "routing")
