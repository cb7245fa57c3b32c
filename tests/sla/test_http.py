"""The SLA HTTP API: roles, offices, out-of-order answers, and the extension flow."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.sla import bootstrap
from services.sla.entrypoints.http import create_app
from services.sla.settings import SlaSettings
from shared.clock import SimulatedClock
from tests.sla.contract_events import registered, triaged
from tests.sla.scenario import T0
from tests.sla.test_application import feed, published
from tests.support import write_keys


@pytest.fixture
def env(tmp_path: Path):
    settings = SlaSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    clock = SimulatedClock(T0)
    complaint = uuid.uuid4()
    feed(app, registered(complaint, T0), triaged(complaint, T0, "minor"))
    with TestClient(create_app(settings, app, clock)) as client:
        yield client, keys, clock, complaint, app
    app.close()


def h(keys: dict[str, str], who: str) -> dict[str, str]:
    return {"X-Office-Key": keys[who]}


def test_extension_requested_then_approved_by_a_manager(env) -> None:
    client, keys, clock, complaint, _app = env
    url = f"/complaints/{complaint}/clocks/resolution%230/extension"
    until = (T0 + timedelta(hours=20)).isoformat()
    clock.advance(timedelta(hours=6))
    r = client.post(url, json={"until": until, "reason": "parts"}, headers=h(keys, "hk-central/staff"))
    assert r.status_code == 202, r.text

    decision = {"approved": True, "reason": "agreed"}
    assert client.post(url + "/decision", json=decision, headers=h(keys, "hk-central/staff")).status_code == 403
    assert client.post(url + "/decision", json=decision, headers=h(keys, "kln-east/manager")).status_code == 404
    r = client.post(url + "/decision", json=decision, headers=h(keys, "hk-central/manager"))
    assert r.status_code == 200, r.text
    again = client.post(url + "/decision", json=decision, headers=h(keys, "hk-central/manager"))
    assert again.status_code == 409 and "no extension request" in again.json()["detail"]
    assert again.json()["code"] == "sla.no_extension_awaiting" and again.json()["params"] == {"clock": "resolution#0"}

    body = client.get(f"/complaints/{complaint}/clocks", headers=h(keys, "hk-central/supervisor")).json()
    resolution = next(c for c in body["clocks"] if c["key"] == "resolution#0")
    assert resolution["deadline"].startswith("2026-11-02T21:30")  # the original is kept
    assert resolution["deadline_in_force"].startswith("2026-11-03T05:30")
    assert resolution["extension"]["approved"] is True


def test_out_of_order_and_bad_input(env) -> None:
    client, keys, clock, complaint, app = env
    url = f"/complaints/{complaint}/clocks/resolution%230/extension"
    before = app.process_recorder.max_notification_id()
    late = client.post(url + "/decision", json={"approved": True, "reason": "x"}, headers=h(keys, "hk-central/manager"))
    assert late.status_code == 409 and late.json()["code"] == "sla.no_extension_awaiting"
    early = client.post(
        url, json={"until": (T0 + timedelta(hours=1)).isoformat(), "reason": "x"}, headers=h(keys, "hk-central/staff")
    )  # before the deadline in force: more time ends after it
    assert early.status_code == 409 and early.json()["code"] == "sla.extension_after_deadline"
    assert early.json()["params"]["clock"] == "resolution#0"
    assert early.json()["params"]["deadline"].startswith("2026-11-02T21:30")
    bad = client.post(url, json={"until": "tomorrow", "reason": ""}, headers=h(keys, "hk-central/staff"))
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} == {("body", "until"), ("body", "reason")}
    clock.advance(timedelta(hours=13))
    too_late = client.post(
        url, json={"until": (T0 + timedelta(days=1)).isoformat(), "reason": "x"}, headers=h(keys, "hk-central/staff")
    )
    assert too_late.status_code == 409 and too_late.json()["code"] == "sla.clock_ran_out"
    assert app.process_recorder.max_notification_id() == before  # nothing recorded
    assert client.get(f"/complaints/{complaint}/clocks").status_code == 401
    assert client.get(f"/complaints/{uuid.uuid4()}/clocks", headers=h(keys, "group/auditor")).status_code == 404
    assert client.get(f"/complaints/{complaint}/clocks", headers=h(keys, "group/auditor")).status_code == 200


def test_policy_and_calendar_are_versioned_by_the_right_people(env) -> None:
    client, keys, _clock, _complaint, app = env
    policy = client.get("/policy", headers=h(keys, "hk-central/staff")).json()
    assert policy["version"] == 1
    assert client.put("/policy", json=policy, headers=h(keys, "hk-central/manager")).status_code == 403
    assert client.put("/policy", json=policy, headers=h(keys, "group/dashboard")).json()["version"] == 2
    calendar = {
        "name": "hk-weekdays",
        "timezone": "Asia/Hong_Kong",
        "hours": {str(d): {"start": "09:00", "end": "18:00"} for d in range(5)},
        "holidays": ["2026-12-25"],
    }
    assert client.put("/office/calendar", json=calendar, headers=h(keys, "hk-central/staff")).status_code == 403
    r = client.put("/office/calendar", json=calendar, headers=h(keys, "hk-central/manager"))
    assert r.status_code == 200 and r.json()["version"] == 1
    assert app.office_calendar("hk-central").name == "hk-weekdays"
    assert app.office_calendar("kln-east") is None


# -- bounds (issue 12): times within the policy's horizon, policies and calendars validated as a whole ------


def _reasons(response, field: str) -> str:
    assert response.status_code == 422, response.text
    return " ".join(e["msg"] for e in response.json()["detail"] if field in e["loc"])


def _codes(response, field: str) -> set[str]:
    """The problems' codes (a service's own check) or pydantic's types (the contracts' and FastAPI's)."""
    return {e.get("code", e["type"]) for e in response.json()["detail"] if field in e["loc"]}


@pytest.mark.parametrize(
    ("until", "reason"),
    [
        ("7344-01-01T00:00:00Z", "outside the years"),
        ((T0 + timedelta(days=31)).isoformat(), "more than 30 days ahead"),
        ((T0 - timedelta(minutes=1)).isoformat(), "not in the future"),
    ],
)
def test_an_extension_beyond_the_policy_horizon_or_in_the_past_is_422(env, until, reason) -> None:
    coded = {"outside the years": "instant_out_of_range", "more than 30 days ahead": "bounds.beyond_horizon",
             "not in the future": "bounds.not_in_future"}  # fmt: skip
    client, keys, _clock, complaint, app = env
    before = app.process_recorder.max_notification_id()
    url = f"/complaints/{complaint}/clocks/resolution%230/extension"

    r = client.post(url, json={"until": until, "reason": "parts"}, headers=h(keys, "hk-central/staff"))

    assert reason in _reasons(r, "until") and _codes(r, "until") == {coded[reason]}
    assert app.process_recorder.max_notification_id() == before


def _policy(client, keys) -> dict:
    return client.get("/policy", headers=h(keys, "hk-central/staff")).json()


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"hand_over": {"unit": "minutes", "amount": 10**12}}, "hand_over", "at most 10080 minutes"),
        ({"hand_over": {"unit": "minutes", "amount": 0}}, "hand_over", "more than 0"),
        ({"settlement": {"unit": "days", "amount": 61}}, "settlement", "at most 60 days"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "not a known IANA time zone"),
        ({"regrade_after_days": 1e9}, "regrade_after_days", "at most 60 days"),
        (
            {
                "escalation": [
                    {"level": 1, "at_fraction": 1.0, "recipients": ["supervisor"]},
                    {"level": 2, "at_fraction": 1e12, "recipients": ["manager"]},
                ]
            },
            "at_fraction",
            "at most 5x the allowed time",
        ),
    ],
)
def test_a_policy_outside_its_limits_is_422_and_not_adopted(env, change, field, reason) -> None:
    client, keys, _clock, _complaint, app = env
    r = client.put("/policy", json=_policy(client, keys) | change, headers=h(keys, "group/dashboard"))

    assert reason in _reasons(r, field)
    assert _codes(r, field) & {"sla.allowance_out_of_limits", "sla.regrade_too_late", "sla.escalation_too_late",
                               "time_zone_unknown"}, r.json()  # fmt: skip
    assert app.current_policy().version == 1


def test_a_nan_literal_in_a_policy_is_422_naming_the_field(env) -> None:
    client, keys, _clock, _complaint, _app = env
    body = json.dumps(_policy(client, keys)).replace('"regrade_after_days": 7.0', '"regrade_after_days": NaN')
    headers = h(keys, "group/dashboard") | {"Content-Type": "application/json"}

    r = client.put("/policy", content=body, headers=headers)

    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "regrade_after_days"]


WEEKDAYS = {str(d): {"start": "09:00", "end": "18:00"} for d in range(5)}


@pytest.mark.parametrize(
    ("calendar", "field", "reason"),
    [
        (
            {"hours": {"0": {"start": "09:00", "end": "09:01"}}},
            "body",
            "0.0167 working hours; a calendar must leave at least 16",
        ),
        ({"hours": WEEKDAYS, "timezone": "Nowhere/Atlantis"}, "timezone", "not a known IANA time zone"),
        ({"hours": WEEKDAYS, "timezone": "../../etc/passwd"}, "timezone", "not a known IANA time zone"),
        (
            {"hours": {"0": {"start": "09:00+08:00", "end": "18:00"}}},
            "start",
            "local times without an offset",
        ),
        (
            {"hours": WEEKDAYS, "holidays": [str(date(2027, 1, 1) + timedelta(days=n)) for n in range(201)]},
            "holidays",
            "at most 200 holidays",
        ),
    ],
)
def test_a_calendar_without_real_working_time_or_zone_is_422(env, calendar, field, reason) -> None:
    client, keys, _clock, _complaint, app = env
    body = {"name": "bad", "timezone": "Asia/Hong_Kong"} | calendar

    r = client.put("/office/calendar", json=body, headers=h(keys, "hk-central/manager"))

    assert reason in _reasons(r, field)
    assert app.office_calendar("hk-central") is None


def test_an_approved_extension_warns_before_the_new_deadline_through_the_scheduler(env) -> None:
    """Through the service: the manager's approval over HTTP, the scheduler's tick on the due table, and
    the relay's translation: a DeadlineWarning of the extended deadline and its notification (the
    mail), each once; no warning against the old deadline after the approval."""
    client, keys, clock, complaint, app = env
    url = f"/complaints/{complaint}/clocks/resolution%230/extension"
    until = T0 + timedelta(hours=20)  # the half day ran to 21:30; 50% of 20 hours is 19:30, 80% 01:30
    clock.advance(timedelta(hours=7))  # the old 50% warning (15:30) is due: the scheduler is late
    assert client.post(url, json={"until": until.isoformat(), "reason": "parts"},
                       headers=h(keys, "hk-central/staff")).status_code == 202  # fmt: skip
    decision = {"approved": True, "reason": "agreed"}
    assert client.post(url + "/decision", json=decision, headers=h(keys, "hk-central/manager")).status_code == 200
    for hours in (8, 10, 12, 14, 17, 19.9):
        app.tick(T0 + timedelta(hours=hours))
    app.tick(T0 + timedelta(hours=19.9))

    messages = published(app)
    warnings = [m for m in messages if m.type == "complaints.sla.DeadlineWarning" and m.payload.key == "resolution#0"]
    assert [(w.payload.fraction, w.occurred_at, w.payload.deadline) for w in warnings] == [
        (0.5, T0 + timedelta(hours=6), T0 + timedelta(hours=12)),  # recorded before the approval, at its time
        (0.5, T0 + timedelta(hours=10), until),
        (0.8, T0 + timedelta(hours=16), until),
    ]
    mails = [m.payload.subject for m in messages if m.type == "complaints.notifications.NotificationRequested"]
    assert (
        mails.count(
            f"resolution clock: 80% of the allowed time used; deadline {until.isoformat(timespec='minutes')} "
            f"(extended from {(T0 + timedelta(hours=12)).isoformat(timespec='minutes')})"
        )
        == 1
    )
    assert not any(m.type == "complaints.sla.DeadlineBreached" and m.payload.key == "resolution#0" for m in messages)


def test_an_extension_typed_in_the_office_s_time_is_told_in_utc_beside_the_deadline_it_extends(env) -> None:
    """Found walking `make demo`: a supervisor's warning mail read "deadline 2026-12-02T20:00+08:00 (extended
    from 2026-12-02T07:01+00:00)": the new deadline kept the offset the person typed the extension in, the
    old one was UTC, and one sentence read as two clocks (the earlier-looking time was the later one). Every
    instant of the sentence is now UTC, as in every other warning and breach."""
    from zoneinfo import ZoneInfo

    client, keys, _clock, complaint, app = env
    url = f"/complaints/{complaint}/clocks/resolution%230/extension"
    until = (T0 + timedelta(hours=20)).astimezone(ZoneInfo("Asia/Hong_Kong"))  # 05:30 the next day there
    assert client.post(url, json={"until": until.isoformat(), "reason": "parts"},
                       headers=h(keys, "hk-central/staff")).status_code == 202  # fmt: skip
    decision = {"approved": True, "reason": "agreed"}
    assert client.post(url + "/decision", json=decision, headers=h(keys, "hk-central/manager")).status_code == 200
    app.tick(T0 + timedelta(hours=10))  # 50% of the extended time

    mails = [m.payload.subject for m in published(app) if m.type == "complaints.notifications.NotificationRequested"]
    assert "resolution clock: 50% of the allowed time used; deadline 2026-11-03T05:30+00:00 " \
        "(extended from 2026-11-02T21:30+00:00)" in mails, mails  # fmt: skip
