"""What a notification says to one person, byte for byte the same every time it is composed.

A redelivered notification (the worker crashed after sending, before recording it) is composed again:
the same Message-ID, the same body, the same signature, so a mail system or a webhook receiver can
recognise the repeat. Nothing here reads the clock or a random source.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from email.message import EmailMessage
from email.utils import formataddr
from uuid import UUID

from shared.contracts import derived_id
from shared.contracts.notifications import NotificationRequested

from . import staff_wording
from .directory import Addressee
from .headers import mail_date, set_subject
from .kept import KeptContact as Named  # what the notifier keeps of a registration: its reference

SIGNATURE_HEADER = "X-Complaints-Signature"
DELIVERY_HEADER = "X-Complaints-Delivery"


def delivery_key(notification_id: UUID, staff_id: str, channel: str) -> str:
    """What the worker remembers as sent: one notification, one person, one channel."""
    return f"{notification_id}/{staff_id}/{channel}"


def delivery_id(notification_id: UUID, staff_id: str, channel: str) -> UUID:
    """The id of one delivery: the same on every attempt and every redelivery."""
    return derived_id("notifier-delivery", notification_id, staff_id, channel)


def message_id(notification_id: UUID, staff_id: str, domain: str) -> str:
    """The email's Message-ID, derived from the notification and the recipient (RFC 5322 `<left@right>`)."""
    return f"<{delivery_id(notification_id, staff_id, 'email')}@{domain}>"


def english(office_id: str) -> staff_wording.Reader:
    """A reader of English who knows nothing of the office but its id (no directory at hand)."""
    return staff_wording.Reader(staff_wording.DEFAULT_LANGUAGE, lambda message: message, office_id, None)


def _lines(
    event: NotificationRequested,
    addressee: Addressee,
    reader: staff_wording.Reader,
    desk_url: str | None = None,
    complaint: Named | None = None,
) -> list[str]:
    group = addressee.staff.office_id is None
    return staff_wording.lines(event, addressee.roles, group, reader, desk_url, reference_for(complaint, reader))


def reference_for(complaint: Named | None, reader: staff_wording.Reader) -> str | None:
    """The complaint's reference as staff know it, in the reader's language with the office by its name
    in it (`R-1 (Kowloon East office no. 42)`); None when the notifier has not read its registration."""
    return complaint.reference_in(reader.language, lambda _language: reader.office) if complaint else None


def email(
    event: NotificationRequested,
    addressee: Addressee,
    *,
    sender: str,
    domain: str,
    desk_url: str | None = None,
    reader: staff_wording.Reader | None = None,
    complaint: Named | None = None,
) -> EmailMessage:
    """The email to one person, in their language (`reader`: English, the office by its id, when not
    given), with the desk's page of the complaint when the desk's address is known and the complaint
    named by its office reference (`complaint`: intake's registration as the notifier keeps it; None:
    not read yet, the id alone). Date is the notification's own time, so a repeat is identical."""
    assert addressee.staff.email is not None
    reader = reader or english(event.office_id)
    message = EmailMessage()
    message["Message-ID"] = message_id(event.event_id, addressee.staff.id, domain)
    message["Date"] = mail_date(event.occurred_at, reader.time_zone)  # the zone the body writes times in
    message["From"] = sender
    message["To"] = formataddr((addressee.staff.name, addressee.staff.email))
    set_subject(message, staff_wording.subject(event, reader, reference_for(complaint, reader)))
    message["X-Complaint-Id"] = str(event.complaint_id)
    if complaint is not None:
        message["X-Complaint-Reference"] = complaint.office_reference
    message["X-Notification-Id"] = str(event.event_id)
    message.set_content("\n".join(_lines(event, addressee, reader, desk_url, complaint)) + "\n")
    message["Content-Language"] = reader.language  # after set_content, which clears Content-* headers
    return message


def webhook_body(
    event: NotificationRequested,
    addressee: Addressee,
    reader: staff_wording.Reader | None = None,
    *,
    desk_url: str | None = None,
    complaint: Named | None = None,
) -> bytes:
    """The JSON a webhook receives (keys sorted, no spaces: identical bytes on every attempt); its
    `text` in the person's language like their mail (the complaint named by its reference, the desk's
    page), the other fields as published; `office_reference` and `sequence_number` intake's (None
    until the notifier has read the registration), `severity` None while nobody has judged it, `incident`
    the mass incident as triage told it (`IncidentNotice`'s fields; None for any other notification), so
    a receiver need not parse the text for its count, offices or complaints."""
    payload = event.payload
    reader = reader or english(event.office_id)
    body = {
        "delivery_id": str(delivery_id(event.event_id, addressee.staff.id, "webhook")),
        "notification_id": str(event.event_id),
        "complaint_id": str(event.complaint_id),
        "office_reference": complaint.office_reference if complaint else None,
        "sequence_number": complaint.sequence_number if complaint else None,
        "url": staff_wording.desk_page(desk_url, event.complaint_id),
        "office_id": event.office_id,
        "occurred_at": event.occurred_at.isoformat(),
        "severity": payload.severity.value if payload.severity else None,
        "level": payload.level,
        "subject": payload.subject,
        "reason": payload.explanation.reason,
        "rule": payload.explanation.rule,
        "recipient": {"staff_id": addressee.staff.id, "roles": list(addressee.roles)},
        "to": addressee.staff.webhook.to if addressee.staff.webhook else None,
        "language": reader.language,
        "text": "\n".join(_lines(event, addressee, reader, desk_url, complaint)),
        "incident": payload.incident.model_dump(mode="json") if payload.incident is not None else None,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of the exact body with the endpoint's secret (as GitHub signs hooks)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str) -> bool:
    """What a receiver checks, in constant time."""
    return hmac.compare_digest(signature(secret, body), header)
