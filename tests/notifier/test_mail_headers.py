"""A mail's Subject and Date as received: the Subject with no empty encoded word (`=?utf-8?q??=`, which
Python's own folder wrote into a major complaint's English subject) and no line past 78 characters,
read back as it was meant; the Date in the office's time zone, the instant the body says, so the header
and the body say the same hour. Pure (hypothesis over subjects) and through a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from services.notifier.application import Origin
from services.notifier.domain import headers, wording
from services.notifier.domain.kept import KeptContact
from shared.contracts.handling import CommitmentMade, CommitmentMadePayload
from shared.contracts.notifications import Occasion

from .support import HookReceiver, SmtpSink, major, registered, shown_subject
from .test_application import wire
from .test_staff_language import NAMES, live_directory
from .test_staff_language import notifier as staff_notifier
from .test_updates import _envelope, complainants_notifier

EMPTY_ENCODED_WORD = re.compile(r"=\?[^?]*\?[bBqQ]\?\?=")
HONG_KONG = timedelta(hours=8)


def _raw_lines(mail: Message) -> list[str]:
    """The Subject's lines as they travelled (the sink keeps the raw header: compat32)."""
    return f"Subject: {mail['Subject']}".splitlines()


def _assert_well_encoded(mail: Message) -> None:
    lines = _raw_lines(mail)
    assert not any(EMPTY_ENCODED_WORD.search(line) for line in lines), lines
    assert all(len(line) <= headers.LINE for line in lines), lines


words = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12),
    st.sampled_from(["·", "[major]", "R-731", "（九龍東管理處第", "號）", "=?utf-8?q??=", "x" * 70, "投訴處理進度："]),  # noqa: RUF001
)


@given(st.lists(words, max_size=25))
def test_any_subject_is_written_without_an_empty_encoded_word_and_read_back_as_meant(parts: list[str]) -> None:
    text = " ".join(parts)
    message = EmailMessage()
    headers.set_subject(message, text)
    message.set_content("x")
    raw = message.as_bytes(policy=email.policy.SMTP)
    head = raw.split(b"\r\n\r\n")[0].decode("ascii")  # nothing but ASCII travels in a header
    subject = [line for line in head.split("\r\n") if line.startswith(("Subject:", " ", "\t"))]
    assert not any(EMPTY_ENCODED_WORD.search(line) for line in subject)
    assert all(len(line) <= headers.LINE for line in subject)
    read = email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
    assert read == " ".join(text.split())  # a header is one line: white space read as one space


async def test_a_staff_mails_subject_has_no_empty_encoded_word_and_its_date_is_the_bodys_hour(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    """A major complaint named by its reference: `[major] A major complaint: the leaders are told at
    once · R-731 (Kowloon East office no. 42)` was folded by Python into `... at once =?utf-8?q??=`."""
    from services.notifier.adapters.contacts import MemoryContacts

    service = staff_notifier(smtp, hooks, NAMES)
    service.contacts = MemoryContacts()
    plain = major("kln-east", roles=("leader",))
    event = plain.model_copy(
        update={"payload": plain.payload.model_copy(update={"occasion": Occasion.MAJOR_COMPLAINT})}
    )
    kept = KeptContact(
        reference="R-731 (kln-east no. 42)", office_reference="R-731", office_id="kln-east", sequence_number=42
    )
    await service.contacts.keep(event.complaint_id, kept, 0)
    await service.handle(wire(event), Origin("complaints.notifications", 0, 3))
    mails = {m["To"].split("<")[1].rstrip(">"): m for m in smtp.wait_for(4)}
    assert set(mails) == {f"{who}@kln-east.test" for who in ("en", "hant", "hans", "unsaid")}
    english = mails["en@kln-east.test"]
    assert shown_subject(english) == (
        "[major] A major complaint: the leaders are told at once · R-731 (Kowloon East office no. 42)"
    )
    assert shown_subject(mails["hant@kln-east.test"]) == "[重大] 重大投訴：即時通知領導 · R-731（九龍東管理處第 42 號）"  # noqa: RUF001
    for mail in mails.values():
        _assert_well_encoded(mail)
        # the Date: the notification's instant, in Hong Kong's time, the hour the body's "When" says
        date = parsedate_to_datetime(mail["Date"])
        assert date == event.occurred_at and date.utcoffset() == HONG_KONG
        body = mail.get_payload(decode=True).decode()
        assert f"{date:%Y-%m-%d %H:%M} (UTC+08:00)" in body
        assert wording.local_time(event.occurred_at, "Asia/Hong_Kong") in body


async def test_a_complainants_mail_is_dated_in_the_offices_time_like_its_body(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    """The receipt and a promise to a complainant of a Hong Kong office: Date in +08:00, the hour the
    body writes (the receipt's received time, the promise's own time where the body says it)."""
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    service.directory = live_directory(hooks.url("/sms"), NAMES)
    event = registered("chan.tai.man@mail.test", office="kln-east", keyring=keyring, language="en")
    await service.receipt(wire(event), Origin("complaints.intake.events", 0, 1))
    at = datetime.now(UTC).replace(microsecond=0)
    promise = CommitmentMade(
        **{**_envelope(event.complaint_id, at), "office_id": "kln-east"},
        payload=CommitmentMadePayload(promise="A technician visits.", due_at=at),
    )
    await service.update(wire(promise), Origin("complaints.handling.events", 0, 2))
    receipt, promised = smtp.wait_for(2)
    for mail, instant in ((receipt, event.payload.registered_at), (promised, at)):
        _assert_well_encoded(mail)
        date = parsedate_to_datetime(mail["Date"])
        assert date == instant.replace(microsecond=0) and date.utcoffset() == HONG_KONG
        assert f"{date:%Y-%m-%d %H:%M} (UTC+08:00)" in mail.get_payload(decode=True).decode()
