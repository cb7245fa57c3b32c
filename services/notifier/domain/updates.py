"""The complainant's updates after the receipt: progress, a promise, the reply, the return-visit
invitation, a reopening, the close.

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
from email.utils import formataddr
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.contracts import derived_id
from shared.contracts.followup import CaseClosed, ComplaintReopened, CustomerReplied, ReturnVisitScheduled
from shared.contracts.handling import CaseReopened, CommitmentMade, ProgressReported

from .headers import mail_date, set_subject
from .kept import KeptContact, WaitingInvitation
from .receipts import OfficeNames
from .wording import EN, REFERENCE, ZH_HANS, ZH_HANT, body, languages, local_time, subject

PROGRESS = "progress"
PROMISE = "promise"
REPLY = "reply"
RETURN_VISIT = "return-visit"
REOPENED = "reopened"
CLOSED = "closed"

# What each kind of update is called, per language.
SUBJECTS: dict[str, dict[str, str]] = {
    PROGRESS: {EN: "Progress on your complaint", ZH_HANT: "投訴處理進度", ZH_HANS: "投诉处理进度"},
    PROMISE: {EN: "Our promise on your complaint", ZH_HANT: "我們對您投訴的承諾", ZH_HANS: "我们对您投诉的承诺"},
    REPLY: {EN: "Our reply to your complaint", ZH_HANT: "投訴答覆", ZH_HANS: "投诉答复"},
    RETURN_VISIT: {EN: "How did we do? / Return visit", ZH_HANT: "回訪邀請", ZH_HANS: "回访邀请"},
    REOPENED: {
        EN: "Your complaint is being handled again",
        ZH_HANT: "您的投訴已重新處理",
        ZH_HANS: "您的投诉已重新处理",
    },
    CLOSED: {EN: "Your complaint is closed", ZH_HANT: "您的投訴已結案", ZH_HANS: "您的投诉已结案"},
}

# A promise was mailed as progress before it had its own subject: its ledger key, Message-ID and text's
# idempotency key stay derived as progress's, so a promise mailed before the change and re-read by the
# reconciler (or redelivered) after it is recognised as sent, not mailed again under a new key.
KEYED_AS = {PROMISE: PROGRESS}


Lines = dict[str, tuple[str, ...]]  # the update's lines, per language


@dataclass(frozen=True)
class Update:
    """One update, as the complainant may read it: nothing else of the event goes into the email."""

    kind: str
    event_id: UUID
    complaint_id: UUID
    at: datetime
    lines: Lines

    @property
    def keyed_as(self) -> str:
        """The kind its ledger key, Message-ID and idempotency key are derived from (`KEYED_AS`)."""
        return KEYED_AS.get(self.kind, self.kind)


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
    CommitmentMade: (PROMISE, _commitment),
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


def _closed_lines(kept: KeptContact, time_zone: str | None) -> Lines:
    """The close (DOMAIN: close and record, the result on file): that it is closed, which reply holds
    the result (the latest heard, when the notifier heard one), and what the complainant can still do.
    Only a complaint closed as invalid can open again (a person judging it valid after all, followup's
    `ComplaintReopened`): that complainant is told to say so if they disagree; any other is told to quote
    the reference (a new complaint, at the office). The closing's cause, lessons, improvement and
    responsibility are the office's evaluation: they stay out."""
    replied = local_time(kept.replied_at, time_zone) if kept.replied_at is not None else None
    return {
        EN: (
            "Your complaint has been closed. How it was handled and its result are on file.",
            *([f"The result is the one in our reply of {replied}."] if replied else []),
            (
                "If you do not accept our finding, tell us and quote the reference below: a supervisor "
                "will look at it again, and if it is judged valid it is reopened and handled."
                if kept.reply_explained
                else "If anything is still not right, contact us and quote the reference below."
            ),
        ),
        ZH_HANT: (
            "您的投訴已結案，處理經過及結果已存檔。",  # noqa: RUF001 (Chinese punctuation)
            *([f"結果見我們於 {replied} 給您的答覆。"] if replied else []),
            (
                "如您不接受我們的判斷，請聯絡我們並提供以下編號：主管會重新審視，如判定投訴成立，會重新處理。"  # noqa: RUF001
                if kept.reply_explained
                else "如仍有問題，請聯絡我們並提供以下編號。"  # noqa: RUF001
            ),
        ),
        ZH_HANS: (
            "您的投诉已结案，处理经过及结果已存档。",  # noqa: RUF001
            *([f"结果见我们于 {replied} 给您的答复。"] if replied else []),
            (
                "如您不接受我们的判断，请联系我们并提供以下编号：主管会重新审视，如判定投诉成立，会重新处理。"  # noqa: RUF001
                if kept.reply_explained
                else "如仍有问题，请联系我们并提供以下编号。"  # noqa: RUF001
            ),
        ),
    }


def closing(event: CaseClosed, kept: KeptContact, time_zone: str | None = None) -> Update:
    """The complainant's word of a close (followup's `CaseClosed`): its lines depend on what the kept
    registration heard before it (the reply), so it is not in `BUILDERS`, whose lines read the event alone."""
    return Update(CLOSED, event.event_id, event.complaint_id, event.occurred_at, _closed_lines(kept, time_zone))


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
    return f"{item.keyed_as}/{item.event_id}"


def update_message_id(item: Update, domain: str) -> str:
    """Derived from the event id, as the receipt's from the complaint id: a resend is recognisable."""
    return f"<{derived_id(f'notifier-{item.keyed_as}', item.event_id)}@{domain}>"


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
    time_zone: str | None = None,
) -> EmailMessage:
    """The update to the complainant, `name` and `contact` opened through the keyring just now, in
    their language (kept from the form), or English and Traditional Chinese when it is unknown; the
    office by `office_name` in each language (the directory's), else by its id; Date in the office's
    `time_zone`, as the body's times."""
    langs = languages(kept.language)
    message = EmailMessage()
    message["Message-ID"] = update_message_id(item, domain)
    message["Date"] = mail_date(item.at, time_zone)
    message["From"] = sender
    message["To"] = formataddr((name, contact.strip()))
    set_subject(message, subject(SUBJECTS[item.kind], langs, kept.office_reference))
    message["X-Complaint-Id"] = str(item.complaint_id)
    message["X-Complaint-Update"] = item.kind
    sections = {
        lang: (*item.lines[lang], REFERENCE[lang].format(ref=kept.reference_in(lang, office_name))) for lang in langs
    }
    message.set_content(body(name, sections, langs, status_url))
    message["Content-Language"] = ", ".join(langs)  # after set_content, which clears Content-* headers
    return message
