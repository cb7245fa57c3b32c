"""Intake's HTTP API: the registration form in, clear errors out, and nothing recorded on bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from tests.support import T0, form, write_keys


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return write_keys(tmp_path / "keys.json")


@pytest.fixture
def client(tmp_path: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    # intake's clock an hour after the forms' receipt (T0): the forms stay inside its window for good
    with TestClient(create_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        yield client


def headers(keys: dict[str, str], actor: str = "hk-central/reception") -> dict[str, str]:
    return {"X-Office-Key": keys[actor]}


def recorded(client: TestClient) -> int:
    return client.app.state.intake.process_recorder.max_notification_id() or 0


def test_health(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok", "service": "intake"}


def test_post_registers_then_the_same_reference_answers_200_with_the_same_id(client, keys) -> None:
    first = client.post("/complaints", json=form(), headers=headers(keys))
    again = client.post("/complaints", json=form(), headers=headers(keys))

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["sequence_number"] == 1


def test_get_returns_the_registration(client, keys) -> None:
    complaint_id = client.post("/complaints", json=form(), headers=headers(keys)).json()["complaint_id"]

    body = client.get(f"/complaints/{complaint_id}", headers=headers(keys)).json()

    assert body["office_id"] == "hk-central"
    assert body["form"]["complainant"]["name"] == "Chan Tai Man"
    assert body["registered_by"] == "hk-central/reception"


def test_the_office_comes_from_the_key_and_another_office_cannot_read_it(client, keys) -> None:
    complaint_id = client.post("/complaints", json=form(), headers=headers(keys)).json()["complaint_id"]

    other = client.get(f"/complaints/{complaint_id}", headers=headers(keys, "kln-east/reception"))
    group = client.get(f"/complaints/{complaint_id}", headers=headers(keys, "group/auditor"))

    assert other.status_code == 404 and other.json()["code"] == "complaint.not_found"
    assert group.status_code == 200 and group.json()["office_id"] == "hk-central"


def test_group_keys_dashboards_and_auditors_alike_do_not_see_personal_data(client, keys) -> None:
    complaint_id = client.post("/complaints", json=form(), headers=headers(keys)).json()["complaint_id"]

    dashboard = client.get(f"/complaints/{complaint_id}", headers=headers(keys, "group/dashboard")).json()
    auditor = client.get(f"/complaints/{complaint_id}", headers=headers(keys, "group/auditor")).json()

    assert dashboard["form"]["complainant"] == {"name": "(withheld)", "contact": "(withheld)"}
    # issue 13: an auditor checks the record, not who complained (evidence packs open it, docs/privacy.md)
    assert auditor["form"]["complainant"] == {"name": "(withheld)", "contact": "(withheld)"}
    assert auditor["form"]["unit_address"] == "(withheld)"


def test_a_body_naming_an_office_is_refused(client, keys) -> None:
    response = client.post("/complaints", json=form() | {"office_id": "kln-east"}, headers=headers(keys))
    assert response.status_code == 422 and response.json()["code"] == "request.invalid"
    assert response.json()["detail"][0]["loc"] == ["body", "office_id"]


def test_reused_reference_with_other_details_is_409(client, keys) -> None:
    client.post("/complaints", json=form(), headers=headers(keys))
    before = recorded(client)
    response = client.post("/complaints", json=form(object="Car park gate"), headers=headers(keys))
    assert response.status_code == 409
    assert "already registered" in response.json()["detail"]
    assert response.json()["code"] == "intake.reference_reused"
    assert response.json()["params"] == {"office_reference": form()["office_reference"]}
    assert recorded(client) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in form().items() if k != "channel"}, "channel"),
        (form(channel="pigeon"), "channel"),
        (form(received_at="yesterday"), "received_at"),
        (form(received_at="2026-11-02T09:30:00"), "received_at"),  # no time zone
        (form(complainant={"name": "", "contact": "+852 1"}), "complainant"),
        (form(office_reference="has spaces"), "office_reference"),
        (form(description="x" * 5000), "description"),
    ],
)
def test_bad_fields_get_422_with_the_field_named_and_nothing_recorded(client, keys, body, field) -> None:
    response = client.post("/complaints", json=body, headers=headers(keys))

    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"])
    assert recorded(client) == 0


@pytest.mark.parametrize(
    ("body", "field", "secret"),
    [
        (form(complainant={"name": "陳" * 201, "contact": "+852 9123 4567"}), "complainant", "陳" * 201),
        (form(complainant={"name": "Chan Tai Man", "contact": "x"}), "complainant", "Chan Tai Man"),
        (form(unit_address="Flat B " * 50), "unit_address", "Flat B Flat B"),
        (form(description="my neighbour Mr Wong " * 250), "description", "my neighbour Mr Wong"),
    ],
)
def test_a_422_does_not_echo_a_person_s_data_or_a_long_text(client, keys, body, field, secret) -> None:
    """FastAPI echoes the offending `input`: not a complainant's fields, nor a 4,000-character account."""
    response = client.post("/complaints", json=body, headers=headers(keys))
    assert response.status_code == 422
    [error] = [e for e in response.json()["detail"] if field in e["loc"]]
    assert "input" not in error and secret not in response.text
    assert recorded(client) == 0


def test_a_422_still_echoes_a_short_field_that_is_not_personal(client, keys) -> None:
    response = client.post("/complaints", json=form(office_reference="has spaces"), headers=headers(keys))
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "office_reference"] and error["input"] == "has spaces"


def test_a_whole_form_refused_is_not_echoed_with_its_complainant(client, keys) -> None:
    response = client.post("/complaints", json=form(occurred_at="2026-11-03T00:00:00+00:00"), headers=headers(keys))
    assert response.status_code == 422 and "occurred_at must not be after received_at" in response.text
    assert "Chan Tai Man" not in response.text and "Harbour View" not in response.text


def test_occurred_after_received_is_422(client, keys) -> None:
    body = form(occurred_at="2026-11-03T00:00:00+00:00")
    response = client.post("/complaints", json=body, headers=headers(keys))
    assert response.status_code == 422
    assert "occurred_at must not be after received_at" in response.text
    (problem,) = response.json()["detail"]
    assert problem["type"] == "occurred_after_received"  # the contract's own check: pydantic's type, its ctx
    assert problem["ctx"] == {"field": "occurred_at"}


def test_unparseable_json_is_422(client, keys) -> None:
    response = client.post(
        "/complaints",
        content=b'{"office_reference": ',
        headers=headers(keys) | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert recorded(client) == 0


def test_oversized_body_is_413(client, keys) -> None:
    response = client.post(
        "/complaints",
        content=b"{" + b" " * 70_000 + b"}",
        headers=headers(keys) | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request.body_too_large" and response.json()["params"]["max_bytes"] > 0
    assert recorded(client) == 0


@pytest.mark.parametrize("key", [None, "ck_not-a-real-key"])
def test_missing_or_unknown_key_is_401(client, key) -> None:
    response = client.post("/complaints", json=form(), headers={"X-Office-Key": key} if key else {})
    assert response.status_code == 401
    assert response.json()["code"] == ("auth.key_unknown" if key else "auth.key_missing")
    assert response.headers["WWW-Authenticate"] == "X-Office-Key"
    assert recorded(client) == 0


def test_a_group_key_cannot_register_for_an_office(client, keys) -> None:
    response = client.post("/complaints", json=form(), headers=headers(keys, "group/dashboard"))
    assert response.status_code == 403
    assert response.json()["code"] == "auth.role_needed" and response.json()["params"]["held"] == ["group"]
    assert recorded(client) == 0


def test_openapi_documents_the_error_answers(client) -> None:
    responses = client.get("/openapi.json").json()["paths"]["/complaints"]["post"]["responses"]
    assert {"200", "201", "401", "403", "409", "413", "422"} <= set(responses)
