"""A record the notifier cannot process becomes a dead letter with its reason, counted, and the next
record is served; only the notifier's own state failing stops the worker (issue: never stop on bad input)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.notifier.application import DEAD_LETTERED, Origin, unprocessable_key, unprocessable_reason
from services.notifier.domain import receipts
from services.notifier.domain.errors import Unrecoverable
from shared.contracts.topics import INTAKE_EVENTS, NOTIFICATIONS
from shared.contracts.wire import WireMessage
from shared.keyring import Keyring, KeyringSettings, UnknownPerson

from .support import HookReceiver, SmtpSink, major, registered
from .test_application import Letters, notifier, wire

REGISTRATIONS = Origin(INTAKE_EVENTS.name, 2, 40)


def _keyring(path: Path) -> Keyring:
    return Keyring.from_settings(KeyringSettings(sqlite_path=path))


async def test_a_registration_sealed_under_a_person_the_keyring_does_not_know_is_a_dead_letter_and_the_next_is_mailed(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    letters = Letters()
    service = notifier(smtp, hooks, letters)
    service.keyring = _keyring(tmp_path / "ours.sqlite")
    elsewhere = registered("stranger@mail.test", keyring=_keyring(tmp_path / "theirs.sqlite"))
    good = registered("chan.tai.man@mail.test", keyring=service.keyring)

    await service.receipt(wire(elsewhere), REGISTRATIONS)
    await service.receipt(wire(good), Origin(INTAKE_EVENTS.name, 2, 41))

    [mail] = smtp.messages
    assert "chan.tai.man@mail.test" in mail["To"]
    [(letter, _)] = letters.letters
    assert letter.error.startswith("Unprocessable: UnknownPerson: no data key and no erasure of person")
    assert str(elsewhere.payload.form.personal.person_id) in letter.error  # the person's id, nothing of them
    assert "stranger" not in letter.error
    assert (letter.origin_topic, letter.origin_partition, letter.origin_offset) == (INTAKE_EVENTS.name, 2, 40)
    assert service.counts.unprocessable == 1 and service.counts.receipts == 1
    assert service.ledger.outcome(unprocessable_key(wire(elsewhere), REGISTRATIONS)) == DEAD_LETTERED

    # Redelivered, or re-read by the reconciler: no second letter.
    await service.receipt(wire(elsewhere), REGISTRATIONS)
    assert len(letters.letters) == 1 and service.counts.unprocessable == 1


async def test_a_mail_that_cannot_be_built_is_a_dead_letter_whose_details_are_withheld_on_a_personal_topic(
    smtp: SmtpSink, hooks: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    letters = Letters()
    service = notifier(smtp, hooks, letters)

    def broken(*_: object, **__: object) -> None:
        raise ValueError("cannot write to chan.tai.man@mail.test")

    monkeypatch.setattr(receipts, "receipt_email", broken)
    await service.receipt(wire(registered("chan.tai.man@mail.test")), REGISTRATIONS)
    [(letter, _)] = letters.letters
    assert letter.error == "Unprocessable: ValueError (details withheld: the record carries personal data)"
    assert smtp.messages == [] and service.counts.unprocessable == 1


async def test_a_notification_that_breaks_the_notifier_is_a_dead_letter_with_its_details(
    smtp: SmtpSink, hooks: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    letters = Letters()
    service = notifier(smtp, hooks, letters)

    def broken(*_: object) -> None:
        raise RuntimeError("a directory bug")

    monkeypatch.setattr(type(service.directory), "resolve", broken)
    await service.handle(wire(major()), Origin(NOTIFICATIONS.name, 0, 3))
    [(letter, _)] = letters.letters
    assert letter.error == "Unprocessable: RuntimeError: a directory bug"  # a staff topic: details shown


async def test_the_notifiers_own_state_failing_is_not_the_records_fault(smtp: SmtpSink, hooks: HookReceiver) -> None:
    class Refusing(Letters):
        async def publish(self, *_: object) -> None:
            raise ConnectionError("broker gone")

    service = notifier(smtp, hooks, Refusing())
    with pytest.raises(Unrecoverable):  # the worker stops; the record is redelivered
        await service.handle(wire(major(roles=("nobody-holds-this",))), Origin(NOTIFICATIONS.name, 0, 4))


def test_a_keyring_error_names_the_person_id_even_on_a_personal_topic_and_other_errors_do_not() -> None:
    assert unprocessable_reason(UnknownPerson("no key of person p-1"), private=True) == (
        "Unprocessable: UnknownPerson: no key of person p-1"
    )
    assert unprocessable_reason(KeyError("x"), private=True).endswith(
        "(details withheld: the record carries personal data)"
    )
    assert unprocessable_reason(KeyError("x"), private=False) == "Unprocessable: KeyError: 'x'"


async def test_a_registration_of_an_unknown_schema_version_is_a_dead_letter_and_the_next_is_mailed(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    letters = Letters()
    service = notifier(smtp, hooks, letters)
    future = wire(registered("future@mail.test"))
    future = WireMessage(
        key=future.key,
        value=future.value.replace(b'"schema_version": 2', b'"schema_version": 99'),
        headers=[(k, b"99" if k == "ce_schemaversion" else v) for k, v in future.headers],
    )
    await service.receipt(future, REGISTRATIONS)
    await service.receipt(wire(registered("chan.tai.man@mail.test")), Origin(INTAKE_EVENTS.name, 2, 41))
    [(letter, _)] = letters.letters
    assert letter.error.startswith("MalformedMessage") and "99" in letter.error
    assert [m["To"] for m in smtp.messages] == ["Chan Tai Man <chan.tai.man@mail.test>"]
    await service.receipt(future, REGISTRATIONS)  # redelivered: remembered, no second letter
    assert len(letters.letters) == 1


async def test_a_mail_one_recipient_cannot_be_built_does_not_keep_it_from_the_others(
    smtp: SmtpSink, hooks: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.notifier.domain import messages

    letters = Letters()
    service = notifier(smtp, hooks, letters)
    email = messages.email

    def broken_for_leader_one(event, addressee, **kw):  # type: ignore[no-untyped-def]
        if addressee.staff.id == "office-a/leader-1":
            raise UnicodeError("a name that cannot be written")
        return email(event, addressee, **kw)

    monkeypatch.setattr(messages, "email", broken_for_leader_one)
    await service.handle(wire(major("office-a", roles=("leader",))), Origin(NOTIFICATIONS.name, 0, 5))
    assert [m["To"] for m in smtp.messages] == ["Lee Two <leader2@office-a.test>"]
    assert len(hooks.to("/sms")) == 1  # leader-1's webhook went too
    [(letter, _)] = letters.letters
    assert letter.error == "Unprocessable: UnicodeError: a name that cannot be written"
