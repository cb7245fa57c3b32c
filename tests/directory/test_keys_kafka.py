"""On a real broker: a key issued through the directory authenticates at another service (follow-up),
and once revoked through the directory it is refused there (401); a rotated key replaces the old one."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.directory import bootstrap as directory_boot
from services.directory.entrypoints.http import create_app as directory_api
from services.directory.settings import DirectorySettings
from services.followup.entrypoints.http import create_app as followup_api
from services.followup.settings import FollowupSettings
from tests.support import write_keys

pytestmark = pytest.mark.kafka


async def publish(settings: DirectorySettings, app) -> None:
    relay = directory_boot.relay(settings, app)
    await relay.start()
    try:
        while await relay.publish_next_batch():
            pass
    finally:
        await relay.stop()


def status_within(client: TestClient, key: str, wanted: int, seconds: float = 30.0) -> int:
    """Ask follow-up with `key` until it answers `wanted` (its feed catches up) or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        answer = client.get(f"/complaints/{uuid.uuid4()}", headers={"X-Office-Key": key})
        if answer.status_code == wanted or time.monotonic() > deadline:
            return answer.status_code
        time.sleep(0.2)


async def test_a_directory_key_works_at_another_service_until_it_is_revoked(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    keys = write_keys(tmp_path / "keys.json")
    common = {"store": "sqlite", "keys_file": tmp_path / "keys.json", "kafka_bootstrap_servers": kafka_bootstrap}
    settings = DirectorySettings(**common, state_dir=tmp_path / "directory")
    directory = directory_boot.application(settings)
    admin = {"X-Office-Key": keys["group/admin"]}
    office = f"o-{uuid.uuid4().hex[:8]}"
    with TestClient(directory_api(settings, directory, clock=lambda: datetime.now(UTC))) as api:
        made = api.post("/offices", headers=admin, json={
            "office_id": office, "name": "Test office", "time_zone": "Asia/Hong_Kong", "units_served": 10,
            "reason": "a test office"})  # fmt: skip
        assert made.status_code == 201, made.text
        amy = {"actor_id": f"{office}/amy", "office_id": office, "roles": ["supervisor"], "reason": "Amy's key"}
        issued = api.post("/keys", headers=admin, json=amy).json()
    await publish(settings, directory)

    followup_settings = FollowupSettings(**common, state_dir=tmp_path / "followup", directory_keys=True)
    with TestClient(followup_api(followup_settings)) as followup:
        assert status_within(followup, issued["key"], 404) == 404  # known: an unknown complaint, not 401
        assert followup.get(f"/complaints/{uuid.uuid4()}", headers={"X-Office-Key": "ck_nobody"}).status_code == 401

        with TestClient(directory_api(settings, directory, clock=lambda: datetime.now(UTC))) as api:
            rotated = api.post(f"/keys/{issued['key_id']}/rotation", headers=admin, json={"reason": "rotation"}).json()
        await publish(settings, directory)
        assert status_within(followup, issued["key"], 401) == 401
        assert status_within(followup, rotated["key"], 404) == 404

        with TestClient(directory_api(settings, directory, clock=lambda: datetime.now(UTC))) as api:
            revoked = api.post(f"/keys/{rotated['key_id']}/revocation", headers=admin, json={"reason": "Amy left"})
            assert revoked.status_code == 200
        await publish(settings, directory)
        assert status_within(followup, rotated["key"], 401) == 401
        # the file's keys still work beside the directory's
        assert (
            followup.get(
                f"/complaints/{uuid.uuid4()}", headers={"X-Office-Key": keys["hk-central/supervisor"]}
            ).status_code
            == 404
        )
    directory.close()
