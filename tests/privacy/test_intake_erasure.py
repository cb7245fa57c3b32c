"""Intake seals the complainant before storing, and erases a data subject on a `privacy` key's request:
the data key is destroyed, the registration reads as erased, and the erasure is recorded for the audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.intake.adapters.outbound import translate
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.contracts.privacy import PersonErased
from shared.contracts.topics import PRIVACY_ERASURES
from shared.keyring import KeyringSettings
from shared.personal import ERASED
from tests.support import T0, form, write_keys

PERSON = {
    "name": "Chan Tai Man",
    "contact": "+852 9123 4567",
    "unit_address": "Block 3, 12/F, Flat B, Harbour View Gardens",
}


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return write_keys(tmp_path / "keys.json")


@pytest.fixture
def client(tmp_path: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    settings = IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        keyring=KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"),
    )
    with TestClient(create_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        yield client


def as_(keys: dict[str, str], actor: str) -> dict[str, str]:
    return {"X-Office-Key": keys[actor]}


def test_the_store_holds_no_clear_personal_data(client: TestClient, keys, tmp_path: Path) -> None:
    client.post("/complaints", json=form("S-1"), headers=as_(keys, "hk-central/reception"))
    call = {
        "office_id": "hk-central",
        "hotline_reference": "HL-S-1",
        "reported_at": T0.isoformat(),
        "complainant": {"name": "Chan Tai Man", "contact": "+852 9123 4567"},
        "unit_address": "Block 3, 12/F, Flat B, Harbour View Gardens",
        "summary": "The office did not answer.",
    }
    assert client.post("/hotline/calls", json=call, headers=as_(keys, "group/hotline")).status_code == 201
    assert client.post("/hotline/calls", json=call, headers=as_(keys, "group/hotline")).status_code == 200
    client.app.state.intake.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "stores").glob("intake.sqlite*"))
    for text in ("Chan Tai Man", "9123 4567", "Flat B"):
        assert text.encode() not in raw


def test_a_privacy_key_finds_and_erases_a_person_and_the_registration_reads_erased(client, keys) -> None:
    reception = as_(keys, "hk-central/reception")
    first = client.post("/complaints", json=form("E-1"), headers=reception).json()["complaint_id"]
    second = client.post("/complaints", json=form("E-2"), headers=reception).json()["complaint_id"]
    assert client.get(f"/complaints/{first}", headers=reception).json()["form"]["complainant"]["name"] == "Chan Tai Man"

    privacy = as_(keys, "group/privacy")
    assert client.post("/privacy/persons/lookup", json=PERSON, headers=reception).status_code == 403
    person_id = client.post("/privacy/persons/lookup", json=PERSON, headers=privacy).json()["person_id"]
    refused = client.post(f"/privacy/persons/{person_id}/erasure", json={"reason": "x"}, headers=reception)
    assert refused.status_code == 403
    done = client.post(f"/privacy/persons/{person_id}/erasure", json={"reason": "DSR-17"}, headers=privacy).json()
    assert (done["person_id"], done["keys_destroyed"], done["index_entries_deleted"]) == (person_id, 1, 2)

    for complaint_id in (first, second):
        body = client.get(f"/complaints/{complaint_id}", headers=reception).json()
        assert body["form"]["complainant"] == {"name": ERASED, "contact": ERASED}
        assert body["form"]["unit_address"] == ERASED
        assert body["sequence_number"] in (1, 2)  # the complaint itself stays whole
    assert client.post("/privacy/persons/lookup", json=PERSON, headers=privacy).status_code == 404

    intake = client.app.state.intake
    published = [p for n in intake.notification_log.select(1, 10) for p in translate(intake.mapper.to_domain_event(n))]
    erasures = [p for p in published if isinstance(p.message, PersonErased)]
    assert len(erasures) == 1 and erasures[0].topic == PRIVACY_ERASURES.name
    record = erasures[0].message
    assert (str(record.payload.person_id), record.actor.id, record.payload.reason) == (
        person_id,
        "group/privacy",
        "DSR-17",
    )
    assert "Chan" not in record.model_dump_json()


TYPED = {
    "object": "Mr CHAN Tai-man's door, Flat B, 12/F",
    "description": "Chan Tai Man (Flat B, 12/F) says water leaks into 12樓B室; call him on 9123-4567 "
    "or his daughter on 6123 4567, or write to chan.tm@example.com.",
    "customer_request": "Tai Man Chan asks for a call back on +852 91234567 before noon.",
}


def test_free_text_is_stored_redacted_and_staff_read_it_as_typed_until_the_person_is_erased(
    client: TestClient, keys, tmp_path: Path
) -> None:
    reception = as_(keys, "hk-central/reception")
    complaint_id = client.post("/complaints", json=form("T-1", **TYPED), headers=reception).json()["complaint_id"]
    call = {
        "office_id": "hk-central",
        "hotline_reference": "HL-T-1",
        "reported_at": T0.isoformat(),
        "complainant": {"name": "Chan Tai Man", "contact": "+852 9123 4567"},
        "unit_address": PERSON["unit_address"],
        "summary": "Chan Tai Man of Flat B, 12/F says the office ignored him; his number is 9123 4567.",
    }
    assert client.post("/hotline/calls", json=call, headers=as_(keys, "group/hotline")).status_code == 201
    assert client.post("/hotline/calls", json=call, headers=as_(keys, "group/hotline")).status_code == 200  # same
    again = client.post("/complaints", json=form("T-1", **TYPED), headers=reception)
    assert again.status_code == 200  # the same form again finds the first registration (redaction is stable)

    # The office's own staff read what they typed.
    opened = client.get(f"/complaints/{complaint_id}", headers=reception).json()["form"]
    assert {field: opened[field] for field in TYPED} == TYPED
    # What is stored and published has placeholders instead.
    intake = client.app.state.intake
    published = [p for n in intake.notification_log.select(1, 10) for p in translate(intake.mapper.to_domain_event(n))]
    wire = "".join(p.message.model_dump_json() for p in published)
    assert "[name]" in wire and "[phone]" in wire and "[unit]" in wire and "[e-mail]" in wire
    for text in ("Chan Tai Man", "CHAN Tai-man", "Tai Man Chan", "9123", "6123 4567", "chan.tm@", "Flat B", "12樓B室"):
        assert text not in wire, text

    privacy = as_(keys, "group/privacy")
    person_id = client.post("/privacy/persons/lookup", json=PERSON, headers=privacy).json()["person_id"]
    client.post(f"/privacy/persons/{person_id}/erasure", json={"reason": "DSR-18"}, headers=privacy)
    after = client.get(f"/complaints/{complaint_id}", headers=reception).json()["form"]
    assert after["description"].startswith("[name] ([unit]) says water leaks into [unit]; call him on [phone]")
    assert after["customer_request"] == "[name] asks for a call back on [phone] before noon."

    intake.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "stores").glob("intake.sqlite*"))
    for text in ("Chan Tai Man", "9123 4567", "9123-4567", "6123 4567", "chan.tm@example.com", "Flat B"):
        assert text.encode() not in raw, text
