"""The directory's CLI: the API's commands with the caller's key (so the API's rules hold), and the
development seed, recorded as directory commands once, however often `make up` runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.directory import bootstrap
from services.directory.domain.errors import AlreadyExists
from services.directory.entrypoints import cli
from services.directory.entrypoints.http import create_app
from services.directory.settings import DirectorySettings
from shared.auth import KeyRecord, hash_key
from tests.support import write_keys

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings = DirectorySettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    with TestClient(create_app(settings, app)) as client:

        def request(method: str, url: str, headers: dict[str, str], json: Any, timeout: float) -> Any:
            return client.request(method, url.removeprefix("http://127.0.0.1:8007"), headers=headers, json=json)

        monkeypatch.setattr(cli.httpx, "request", request)
        yield keys, app
    app.close()


def run(*args: str) -> Any:
    return CliRunner().invoke(cli.cli, list(args))


def test_the_cli_sets_up_an_office_staff_and_a_key_with_the_api_s_rules(api: Any) -> None:
    keys, _ = api
    admin, manager = ["--key", keys["group/admin"]], ["--key", keys["hk-central/manager"]]
    done = run("offices", "add", "hk-central", "HK Central", "Asia/Hong_Kong", "1200", "--reason", "opened", *admin)
    assert done.exit_code == 0, done.output
    assert run("offices", "set", "hk-central", "--units", "1500", "--reason", "tower", *admin).exit_code == 0
    named = run("offices", "set", "hk-central", "--name-zh-hant", "中環管理處", "--name-zh-hans", "中环管理处",
                "--reason", "Chinese mails name it", *admin)  # fmt: skip
    assert json.loads(named.output)["names"] == {"zh-Hant": "中環管理處", "zh-Hans": "中环管理处"}, named.output
    added = run("staff", "add", "hk-central/amy", "Amy Wong", "--office", "hk-central", "--role", "leader",
                "--email", "amy@example.com", "--reason", "joined", *manager)  # fmt: skip
    assert added.exit_code == 0 and json.loads(added.output)["roles"] == ["leader"]
    refused = run("offices", "set", "hk-central", "--units", "1", "--reason", "mine", *manager)
    assert refused.exit_code == 1 and "403" in refused.output
    issued = run("keys", "issue", "hk-central/amy", "--office", "hk-central", "--role", "leader",
                 "--reason", "Amy's key", *manager)  # fmt: skip
    key = json.loads(issued.output)
    assert key["key"].startswith("ck_")
    assert run("keys", "revoke", key["key_id"], "--reason", "left", *manager).exit_code == 0
    [office] = json.loads(run("offices", "list", *admin).output)
    assert office["units_served"] == 1500


def test_the_development_seed_is_recorded_once(tmp_path: Path) -> None:
    settings = DirectorySettings(store="sqlite", state_dir=tmp_path)
    app = bootstrap.application(settings)
    plain = write_keys(tmp_path / "keys.json")
    records = [KeyRecord.model_validate(r) for r in json.loads((tmp_path / "keys.json").read_text())]
    data = json.loads(cli.DEV_SEED.read_text())
    first = cli.seed(app, data, records, plain, T0)
    again = cli.seed(app, data, records, plain, T0)
    assert again == [] and len(first) == len(data["offices"]) + len(data["staff"]) + len(records)
    live = {k.key_sha256 for k in app.keys(cli.SEEDER)}
    assert hash_key(plain["hk-central/reception"]) in live
    assert {s.staff_id for s in app.staff(cli.SEEDER)} >= {"hk-central/leader-1", "group/company-leader"}
    # one hash, one key entity: readers keep keys by hash, the compacted topic one state per key id
    with pytest.raises(AlreadyExists):
        app.issue_key(cli.SEEDER, "hk-central/copy", "hk-central", ["receptionist"], None, "again", T0,
                      raw_key=plain["hk-central/reception"])  # fmt: skip
    app.close()
