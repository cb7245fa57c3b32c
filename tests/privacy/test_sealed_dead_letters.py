"""A registration refused on the office-facing topic is kept sealed under its complainant's key: the
store holds no clear byte of it, a redrive opens it, and erasing the person shreds it. Store only."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from aiokafka import ConsumerRecord

from services.intake import bootstrap
from services.intake.adapters.office_topic import signed_submission
from services.intake.application import IntakeApplication
from services.intake.domain.complaint import Complaint
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.bus.consumer import TrackedConsumer
from shared.bus.deadletters import DeadLetterRecord, letters_in, publishable
from shared.contracts import PersonalData, RegistrationForm, WireMessage
from shared.contracts.deadletter import Withheld
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.keyring import KeyringSettings
from shared.signing import OfficeSigner
from tests.support import T0, form, write_keys, write_signing_keys

NAME, PHONE, UNIT = "Lau Wing Sze", "+852 6543 2109", "Flat 7D, 23/F, Tower 5, Sunrise Court"
PERSON = {"complainant": {"name": NAME, "contact": PHONE}, "unit_address": UNIT}
TEXTS = {
    "description": f"{NAME} of {UNIT} says water comes through the ceiling; call 6543 2109.",
    "customer_request": f"Call {NAME} back on {PHONE}.",
}
NEEDLES = [NAME, "Wing Sze", PHONE, "6543 2109", "65432109", UNIT, "Flat 7D"]
PRIVACY = Principal(actor_id="group/privacy", office_id=None, roles=frozenset({"privacy"}))


class Worker:
    """Intake's office-topic worker over its store, fed records by hand, on a clock the test moves."""

    def __init__(self, tmp_path: Path) -> None:
        write_keys(tmp_path / "keys.json")
        self.signers: dict[str, OfficeSigner] = write_signing_keys(tmp_path / "signing.json")
        self.settings = IntakeSettings(
            store="sqlite",
            state_dir=tmp_path,
            keys_file=tmp_path / "keys.json",
            office_signing_keys_file=tmp_path / "signing.json",
            keyring=KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"),
        )
        self.now = T0 + timedelta(hours=1)
        self.app: IntakeApplication = bootstrap.application(self.settings)
        self.consumer: TrackedConsumer = bootstrap.office_topic_consumer(self.settings, self.app, lambda: self.now)
        self.offset = 0

    def receive(self, wire: WireMessage) -> None:
        self.offset += 1
        record = ConsumerRecord(
            OFFICE_REGISTRATIONS.name, 0, self.offset, 0, 0, wire.key, wire.value, None, 0, 0, wire.headers
        )
        self.consumer._handle_alone(self.consumer.tracking_name(OFFICE_REGISTRATIONS.name, 0), record)

    def letters(self) -> list[DeadLetterRecord]:
        return letters_in(self.app)

    def store_bytes(self, tmp_path: Path) -> bytes:
        return b"".join(p.read_bytes() for p in (tmp_path / "stores").glob("intake.sqlite*"))


def found_in(data: bytes) -> list[str]:
    return [n for n in NEEDLES if n.encode() in data or json.dumps(n).encode() in data]


@pytest.fixture
def worker(tmp_path: Path) -> Worker:
    return Worker(tmp_path)


def test_refused_registrations_are_sealed_redriven_and_shredded(worker: Worker, tmp_path: Path) -> None:
    hk = worker.signers["hk-central"]
    # 1. Signed, but received "in the future" for the worker's clock: refused; redriven once time has come.
    later = T0 + timedelta(hours=3)
    early = signed_submission(
        hk, RegistrationForm(**form("DL-1", **PERSON, **TEXTS, received_at=later.isoformat())), submitted_at=later
    )
    # 2. Signed by another office's key for hk-central: refused for good.
    forged = signed_submission(
        worker.signers["kln-east"], RegistrationForm(**form("DL-2", **PERSON, **TEXTS)), office_id="hk-central"
    )
    # 3. A form that is no valid form (occurred after received): cannot be decoded, still names the person.
    invalid = json.loads(forged.value)
    invalid["form"] |= {"occurred_at": (T0 + timedelta(days=1)).isoformat()}
    undecodable = WireMessage(forged.key, json.dumps(invalid).encode(), forged.headers)
    # 4. Bytes that are no registration, with the person's phone in them; 5. with nobody's.
    garbage = WireMessage(b"g", f"\x00 call 6543 2109 about {NAME}".encode(), forged.headers)
    nobody = WireMessage(b"n", b"\x00 nothing to see", forged.headers)
    for message in (early, forged, undecodable, garbage, nobody):
        worker.receive(message)

    letters = worker.letters()
    assert len(letters) == 5 and all(letter.sealed is not None for letter in letters)
    person = worker.app.find_person(PersonalData(name=NAME, contact=PHONE, unit_address=UNIT))
    assert person is not None
    # The same person as a registration would find: the form's complainant, even in an invalid form; the
    # garbage by the phone written in it; the nameless bytes under a key of their own.
    assert [letter.sealed.person_id for letter in letters[:4]] == [str(person)] * 4  # type: ignore[union-attr]
    assert letters[4].sealed.person_id != str(person)  # type: ignore[union-attr]
    for letter in letters:
        whole = letter.letter
        assert whole.value is None and whole.value_withheld is Withheld.PERSONAL_DATA
        assert publishable(whole).value is None and whole.value_size > 0
    assert found_in(worker.store_bytes(tmp_path)) == []  # sealed while the person is known

    # A redrive opens the letter: the very bytes the office signed, so the signature still verifies.
    worker.now = later + timedelta(minutes=5)
    first = worker.app.repository.get(letters[0].id)
    first.request_redrive("ops/alice", "clock caught up", worker.now)
    worker.app.save(first)
    assert worker.consumer.redrive_requested() == 1
    assert worker.app.repository.get(letters[0].id).redriven
    assert worker.app.repository.get(letters[0].id).sealed is not None  # the letter itself stays sealed
    registered = worker.app.registration("hk-central", Complaint.create_id("hk-central", "DL-1"))
    assert registered.form.complainant.name == NAME and registered.form.description == TEXTS["description"]

    # Erasure shreds every letter of the person; a redrive then says why there is nothing to do.
    worker.app.erase_person(person, PRIVACY, "DSR-9", worker.now)
    second = worker.app.repository.get(letters[1].id)
    second.request_redrive("ops/bob", "try", worker.now)
    worker.app.save(second)
    worker.consumer.redrive_requested()
    outcome = worker.app.repository.get(letters[1].id).redrives[-1].outcome
    assert outcome is not None and "erased" in outcome
    worker.app.close()
    assert found_in(worker.store_bytes(tmp_path)) == []
