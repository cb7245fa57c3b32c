"""Texts to complainants reached by phone: the texts (pure: languages, segments, the allow-list, the
cut of a long text), and the application against a real HTTP server as the SMS gateway, a memory
ledger and a real keyring (no broker): each text once, signed, a failing gateway retried then
dead-lettered and sent on an operator's retry, and nothing but a count without a gateway."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.adapters.contacts import MemoryContacts
from services.notifier.application import NO_SMS_GATEWAY, SENT, Notifier, Origin
from services.notifier.domain import messages, receipts, sms, updates
from services.notifier.domain.directory import Endpoint
from services.notifier.domain.sms import GSM7, UCS2, segments
from shared.clock import utc_now
from shared.contracts import derived_id
from shared.contracts.followup import (
    CaseClosed,
    CaseClosedPayload,
    ReturnVisitMade,
    ReturnVisitMadePayload,
    ReturnVisitScheduled,
    ReturnVisitScheduledPayload,
    VisitOutcome,
)
from shared.contracts.handling import CaseReopened, CaseReopenedPayload, CommitmentMade, CommitmentMadePayload
from shared.keyring import Keyring, KeyringSettings
from shared.personal import ERASED
from shared.status_link import status_link

from .support import HookReceiver, SmtpSink, registered
from .test_application import Letters, notifier, wire
from .test_updates import _envelope, complainants_notifier, progress, reply

GATEWAY_SECRET = "an-sms-gateway-secret-for-tests"
LINK = "https://desk.example.org/status/" + "a" * 32 + "." + "b" * 32
REFS = {
    "en": "R-1 (Hong Kong Central office no. 42)",
    "zh-Hant": "R-1（中環管理處第 42 號）",  # noqa: RUF001
    "zh-Hans": "R-1（中环管理处第 42 号）",  # noqa: RUF001
}


# -- segments -------------------------------------------------------------------------------------


def test_gsm7_texts_take_160_alone_and_153_a_segment_when_split() -> None:
    assert segments("") == sms.Segments(GSM7, 0, 0)
    assert segments("a" * 160) == sms.Segments(GSM7, 160, 1)
    assert segments("a" * 161).count == 2
    assert segments("a" * 306).count == 2 and segments("a" * 307).count == 3
    assert segments("€" * 80) == sms.Segments(GSM7, 160, 1)  # the extension table: two septets each
    assert segments("€" * 81).count == 2
    # an escape is never cut across segments: 152 septets, then a two-septet character opens the next
    assert segments("a" * 152 + "€" + "a" * 10).count == 2
    assert segments("a" * 152 + "€" + "a" * 152).count == 3


def test_any_character_outside_gsm7_makes_it_ucs2_70_alone_67_split() -> None:
    assert segments("中" * 70) == sms.Segments(UCS2, 70, 1)
    assert segments("中" * 71).count == 2
    assert segments("中" * 134).count == 2 and segments("中" * 135).count == 3
    assert segments("a" * 69 + "’").encoding == UCS2  # noqa: RUF001 (one curly quote is enough)
    assert segments("😀" * 35) == sms.Segments(UCS2, 70, 1)  # beyond the BMP: a surrogate pair each
    assert segments("a" * 66 + "😀" + "a" * 3).count == 2
    assert segments("a" * 66 + "😀" * 34).count == 3  # 134 units, yet no pair is cut: 66, 66, 2


@given(st.text(alphabet=st.sampled_from("abc €中😀\n"), max_size=600))
def test_a_text_fits_its_segments_and_one_character_more_never_takes_fewer(text: str) -> None:
    counted = segments(text)
    capacity = sms.SINGLE[counted.encoding] if counted.count <= 1 else sms.CONCATENATED[counted.encoding]
    assert counted.units <= counted.count * capacity
    assert counted.count == 0 or counted.units > (counted.count - 1) * sms.CONCATENATED[counted.encoding] - 1
    assert segments(text + "a").count >= counted.count


# -- numbers --------------------------------------------------------------------------------------


def test_a_phone_contact_becomes_e164_read_in_the_office_s_region() -> None:
    assert sms.phone_number("9123 4567", "HK") == "+85291234567"
    assert sms.phone_number(" +852 9123 4567 ", "CN") == "+85291234567"
    assert sms.phone_number("0755 8888 6666", "CN") == "+8675588886666"
    assert sms.phone_number("+86 138 0013 8000", "HK") == "+8613800138000"
    for nothing in ("chan@mail.test", ERASED, "abc", "12", ""):
        assert sms.phone_number(nothing, "HK") is None


# -- what a text says -----------------------------------------------------------------------------


def test_the_receipt_says_recorded_the_reference_and_the_link_in_the_complainant_s_language() -> None:
    complaint = uuid4()
    texts = {lang: sms.receipt_sms(complaint, REFS, lang, "+85291234567", status_url=LINK) for lang in REFS}
    assert texts["en"].text == f"Your complaint is recorded\nReference: {REFS['en']}\nFollow it here: {LINK}"
    assert texts["en"].segments.encoding == GSM7 and texts["en"].segments.count == 2
    assert texts["zh-Hant"].text.startswith("您的投訴已登記\n編號：R-1（中環管理處第 42 號）")  # noqa: RUF001
    assert texts["zh-Hans"].text.startswith("您的投诉已登记\n编号：R-1（中环管理处第 42 号）")  # noqa: RUF001
    assert texts["zh-Hant"].segments == sms.Segments(UCS2, len(texts["zh-Hant"].text), 2)  # 131 units: 67 + 64
    assert all(LINK in text.text and text.language == lang for lang, text in texts.items())
    unknown = sms.receipt_sms(complaint, REFS, None, "+85291234567", status_url=LINK)  # both, as the mail
    assert unknown.language == "en, zh-Hant" and "Reference" in unknown.text and "編號" in unknown.text
    assert "Follow it here / 查看進度" in unknown.text and unknown.segments.count <= sms.DEFAULT_MAX_SEGMENTS
    assert {text.idempotency_key for text in texts.values()} == {sms.receipt_idempotency_key(complaint)}
    assert sms.receipt_idempotency_key(complaint) != derived_id("notifier-receipt", complaint)  # not the mail's


def test_a_receipt_leaves_out_who_took_it_and_what_it_says() -> None:
    event = registered("+852 9123 4567")
    refs = receipts.references(event)
    text = sms.receipt_sms(event.complaint_id, refs, "en", "+85291234567", status_url=LINK).text
    form = event.payload.form
    for private in ("Chan Tai Man", "Amy Wong", "lift", "Harbour View", form.personal.legacy_clear.unit_address):  # type: ignore[union-attr]
        assert private not in text


def _kept(language: str | None) -> updates.KeptContact:
    event = registered("+852 9123 4567")
    return updates.KeptContact(
        personal=event.payload.form.personal, reference="REF-1 (office-a no. 42)", office_reference="REF-1",
        language=language, office_id="office-a", sequence_number=42,
    )  # fmt: skip


def test_each_update_texts_the_mail_s_words_and_nothing_else_in_each_language() -> None:
    complaint = uuid4()
    promise = CommitmentMade(
        **_envelope(complaint),
        payload=CommitmentMadePayload(promise="A technician visits.", due_at=datetime(2026, 12, 1, 9, tzinfo=UTC)),
    )
    reopened = CaseReopened(**_envelope(complaint), payload=CaseReopenedPayload(reason="visit note: owner rude"))
    names = {"en": "Office A", "zh-Hant": "甲管理處", "zh-Hans": "甲管理处"}
    promised = updates.update(promise, "Asia/Hong_Kong")
    assert promised is not None  # the promise's time in the office's zone, as the mail says it
    assert "By: 2026-12-01 17:00 (UTC+08:00)" in sms.update_sms(promised, _kept("en"), "+8", status_url=None).text
    for event in (progress(complaint), promise, reply(complaint), reopened):
        item = updates.update(event, "Asia/Hong_Kong")
        assert item is not None
        for lang in ("en", "zh-Hant", "zh-Hans"):
            text = sms.update_sms(item, _kept(lang), "+85291234567", status_url=LINK, office_name=names.get).text
            # the mail's own lines in this language, the reference naming the office in it, the link
            assert all(line in text for line in item.lines[lang]), (item.kind, lang)
            assert _kept(lang).reference_in(lang, names.get) in text and LINK in text
            others = {"en", "zh-Hant", "zh-Hans"} - {lang}
            assert not any(
                line in text for other in others for line in item.lines[other] if line not in item.lines[lang]
            )
            # the allow-list: no staff, no approver, no channel, no staff's note, no name of the complainant
            for never in ("wong-siu-ming", "supervisor-lee", "phone", "visit note", "Chan Tai Man", "department"):
                assert never not in text, (item.kind, lang, never)


@settings(max_examples=60, deadline=None)
@given(
    told=st.text(alphabet=st.sampled_from("The lift 電梯維修中，已安排技術員。€\n"), min_size=1, max_size=900),  # noqa: RUF001
    language=st.sampled_from(["en", "zh-Hant", "zh-Hans", None]),
)
def test_a_long_text_is_cut_to_fit_never_its_reference_nor_its_link(told: str, language: str | None) -> None:
    event = progress(uuid4())
    event = event.model_copy(update={"payload": event.payload.model_copy(update={"message": told})})
    item = updates.update(event)
    assert item is not None
    text = sms.update_sms(item, _kept(language), "+85291234567", status_url=LINK, max_segments=4)
    assert text.segments == segments(text.text) and LINK in text.text and "REF-1" in text.text and "42" in text.text
    whole = sms.update_sms(item, _kept(language), "+85291234567", status_url=LINK, max_segments=100)
    if whole.segments.count <= 4:
        assert text == whole  # fits: nothing cut
    elif text.segments.count <= 4:
        assert "…" in text.text or "..." in text.text  # the staff's words, cut to fit and said so
    else:  # more than four only where fitting would leave fewer than KEPT_AT_LEAST of the staff's words
        assert told[: sms.KEPT_AT_LEAST].rstrip() in text.text, text


def test_a_promise_is_never_cut_to_nothing() -> None:
    """Seen under `make up`: a complainant whose language was not recorded (English and Traditional
    Chinese) got "We have made you a promise: …": the fixed lines of both languages filled the four
    segments, and the promise itself was cut to its ellipsis."""
    promise = "明天下午6点前回复赔偿方案，并派工程部检查道闸感应器，清洁后再测试三次，确认车辆可被识别"  # noqa: RUF001
    event = CommitmentMade(
        **_envelope(uuid4()),
        payload=CommitmentMadePayload(promise=promise, due_at=datetime(2026, 12, 3, 10, tzinfo=UTC)),
    )
    item = updates.update(event, "Asia/Shanghai")
    assert item is not None
    text = sms.update_sms(item, _kept(None), "+8613812345678", status_url=LINK, max_segments=4)
    assert promise[:40] in text.text and LINK in text.text  # its first 40 characters at least


def test_a_long_english_text_stays_gsm7_when_cut() -> None:
    event = progress(uuid4())
    event = event.model_copy(update={"payload": event.payload.model_copy(update={"message": "word " * 300})})
    item = updates.update(event)
    assert item is not None
    text = sms.update_sms(item, _kept("en"), "+85291234567", status_url=LINK, max_segments=3)
    assert text.segments.encoding == GSM7 and text.segments.count == 3 and "word..." in text.text


def test_the_request_is_the_same_bytes_every_time_and_signed_as_a_webhook_is() -> None:
    item = updates.update(progress(uuid4()))
    assert item is not None
    first = sms.request_body(sms.update_sms(item, _kept("zh-Hant"), "+85291234567", status_url=LINK))
    again = sms.request_body(sms.update_sms(item, _kept("zh-Hant"), "+85291234567", status_url=LINK))
    assert first == again
    body = json.loads(first)
    assert set(body) == {"encoding", "idempotency_key", "kind", "language", "segments", "text", "to"}
    assert body["to"] == "+85291234567" and body["encoding"] == UCS2 and body["kind"] == "progress"
    assert body["idempotency_key"] == str(derived_id("notifier-progress-sms", item.event_id))
    assert messages.signature_valid(GATEWAY_SECRET, first, messages.signature(GATEWAY_SECRET, first))


# -- the application, a real HTTP server as the gateway ---------------------------------------------


def texting_notifier(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path, letters: Letters | None = None, gateway: bool = True
) -> tuple[Notifier, Keyring]:
    keyring = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"))
    service = notifier(smtp, hooks, letters or Letters())
    service.keyring, service.contacts = keyring, MemoryContacts()
    service.status_link = lambda complaint_id, lang=None: status_link("https://desk.test", complaint_id, "s" * 20, lang)
    if gateway:
        service.sms_gateway = Endpoint.model_validate({"url": hooks.url("/texts"), "secret": GATEWAY_SECRET})
    return service, keyring


INTAKE = Origin("complaints.intake.events", 0, 1)
HANDLING = Origin("complaints.handling.events", 0, 2)


async def test_a_phone_complainant_is_texted_each_receipt_and_update_once_signed_and_nothing_once_erased(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service, keyring = texting_notifier(smtp, hooks, tmp_path)
    event = registered("9123 4567", keyring=keyring, language="zh-Hant")
    step, answer = progress(event.complaint_id), reply(event.complaint_id)
    with caplog.at_level(logging.DEBUG):
        for _ in range(2):  # a redelivery texts nobody twice
            await service.receipt(wire(event), INTAKE)
            await service.update(wire(step), HANDLING)
            await service.update(wire(answer), HANDLING)
    texts = hooks.to("/texts")
    bodies = [json.loads(body) for _, _, body in texts]
    assert [b["kind"] for b in bodies] == ["receipt", "progress", "reply"] and smtp.messages == []
    assert all(b["to"] == "+85291234567" and b["language"] == "zh-Hant" for b in bodies)
    assert "您的投訴已登記" in bodies[0]["text"] and "The lift is being repaired." in bodies[1]["text"]
    assert all(status_link("https://desk.test", event.complaint_id, "s" * 20, "zh-Hant") in b["text"] for b in bodies)
    for _, headers, body in texts:  # signed like a staff webhook, the idempotency key twice
        assert messages.signature_valid(GATEWAY_SECRET, body, headers[messages.SIGNATURE_HEADER])
        assert (
            headers[sms.IDEMPOTENCY_HEADER] == headers[messages.DELIVERY_HEADER] == json.loads(body)["idempotency_key"]
        )
    assert bodies[0]["idempotency_key"] == str(sms.receipt_idempotency_key(event.complaint_id))
    counts = service.counts
    assert (counts.sms_receipts, counts.sms_updates, counts.receipts, counts.updates) == (1, 2, 0, 0)
    assert counts.sms_segments == sum(b["segments"] for b in bodies) and counts.repeats_skipped == 3
    assert "9123" not in caplog.text and "segment(s), UCS-2" in caplog.text  # the count said, never the number

    keyring.erase(event.payload.form.personal.person_id, "group/privacy", "DSR-1", utc_now())
    await service.update(wire(progress(event.complaint_id)), HANDLING)
    assert len(hooks.to("/texts")) == 3  # erased: nothing to text


async def test_a_failing_gateway_is_retried_then_dead_lettered_and_sent_once_on_an_operator_s_retry(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    letters = Letters()
    service, keyring = texting_notifier(smtp, hooks, tmp_path, letters)
    hooks.failing.add("/texts")
    event = registered("+852 9123 4567", keyring=keyring, language="en")
    with caplog.at_level(logging.DEBUG):
        await service.receipt(wire(event), INTAKE)
    assert len(hooks.to("/texts")) == 3  # three attempts
    [(letter, letter_id)] = letters.letters
    assert letter_id == sms.receipt_idempotency_key(event.complaint_id)
    assert letter.error == f"DeliveryFailed: receipt sms for complaint {event.complaint_id}: HTTP 500 from the endpoint"
    assert letter.value is None  # intake's topic carries personal data: withheld
    assert "9123" not in caplog.text and "9123" not in letter.model_dump_json()
    await service.receipt(wire(event), INTAKE)
    assert len(hooks.to("/texts")) == 3  # given up on: a redelivery does not retry it forever

    hooks.failing.discard("/texts")  # the gateway is back: an operator retries it
    assert await service.retry(wire(event), INTAKE, letter_id, service.receipt) == SENT
    assert await service.retry(wire(event), INTAKE, letter_id, service.receipt) == SENT  # taken twice: nothing more
    assert len(hooks.to("/texts")) == 4 and service.counts.retries_sent == 2


async def test_without_a_gateway_a_phone_complainant_gets_nothing_counted_once_and_said_once(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service, keyring = texting_notifier(smtp, hooks, tmp_path, gateway=False)
    event = registered("+852 9123 4567", keyring=keyring)
    step = progress(event.complaint_id)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):  # redeliveries and the reconciler's re-readings count nothing more
            await service.receipt(wire(event), INTAKE)
            await service.update(wire(step), HANDLING)
    assert hooks.requests == [] and smtp.messages == []
    assert service.counts.sms_no_gateway == 2
    assert service.ledger.outcome(sms.receipt_key(event.complaint_id)) == NO_SMS_GATEWAY
    assert caplog.text.count("no SMS gateway is configured") == 1


def test_the_gateway_settings_a_url_needs_its_secret_and_a_region_libphonenumber_knows() -> None:
    from pydantic import ValidationError

    from services.notifier.settings import NotifierSettings

    assert NotifierSettings().sms_gateway() is None  # unset: phone complainants get nothing, counted
    gateway = NotifierSettings(sms_gateway_url="http://127.0.0.1:8025/sms", sms_gateway_secret=GATEWAY_SECRET)
    endpoint = gateway.sms_gateway()
    assert endpoint is not None and str(endpoint.url) == "http://127.0.0.1:8025/sms"
    with pytest.raises(ValidationError, match="without NOTIFIER_SMS_GATEWAY_SECRET"):
        NotifierSettings(sms_gateway_url="http://127.0.0.1:8025/sms")
    with pytest.raises(ValidationError):  # at the worker's start: a secret too short to be one
        NotifierSettings(sms_gateway_url="http://127.0.0.1:8025/sms", sms_gateway_secret="short").sms_gateway()
    with pytest.raises(ValidationError, match="not a region libphonenumber knows"):
        NotifierSettings(sms_default_region="XX")


def _visit(complaint_id) -> ReturnVisitScheduled:  # type: ignore[no-untyped-def]
    return ReturnVisitScheduled(
        **_envelope(complaint_id), payload=ReturnVisitScheduledPayload(due_at=utc_now() + timedelta(days=1))
    )


async def test_a_return_visit_invitation_heard_before_the_reply_follows_it_once_in_every_round(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    """The visit's clock starts at the department's result, before the supervisor's reply: the
    complainant reads the reply first, then the invitation (each once, whatever is redelivered), and
    again in that order after the case is reopened. By mail and by text."""
    mailing, keyring = complainants_notifier(smtp, hooks, tmp_path)
    texting, _ = texting_notifier(smtp, hooks, tmp_path / "texts")
    texting.keyring = keyring
    intake, followup = Origin("complaints.intake.events", 0, 1), Origin("complaints.followup.events", 0, 5)
    for service, contact in ((mailing, "chan.tai.man@mail.test"), (texting, "9123 4567")):
        event = registered(contact, keyring=keyring)
        await service.receipt(wire(event), intake)
        visit, answer = _visit(event.complaint_id), reply(event.complaint_id)
        for message in (visit, visit, answer, answer, visit):  # redelivered, and re-read after the reply
            await service.update(wire(message), followup)
        reopened = CaseReopened(
            **_envelope(event.complaint_id), payload=CaseReopenedPayload(reason="not satisfied at the return visit")
        )
        await service.update(wire(reopened), Origin("complaints.handling.events", 0, 9))
        second = _visit(event.complaint_id)
        await service.update(wire(second), followup)  # the second round's result: its reply is not given yet
        kept = service.contacts.get(event.complaint_id)  # type: ignore[union-attr]
        assert kept is not None and kept.invitation is not None and kept.invitation.event_id == second.event_id
        await service.update(wire(reply(event.complaint_id)), followup)
        assert service.contacts.get(event.complaint_id).invitation is None  # type: ignore[union-attr]
    order = [None, "reply", "return-visit", "reopened", "reply", "return-visit"]
    assert [m["X-Complaint-Update"] for m in smtp.messages] == order
    assert "We will contact you by" in smtp.messages[2].get_payload(decode=True).decode()
    texts = [json.loads(body) for _, _, body in hooks.to("/texts")]
    assert [t["kind"] for t in texts] == ["receipt", *order[1:]]

    # The visit made (or the case closed) before the reply was given: no invitation to a visit past.
    for ended in ("visited", "closed"):
        event = registered("lau.mei.ling@mail.test", keyring=keyring)
        await mailing.receipt(wire(event), intake)
        await mailing.update(wire(_visit(event.complaint_id)), followup)
        end = (
            ReturnVisitMade(**_envelope(event.complaint_id), payload=ReturnVisitMadePayload(
                outcome=VisitOutcome.SATISFIED, attempt=1, satisfaction=5, acknowledged=True, final=True))
            if ended == "visited"
            else CaseClosed(**_envelope(event.complaint_id), payload=CaseClosedPayload(
                cause="c", lessons="l", improvement="i", responsibility="r"))
        )  # fmt: skip
        await mailing.update(wire(end), followup)
        await mailing.update(wire(reply(event.complaint_id)), followup)
        to_lau = [m["X-Complaint-Update"] for m in smtp.messages if "lau.mei.ling" in m["To"]]
        told = [None, "reply"] if ended == "visited" else [None, "closed", "reply"]  # the close is said
        assert to_lau[-len(told) :] == told, (ended, to_lau)
