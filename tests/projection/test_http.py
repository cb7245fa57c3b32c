"""The projection's HTTP API: tenancy, personal data, filters and pages, errors, and the SSE stream."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import Scenario, build, expected_statistics, expected_violations
from tests.projection.support import feed
from tests.support import write_keys


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], Scenario]]:
    folder = tmp_path_factory.mktemp("projection-http")
    settings = ProjectionSettings(store="sqlite", state_dir=folder, keys_file=folder / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    scenario = build("http", offices=("hk-central", "kln-east"), per_office=30, seed=2)
    feed(app, scenario.events())
    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as client:
        yield client, keys, scenario
    app.close()


def key(keys: dict[str, str], actor: str) -> dict[str, str]:
    return {"X-Office-Key": keys[actor]}


def test_a_key_is_required(world) -> None:
    client, _, _ = world
    assert client.get("/complaints").status_code == 401
    assert client.get("/complaints").json()["code"] == "auth.key_missing"
    assert client.get("/complaints", headers={"X-Office-Key": "nope"}).status_code == 401
    assert client.get("/complaints", headers={"X-Office-Key": "nope"}).json()["code"] == "auth.key_unknown"


def test_an_office_lists_only_its_complaints_page_by_page(world) -> None:
    client, keys, scenario = world
    seen = []
    offset = 0
    while True:
        page = client.get(
            "/complaints", params={"limit": 7, "offset": offset}, headers=key(keys, "kln-east/supervisor")
        ).json()
        seen += page["items"]
        offset += 7
        if offset >= page["total"]:
            break
    mine = {str(s.complaint_id) for s in scenario.stories if s.office_id == "kln-east"}
    assert [i["complaint_id"] for i in seen] == sorted(
        mine, key=lambda c: next(s.sequence_number for s in scenario.stories if str(s.complaint_id) == c)
    )
    assert {i["office_id"] for i in seen} == {"kln-east"}


def test_filters_narrow_the_list(world) -> None:
    client, keys, scenario = world
    body = client.get(
        "/complaints", params={"violating": True, "limit": 500}, headers=key(keys, "group/dashboard")
    ).json()
    assert {i["complaint_id"] for i in body["items"]} == {c for c, _ in expected_violations(scenario)}
    invalid = client.get(
        "/complaints", params={"validity": "invalid", "limit": 500}, headers=key(keys, "group/dashboard")
    ).json()
    assert invalid["total"] == sum(s.validity == "invalid" for s in scenario.stories)


def test_another_offices_complaint_is_not_found_and_personal_data_stays_with_the_office(world) -> None:
    client, keys, scenario = world
    story = next(s for s in scenario.stories if s.office_id == "kln-east")
    url = f"/complaints/{story.complaint_id}"
    assert client.get(url, headers=key(keys, "hk-central/supervisor")).status_code == 404
    own = client.get(url, headers=key(keys, "kln-east/reception")).json()
    group = client.get(url, headers=key(keys, "group/dashboard")).json()
    auditor = client.get(url, headers=key(keys, "group/auditor")).json()
    assert own["complaint"]["complainant"]["contact"] == story.contact
    assert "complainant" not in auditor["complaint"]  # issue 13: the auditor's role needs no personal data
    assert story.contact not in str(auditor)
    assert "complainant" not in group["complaint"]
    assert story.contact not in str(group)
    registered = next(t for t in group["timeline"] if t["type"].endswith("ComplaintRegistered"))
    assert registered["payload"]["form"]["personal"] == "[personal data]"
    assert len(group["timeline"]) == len(story.tell())
    first = group["timeline"][0]
    assert {"occurred_at", "actor", "causation_id", "summary", "explanation", "digest"} <= set(first)


def test_an_office_key_cannot_ask_for_another_office(world) -> None:
    client, keys, _ = world
    for path in ("/complaints", "/violations", "/statistics", "/signals"):
        answer = client.get(path, params={"office": "kln-east"}, headers=key(keys, "hk-central/manager"))
        assert answer.status_code == 403, path
        assert answer.json()["code"] == "auth.other_office", path


def test_violations_and_statistics_per_office_and_for_the_group(world) -> None:
    client, keys, scenario = world
    office = client.get("/violations", headers=key(keys, "hk-central/leader")).json()
    assert {(v["complaint_id"], v["step"]) for v in office["items"]} == expected_violations(scenario, "hk-central")
    group = client.get("/statistics", headers=key(keys, "group/auditor")).json()
    assert group["scope"] == "group"
    assert group["statistics"]["complaints"] == expected_statistics(scenario)["complaints"]
    by_office = client.get("/statistics/offices", headers=key(keys, "group/dashboard")).json()
    assert {o: s["complaints"] for o, s in by_office.items()} == {"hk-central": 30, "kln-east": 30}
    week = client.get("/statistics", params={"week": "2026-W45"}, headers=key(keys, "group/dashboard")).json()
    assert week["period"] == "2026-W45" and 0 < week["statistics"]["complaints"] <= 60


def test_bad_input_answers_422_with_the_field(world) -> None:
    client, keys, _ = world
    answer = client.get("/statistics", params={"week": "last week"}, headers=key(keys, "group/dashboard"))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "week"]
    assert client.get("/complaints", params={"limit": 0}, headers=key(keys, "group/dashboard")).status_code == 422
    assert client.get("/complaints/not-a-uuid", headers=key(keys, "group/dashboard")).status_code == 422
    both = client.get("/complaints", params={"offset": 5, "after": "x"}, headers=key(keys, "group/dashboard"))
    assert both.status_code == 422 and both.json()["code"] == "projection.offset_and_after"
    stray = client.get("/complaints", params={"after": "not-a-cursor"}, headers=key(keys, "group/dashboard"))
    assert stray.status_code == 422 and stray.json()["code"] == "projection.bad_cursor", stray.text
    missing = client.get(f"/complaints/{uuid.uuid4()}", headers=key(keys, "group/dashboard"))
    assert missing.status_code == 404 and missing.json()["code"] == "complaint.not_found"
    nowhere = client.get("/no-such-path", headers=key(keys, "group/dashboard"))
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "request.not_found"


def test_signals_are_scoped_to_the_office(world) -> None:
    client, keys, _scenario = world
    own = client.get("/signals", headers=key(keys, "kln-east/manager")).json()["items"]
    assert {s["office_id"] for s in own} == {"kln-east"}
    kinds = {s["kind"] for s in own}
    assert {"sequence-gap", "hotline-unregistered"} <= kinds


def test_the_stream_sends_changes_of_the_keys_offices_only(world) -> None:
    client, keys, _ = world
    with client.stream(
        "GET", "/stream", params={"after": 0, "once": True}, headers=key(keys, "hk-central/reception")
    ) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        text = "".join(answer.iter_text())
    assert "event: complaint" in text and "event: office" in text
    assert "kln-east" not in text and "hk-central" in text


def test_the_api_is_read_only_and_documents_its_errors(world) -> None:
    client, _, _ = world
    spec = client.get("/openapi.json").json()
    methods = {m for path in spec["paths"].values() for m in path}
    assert methods == {"get"}
    assert {"401", "403", "404"} <= set(spec["paths"]["/complaints/{complaint_id}"]["get"]["responses"])
