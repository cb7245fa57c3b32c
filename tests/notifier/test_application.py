"""The application against a real SMTP server and a real HTTP receiver (no broker: a memory ledger)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from services.notifier.adapters.email import SmtpMailer
from services.notifier.adapters.ledger import MemoryLedger
from services.notifier.adapters.webhook import WebhookPoster
from services.notifier.application import Notifier, Origin
from services.notifier.domain import messages, receipts
from services.notifier.domain.directory import Directory
from services.notifier.domain.retry import RetryPolicy
from shared.bus.deadletters import publishable
from shared.clock import utc_now
from shared.contracts import DeadLetter
from shared.contracts.topics import INTAKE_EVENTS
from shared.contracts.wire import WireMessage, encode
from shared.keyring import Keyring, KeyringSettings
from shared.status_link import read_status_token, status_link

from .support import HOOK_SECRET, HookReceiver, SmtpSink, directory, major, registered

ORIGIN = Origin("complaints.notifications", 0, 7)


class Letters:
    def __init__(self) -> None:
        self.letters: list[tuple[DeadLetter, UUID]] = []

    async def publish(self, letter: DeadLetter, event_id: UUID) -> None:
        self.letters.append((letter, event_id))


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink(refuse={"manager@office-a.test"}) as sink:
        yield sink


@pytest.fixture
def hooks() -> Iterator[HookReceiver]:
    with HookReceiver() as receiver:
        yield receiver


def notifier(smtp: SmtpSink, hooks: HookReceiver, letters: Letters, attempts: int = 3) -> Notifier:
    return Notifier(
        directory=Directory.model_validate(directory(hooks)),
        mailer=SmtpMailer("127.0.0.1", smtp.port),
        poster=WebhookPoster(timeout=2),
        ledger=MemoryLedger(),
        dead_letters=letters,
        clock=utc_now,
        consumer="notifier-test",
        sender="Complaints <complaints@n.test>",
        mail_domain="n.test",
        policy=RetryPolicy(attempts=attempts, first_delay=0.05, max_delay=0.2),
    )


def wire(event: object) -> WireMessage:
    return encode(event, key=str(event.complaint_id), source="test", event_id=str(event.event_id))  # type: ignore[attr-defined]


async def test_a_major_complaint_reaches_each_leader_of_its_office_once(smtp: SmtpSink, hooks: HookReceiver) -> None:
    service = notifier(smtp, hooks, Letters())
    event = major("office-a", roles=("leader",))
    await service.handle(wire(event), ORIGIN)
    mails = smtp.messages
    assert sorted(m["To"] for m in mails) == ["Lee One <leader1@office-a.test>", "Lee Two <leader2@office-a.test>"]
    assert {m["Message-ID"] for m in mails} == {
        messages.message_id(event.event_id, f"office-a/leader-{n}", "n.test") for n in (1, 2)
    }
    [(_path, headers, body)] = hooks.to("/sms")
    assert messages.signature_valid(HOOK_SECRET, body, headers[messages.SIGNATURE_HEADER])
    assert json.loads(body)["to"] == "+85290000001"
    assert json.loads(body)["notification_id"] == str(event.event_id)


async def test_a_redelivered_notification_sends_nothing_again(smtp: SmtpSink, hooks: HookReceiver) -> None:
    service = notifier(smtp, hooks, Letters())
    message = wire(major("office-b", roles=("leader", "supervisor")))
    await service.handle(message, ORIGIN)
    sent = len(smtp.messages), len(hooks.requests)
    await service.handle(message, ORIGIN)
    assert (len(smtp.messages), len(hooks.requests)) == sent == (3, 1)  # sup, leader-2 (both roles), leader-1
    assert service.counts.repeats_skipped == 4


async def test_a_failing_webhook_is_retried_then_dead_lettered_while_the_emails_go(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    hooks.failing.add("/sms")
    letters = Letters()
    service = notifier(smtp, hooks, letters, attempts=3)
    event = major("office-a", roles=("leader",))
    await service.handle(wire(event), ORIGIN)
    assert len(smtp.messages) == 2
    assert len(hooks.to("/sms")) == 3  # tried three times, with back-off
    [(letter, letter_id)] = letters.letters
    assert letter.error.startswith("DeliveryFailed: webhook to staff 'office-a/leader-1' (leader): HTTP 500")
    assert (letter.origin_topic, letter.origin_partition, letter.origin_offset, letter.attempts) == (
        "complaints.notifications",
        0,
        7,
        3,
    )
    assert letter.key == str(event.complaint_id)
    assert letter_id == messages.delivery_id(event.event_id, "office-a/leader-1", "webhook")
    await service.handle(wire(event), ORIGIN)  # a redelivery does not try the dead-lettered one again
    assert len(hooks.to("/sms")) == 3 and len(letters.letters) == 1


async def test_a_webhook_gone_for_good_is_dead_lettered_at_once(smtp: SmtpSink, hooks: HookReceiver) -> None:
    hooks.answers["/sms"] = 410
    letters = Letters()
    service = notifier(smtp, hooks, letters, attempts=5)
    await service.handle(wire(major("office-a", roles=("leader",))), ORIGIN)
    assert len(hooks.to("/sms")) == 1  # a 4xx is not retried (408/425/429 are)
    [(letter, _)] = letters.letters
    assert "HTTP 410" in letter.error and letter.attempts == 1
    assert len(smtp.messages) == 2


async def test_a_refused_mailbox_is_dead_lettered_and_a_role_nobody_holds_is_reported(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    letters = Letters()
    service = notifier(smtp, hooks, letters, attempts=2)
    await service.handle(wire(major("office-a", roles=("manager", "director"))), ORIGIN)
    errors = sorted(letter.error for letter, _ in letters.letters)
    assert errors[0].startswith("DeliveryFailed: email to staff 'office-a/manager' (manager): SMTP")
    assert [letter.attempts for letter, _ in letters.letters] == [1, 1]  # 550 is final: not retried
    assert errors[1] == "NoRecipient: nobody holds the role 'director' in office 'office-a'"
    assert smtp.messages == []


async def test_one_slow_recipient_does_not_hold_back_another_notification(smtp: SmtpSink, hooks: HookReceiver) -> None:
    """Recipients of one notification are served concurrently: the emails do not wait for a text that hangs."""
    hooks.failing.add("/sms")
    hooks.held.add("/sms")  # the text's webhook answers only when released
    service = notifier(smtp, hooks, Letters(), attempts=2)
    service.policy = RetryPolicy(attempts=2, first_delay=0.05, max_delay=0.05)
    task = asyncio.create_task(service.handle(wire(major("office-a", roles=("leader",))), ORIGIN))
    for _ in range(1500):  # up to 30 s on a loaded machine; no timing is asserted
        if len(smtp.messages) >= 2:
            break
        await asyncio.sleep(0.02)
    assert len(smtp.messages) == 2, "the emails waited for the held text"
    assert not task.done() and len(hooks.to("/sms")) == 1  # the text is still held
    hooks.released.set()
    await task
    assert len(hooks.to("/sms")) == 2  # the held text failed and was tried again


async def test_a_message_that_is_not_a_notification_becomes_a_dead_letter(smtp: SmtpSink, hooks: HookReceiver) -> None:
    letters = Letters()
    service = notifier(smtp, hooks, letters)
    await service.handle(WireMessage(key=b"k", value=b"{not json", headers=[("ce_type", b"x")]), ORIGIN)
    [(letter, _)] = letters.letters
    assert letter.error.startswith("MalformedMessage")


# --- the complainant's receipt -------------------------------------------------------------------


async def test_a_complainant_with_an_email_gets_a_receipt_with_the_reference_once(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    service = notifier(smtp, hooks, Letters())
    event = registered("chan.tai.man@mail.test")
    await service.receipt(wire(event), ORIGIN)
    await service.receipt(wire(event), ORIGIN)  # a redelivery
    [mail] = smtp.messages
    assert mail["To"] == "Chan Tai Man <chan.tai.man@mail.test>"
    assert mail["Message-ID"] == receipts.receipt_message_id(event.complaint_id, "n.test")
    body = mail.get_payload(decode=True).decode()
    assert f"{event.payload.form.office_reference} (Office-A no. 42)" in body  # the directory's name
    assert event.payload.form.received_by not in body and event.payload.form.description not in body


async def test_the_receipt_links_to_the_complainant_s_status_page_on_the_desk(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    service = notifier(smtp, hooks, Letters())
    service.status_link = lambda cid, lang=None: status_link(
        "https://desk.test", cid, "a-status-link-secret-for-tests", lang
    )
    event = registered("chan.tai.man@mail.test")
    await service.receipt(wire(event), ORIGIN)
    [mail] = smtp.messages
    body = mail.get_payload(decode=True).decode()
    [link] = [word for word in body.split() if word.startswith("https://desk.test/status/")]
    token = link.removeprefix("https://desk.test/status/").split("?", 1)[0]  # the page opens in their language
    assert read_status_token(token, "a-status-link-secret-for-tests") == event.complaint_id


async def test_a_sealed_contact_is_opened_through_the_keyring_and_an_erased_person_gets_no_receipt(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path
) -> None:
    keyring = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"))
    service = notifier(smtp, hooks, Letters())
    service.keyring = keyring
    event = registered("chan.tai.man@mail.test", keyring=keyring)
    assert "chan.tai.man" not in wire(event).value.decode()  # sealed on the wire
    await service.receipt(wire(event), ORIGIN)
    [mail] = smtp.messages
    assert mail["To"] == "Chan Tai Man <chan.tai.man@mail.test>"
    erased = registered("lau@mail.test", keyring=keyring)
    keyring.erase(erased.payload.form.personal.person_id, "group/privacy", "DSR-1", utc_now())
    await service.receipt(wire(erased), ORIGIN)
    assert len(smtp.messages) == 1  # nobody to write to: the erased contact cannot be read


async def test_no_mail_for_a_phone_contact_nor_for_an_old_registration(smtp: SmtpSink, hooks: HookReceiver) -> None:
    service = notifier(smtp, hooks, Letters())
    await service.receipt(wire(registered("+852 9123 4567")), ORIGIN)  # a text, when a gateway is set (test_sms.py)
    await service.receipt(wire(registered("old@mail.test", utc_now() - timedelta(days=2))), ORIGIN)
    assert smtp.messages == [] and service.counts.sms_no_gateway == 1


async def test_a_refused_receipt_is_dead_lettered_without_the_complainants_address(
    smtp: SmtpSink, hooks: HookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.mailbox.refuse.add("nobody@mail.test")
    letters = Letters()
    service = notifier(smtp, hooks, letters, attempts=2)
    event = registered("nobody@mail.test")
    with caplog.at_level(logging.DEBUG):
        await service.receipt(wire(event), ORIGIN)
    [(letter, _)] = letters.letters
    assert letter.error.startswith(f"DeliveryFailed: receipt email for complaint {event.complaint_id}")
    assert "nobody@mail.test" not in letter.error
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))  # not the server's
    assert ours and "nobody" not in ours and "Chan Tai Man" not in ours
    published = publishable(letter.model_copy(update={"origin_topic": INTAKE_EVENTS.name}))
    assert published.value is None and published.value_withheld == "personal-data"  # its origin names people


async def test_a_notification_sla_or_triage_did_not_sign_tells_nobody_and_is_dead_lettered(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    """issue 13, item 4: only triage and sla may ask for a notification (the topic registry's authors)."""
    from dataclasses import replace

    from shared.bus.authors import AuthorCheck, signed
    from shared.signing import ServiceSigningKeys, new_service_key

    triage, handling = new_service_key("triage"), new_service_key("handling")
    letters = Letters()
    service = replace(
        notifier(smtp, hooks, letters), authors=AuthorCheck(ServiceSigningKeys([triage.record, handling.record]))
    )
    event = major("office-a", roles=("leader",))
    topic = ORIGIN.topic
    await service.handle(wire(event), ORIGIN)  # unsigned
    await service.handle(signed(handling, topic, wire(event)), Origin(topic, 0, 8))  # not an author
    assert smtp.messages == [] and hooks.requests == []
    assert service.counts.unauthored == 2 and service.counts.notifications == 0
    assert [letter.error.split(":")[0] for letter, _ in letters.letters] == ["Unauthored", "Unauthored"]
    assert "only triage or sla may write" in letters.letters[1][0].error
    await service.handle(signed(triage, topic, wire(event)), Origin(topic, 0, 9))
    assert len(smtp.messages) == 2 and service.counts.notifications == 1


async def test_a_staff_mail_links_to_the_complaint_at_the_desk(smtp: SmtpSink, hooks: HookReceiver) -> None:
    """A walk-through's supervisor was mailed a breach naming only the complaint's UUID: nothing to open."""
    service = notifier(smtp, hooks, Letters())
    service.desk_url = "http://desk.test:8006/"
    event = major("office-a", roles=("leader",))
    await service.handle(wire(event), ORIGIN)
    assert smtp.messages and all(
        f"Open it at the desk: http://desk.test:8006/complaints/{event.complaint_id}"
        in m.get_payload(decode=True).decode()
        for m in smtp.messages
    )


async def test_a_notification_and_a_receipt_handed_again_are_counted_once_and_a_receipt_given_up_on_not_at_all(
    smtp: SmtpSink, hooks: HookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    """Found on `make up` as an operator: after half an hour, `notifier_notifications_total` said 1,318
    notifications heard of the 85 the services had published, and `notifier_receipts_total` 43 receipts
    sent while no mail server listened: the reconciler hands every message of its lookback to the worker
    again each round, and each hand-over counted again; a receipt given up on counted as sent."""
    service = notifier(smtp, hooks, Letters())
    message = wire(major("office-b", roles=("leader", "supervisor")))
    with caplog.at_level(logging.INFO, logger="services.notifier.application"):
        for _ in range(3):  # the agent, then two reconciler rounds
            await service.handle(message, ORIGIN)
    assert service.counts.notifications == 1
    handled = [r for r in caplog.records if r.getMessage().startswith("notification ") and r.levelno >= logging.INFO]
    assert len(handled) == 1  # the repeats are debug lines, not one INFO line a message a reconciler round
    receipt = wire(registered("chan.tai.man@mail.test"))
    for _ in range(3):
        await service.receipt(receipt, ORIGIN)
    assert service.counts.receipts == 1 and len(smtp.messages) == 4  # 3 staff mails, 1 receipt

    smtp.mailbox.refuse.add("nobody@mail.test")
    refused = notifier(smtp, hooks, Letters(), attempts=2)
    await refused.receipt(wire(registered("nobody@mail.test")), ORIGIN)
    assert refused.counts.receipts == 0 and refused.counts.sent == 0


async def test_a_record_older_than_the_ledger_s_age_rule_is_not_acted_on(smtp: SmtpSink, hooks: HookReceiver) -> None:
    """Its ledger entries may be forgotten (services/notifier/domain/ledger_age.py): nothing is sent and
    nothing dead-lettered, however it is handed over; a record inside the window is delivered."""
    letters = Letters()
    service = notifier(smtp, hooks, letters)
    now = utc_now()
    old = Origin(ORIGIN.topic, 0, 8, appended_at=now - service.age_rule.window - timedelta(seconds=5))
    await service.handle(wire(major("office-a", roles=("leader",))), old)
    await service.handle(WireMessage(None, b"not a cloud event", []), old)  # not even dead-lettered
    assert (smtp.messages, letters.letters, service.counts.stale) == ([], [], 2)
    recent = Origin(ORIGIN.topic, 0, 9, appended_at=now - service.age_rule.window + timedelta(minutes=5))
    await service.handle(wire(major("office-a", roles=("leader",))), recent)
    assert len(smtp.messages) == 2
