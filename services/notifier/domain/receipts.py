"""The complainant's receipt: their complaint is recorded, and under which reference.

The complainant's contact is personal data: it is read from intake's `ComplaintRegistered`, used for
one email, and never logged, never written to a topic (the ledger keeps only the complaint id).
Staff names (`received_by`) and the complaint's text stay out of the receipt. It is written in the
complainant's language when the form recorded it (`wording.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from uuid import UUID

from shared.contracts import derived_id
from shared.contracts.intake import ComplaintRegistered, RegistrationForm

from .headers import mail_date, set_subject
from .wording import EN, REFERENCE, ZH_HANS, ZH_HANT, body, languages, local_time, subject

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def is_email(contact: str) -> bool:
    return bool(_EMAIL.match(contact.strip()))


def receipt_due(registered_at: datetime, now: datetime, max_age: timedelta) -> bool:
    """Only recent registrations get a receipt: a new deployment (or a fresh consumer group) reading
    intake's topic from the start must not mail every complainant of the past."""
    return now - registered_at <= max_age


def receipt_key(complaint_id: UUID) -> str:
    return f"receipt/{complaint_id}"


def receipt_message_id(complaint_id: UUID, domain: str) -> str:
    return f"<{derived_id('notifier-receipt', complaint_id)}@{domain}>"


def reference(event: ComplaintRegistered) -> str:
    """What the complainant quotes: the office's own reference and the office's sequence number (the
    office by its id: kept with a contact as it always was; a mail says `reference_in` its language)."""
    return f"{event.payload.form.office_reference} ({event.office_id} no. {event.payload.sequence_number})"


OfficeNames = Callable[[str], str]  # a language -> what a mail in it calls the office (the directory's)

# The reference in each language, the office by its name in that language (the directory's word).
NUMBERED = {
    EN: "{ref} ({office} no. {n})",
    ZH_HANT: "{ref}（{office}第 {n} 號）",  # noqa: RUF001 (Chinese punctuation)
    ZH_HANS: "{ref}（{office}第 {n} 号）",  # noqa: RUF001
}


def reference_in(language: str, office_reference: str, office: str, sequence_number: int) -> str:
    """The reference as a mail in `language` writes it: 'R-1 (中環管理處第 42 號)'. An office id in a
    Chinese sentence (the directory has no name in it) is set off by a space."""
    if language != EN and office[-1:].isascii():
        office += " "
    return NUMBERED[language].format(ref=office_reference, office=office, n=sequence_number)


def references(event: ComplaintRegistered, office_name: OfficeNames | None = None) -> dict[str, str]:
    """The reference in each language, the office by `office_name` in it (the directory's), else by its id."""
    named = office_name or (lambda _language: event.office_id)
    form, number = event.payload.form, event.payload.sequence_number
    return {lang: reference_in(lang, form.office_reference, named(lang), number) for lang in (EN, ZH_HANT, ZH_HANS)}


SUBJECT = {EN: "Your complaint is recorded", ZH_HANT: "您的投訴已登記", ZH_HANS: "您的投诉已登记"}


def _recorded(received: str, refs: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return {
        EN: (
            f"Your complaint received on {received} is recorded.",
            REFERENCE[EN].format(ref=refs[EN]),
            "Please quote it when you contact us. We will tell you how it progresses.",
        ),
        ZH_HANT: (
            f"您於 {received} 提出的投訴已經登記。",
            REFERENCE[ZH_HANT].format(ref=refs[ZH_HANT]),
            "聯絡我們時請提供此編號。我們會通知您處理進度。",
        ),
        ZH_HANS: (
            f"您于 {received} 提出的投诉已经登记。",
            REFERENCE[ZH_HANS].format(ref=refs[ZH_HANS]),
            "联系我们时请提供此编号。我们会通知您处理进度。",
        ),
    }


def receipt_email(
    event: ComplaintRegistered,
    form: RegistrationForm,
    *,
    sender: str,
    domain: str,
    status_url: str | None = None,
    time_zone: str | None = None,
    office_name: OfficeNames | None = None,
) -> EmailMessage:
    """The receipt, to the complainant as `form` names them (opened through the keyring just now), in
    their language (`form.language`), or in English and Traditional Chinese when it is not recorded;
    its time in the office's `time_zone` (the directory's), else in UTC, saying which; the office by
    `office_name` in each language (the directory's), else by its id."""
    if form.complainant.contact is None:
        raise ValueError("a receipt needs the complainant's contact: none was given")  # the caller checks first
    langs = languages(form.language)
    message = EmailMessage()
    message["Message-ID"] = receipt_message_id(event.complaint_id, domain)
    message["Date"] = mail_date(event.payload.registered_at, time_zone)
    message["From"] = sender
    message["To"] = formataddr((form.complainant.name, form.complainant.contact.strip()))
    set_subject(message, subject(SUBJECT, langs, form.office_reference))
    message["X-Complaint-Id"] = str(event.complaint_id)
    sections = _recorded(local_time(form.received_at, time_zone), references(event, office_name))
    message.set_content(body(form.complainant.name, sections, langs, status_url))
    message["Content-Language"] = ", ".join(langs)  # after set_content, which clears Content-* headers
    return message
