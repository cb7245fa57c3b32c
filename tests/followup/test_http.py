"""Follow-up's HTTP API: roles, 404 across offices, 409 out of order (nothing recorded), 422 detail."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.followup import bootstrap
from services.followup.entrypoints.http import create_app
from services.followup.settings import FollowupSettings
from shared.clock import SimulatedClock
from tests.followup.test_application import feed
from tests.sla.contract_events import result, triaged
from tests.sla.scenario import T0
from tests.support import write_keys

SUMMARY = {
    "cause": "worn cable",
    "lessons": "inspect monthly",
    "improvement": "new schedule",
    "responsibility": "contractor",
}


@pytest.fixture
def env(tmp_path: Path):
    settings = FollowupSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    clock = SimulatedClock(T0)
    with TestClient(create_app(settings, app, clock)) as client:
        yield client, keys, clock, app


def h(keys: dict[str, str], who: str) -> dict[str, str]:
    return {"X-Office-Key": keys[who]}


def test_reply_visit_close_over_http(env) -> None:
    client, keys, clock, app = env
    cid = uuid.uuid4()
    feed(app, triaged(cid, T0), result(cid, T0 + timedelta(hours=3)))
    base = f"/complaints/{cid}"
    clock.advance(timedelta(hours=4))
    reply = {"channel": "phone", "summary": "Lift repaired."}
    assert client.post(f"{base}/reply", json=reply, headers=h(keys, "hk-central/staff")).status_code == 403
    assert client.post(f"{base}/reply", json=reply, headers=h(keys, "kln-east/supervisor")).status_code == 404
    assert client.post(f"{base}/reply", json=reply, headers=h(keys, "hk-central/supervisor")).status_code == 201

    before = app.process_recorder.max_notification_id()
    early_close = client.post(f"{base}/close", json=SUMMARY, headers=h(keys, "hk-central/supervisor"))
    assert early_close.status_code == 409 and "return visit" in early_close.json()["detail"]
    assert early_close.json()["code"] == "followup.return_visit_missing" and early_close.json()["params"] == {}
    steps = client.get(base, headers=h(keys, "hk-central/staff")).json()["steps"]  # said before it was asked
    assert steps["close"] == {key: early_close.json()[key] for key in ("detail", "code", "params")}
    assert steps["visit"] is None and steps["reply"]["code"] == "followup.already_replied"
    assert app.process_recorder.max_notification_id() == before

    bad = client.post(f"{base}/return-visits", json={"outcome": "satisfied", "satisfaction": 9},
                      headers=h(keys, "hk-central/staff"))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "satisfaction"]
    missing = client.post(f"{base}/return-visits", json={"outcome": "satisfied"}, headers=h(keys, "hk-central/staff"))
    assert missing.status_code == 422
    made = client.post(f"{base}/return-visits", json={"outcome": "satisfied", "satisfaction": 5, "acknowledged": True},
                       headers=h(keys, "hk-central/staff"))  # fmt: skip
    assert made.status_code == 201 and made.json()["final"] is True
    assert client.post(f"{base}/close", json=SUMMARY, headers=h(keys, "hk-central/staff")).status_code == 403
    assert client.post(f"{base}/close", json=SUMMARY, headers=h(keys, "hk-central/supervisor")).status_code == 200

    view = client.get(base, headers=h(keys, "group/auditor")).json()
    assert view["closed"]["by"] == "hk-central/supervisor"
    assert view["replies"][0]["at"].startswith("2026-11-02T13:30")
    assert client.get(base, headers=h(keys, "kln-east/supervisor")).status_code == 404


def test_openapi_documents_the_error_answers(env) -> None:
    client, *_ = env
    paths = client.get("/openapi.json").json()["paths"]
    assert {"403", "404", "409", "422"} <= set(paths["/complaints/{complaint_id}/close"]["post"]["responses"])


def test_a_supervisor_waives_the_return_visit_with_why_and_can_withdraw_it(env) -> None:
    client, keys, _clock, app = env
    cid = uuid.uuid4()
    feed(app, triaged(cid, T0), result(cid, T0 + timedelta(hours=2)))
    url = f"/complaints/{cid}/waivers"
    body = {"step": "return-visit", "reason": "the owner moved abroad; asked not to be called"}
    assert client.post(url, json=body, headers=h(keys, "hk-central/staff")).status_code == 403
    assert client.post(url, json=body, headers=h(keys, "hk-central/supervisor")).status_code == 201
    again = client.post(url, json=body, headers=h(keys, "hk-central/supervisor"))
    assert again.status_code == 409 and again.json()["code"] == "followup.already_waived"
    assert again.json()["params"] == {
        "step": "return-visit",
        "reason": body["reason"],
        "rule": "followup.waive.by-person",
    }
    waiver = client.get(f"/complaints/{cid}", headers=h(keys, "hk-central/supervisor")).json()["waivers"]
    assert waiver["return-visit"]["by"] == "hk-central/supervisor"
    withdrawn = client.post(f"{url}/return-visit/withdrawal", json={"reason": "reached by mail after all"},
                            headers=h(keys, "hk-central/manager"))  # fmt: skip
    assert withdrawn.status_code == 200
    assert client.get(f"/complaints/{cid}", headers=h(keys, "hk-central/supervisor")).json()["waivers"] == {}


def test_an_invalid_complaint_s_policy_waiver_is_not_withdrawn_and_the_steps_said_so_before(env) -> None:
    client, keys, _clock, app = env
    cid = uuid.uuid4()
    feed(app, triaged(cid, T0, validity="invalid"))
    steps = client.get(f"/complaints/{cid}", headers=h(keys, "hk-central/supervisor")).json()["steps"]
    before = app.process_recorder.max_notification_id()
    refused = client.post(f"/complaints/{cid}/waivers/return-visit/withdrawal", json={"reason": "call them anyway"},
                          headers=h(keys, "hk-central/manager"))  # fmt: skip
    assert refused.status_code == 409 and refused.json()["code"] == "followup.waiver_required_by_policy"
    assert steps["waiver-withdrawal"] == {key: refused.json()[key] for key in ("detail", "code", "params")}
    assert app.process_recorder.max_notification_id() == before
    view = client.get(f"/complaints/{cid}", headers=h(keys, "hk-central/supervisor")).json()
    assert view["waivers"]["return-visit"]["rule"] == "followup.waive.return-visit.invalid@v1"
