"""Issue 12: the rules' numbers are bounded when adopted. A mass-incident window of 10^12 minutes was
accepted, after which every triage overflowed its arithmetic and every complaint went to the dead letters."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.triage.entrypoints.http import create_app
from services.triage.settings import TriageSettings
from tests.support import T0, write_keys


@pytest.fixture
def env(tmp_path: Path):
    keys = write_keys(tmp_path / "keys.json")
    settings = TriageSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    with TestClient(create_app(settings, clock=lambda: T0)) as client:
        yield client, {"X-Office-Key": keys["group/dashboard"]}


@pytest.mark.parametrize(
    ("section", "name", "value"),
    [("incidents", "window_minutes", 10**12), ("incidents", "window_minutes", 0), ("incidents", "more_than", -1),
     ("history", "recent", 10**9), ("history", "flag_invalid_at", 2.5)],
)  # fmt: skip
def test_rule_numbers_out_of_range_are_422_naming_them_and_not_adopted(env, section, name, value) -> None:
    client, group = env
    rules = client.get("/rules", headers=group).json()
    changed = copy.deepcopy(rules["rules"])
    changed[section][name] = value

    answer = client.put("/rules", json={"rules": changed, "reason": "fuzz"}, headers=group)

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "rules", section, name]
    assert client.get("/rules", headers=group).json()["version"] == rules["version"]


def test_the_shipped_rules_are_within_range(env) -> None:
    client, group = env
    rules = client.get("/rules", headers=group).json()["rules"]
    assert client.put("/rules", json={"rules": rules, "reason": "same"}, headers=group).status_code == 200
