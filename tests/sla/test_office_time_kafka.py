"""On the real broker: an office's time zone changed in the directory (its API, its relay) moves the
wall-clock computation of the office's next deadline in the SLA's worker (a tracked consumer of the
directory's events), while a clock started before keeps the zone it started under."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.directory import bootstrap as directory_boot
from services.directory.entrypoints.http import create_app as directory_api
from services.directory.settings import DirectorySettings
from services.sla import bootstrap
from services.sla.domain.office_time import ZoneSource
from services.sla.settings import SlaSettings
from shared.auth import Principal
from shared.clock import SimulatedClock
from tests.directory.test_keys_kafka import publish as publish_directory
from tests.kafka_support import run_until
from tests.sla.contract_events import registered
from tests.sla.scenario import office_calendar
from tests.sla.test_kafka import publish
from tests.support import write_keys

pytestmark = pytest.mark.kafka

MONDAY_3AM_UTC = datetime(2026, 11, 9, 3, 0, tzinfo=UTC)  # 11:00 in Hong Kong, 03:00 in London


async def test_a_zone_changed_in_the_directory_moves_the_next_deadline(kafka_bootstrap: str, tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys.json")
    office = f"o-{uuid.uuid4().hex[:8]}"
    common = {"store": "sqlite", "keys_file": tmp_path / "keys.json", "kafka_bootstrap_servers": kafka_bootstrap}
    directory_settings = DirectorySettings(**common, state_dir=tmp_path / "directory")
    directory = directory_boot.application(directory_settings)
    admin = {"X-Office-Key": keys["group/admin"]}
    with TestClient(directory_api(directory_settings, directory)) as api:
        body = {"office_id": office, "name": "Test office", "time_zone": "Asia/Hong_Kong", "units_served": 10}
        assert api.post("/offices", headers=admin, json=body | {"reason": "opened"}).status_code == 201
    await publish_directory(directory_settings, directory)

    settings = SlaSettings(**common, state_dir=tmp_path / "sla", consumer_group=f"sla-{uuid.uuid4().hex[:8]}")
    sla = bootstrap.application(settings)
    manager = Principal(f"{office}/manager", office, frozenset({"manager"}))
    sla.set_calendar(office, office_calendar(timezone="UTC"), manager, MONDAY_3AM_UTC)  # Mon-Fri 09-18 local
    consumer = bootstrap.consumer(settings, sla, SimulatedClock(MONDAY_3AM_UTC))

    def hand_over(complaint: uuid.UUID) -> datetime | None:
        try:
            clocks = sla.clocks(office, complaint).clocks
        except Exception:
            return None
        return next((c.deadline for c in clocks if c.kind == "hand-over"), None)

    def zone() -> str | None:
        now = sla.office_time_of(office)
        return now.time_zone if now.source is ZoneSource.DIRECTORY else None

    before, after = uuid.uuid4(), uuid.uuid4()
    await run_until(lambda: zone() == "Asia/Hong_Kong", consumer.run)  # (the calendar's UTC: a fallback)
    await publish(kafka_bootstrap, registered(before, MONDAY_3AM_UTC, office))
    await run_until(lambda: hand_over(before) is not None, consumer.run)

    with TestClient(directory_api(directory_settings, directory)) as api:
        moved = api.patch(f"/offices/{office}", headers=admin, json={"time_zone": "Europe/London", "reason": "moved"})
        assert moved.status_code == 200, moved.text
    await publish_directory(directory_settings, directory)
    await run_until(lambda: zone() == "Europe/London", consumer.run)
    await publish(kafka_bootstrap, registered(after, MONDAY_3AM_UTC, office))
    await run_until(lambda: hand_over(after) is not None, consumer.run)

    # The same calendar (09:00-18:00 local), the same instant received: 10 working minutes from Hong
    # Kong's 11:00, but from London's 09:00 opening; the clock started before keeps its zone.
    assert hand_over(before) == datetime(2026, 11, 9, 3, 10, tzinfo=UTC)
    assert hand_over(after) == datetime(2026, 11, 9, 9, 10, tzinfo=UTC)
    assert sla.office_zone_heard(office) is not None
    sla.close()
    directory.close()
