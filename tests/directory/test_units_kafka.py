"""On a real broker: the units an office serves, changed through the directory, show in the
projection's statistics (complaints per million units) without a restart; the setting is only the
figure until the directory says otherwise. The office's names travel the same way into the projection's
read side: renamed through the directory, the new name shows in the next answer."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.directory import bootstrap as directory_boot
from services.directory.entrypoints.http import create_app as directory_api
from services.directory.settings import DirectorySettings
from services.projection import bootstrap as projection_boot
from services.projection.settings import ProjectionSettings
from tests.directory.test_keys_kafka import publish
from tests.projection.scenario import build
from tests.projection.support import feed
from tests.support import write_keys

pytestmark = pytest.mark.kafka


def name_within(projection, office: str, lang: str, wanted: str, seconds: float = 30.0) -> str | None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        known = projection.office_names().get(office)
        called = known.called(lang) if known is not None else None
        if called == wanted or time.monotonic() > deadline:
            return called
        time.sleep(0.2)


def units_within(projection, office: str, now, wanted: int, seconds: float = 30.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        stats = projection.statistics(office, now)
        if stats["units_served"] == wanted or time.monotonic() > deadline:
            return stats
        time.sleep(0.2)


async def test_units_served_changed_through_the_directory_show_in_the_statistics(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    keys = write_keys(tmp_path / "keys.json")
    common = {"keys_file": tmp_path / "keys.json", "kafka_bootstrap_servers": kafka_bootstrap}
    settings = DirectorySettings(**common, store="sqlite", state_dir=tmp_path / "directory")
    directory = directory_boot.application(settings)
    scenario = build(f"units-{uuid.uuid4().hex[:6]}", offices=(f"o-{uuid.uuid4().hex[:8]}",), per_office=10)
    office = scenario.offices()[0]
    admin = {"X-Office-Key": keys["group/admin"]}
    with TestClient(directory_api(settings, directory)) as api:
        body = {
            "office_id": office, "name": "Test office", "names": {"zh-Hant": "測試管理處"},
            "time_zone": "Asia/Hong_Kong", "units_served": 4000,
        }  # fmt: skip
        assert api.post("/offices", headers=admin, json=body | {"reason": "opened"}).status_code == 201
    await publish(settings, directory)

    projection = projection_boot.application(
        ProjectionSettings(
            **common, store="memory", state_dir=tmp_path / "p", office_units={office: 1}, units_from_directory=True
        )
    )
    try:
        feed(projection, scenario.events())
        stats = units_within(projection, office, scenario.now, 4000)
        count = stats["complaints"]
        assert count > 0 and stats["per_million_units"] == round(count / 4000 * 1_000_000, 2)
        assert name_within(projection, office, "zh-Hant", "測試管理處") == "測試管理處"
        assert projection.office_names()[office].called("en") == "Test office"

        with TestClient(directory_api(settings, directory)) as api:
            changed = api.patch(
                f"/offices/{office}", headers=admin,
                json={"units_served": 8000, "names": {"zh-Hant": "新測試管理處"}, "reason": "towers"},
            )  # fmt: skip
            assert changed.status_code == 200
        await publish(settings, directory)
        stats = units_within(projection, office, scenario.now, 8000)
        assert stats["units_served"] == 8000 and stats["per_million_units"] == round(count / 8000 * 1_000_000, 2)
        assert name_within(projection, office, "zh-Hant", "新測試管理處") == "新測試管理處", "renamed, no restart"
    finally:
        projection.close()
        directory.close()
