"""The complainant's updates after the receipt: progress, the reply, the return-visit invitation.

Built by an allow-list, like the desk's status page: each kind of update keeps only what the event
says was meant for the customer (what they were told, the promise and its time, the reply's summary,
the visit's time). Never the actor, an approver (`agreed_by`), a department, a cause, a responsible
person, or any internal note. In the complainant's language, like the receipt (`wording.py`).

The contact comes from intake's registration, kept sealed (`kept.KeptContact`): the notifier opens it
through the keyring only when it sends, so an erased person gets nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.contracts import derived_id
from shared.contracts.followup import ComplaintReopened, CustomerReplied, ReturnVisitScheduled
from shared.contracts.handling import CaseReopened, CommitmentMade, ProgressReported

from .kept import KeptContact, WaitingInvitation
from .receipts import OfficeNames
from .wording import EN, REFERENCE, ZH_HANS, ZH_HANT, body, languages, local_time, subject

PROGRESS = "progress"
REPLY = "reply"
RETURN_VISIT = "return-visit"
REOPENED = "reopened"

# What each kind of update is called, per language.
SUBJECTS: dict[str, dict[str, str]] = {
    PROGRESS: {EN: "Progress on your complaint", ZH_HANT: "投訴處理進度", ZH_HANS: "投诉处理进度"},
    REPLY: {EN: "Our reply to your complaint", ZH_HANT: "投訴答覆", ZH_HANS: "投诉答复"},
    RETURN_VISIT: {EN: "How did we do? / Return visit", ZH_HANT: "回訪邀請", ZH_HANS: "回访邀请"},
    REOPENED: {
        EN: "Your complaint is being handled again",
        ZH_HANT: "您的投訴已重新處理",
        ZH_HANS: "您的投诉已重新处理",
    },
}


Lines = dict[str, tuple[str, ...]]  # the update's lines, per language


@dataclass(frozen=True)
class Update:
    """One update, as the complainant may read it: nothing else of the event goes into the email."""

    kind: str
    event_id: UUID
    complaint_id: UUID
    at: datetime
    lines: Lines


# What introduces the words the customer was told (progress) or the reply's summary, per language.
PROGRESS_INTRO = {
    EN: "There is progress on your complaint:",
    ZH_HANT: "您的投訴有新進展：",  # noqa: RUF001 (Chinese punctuation)
    ZH_HANS: "您的投诉有新进展：",  # noqa: RUF001
}
REPLY_INTRO = {
    EN: "Our reply to your complaint:",
    ZH_HANT: "我們對您投訴的答覆：",  # noqa: RUF001
    ZH_HANS: "我们对您投诉的答复：",  # noqa: RUF001
}


def _told(intro: dict[str, str], text: str) -> Lines:
    """The introduction in each language, then the text as the staff wrote it for the customer."""
    return {language: (words, text) for language, words in intro.items()}


def _progress(event: ProgressReported, time_zone: str | None) -> Lines:
    return _told(PROGRESS_INTRO, event.payload.message)


def _commitment(event: CommitmentMade, time_zone: str | None) -> Lines:
    promise, due = event.payload.promise, local_time(event.payload.due_at, time_zone)
    return {
        EN: ("We have made you a promise:", promise, f"By: {due}"),
        ZH_HANT: ("我們向您承諾：", promise, f"期限：{due}"),  # noqa: RUF001 (Chinese punctuation)
        ZH_HANS: ("我们向您承诺：", promise, f"期限：{due}"),  # noqa: RUF001
    }


def _reply(event: CustomerReplied, time_zone: str | None) -> Lines:
    return _told(REPLY_INTRO, event.payload.summary)


def _return_visit(event: ReturnVisitScheduled, time_zone: str | None) -> Lines:
    return _invitation_lines(event.payload.due_at, time_zone)


def _invitation_lines(due_at: datetime, time_zone: str | None) -> Lines:
    due = local_time(due_at, time_zone)
    return {
        EN: (
            "We would like to hear whether you are satisfied with how your complaint was handled.",
            f"We will contact you by {due}.",
        ),
        ZH_HANT: ("我們希望了解您對投訴處理結果是否滿意。", f"我們會在 {due} 前聯絡您。"),
        ZH_HANS: ("我们希望了解您对投诉处理结果是否满意。", f"我们会在 {due} 前联系您。"),
    }


def _reopened(event: CaseReopened, time_zone: str | None) -> Lines:
    """The case was reopened after the return visit: the complainant learns it is worked again (the
    reason is the staff's note of the visit, not words meant for them: it stays out)."""
    return {
        EN: ("You told us you were not satisfied, so your complaint has been reopened.", _AGAIN[EN]),
        ZH_HANT: ("您表示對處理結果不滿意，我們已重新處理您的投訴。", _AGAIN[ZH_HANT]),  # noqa: RUF001
        ZH_HANS: ("您表示对处理结果不满意，我们已重新处理您的投诉。", _AGAIN[ZH_HANS]),  # noqa: RUF001
    }


def _judged_again(event: ComplaintReopened, time_zone: str | None) -> Lines:
    """A complaint closed as invalid that a person judged valid after all (followup's
    `ComplaintReopened`): the complainant learns it is handled after all (who judged and why is the
    staff's: it stays out)."""
    return {
        EN: ("Your complaint has been looked at again and will now be handled.", _AGAIN[EN]),
        ZH_HANT: ("我們已重新審視您的投訴，現在會跟進處理。", _AGAIN[ZH_HANT]),  # noqa: RUF001
        ZH_HANS: ("我们已重新审视您的投诉，现在会跟进处理。", _AGAIN[ZH_HANS]),  # noqa: RUF001
    }


_AGAIN = {
    EN: "We will tell you of its progress and reply to you again.",
    ZH_HANT: "我們會通知您處理進度，並再次答覆您。",  # noqa: RUF001
    ZH_HANS: "我们会通知您处理进度，并再次答复您。",  # noqa: RUF001
}


# The allow-list: each event that makes an update, its kind and what of it the complainant reads.
BUILDERS: dict[type[BaseModel], tuple[str, Callable[[Any, str | None], Lines]]] = {
    ProgressReported: (PROGRESS, _progress),
    CommitmentMade: (PROGRESS, _commitment),
    CustomerReplied: (REPLY, _reply),
    ReturnVisitScheduled: (RETURN_VISIT, _return_visit),
    CaseReopened: (REOPENED, _reopened),
    ComplaintReopened: (REOPENED, _judged_again),
}
KINDS: dict[type[BaseModel], str] = {event_type: kind for event_type, (kind, _) in BUILDERS.items()}


def update(event: BaseModel, time_zone: str | None = None) -> Update | None:
    """The update an event makes for the complainant, or None when it makes none; its times in the
    office's `time_zone` (the directory's), else in UTC."""
    built = BUILDERS.get(type(event))
    if built is None:
        return None
    kind, lines = built
    return Update(kind, event.event_id, event.complaint_id, event.occurred_at, lines(event, time_zone))  # type: ignore[attr-defined]


def waiting_invitation(event: ReturnVisitScheduled) -> WaitingInvitation:
    """What is kept of an invitation heard before the reply (`kept.py`: the invitation follows it)."""
    return WaitingInvitation(event_id=event.event_id, scheduled_at=event.occurred_at, due_at=event.payload.due_at)


def invitation_after_reply(
    waiting: WaitingInvitation, complaint_id: UUID, replied_at: datetime, time_zone: str | None
) -> Update:
    """The waiting invitation as sent right after the reply: dated then, keyed by its own event (a
    redelivered reply, or the event re-read, sends it once)."""
    lines = _invitation_lines(waiting.due_at, time_zone)
    return Update(RETURN_VISIT, waiting.event_id, complaint_id, replied_at, lines)


def update_key(item: Update) -> str:
    """The ledger's key: one email per update event."""
    return f"{item.kind}/{item.event_id}"


def update_message_id(item: Update, domain: str) -> str:
    """Derived from the event id, as the receipt's from the complaint id: a resend is recognisable."""
    return f"<{derived_id(f'notifier-{item.kind}', item.event_id)}@{domain}>"


def update_email(
    item: Update,
    kept: KeptContact,
    name: str,
    contact: str,
    *,
    sender: str,
    domain: str,
    status_url: str | None = None,
    office_name: OfficeNames | None = None,
) -> EmailMessage:
    """The update to the complainant, `name` and `contact` opened through the keyring just now, in
    their language (kept from the form), or English and Traditional Chinese when it is unknown; the
    office by `office_name` in each language (the directory's), else by its id."""
    langs = languages(kept.language)
    message = EmailMessage()
    message["Message-ID"] = update_message_id(item, domain)
    message["Date"] = format_datetime(item.at)
    message["From"] = sender
    message["To"] = formataddr((name, contact.strip()))
    message["Subject"] = subject(SUBJECTS[item.kind], langs, kept.office_reference)
    message["X-Complaint-Id"] = str(item.complaint_id)
    message["X-Complaint-Update"] = item.kind
    sections = {
        lang: (*item.lines[lang], REFERENCE[lang].format(ref=kept.reference_in(lang, office_name))) for lang in langs
    }
    message.set_content(body(name, sections, langs, status_url))
    message["Content-Language"] = ", ".join(langs)  # after set_content, which clears Content-* headers
    return message
