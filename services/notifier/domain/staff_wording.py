"""What a notification says to a member of staff, in their language.

A supervisor, a leader or a manager reads the mail in the language the directory records for them
(`StaffRecord.language`: en, zh-Hant, zh-Hans; English when it says none). The words are gettext
messages (English being the message ids; catalogues in `services/notifier/locale`, compiled in memory
by `shared.i18n` when the worker starts): nothing here reads a catalogue, it is handed the person's
`gettext`. The facts stay as the publisher decided them: the complaint's id, the office (by its name in
the reader's language), the deadline and the notification's time in the office's time zone, the
decision's reason and rule in the deciding service's own words, and the events that caused it. The
complaint is named as staff know it, by the office's reference intake recorded (its id kept beside it),
and a severity nobody has judged yet is said to be so, never shown as a grade.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.contracts.notifications import IncidentNotice, NotificationRequested, Occasion

from .wording import local_time

Gettext = Callable[[str], str]
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a message for the catalogue (`pybabel extract -k N_`); translated where it is written."""
    return message


SEVERITIES = {"minor": N_("minor"), "important": N_("important"), "major": N_("major")}
CLOCKS = {
    "hand-over": N_("hand-over"),
    "resolution": N_("resolution"),
    "clear-answer": N_("clear answer"),
    "settlement": N_("settlement"),
    "reply": N_("reply to the customer"),
    "return-visit": N_("return visit"),
    "commitment": N_("promise to the customer"),
}
ROLES = {
    "supervisor": N_("supervisor"),
    "leader": N_("leader"),
    "manager": N_("manager"),
    "company-leader": N_("company leader"),
    "department-staff": N_("department staff"),
    "receptionist": N_("receptionist"),
}


# The facilities of an incident's key (`shared/contracts/facilities.py`), in the reader's words; a key
# naming a business area instead (`area:...`), or a facility added since, is written as it is.
FACILITIES = {
    "lift": N_("lifts"),
    "escalator": N_("escalators"),
    "water": N_("water supply"),
    "power": N_("power supply"),
    "gas": N_("gas supply"),
    "drainage": N_("drainage"),
    "leak": N_("leaks"),
    "fire-safety": N_("fire safety"),
    "access": N_("access"),
    "gate": N_("the gate"),
    "car-park": N_("the car park"),
    "lighting": N_("lighting"),
    "air-conditioning": N_("air-conditioning"),
    "refuse": N_("refuse"),
    "pest": N_("pests"),
}


@dataclass(frozen=True)
class Reader:
    """Who reads the mail, as its words need it: their language and its gettext, the office's name in
    it and the office's time zone (None: not said; times are then written in UTC, saying so). For a mass
    incident's mail: any office by its name in the language (`office_names`; not given: by its id) and
    any complaint as staff know it (`complaint_names`: its reference, None when the notifier has not read
    its registration; not given: by its id)."""

    language: str
    gettext: Gettext
    office: str
    time_zone: str | None
    office_names: Callable[[str], str] | None = None
    complaint_names: Callable[[UUID], str | None] | None = None

    def office_named(self, office_id: str) -> str:
        return self.office_names(office_id) if self.office_names else office_id

    def complaint_named(self, complaint_id: UUID) -> str:
        named = self.complaint_names(complaint_id) if self.complaint_names else None
        return named or str(complaint_id)


def _word(table: dict[str, str], value: str, _: Gettext) -> str:
    """A known value in the reader's words; an unknown one (a role the group invented) as it is."""
    return _(table[value]) if value in table else value


def headline(event: NotificationRequested, reader: Reader) -> str:
    """Why the reader is told, in their words; the publisher's own subject for a notification published
    before its occasion travelled (nothing else to say it with)."""
    _, payload = reader.gettext, event.payload
    clock = _word(CLOCKS, payload.clock.value, _) if payload.clock else ""
    if payload.occasion is Occasion.MAJOR_COMPLAINT:
        return _("A major complaint: the leaders are told at once")
    if payload.occasion is Occasion.MASS_INCIDENT and payload.incident is not None:
        place, facility = place_and_facility(payload.incident, _)
        return _("A mass incident: %(count)s complaints about %(facility)s at %(place)s so far") % {
            "count": payload.incident.complaints,
            "facility": facility,
            "place": place,
        }
    if payload.occasion is Occasion.DEADLINE_WARNING and payload.clock:
        percent = f"{payload.fraction:.0%}" if payload.fraction is not None else "?"
        return _("The %(clock)s deadline is near: %(percent)s of the allowed time used") % {
            "clock": clock,
            "percent": percent,
        }
    if payload.occasion is Occasion.DEADLINE_BREACHED and payload.clock:
        return _("The %(clock)s deadline has passed (escalation level %(level)s)") % {
            "clock": clock,
            "level": payload.level,
        }
    return payload.subject


def place_and_facility(incident: IncidentNotice, _: Gettext) -> tuple[str, str]:
    """The incident key's place as triage wrote it (names are not translated) and its facility in the
    reader's words: 'telford gardens/block 3|water' -> ('telford gardens/block 3', 'water supply')."""
    place, _bar, thing = incident.incident_key.rpartition("|")
    return (place or incident.incident_key), _word(FACILITIES, thing, _)


def incident_lines(incident: IncidentNotice, reader: Reader) -> list[str]:
    """What a mass incident's mail adds: the incident, how many complaints and customers so far, its
    offices and its complaints as staff know them, and the announcement that caused the mail; members
    joining later are at the desk, not in another mail."""
    _ = reader.gettext
    offices = ", ".join(reader.office_named(office) for office in incident.offices)
    members = ", ".join(reader.complaint_named(member) for member in incident.member_complaint_ids)
    return [
        _("Mass incident: %(key)s (%(id)s)") % {"key": incident.incident_key, "id": incident.cluster_id},
        _("Complaints so far: %(count)s, from %(customers)s customers")
        % {
            "count": incident.complaints,
            "customers": incident.customers,
        },
        _("Offices: %(offices)s") % {"offices": offices},
        _("Its complaints: %(complaints)s") % {"complaints": members},
        _("Announced by event %(id)s. Complaints joining it later are listed at the desk, without another mail.")
        % {"id": incident.announced_by},
    ]


# The SLA's sentences of a warning and a breach (services/sla/adapters/outbound.py), as the desk reads them.
_WARNING = re.compile(
    r"^(?P<clock>[a-z-]+) clock: (?P<percent>\d+)% of the allowed time used; deadline (?P<due>\S+)"
    r"(?: \(extended from (?P<was>\S+)\))?$"
)
_BREACH = re.compile(
    r"^(?P<clock>[a-z-]+) clock breached \(escalation level (?P<level>\d+)\); deadline was (?P<due>\S+)$"
)


def _same_instant(text: str, instant: datetime | None) -> bool:
    try:
        return instant is not None and datetime.fromisoformat(text) == instant.replace(second=0, microsecond=0)
    except ValueError:
        return False


def why(event: NotificationRequested, reader: Reader) -> str:
    """The reason's line. One of the system's own typed sentences — an SLA warning or breach, triage's
    mass incident — is said again in the reader's words from the notification's fields, only where the
    sentence agrees with them; anything else (a person's words, a criterion's sentence, a sentence from a
    later version) is kept as recorded, under a label saying so."""
    _, payload = reader.gettext, event.payload
    reason, clock = payload.explanation.reason, payload.clock
    if payload.occasion is Occasion.DEADLINE_WARNING and clock is not None and payload.fraction is not None:
        warned = _WARNING.match(reason)
        if (
            warned
            and warned["clock"] == clock.value
            and warned["percent"] + "%" == f"{payload.fraction:.0%}"
            and _same_instant(warned["due"], payload.deadline)
        ):
            facts = {
                "clock": _word(CLOCKS, clock.value, _),
                "percent": f"{payload.fraction:.0%}",
                "due": local_time(datetime.fromisoformat(warned["due"]), reader.time_zone),
            }
            if warned["was"]:
                was = local_time(datetime.fromisoformat(warned["was"]), reader.time_zone)
                return _(
                    "Why: %(percent)s of the %(clock)s time allowed is used; due %(due)s (extended from %(was)s)"
                ) % {
                    **facts,
                    "was": was,
                }
            return _("Why: %(percent)s of the %(clock)s time allowed is used; due %(due)s") % facts
    if payload.occasion is Occasion.DEADLINE_BREACHED and clock is not None:
        breached = _BREACH.match(reason)
        if (
            breached
            and breached["clock"] == clock.value
            and int(breached["level"]) == payload.level
            and _same_instant(breached["due"], payload.deadline)
        ):
            return _("Why: the %(clock)s deadline has passed (escalation level %(level)s); it was due %(due)s") % {
                "clock": _word(CLOCKS, clock.value, _),
                "level": payload.level,
                "due": local_time(datetime.fromisoformat(breached["due"]), reader.time_zone),
            }
    incident = payload.incident
    if payload.occasion is Occasion.MASS_INCIDENT and incident is not None:
        counted = f"mass incident {incident.cluster_id}: {incident.complaints} complaints from {incident.customers} "
        if reason.startswith(counted + f"customers about {incident.incident_key} so far"):
            place, facility = place_and_facility(incident, _)
            return _(
                "Why: %(count)s complaints from %(customers)s customers about %(facility)s at %(place)s so far "
                "make a mass incident; the leaders are told once for the incident, not once per complaint"
            ) % {"count": incident.complaints, "customers": incident.customers, "facility": facility, "place": place}
    return _("Why: %(reason)s") % {"reason": reason}


def subject(event: NotificationRequested, reader: Reader, reference: str | None = None) -> str:
    """`[severity] headline · reference` (the office's reference as staff know it: `R-1 (Central office
    no. 42)`), `· office` while the notifier has not read the complaint's registration. No severity in
    brackets before anyone judged it (`severity` None: an SLA warning before triage's decision)."""
    severity = event.payload.severity
    graded = f"[{_word(SEVERITIES, severity.value, reader.gettext)}] " if severity else ""
    return f"{graded}{headline(event, reader)} · {reference or reader.office}"


def desk_page(desk_url: str | None, complaint_id: object) -> str | None:
    """The complaint's page at the desk, where the person acts on it (None: the desk's address unknown)."""
    return f"{desk_url.rstrip('/')}/complaints/{complaint_id}" if desk_url else None


def severity_line(event: NotificationRequested, reader: Reader) -> str:
    """The severity as judged, or that nobody has judged it yet: never a default shown as a grade. The
    escalation level only where there is a ladder: a breach's (a warning, or a major complaint told to
    the leaders, escalates nothing); a notification from before occasions travelled says it as then."""
    _, payload = reader.gettext, event.payload
    escalated = payload.occasion in (None, Occasion.DEADLINE_BREACHED)
    if payload.severity is None:
        if not escalated:
            return _("Severity: not judged yet (being assessed)")
        return _("Severity: not judged yet (being assessed), escalation level %(level)s") % {"level": payload.level}
    severity = _word(SEVERITIES, payload.severity.value, _)
    if not escalated:
        return _("Severity: %(severity)s") % {"severity": severity}
    return _("Severity: %(severity)s, escalation level %(level)s") % {"severity": severity, "level": payload.level}


def lines(
    event: NotificationRequested,
    roles: tuple[str, ...],
    group: bool,
    reader: Reader,
    desk_url: str | None,
    reference: str | None = None,
) -> list[str]:
    """The mail's (and a webhook's `text`) lines: the headline, where to act, the facts, why. The
    complaint is named as staff know it (`reference`, intake's, in the reader's language) when the
    notifier has read its registration; its id stays, for machines and for a search at the desk."""
    _, payload = reader.gettext, event.payload
    when = local_time(event.occurred_at, reader.time_zone)
    # where the person acts on it: a bare complaint id told a supervisor nothing they could open
    page = desk_page(desk_url, event.complaint_id)
    desk = [_("Open it at the desk: %(url)s") % {"url": page}] if page else []
    due = payload.deadline
    deadline = [_("Deadline: %(when)s") % {"when": local_time(due, reader.time_zone)}] if due else []
    told_as = ", ".join(_word(ROLES, role, _) for role in roles)
    caused_by = ", ".join(str(cause) for cause in payload.explanation.caused_by) or "—"
    named = [_("Complaint: %(reference)s") % {"reference": reference}] if reference else []
    incident = incident_lines(payload.incident, reader) if payload.incident is not None else []
    return [
        headline(event, reader),
        "",
        *desk,
        *named,
        *incident,
        _("Complaint id: %(id)s") % {"id": event.complaint_id},
        _("Office: %(office)s") % {"office": reader.office},
        severity_line(event, reader),
        *deadline,
        _("When: %(when)s") % {"when": when},
        why(event, reader),
        _("Rule: %(rule)s") % {"rule": payload.explanation.rule},
        _("Caused by: %(events)s") % {"events": caused_by},
        "",
        (
            _("You are told as %(roles)s of the group.") % {"roles": told_as}
            if group
            else _("You are told as %(roles)s of %(office)s.") % {"roles": told_as, "office": reader.office}
        ),
        _("Notification %(id)s") % {"id": event.event_id},
    ]
