"""issue 13: the roles that reach past one office stay the group's.

The tenancy matrix (test_matrix.py) tries what each existing key and token may do; these try what a
key could be made to do. Finding and erasing data subjects spans every office: an office's manager
cannot issue a key with the `privacy` role (the directory refuses it, as it refuses `group` or
`hotline`), and should such a key exist anyway (a hand-edited key file), intake refuses it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.directory import bootstrap as directory_boot
from services.directory.entrypoints.http import create_app as directory_http
from services.directory.settings import DirectorySettings
from services.intake.entrypoints.http import create_app as intake_http
from services.intake.settings import IntakeSettings
from shared.auth import KeyRecord, hash_key
from shared.clock import SimulatedClock
from shared.keyring import KeyringSettings
from tests.support import T0, form, write_keys

PERSON = {
    "name": "Chan Tai Man",
    "contact": "+852 9123 4567",
    "unit_address": "Block 3, 12/F, Flat B, Harbour View Gardens",
}


@pytest.fixture
def directory(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = DirectorySettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    app = directory_boot.application(settings)
    with TestClient(directory_http(settings, app, SimulatedClock(datetime(2026, 11, 30, 9, tzinfo=UTC)))) as client:
        admin = {"X-Office-Key": keys["group/admin"]}
        body = {"office_id": "hk-central", "name": "HK", "time_zone": "Asia/Hong_Kong", "units_served": 10}
        assert client.post("/offices", headers=admin, json=body | {"reason": "opened"}).status_code == 201
        yield client, keys
    app.close()


@pytest.mark.parametrize("role", ["privacy", "group", "auditor", "hotline", "admin"])
def test_an_office_manager_cannot_issue_a_key_with_a_group_wide_role(directory, role: str) -> None:
    client, keys = directory
    body = {"actor_id": "hk-central/someone", "office_id": "hk-central", "roles": [role], "reason": "mine"}
    refused = client.post("/keys", headers={"X-Office-Key": keys["hk-central/manager"]}, json=body)
    assert refused.status_code == 403, refused.text
    office_role = body | {"roles": ["receptionist"]}
    assert (
        client.post("/keys", headers={"X-Office-Key": keys["hk-central/manager"]}, json=office_role).status_code == 201
    )


def test_intake_refuses_an_office_key_that_carries_the_privacy_role(tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys.json")
    records = json.loads((tmp_path / "keys.json").read_text())
    records.append(KeyRecord(key_sha256=hash_key("ck_office-privacy-key-made-by-hand"), actor_id="hk-central/dpo",
                             office_id="hk-central", roles=["privacy"]).model_dump())  # fmt: skip
    (tmp_path / "keys.json").write_text(json.dumps(records))
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json",
                              keyring=KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"))  # fmt: skip
    with TestClient(intake_http(settings, clock=lambda: T0)) as client:
        reception = {"X-Office-Key": keys["hk-central/reception"]}
        assert client.post("/complaints", json=form("G-1"), headers=reception).status_code == 201
        office_privacy = {"X-Office-Key": "ck_office-privacy-key-made-by-hand"}
        found = client.post("/privacy/persons/lookup", json=PERSON, headers=office_privacy)
        assert found.status_code == 403 and "group-wide" in found.json()["detail"]
        group = {"X-Office-Key": keys["group/privacy"]}
        person_id = client.post("/privacy/persons/lookup", json=PERSON, headers=group).json()["person_id"]
        erasure = client.post(f"/privacy/persons/{person_id}/erasure", json={"reason": "x"}, headers=office_privacy)
        assert erasure.status_code == 403
