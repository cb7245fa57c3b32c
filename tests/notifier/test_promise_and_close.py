"""A promise under its own subject, and the close told to the complainant: the application with a real
SMTP server, a real keyring and the contacts table, in each of the complainant's languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.notifier.application import Origin
from shared.clock import utc_now
from shared.contracts import derived_id
from shared.contracts.followup import CaseClosed, CaseClosedPayload, CustomerReplied, CustomerRepliedPayload
from shared.contracts.handling import CommitmentMade, CommitmentMadePayload

from .support import HookReceiver, SmtpSink, registered, shown_subject
from .test_application import wire
from .test_staff_language import NAMES, live_directory
from .test_updates import _envelope, _judged_valid, complainants_notifier, progress

INTAKE = Origin("complaints.intake.events", 0, 1)
HANDLING = Origin("complaints.handling.events", 0, 2)
FOLLOWUP = Origin("complaints.followup.events", 0, 3)

PROMISE_SUBJECT = {
    "en": "Our promise on your complaint",
    "zh-Hant": "我們對您投訴的承諾",
    "zh-Hans": "我们对您投诉的承诺",
}
CLOSED_SUBJECT = {"en": "Your complaint is closed", "zh-Hant": "您的投訴已結案", "zh-Hans": "您的投诉已结案"}
COLON = {"en": ": ", "zh-Hant": "：", "zh-Hans": "："}  # noqa: RUF001 (Chinese punctuation)
CLOSED_WORDS = {
    "en": ("Your complaint has been closed", "our reply of 2026-12-01 21:20 (UTC+08:00)", "quote the reference"),
    "zh-Hant": ("您的投訴已結案", "我們於 2026-12-01 21:20 (UTC+08:00) 給您的答覆", "請聯絡我們並提供以下編號"),
    "zh-Hans": ("您的投诉已结案", "我们于 2026-12-01 21:20 (UTC+08:00) 给您的答复", "请联系我们并提供以下编号"),
}
REPLIED_AT = datetime(2026, 12, 1, 13, 20, tzinfo=UTC)  # 21:20 in Hong Kong


def _promise(complaint_id, office: str = "kln-east") -> CommitmentMade:  # type: ignore[no-untyped-def]
    return CommitmentMade(
        **{**_envelope(complaint_id), "office_id": office},
        payload=CommitmentMadePayload(promise="A technician visits.", due_at=utc_now() + timedelta(days=1)),
    )


def _reply(
    complaint_id, *, explained: bool = False, at: datetime | None = None, office: str = "kln-east"
) -> CustomerReplied:  # type: ignore[no-untyped-def]
    return CustomerReplied(
        **{**_envelope(complaint_id, at), "office_id": office},
        payload=CustomerRepliedPayload(
            agreed_by="kln-east/supervisor-lee", replied_at=at or utc_now(), channel="phone",
            summary="The lift was repaired on Monday.", explanation_only=explained,
        ),
    )  # fmt: skip


EVALUATION = ("a worn cable", "inspect monthly", "a new supplier", "the contractor Wong")


def _closed(complaint_id, at: datetime | None = None, office: str = "office-a") -> CaseClosed:  # type: ignore[no-untyped-def]
    """Followup's close, with the office's evaluation (cause, lessons, improvement, responsibility)."""
    cause, lessons, improvement, responsibility = EVALUATION
    return CaseClosed(
        **{**_envelope(complaint_id, at), "office_id": office},
        payload=CaseClosedPayload(cause=cause, lessons=lessons, improvement=improvement, responsibility=responsibility),
    )


def _body(mail) -> str:  # type: ignore[no-untyped-def]
    return mail.get_payload(decode=True).decode()


@pytest.mark.parametrize("language", ["en", "zh-Hant", "zh-Hans"])
async def test_a_promise_is_mailed_under_its_own_subject_in_the_complainants_language_once(
    language: str, smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    service.directory = live_directory(hooks.url("/sms"), NAMES)
    event = registered("chan.tai.man@mail.test", office="kln-east", keyring=keyring, language=language)
    await service.receipt(wire(event), INTAKE)
    promise = _promise(event.complaint_id)
    for _ in range(2):  # redelivered: mailed once
        await service.update(wire(promise), HANDLING)
    await service.update(wire(progress(event.complaint_id)), HANDLING)
    _receipt, promised, progressed = smtp.wait_for(3)
    reference = event.payload.form.office_reference
    assert shown_subject(promised) == f"{PROMISE_SUBJECT[language]}{COLON[language]}{reference}"
    assert promised["X-Complaint-Update"] == "promise" and promised["Content-Language"] == language
    assert "A technician visits." in _body(promised)
    assert shown_subject(progressed) != shown_subject(promised)  # progress keeps its own subject
    # keyed as it was when a promise was mailed as progress: a promise mailed before is not mailed again
    assert promised["Message-ID"] == f"<{derived_id('notifier-progress', promise.event_id)}@n.test>"
    assert service.ledger.outcome(f"progress/{promise.event_id}") == "sent"
    assert len(smtp.messages) == 3


@pytest.mark.parametrize("language", ["en", "zh-Hant", "zh-Hans"])
async def test_the_complainant_is_told_of_the_close_once_in_their_language_with_the_result_on_file(
    language: str, smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    service.directory = live_directory(hooks.url("/sms"), NAMES)
    event = registered("chan.tai.man@mail.test", office="kln-east", keyring=keyring, language=language)
    await service.receipt(wire(event), INTAKE)
    service.receipt_max_age = timedelta(days=3650)  # the reply's fixed time is not "from the past" here
    await service.update(wire(_reply(event.complaint_id, at=REPLIED_AT)), FOLLOWUP)
    closed = _closed(event.complaint_id, office="kln-east")
    for _ in range(2):  # redelivered, or re-read by the reconciler: told once
        await service.update(wire(closed), FOLLOWUP)
    mails = smtp.wait_for(3)
    assert [m["X-Complaint-Update"] for m in mails] == [None, "reply", "closed"]
    told = mails[-1]
    assert shown_subject(told) == f"{CLOSED_SUBJECT[language]}{COLON[language]}{event.payload.form.office_reference}"
    body = _body(told)
    for words in CLOSED_WORDS[language]:
        assert words in body, (language, words, body)
    assert event.payload.form.office_reference in body  # the reference to quote
    assert not any(words in body for words in EVALUATION)  # the office's evaluation stays out
    assert told["Message-ID"] == f"<{derived_id('notifier-closed', closed.event_id)}@n.test>"
    assert service.ledger.outcome(f"closed/{closed.event_id}") == "sent"
    assert service.contacts.get(event.complaint_id).closed  # type: ignore[union-attr]


async def test_a_complaint_closed_as_invalid_says_how_it_can_be_judged_again_and_nobody_erased_or_reopened_is_told(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    """An invalid complaint's close (its reply the explanation) says a supervisor can judge it again
    (DOMAIN: a person's judgement replaces the automatic one; a closed invalid complaint judged valid
    opens again); an erased complainant hears nothing of the close; a close older than a reopening
    heard since (heard late) tells nobody it is closed; a close from the past (a replay) mails nobody."""
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    chan = registered("chan.tai.man@mail.test", keyring=keyring, language="en")
    lau = registered("lau.mei.ling@mail.test", keyring=keyring, name="Lau Mei Ling", language="en")
    ho = registered("ho.ka.yan@mail.test", keyring=keyring, name="Ho Ka Yan", language="en")
    wong = registered("wong.tai.sin@mail.test", keyring=keyring, name="Wong Tai Sin", language="en")
    for event in (chan, lau, ho, wong):
        await service.receipt(wire(event), INTAKE)
        await service.update(wire(_reply(event.complaint_id, explained=True, office="office-a")), FOLLOWUP)
    await service.update(wire(_closed(chan.complaint_id)), FOLLOWUP)
    keyring.erase(lau.payload.form.personal.person_id, "group/privacy", "DSR-9", utc_now())
    await service.update(wire(_closed(lau.complaint_id)), FOLLOWUP)
    closed_at = utc_now() - timedelta(minutes=5)
    await service.update(wire(_judged_valid(ho.complaint_id, closed_at)), FOLLOWUP)  # the reopening heard first
    await service.update(wire(_closed(ho.complaint_id, closed_at)), FOLLOWUP)  # its close, heard late
    await service.update(wire(_closed(wong.complaint_id, utc_now() - timedelta(days=3))), FOLLOWUP)  # a replay
    told = {m["To"].split("<")[1].rstrip(">"): [] for m in smtp.messages}
    for mail in smtp.messages:
        told[mail["To"].split("<")[1].rstrip(">")].append(mail["X-Complaint-Update"])
    assert told["chan.tai.man@mail.test"] == [None, "reply", "closed"]
    assert told["lau.mei.ling@mail.test"] == [None, "reply"]  # erased: nothing of the close
    assert told["ho.ka.yan@mail.test"] == [None, "reply", "reopened"]  # open again: not told it is closed
    assert told["wong.tai.sin@mail.test"] == [None, "reply"]  # a close from the past mails nobody
    assert service.contacts.get(wong.complaint_id).closed  # type: ignore[union-attr]  # though it is marked
    body = _body(smtp.messages[[m["X-Complaint-Update"] for m in smtp.messages].index("closed")])
    assert "If you do not accept our finding, tell us" in body and "judged valid it is reopened" in body


@pytest.mark.parametrize("language", ["en", "zh-Hant", "zh-Hans"])
async def test_a_phone_complainant_is_texted_the_promise_and_the_close_once_within_the_segments(
    language: str, smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    """The same words by text (a real HTTP server as the gateway): the promise keyed as progress was, the
    close once, each within `NOTIFIER_SMS_MAX_SEGMENTS` with its reference and link."""
    import json

    from .test_sms import texting_notifier

    service, keyring = texting_notifier(smtp, hooks, tmp_path)
    event = registered("9123 4567", keyring=keyring, language=language)
    await service.receipt(wire(event), INTAKE)
    promise = _promise(event.complaint_id, office="office-a")
    answer, closed = _reply(event.complaint_id, office="office-a"), _closed(event.complaint_id)
    for _ in range(2):  # redelivered: texted once
        for message, origin in ((promise, HANDLING), (answer, FOLLOWUP), (closed, FOLLOWUP)):
            await service.update(wire(message), origin)
    texts = [json.loads(body) for _, _, body in hooks.to("/texts")]
    assert [t["kind"] for t in texts] == ["receipt", "promise", "reply", "closed"] and smtp.messages == []
    assert texts[1]["idempotency_key"] == str(derived_id("notifier-progress-sms", promise.event_id))
    told = texts[-1]
    assert CLOSED_WORDS[language][0] in told["text"] and event.payload.form.office_reference in told["text"]
    assert told["segments"] <= service.sms_max_segments and told["language"] == language
    assert not any(words in told["text"] for words in EVALUATION)  # the office's evaluation stays out
