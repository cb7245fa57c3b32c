"""The weekly report, mailed: who receives a `ReportPublished` and what the email holds.

The projection decided the report and its figures (one author); the notifier only names the people
holding the report roles where the report belongs — an office's report to that office's managers, the
group's report to the group's recipients — and attaches the files the projection serves. Composed
byte for byte the same on every attempt (Message-ID derived from the report's event id and the person,
Date the report's own time), so a repeat after a crash is recognisable, as for notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

from shared.contracts.notifications import Recipient
from shared.contracts.projection import ReportFile, ReportPublished

from . import messages
from .directory import Addressee, Channel
from .headers import mail_date, set_subject
from .staff_wording import N_, ROLES, Reader
from .wording import local_time

MEDIA_TYPES = {
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("application", "pdf"),
    "csv": ("text", "csv"),
}
TITLES = {
    "week": "Weekly complaint report / 每週投訴報告",
    "month": "Monthly complaint report / 每月投訴報告",
    "year": "Yearly complaint report / 年度投訴報告",
}  # to a person whose language the directory does not say: both, as before it said any
TITLE = {
    "week": N_("Weekly complaint report"),
    "month": N_("Monthly complaint report"),
    "year": N_("Yearly complaint report"),
}


@dataclass(frozen=True)
class ReportRoles:
    """Which roles receive a report: of the report's office, or of the group for the group's report."""

    office: tuple[str, ...] = ("manager",)
    group: tuple[str, ...] = ("company-leader",)


def recipients(event: ReportPublished, roles: ReportRoles) -> list[Recipient]:
    if event.office_id is None:
        return [Recipient(role=role, office_id=None) for role in roles.group]
    return [Recipient(role=role, office_id=event.office_id) for role in roles.office]


def delivery_key(event: ReportPublished, addressee: Addressee) -> str:
    return messages.delivery_key(event.event_id, addressee.staff.id, Channel.EMAIL)


def attached(event: ReportPublished, formats: tuple[str, ...], langs: tuple[str, ...]) -> list[ReportFile]:
    """The files to attach: the wanted formats in the wanted languages, of those the projection wrote,
    language by language in the order asked."""
    order = {(lang, fmt): i for i, (lang, fmt) in enumerate((lang, fmt) for lang in langs for fmt in formats)}
    return sorted((f for f in event.files if (f.lang, f.format) in order), key=lambda f: order[(f.lang, f.format)])


def wanted_languages(configured: tuple[str, ...], addressees: tuple[Addressee, ...]) -> tuple[str, ...]:
    """The report's languages to fetch once for everyone: the configured ones, and each recipient's own."""
    own = [a.staff.language for a in addressees if a.staff.language is not None]
    return tuple(dict.fromkeys([*configured, *own]))


def files_for(
    addressee: Addressee, files: list[tuple[ReportFile, bytes]], configured: tuple[str, ...]
) -> list[tuple[ReportFile, bytes]]:
    """A person reading one language gets the report in it (when the projection wrote it); anyone else
    the configured languages, as everyone did before the directory said a person's language."""
    own = [(f, data) for f, data in files if f.lang == addressee.staff.language]
    return own or [(f, data) for f, data in files if f.lang in configured]


def report_email(
    event: ReportPublished,
    addressee: Addressee,
    files: list[tuple[ReportFile, bytes]],
    *,
    sender: str,
    domain: str,
    reader: Reader | None = None,
) -> EmailMessage:
    """The report's email to one person: in their language when the directory says it (`reader`, the
    office by its name in it), else in English with both titles, as before."""
    assert addressee.staff.email is not None
    message = EmailMessage()
    message["Message-ID"] = messages.message_id(event.event_id, addressee.staff.id, domain)
    message["Date"] = mail_date(event.occurred_at, reader.time_zone if reader else None)
    message["From"] = sender
    message["To"] = formataddr((addressee.staff.name, addressee.staff.email))
    message["X-Report-Id"] = str(event.event_id)
    if reader is None:
        set_subject(message, f"{TITLES[event.period]}: {event.scope} {event.period_key}")
        message.set_content("\n".join(_as_before(event, addressee, files)) + "\n")
    else:
        _ = reader.gettext
        where = reader.office if event.office_id else _("the group")
        set_subject(message, f"{_(TITLE[event.period])}: {where} {event.period_key}")
        message.set_content("\n".join(_in_language(event, addressee, files, reader)) + "\n")
    for file, data in files:
        maintype, subtype = MEDIA_TYPES[file.format]
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=file.file)
    if reader is not None:  # last: set_content and add_attachment move Content-* headers into the parts
        message["Content-Language"] = reader.language
    return message


def _as_before(event: ReportPublished, addressee: Addressee, files: list[tuple[ReportFile, bytes]]) -> list[str]:
    where = f"office {event.office_id}" if event.office_id else "the group"
    return [
        f"{TITLES[event.period]} of {where}, {event.period_key}.",
        f"Complaints in the period: {event.complaints}. Figures judged at {event.judged_at.isoformat()}.",
        "",
        "Attached: " + ", ".join(f.file for f, _ in files) + ".",
        f"You receive it as {', '.join(addressee.roles)}"
        + (f" of office {addressee.staff.office_id}." if addressee.staff.office_id else " of the group."),
        f"Report {event.event_id}",
    ]


def _in_language(
    event: ReportPublished, addressee: Addressee, files: list[tuple[ReportFile, bytes]], reader: Reader
) -> list[str]:
    _ = reader.gettext
    where = reader.office if event.office_id else _("the group")
    roles = ", ".join(_(ROLES[role]) if role in ROLES else role for role in addressee.roles)
    return [
        _("%(title)s of %(where)s, %(period)s.") % {"title": _(TITLE[event.period]), "where": where,
                                                    "period": event.period_key},
        _("Complaints in the period: %(count)s. Figures judged at %(when)s.")
        % {"count": event.complaints, "when": local_time(event.judged_at, reader.time_zone)},
        "",
        _("Attached: %(files)s.") % {"files": ", ".join(f.file for f, _data in files)},
        (
            _("You receive it as %(roles)s of %(where)s.") % {"roles": roles, "where": where}
            if event.office_id
            else _("You receive it as %(roles)s of the group.") % {"roles": roles}
        ),
        _("Report %(id)s") % {"id": event.event_id},
    ]  # fmt: skip
