"""issue 13: a data subject's look-up and erasure by a person signed in at the development issuer.

`group/privacy` (deploy/oidc/users.json) signs in through the issuer's login form and, with its bearer
token, finds a complainant on intake (`POST /privacy/persons/lookup`) and erases them
(`POST /privacy/persons/{id}/erasure`). Every other development user's token is refused there (403),
and the erasure records who asked: the token's subject, in the keyring's audit table and on the
published `PersonErased`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from services.intake.adapters.outbound import translate
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.contracts.privacy import PersonErased
from shared.keyring import KeyringSettings
from shared.personal import ERASED
from tests.fixtures.oidc import OIDC_DIR, DevIssuer
from tests.support import T0, form, write_keys

USERS = [user["sub"] for user in json.loads((OIDC_DIR / "users.json").read_text())]
PERSON = {
    "name": "Chan Tai Man",
    "contact": "+852 9123 4567",
    "unit_address": "Block 3, 12/F, Flat B, Harbour View Gardens",
}


@pytest.fixture(scope="module")
def tokens(dev_issuer: DevIssuer) -> dict[str, str]:
    """Every development user, signed in once through the issuer's login form."""
    return {user: dev_issuer.sign_in(user) for user in USERS}


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return write_keys(tmp_path / "keys.json")


@pytest.fixture
def intake(tmp_path: Path, dev_issuer: DevIssuer, keys: dict[str, str]) -> Iterator[TestClient]:
    settings = IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        oidc_issuer=dev_issuer.issuer,
        keyring=KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"),
    )
    with TestClient(create_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_privacy_user_is_a_group_user_with_the_privacy_role_alone(tokens) -> None:
    claims = jwt.decode(tokens["group/privacy"], options={"verify_signature": False})
    assert claims["sub"] == "group/privacy" and claims["roles"] == ["privacy"] and "office_id" not in claims


def test_a_signed_in_privacy_officer_finds_and_erases_a_person_and_no_other_role_can(
    intake: TestClient, tokens: dict[str, str], keys: dict[str, str], tmp_path: Path
) -> None:
    reception = {"X-Office-Key": keys["hk-central/reception"]}
    complaint = intake.post("/complaints", json=form("DSR-1"), headers=reception).json()["complaint_id"]
    privacy = bearer(tokens["group/privacy"])

    others = [user for user in USERS if user != "group/privacy"]
    assert len(others) >= 12  # every office role of two offices, and every group role
    for user in others:
        assert intake.post("/privacy/persons/lookup", json=PERSON, headers=bearer(tokens[user])).status_code == 403, (
            user
        )

    found = intake.post("/privacy/persons/lookup", json=PERSON, headers=privacy)
    assert found.status_code == 200, found.text
    person_id = found.json()["person_id"]

    erasure = f"/privacy/persons/{person_id}/erasure"
    for user in others:
        refused = intake.post(erasure, json={"reason": "not theirs"}, headers=bearer(tokens[user]))
        assert refused.status_code == 403, user
    assert intake.post(erasure, json={"reason": "no credentials"}).status_code == 401
    assert intake.post("/privacy/persons/lookup", json=PERSON).status_code == 401

    done = intake.post(erasure, json={"reason": "DSR-2026-017"}, headers=privacy)
    assert done.status_code == 200, done.text
    assert (done.json()["person_id"], done.json()["keys_destroyed"]) == (person_id, 1)

    # the person reads as erased, and nobody finds them again
    registered = intake.get(f"/complaints/{complaint}", headers=reception).json()
    assert registered["form"]["complainant"]["name"] == ERASED and registered["sequence_number"] == 1
    assert intake.post("/privacy/persons/lookup", json=PERSON, headers=privacy).status_code == 404

    # who asked is recorded: the token's subject, in the keyring's audit table and on the published event
    rows = sqlite3.connect(tmp_path / "keyring.sqlite").execute(
        "SELECT person_id, erased_by, reason FROM keyring_erasures"
    )
    assert rows.fetchall() == [(person_id, "group/privacy", "DSR-2026-017")]
    app = intake.app.state.intake
    published = [
        p.message for n in app.notification_log.select(1, 10) for p in translate(app.mapper.to_domain_event(n))
    ]
    erased = [m for m in published if isinstance(m, PersonErased)]
    assert len(erased) == 1
    assert (erased[0].actor.id, erased[0].actor.role, str(erased[0].payload.person_id)) == (
        "group/privacy",
        "privacy",
        person_id,
    )
