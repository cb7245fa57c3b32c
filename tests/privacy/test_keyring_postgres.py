"""The keyring on PostgreSQL (production's store, docker-compose.yml): the same person, sealing,
erasure and rotation as on SQLite, and two processes (two keyrings) share it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from shared.contracts import RegistrationForm
from shared.keyring import Keyring, KeyringSettings, MasterKey
from shared.personal import ERASED_DATA, open_form, open_personal, seal_form
from tests.support import form

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def test_the_keyring_on_postgresql_seals_erases_and_rotates(postgres_database) -> None:
    settings = KeyringSettings(
        store="postgres",
        postgres_host=postgres_database.host,
        postgres_port=postgres_database.port,
        postgres_user=postgres_database.user,
        postgres_password=SecretStr(postgres_database.password),
        postgres_dbname=postgres_database.dbname,
    )
    intake, projection = Keyring.from_settings(settings), Keyring.from_settings(settings)
    try:
        first = seal_form(RegistrationForm.model_validate(form("PG-1")), intake, NOW)
        second = seal_form(RegistrationForm.model_validate(form("PG-2")), intake, NOW)
        assert first.personal.person_id == second.personal.person_id
        assert open_form(first, projection).complainant.name == form("PG-1")["complainant"]["name"]
        assert intake.token(first.personal.person_id, "phone", "k") == projection.token(
            first.personal.person_id, "phone", "k"
        )
        new_master = MasterKey.generate()
        assert intake.rotate(new_master) == 2
        rotated = Keyring.from_settings(settings.model_copy(update={"master_key": SecretStr(new_master.to_base64())}))
        assert open_form(second, rotated).complainant.name == form("PG-2")["complainant"]["name"]
        rotated.erase(first.personal.person_id, "group/privacy", "DSR-PG", NOW)
        assert open_personal(second.personal, rotated) == ERASED_DATA
        rotated.close()
    finally:
        intake.close()
        projection.close()
