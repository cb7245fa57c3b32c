"""Triage on sealed registrations: it opens the form through the keyring, recognises a repeat
complainant by the keyring's opaque tokens, and forgets them when they are erased."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.triage import bootstrap
from services.triage.adapters.inbound import TriageHandler
from services.triage.adapters.outbound import translate
from services.triage.application import TriageApplication
from services.triage.domain.identity import identity_keys
from services.triage.settings import TriageSettings
from shared.bus.consumer import Delivery
from shared.contracts import ComplaintRegistered
from shared.contracts.topics import INTAKE_EVENTS
from shared.contracts.triage import ComplaintTriaged
from shared.keyring import Keyring, KeyringSettings
from shared.personal import open_form, seal_form
from tests.support import T0
from tests.triage.support import registered

PHONE = "+852 6123 4567"


@pytest.fixture
def keyring_settings(tmp_path: Path) -> KeyringSettings:
    return KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite")


@pytest.fixture
def triage(tmp_path: Path, keyring_settings: KeyringSettings) -> Iterator[TriageApplication]:
    app = bootstrap.application(
        TriageSettings(store="memory", state_dir=tmp_path, reading_model=False, keyring=keyring_settings)
    )
    yield app
    app.close()


def sealed(event: ComplaintRegistered, keyring: Keyring) -> ComplaintRegistered:
    """The registration as intake publishes it: the complainant sealed under their own key."""
    form = seal_form(open_form(event.payload.form, None), keyring, T0)
    return event.model_copy(update={"payload": event.payload.model_copy(update={"form": form})})


def decision_of(app: TriageApplication, event: ComplaintRegistered) -> ComplaintTriaged:
    uow = app.unit_of_work()
    app.triage_registration(uow, event)
    app.commit(uow)
    notifications = app.process_recorder.select_notifications(1, 10_000)
    published = [p.message for n in notifications for p in translate(app.mapper.to_domain_event(n))]
    return next(m for m in published if isinstance(m, ComplaintTriaged) and m.complaint_id == event.complaint_id)


def test_a_repeat_complainant_is_recognised_by_opaque_tokens_and_forgotten_at_erasure(
    triage: TriageApplication, keyring_settings: KeyringSettings
) -> None:
    keyring = Keyring.from_settings(keyring_settings)
    first = sealed(registered("The corridor light is broken.", contact=PHONE, name="Lau Wing Sze"), keyring)
    second = sealed(registered("The corridor light is still broken.", contact=PHONE, name="Lau Wing Sze"), keyring)
    assert first.payload.form.personal.person_id == second.payload.form.personal.person_id

    decision_of(triage, first)
    history = decision_of(triage, second).payload.history
    assert history.earlier_complaints == 1
    assert history.matches[0].complaint_id == first.complaint_id and "phone" in history.matches[0].matched_on

    # Triage keeps the keyring's tokens, not even its own salted hashes of the phone.
    opened = open_form(first.payload.form, keyring)
    salted = {k.key for k in identity_keys("Lau Wing Sze", PHONE, opened.unit_address, triage.complainant_salt)}
    tokens = {k.key for k in triage.identities(first)}
    assert tokens and not tokens & salted

    keyring.erase(first.payload.form.personal.person_id, "group/privacy", "DSR-3", T0)
    third = sealed(registered("The corridor light again.", contact=PHONE, name="Lau Wing Sze"), keyring)
    assert third.payload.form.personal.person_id != first.payload.form.personal.person_id
    assert decision_of(triage, third).payload.history.earlier_complaints == 0  # the erased history links to nobody
    # an erased registration read again is known by its person id alone, and nothing fails
    assert [k.key for k in triage.identities(first)] == [f"person:{first.payload.form.personal.person_id}"]


def test_a_batch_s_complainant_tokens_are_made_in_one_keyring_commit_and_decide_as_one_at_a_time(
    tmp_path: Path, keyring_settings: KeyringSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = Keyring.from_settings(keyring_settings)
    people = [("Lau Wing Sze", PHONE), ("Chan Siu Ming", "+852 6123 0001"), ("Lau Wing Sze", PHONE)]
    events = [
        sealed(registered(f"The corridor light is broken ({n}).", contact=contact, name=name), keyring)
        for n, (name, contact) in enumerate(people)
    ]

    def triage_in(folder: str) -> TriageApplication:
        settings = TriageSettings(store="memory", state_dir=tmp_path / folder, reading_model=False)
        return bootstrap.application(settings.model_copy(update={"keyring": keyring_settings}))

    alone = triage_in("alone")
    one_by_one = [decision_of(alone, event).payload for event in events]
    # The same complaints into a keyring of their own (one that has made none of their tokens yet).
    batched_settings = KeyringSettings(sqlite_path=tmp_path / "batched-keyring.sqlite")
    batch_keyring = Keyring.from_settings(batched_settings)
    batch_events = [
        sealed(registered(f"The corridor light is broken ({n}).", contact=contact, name=name), batch_keyring)
        for n, (name, contact) in enumerate(people)
    ]
    settings = TriageSettings(store="memory", state_dir=tmp_path / "batch", reading_model=False)
    batch = bootstrap.application(settings.model_copy(update={"keyring": batched_settings}))
    writes: list[bool] = []
    transaction = batch.keyring._db.transaction

    def counted(write: bool = True):  # type: ignore[no-untyped-def]
        writes.append(write)
        return transaction(write)

    monkeypatch.setattr(batch.keyring._db, "transaction", counted)
    handler = TriageHandler(batch)
    deliveries = [
        Delivery(message=e, topic=INTAKE_EVENTS.name, partition=0, offset=n, key=e.key)
        for n, e in enumerate(batch_events)
    ]
    uow = batch.unit_of_work()
    uow.prefetch(list(handler.prefetch(deliveries)))
    assert writes.count(True) == 1  # every complainant's tokens of the batch: one commit
    for delivery in deliveries:
        handler(uow, delivery)
    batch.commit(uow)
    assert writes.count(True) == 1  # handling only read them
    notifications = batch.process_recorder.select_notifications(1, 10_000)
    published = [p.message for n in notifications for p in translate(batch.mapper.to_domain_event(n))]
    decided = {m.complaint_id: m.payload for m in published if isinstance(m, ComplaintTriaged)}
    batched = [decided[e.complaint_id] for e in batch_events]
    assert (
        [p.history.earlier_complaints for p in batched]
        == [p.history.earlier_complaints for p in one_by_one]
        == [0, 0, 1]
    )
    assert [(p.severity, p.business_area) for p in batched] == [(p.severity, p.business_area) for p in one_by_one]
    alone.close()
    batch.close()
