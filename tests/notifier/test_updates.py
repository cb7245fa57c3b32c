"""The complainant's updates after the receipt: the builders (pure) and the application with a real
SMTP server, a memory ledger and a real keyring (no broker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from services.notifier.adapters.contacts import MemoryContacts
from services.notifier.application import Notifier, Origin
from services.notifier.domain import updates
from services.notifier.domain.kept import kept_contact
from shared.clock import utc_now
from shared.contracts.common import Validity
from shared.contracts.envelope import Actor
from shared.contracts.followup import (
    CaseClosed,
    CaseClosedPayload,
    ComplaintReopened,
    ComplaintReopenedPayload,
    CustomerReplied,
    CustomerRepliedPayload,
    ReturnVisitScheduled,
    ReturnVisitScheduledPayload,
)
from shared.contracts.handling import (
    CaseReopened,
    CaseReopenedPayload,
    CauseRecorded,
    CauseRecordedPayload,
    CommitmentMade,
    CommitmentMadePayload,
    ProgressReported,
    ProgressReportedPayload,
)
from shared.keyring import Keyring, KeyringSettings
from shared.status_link import status_link

from .support import HookReceiver, SmtpSink, registered
from .test_application import Letters, notifier, wire

SECRET = "a-status-link-secret-for-tests"


def _envelope(complaint_id, at: datetime | None = None) -> dict:  # type: ignore[no-untyped-def]
    at = at or utc_now()
    return {
        "event_id": uuid4(),
        "complaint_id": complaint_id,
        "office_id": "office-a",
        "occurred_at": at,
        "actor": Actor(id="office-a/wong-siu-ming", role="department"),
        "correlation_id": complaint_id,
    }


def progress(complaint_id, at: datetime | None = None) -> ProgressReported:  # type: ignore[no-untyped-def]
    return ProgressReported(
        **_envelope(complaint_id, at), payload=ProgressReportedPayload(message="The lift is being repaired.")
    )


def reply(complaint_id) -> CustomerReplied:  # type: ignore[no-untyped-def]
    return CustomerReplied(
        **_envelope(complaint_id),
        payload=CustomerRepliedPayload(
            agreed_by="office-a/supervisor-lee",
            replied_at=utc_now(),
            channel="phone",
            summary="The lift was repaired on Monday.",
            explanation_only=False,
        ),
    )


def test_each_update_says_only_what_was_meant_for_the_customer_in_both_languages() -> None:
    complaint = uuid4()
    event = registered("chan.tai.man@mail.test")
    kept = updates.KeptContact(
        personal=event.payload.form.personal, reference="REF-1 (office-a no. 42)", office_reference="REF-1"
    )
    promise = CommitmentMade(
        **_envelope(complaint),
        payload=CommitmentMadePayload(promise="A technician visits.", due_at=datetime(2026, 12, 1, 9, tzinfo=UTC)),
    )
    visit = ReturnVisitScheduled(
        **_envelope(complaint), payload=ReturnVisitScheduledPayload(due_at=datetime(2026, 12, 8, 9, tzinfo=UTC))
    )
    reopened = CaseReopened(
        **_envelope(complaint), payload=CaseReopenedPayload(reason="visit note: owner rude to Mr Wong")
    )
    cases = [
        (progress(complaint), updates.PROGRESS, ["The lift is being repaired.", "您的投訴有新進展"]),
        (promise, updates.PROMISE, ["A technician visits.", "2026-12-01 09:00 UTC", "我們向您承諾", "Our promise"]),
        (reply(complaint), updates.REPLY, ["The lift was repaired on Monday.", "我們對您投訴的答覆"]),
        (visit, updates.RETURN_VISIT, ["2026-12-08 09:00 UTC", "回訪", "satisfied"]),
        (reopened, updates.REOPENED, ["reopened", "重新處理", "reply to you again"]),
    ]
    for event_, kind, words in cases:
        item = updates.update(event_)
        assert item is not None and item.kind == kind
        mail = updates.update_email(
            item, kept, "Chan Tai Man", "chan@mail.test", sender="c@n.test", domain="n.test", status_url="https://d/s"
        )
        text = mail.as_string() + mail.get_content()
        for word in [*words, "REF-1 (office-a no. 42)", "編號", "Reference", "https://d/s"]:
            assert word in mail.get_content() or word in str(mail["Subject"]), (kind, word)
        # no staff, no approver, no channel of the reply: the allow-list
        assert "wong-siu-ming" not in text and "supervisor-lee" not in text and "phone" not in mail.get_content()
        assert "visit note" not in text  # a reopening's reason is the staff's note, not words for the customer
        assert mail["Message-ID"] == updates.update_message_id(item, "n.test")
        assert (
            mail["Message-ID"]
            == updates.update_email(item, kept, "X", "x@y.test", sender="s", domain="n.test")["Message-ID"]
        )  # derived from the event: a resend is recognisable
    cause = CauseRecorded(
        **_envelope(complaint), payload=CauseRecordedPayload(cause="internal", responsible_person="Wong")
    )
    assert updates.update(cause) is None  # internal: never mailed


def complainants_notifier(smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path) -> tuple[Notifier, Keyring]:
    """A notifier that writes to complainants: a real keyring, a memory contacts table, status links."""
    keyring = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"))
    service = notifier(smtp, hooks, Letters())
    service.keyring, service.contacts = keyring, MemoryContacts()
    service.status_link = lambda complaint_id, lang=None: status_link("https://desk.test", complaint_id, SECRET, lang)
    return service, keyring


def test_a_registration_before_sealing_keeps_no_contact() -> None:
    kept = kept_contact(registered("chan@mail.test"))  # v1: clear, so its contact is not kept
    assert kept.personal is None and "chan" not in kept.model_dump_json()
    assert kept.office_reference and kept.sequence_number == 42  # its reference is (for staff mails)


async def test_progress_reply_and_invitation_reach_the_complainant_once_and_nothing_after_erasure_or_close(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    origin = Origin("complaints.intake.events", 0, 1)
    event = registered("chan.tai.man@mail.test", keyring=keyring)
    await service.receipt(wire(event), origin)
    kept = service.contacts.get(event.complaint_id)
    assert kept is not None and "chan.tai.man" not in kept.model_dump_json()  # sealed only
    step = progress(event.complaint_id)
    for _ in range(2):  # a redelivery sends nothing twice
        await service.update(wire(step), Origin("complaints.handling.events", 0, 3))
        await service.update(wire(reply(event.complaint_id)) if _ == 0 else wire(step), origin)
    visit = ReturnVisitScheduled(
        **_envelope(event.complaint_id), payload=ReturnVisitScheduledPayload(due_at=utc_now() + timedelta(days=3))
    )
    await service.update(wire(visit), origin)
    await service.update(wire(visit), origin)
    mails = smtp.messages
    assert [m["X-Complaint-Update"] for m in mails] == [None, "progress", "reply", "return-visit"]
    assert all(m["To"] == "Chan Tai Man <chan.tai.man@mail.test>" for m in mails)
    assert all(
        status_link("https://desk.test", event.complaint_id, SECRET) in m.get_payload(decode=True).decode()
        for m in mails
    )
    await service.update(wire(progress(uuid4())), origin)  # a complaint whose registration was not seen
    old = progress(event.complaint_id, utc_now() - timedelta(days=3))
    await service.update(wire(old), origin)  # from the past: a replay mails nobody
    assert len(smtp.messages) == 4

    keyring.erase(event.payload.form.personal.person_id, "group/privacy", "DSR-1", utc_now())
    await service.update(wire(progress(event.complaint_id)), origin)
    assert len(smtp.messages) == 4  # erased: the sealed contact opens nowhere

    closed = CaseClosed(
        **_envelope(event.complaint_id),
        payload=CaseClosedPayload(cause="c", lessons="l", improvement="i", responsibility="r"),
    )
    await service.update(wire(closed), origin)
    after = service.contacts.get(event.complaint_id)
    assert after is not None and after.closed  # kept closed for a reopening, until the window has passed
    assert await service.forget_closed({0}) == 0
    service.clock = lambda: utc_now() + service.keep_after_close + timedelta(minutes=1)
    assert await service.forget_closed({0}) == 1
    assert service.contacts.get(event.complaint_id) is None  # forgotten once the window has passed


async def test_an_update_its_author_did_not_sign_mails_nobody_and_is_dead_lettered(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    """Only handling writes handling's topic, only followup followup's: the notifier checks, as for notifications."""
    from shared.bus.authors import AuthorCheck, signed
    from shared.signing import ServiceSigningKeys, new_service_key

    intake, handling, followup = (new_service_key(name) for name in ("intake", "handling", "followup"))
    keyring = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"))
    letters = Letters()
    service = notifier(smtp, hooks, letters)
    service.keyring, service.contacts = keyring, MemoryContacts()
    service.authors = AuthorCheck(ServiceSigningKeys([intake.record, handling.record, followup.record]))
    event = registered("chan.tai.man@mail.test", keyring=keyring)
    intake_topic, handling_topic = "complaints.intake.events", "complaints.handling.events"
    await service.receipt(signed(intake, intake_topic, wire(event)), Origin(intake_topic, 0, 1))
    step = progress(event.complaint_id)
    await service.update(wire(step), Origin(handling_topic, 0, 1))  # unsigned
    await service.update(signed(followup, handling_topic, wire(step)), Origin(handling_topic, 0, 2))  # not its author
    assert len(smtp.messages) == 1 and service.counts.unauthored == 2  # the receipt only
    assert [letter.error.split(":")[0] for letter, _ in letters.letters] == ["Unauthored", "Unauthored"]
    await service.update(signed(handling, handling_topic, wire(step)), Origin(handling_topic, 0, 3))
    assert [m["X-Complaint-Update"] for m in smtp.messages] == [None, "progress"]


def _closed(complaint_id, at: datetime | None = None) -> CaseClosed:  # type: ignore[no-untyped-def]
    return CaseClosed(
        **_envelope(complaint_id, at),
        payload=CaseClosedPayload(cause="c", lessons="l", improvement="i", responsibility="r"),
    )


def _judged_valid(complaint_id, closed_at: datetime) -> ComplaintReopened:  # type: ignore[no-untyped-def]
    return ComplaintReopened(
        **_envelope(complaint_id),
        payload=ComplaintReopenedPayload(
            reason="judged valid by office-a/sup after it was closed as invalid: the inspector's note",
            closed_at=closed_at,
            validity=Validity.VALID,
        ),
    )


async def test_a_complaint_reopened_after_its_close_reaches_its_complainant_again_and_an_erased_one_never(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    """Closed as invalid, judged valid after all (followup's ComplaintReopened): the complainant hears it
    is handled again, then its progress and its final reply; an erased complainant hears nothing; once
    the window after a close has passed the contact is gone and a reopening is said, not mailed."""
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    intake, followup = Origin("complaints.intake.events", 0, 1), Origin("complaints.followup.events", 0, 5)
    chan = registered("chan.tai.man@mail.test", keyring=keyring)
    lau = registered("lau.mei.ling@mail.test", keyring=keyring, name="Lau Mei Ling")
    for event in (chan, lau):
        await service.receipt(wire(event), intake)
        closed = _closed(event.complaint_id)
        await service.update(wire(closed), followup)
    keyring.erase(lau.payload.form.personal.person_id, "group/privacy", "DSR-2", utc_now())
    for event in (chan, lau):
        reopened = _judged_valid(event.complaint_id, closed.occurred_at)
        for _ in range(2):  # redelivered: told once
            await service.update(wire(reopened), followup)
        await service.update(wire(_closed(event.complaint_id, closed.occurred_at)), followup)  # an old close re-read
        assert not service.contacts.get(event.complaint_id).closed  # type: ignore[union-attr]
        await service.update(wire(progress(event.complaint_id)), Origin("complaints.handling.events", 0, 7))
        await service.update(wire(reply(event.complaint_id)), followup)
    to_chan = [m for m in smtp.messages if "chan.tai.man" in m["To"]]
    # told of the close once (the old close re-read after the reopening tells nothing), then of the reopening
    assert [m["X-Complaint-Update"] for m in to_chan] == [None, "closed", "reopened", "progress", "reply"]
    said = to_chan[2].get_payload(decode=True).decode()
    assert "looked at again and will now be handled" in said and "inspector" not in said  # the staff's reason stays out
    to_lau = [m["X-Complaint-Update"] for m in smtp.messages if "lau.mei.ling" in m["To"]]
    assert to_lau == [None, "closed"]  # closed before the erasure; nothing after it

    await service.update(wire(_closed(chan.complaint_id)), followup)
    assert [m["X-Complaint-Update"] for m in smtp.messages if "chan.tai.man" in m["To"]][-1] == "closed"  # again
    service.clock = lambda: utc_now() + service.keep_after_close + timedelta(minutes=1)
    assert await service.forget_closed({0}) == 1 and service.contacts.get(chan.complaint_id) is None
    assert service.contacts.get(lau.complaint_id) is not None  # reopened, not closed again: kept
    service.clock = utc_now
    late = _judged_valid(chan.complaint_id, utc_now())
    for _ in range(2):  # and re-read by the reconciler: said once
        await service.update(wire(late), followup)
    assert len(smtp.messages) == 8 and service.counts.reopened_unreachable == 1  # said, counted, not mailed
    assert reopened.complaint_id == lau.complaint_id


async def test_a_complaint_registered_without_a_contact_is_kept_for_staff_and_sends_nobody_anything(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    """An anonymous letter: recorded, named in staff mails by its reference, and nobody is written to."""
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    origin = Origin("complaints.intake.events", 0, 1)
    event = registered(None, keyring=keyring, name="Anonymous")
    await service.receipt(wire(event), origin)
    kept = service.contacts.get(event.complaint_id)
    assert kept is not None and kept.office_reference == event.payload.form.office_reference
    await service.update(wire(progress(event.complaint_id)), origin)
    await service.update(wire(reply(event.complaint_id)), origin)
    assert smtp.messages == [] and hooks.to("/sms") == []
    assert service.counts.no_contact == 1 and service.counts.receipts == 0 and service.counts.updates == 0
