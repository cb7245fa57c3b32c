"""On a real broker: an office's time zone, set and changed through the directory, is the region intake
reads its complainants' phone numbers in (a Shenzhen office's "0755 8888 6666" is a number there, not
at a Hong Kong office), with no restart; until the directory names an office, the default region, and
no hotline call about it is recorded."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.directory import bootstrap as directory_boot
from services.directory.entrypoints.http import create_app as directory_api
from services.directory.settings import DirectorySettings
from services.intake import bootstrap as intake_boot
from services.intake.domain.errors import ContactRefused, UnknownOffice
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.contracts import RegistrationForm
from shared.contracts.hotline import HotlineCallRecord
from tests.directory.test_keys_kafka import publish
from tests.support import T0, form, write_keys

pytestmark = pytest.mark.kafka

SHENZHEN_LINE = {"name": "Chan Tai Man", "contact": "0755 8888 6666"}


def region_within(intake, office: str, wanted: str, seconds: float = 30.0) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while intake.phone_region(office) != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    return str(intake.phone_region(office))


async def test_the_directorys_time_zone_is_the_offices_phone_region(kafka_bootstrap: str, tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys.json")
    common = {"keys_file": tmp_path / "keys.json", "kafka_bootstrap_servers": kafka_bootstrap}
    settings = DirectorySettings(**common, store="sqlite", state_dir=tmp_path / "directory")
    directory = directory_boot.application(settings)
    office = f"o-{uuid.uuid4().hex[:8]}"
    admin = {"X-Office-Key": keys["group/admin"]}
    intake = intake_boot.application(
        IntakeSettings(**common, store="memory", state_dir=tmp_path / "intake", zones_from_directory=True)
    )
    reception = Principal(f"{office}/reception", office, frozenset({"receptionist"}))
    hotline = Principal("group/hotline", None, frozenset({"hotline"}))
    call = HotlineCallRecord(
        office_id=office,
        hotline_reference=f"HL-{office}",
        reported_at=T0,
        complainant=SHENZHEN_LINE,
        unit_address="Flat 3A, Futian Tower",
        summary="The office did not answer about the lift.",
    )
    now = T0 + timedelta(hours=1)
    try:
        assert intake.phone_region(office) == "HK"  # nothing said yet: the default
        with pytest.raises(ContactRefused):
            intake.register(office, reception, RegistrationForm(**form("SZ-1", complainant=SHENZHEN_LINE)), now)
        with pytest.raises(UnknownOffice):  # and no hotline call about an office the directory never named
            intake.record_hotline_call(call, hotline, now)

        with TestClient(directory_api(settings, directory)) as api:
            body = {"office_id": office, "name": "Futian", "time_zone": "Asia/Shanghai", "units_served": 100}
            assert api.post("/offices", headers=admin, json=body | {"reason": "opened"}).status_code == 201
        await publish(settings, directory)
        assert region_within(intake, office, "CN") == "CN"
        registered = intake.register(
            office, reception, RegistrationForm(**form("SZ-1", complainant=SHENZHEN_LINE)), now
        )
        assert registered.created and registered.sequence_number == 1
        assert intake.record_hotline_call(call, hotline, now).created  # the directory has named it now

        with TestClient(directory_api(settings, directory)) as api:
            moved = api.patch(
                f"/offices/{office}", headers=admin, json={"time_zone": "Asia/Hong_Kong", "reason": "moved"}
            )
            assert moved.status_code == 200
        await publish(settings, directory)
        assert region_within(intake, office, "HK") == "HK"
        with pytest.raises(ContactRefused):
            intake.register(office, reception, RegistrationForm(**form("SZ-2", complainant=SHENZHEN_LINE)), now)
    finally:
        intake.close()
        directory.close()
