"""Triage's HTTP API: read a decision, confirm or override it (who and why), and change the rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.triage.application import TriageApplication
from services.triage.domain.rules import load_rules_file
from services.triage.entrypoints.http import create_app
from services.triage.settings import TriageSettings
from shared.contracts import ComplaintRegistered
from tests.support import T0, write_keys
from tests.triage.support import registered


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return write_keys(tmp_path / "keys.json")


@pytest.fixture
def client(tmp_path: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    settings = TriageSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    with TestClient(create_app(settings, clock=lambda: T0)) as client:
        yield client


def app_of(client: TestClient) -> TriageApplication:
    return client.app.state.triage


def judged(client: TestClient, text: str = "A corridor light flickers.") -> ComplaintRegistered:
    message = registered(text)
    uow = app_of(client).unit_of_work()
    app_of(client).triage_registration(uow, message)
    app_of(client).commit(uow)
    return message


def as_(keys: dict[str, str], actor: str) -> dict[str, str]:
    return {"X-Office-Key": keys[actor]}


def recorded(client: TestClient) -> int:
    return app_of(client).process_recorder.max_notification_id() or 0


def test_the_decision_is_readable_with_its_reasons(client, keys) -> None:
    complaint = judged(client)
    body = client.get(f"/complaints/{complaint.complaint_id}/triage", headers=as_(keys, "hk-central/reception")).json()
    assert body["severity"] == "minor"
    assert body["decision"]["explanations"]["severity"]["rule"] == "severity.minor.slight@v1"


def test_a_supervisor_overrides_the_severity_and_who_and_why_are_recorded(client, keys) -> None:
    complaint = judged(client)
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/severity",
        json={"value": "major", "reason": "the owner is in hospital"},
        headers=as_(keys, "hk-central/supervisor"),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["outcome"] == "overridden"
    assert body["triage"]["severity"] == "major"
    [override] = body["triage"]["overrides"]
    assert override | {"at": None} == {
        "aspect": "severity",
        "previous": "minor",
        "value": "major",
        "by": "hk-central/supervisor",
        "role": "supervisor",
        "reason": "the owner is in hospital",
        "at": None,
    }
    assert datetime.fromisoformat(override["at"])


def test_the_same_value_confirms(client, keys) -> None:
    complaint = judged(client)
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/routing",
        json={"value": "engineering", "reason": "checked"},
        headers=as_(keys, "hk-central/leader"),
    )
    assert answer.json()["outcome"] == "confirmed"


@pytest.mark.parametrize(
    ("aspect", "typed", "recorded_as"),
    [("severity", "mInor ", "minor"), ("severity", " MAJOR\t", "major"), ("validity", " Valid", "valid"),
     ("category", " Equipment/Electromechanical ", "equipment/electromechanical"),
     ("routing", "Engineering ", "engineering")],
)  # fmt: skip
def test_a_value_is_taken_whatever_its_case_and_surrounding_spaces(client, keys, aspect, typed, recorded_as) -> None:
    """A person types 'mInor ' into a form: the code is the same code, so triage takes it (found walking
    through the desk: the override was refused as a value the aspect cannot take)."""
    complaint = judged(client)
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/{aspect}",
        json={"value": typed, "reason": "checked"},
        headers=as_(keys, "hk-central/supervisor"),
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    if body["outcome"] == "overridden":
        [override] = body["triage"]["overrides"]
        assert override["value"] == recorded_as
    else:
        [confirmation] = body["triage"]["confirmations"]
        assert confirmation["value"] == recorded_as


def test_a_value_of_spaces_only_is_refused_as_blank(client, keys) -> None:
    complaint = judged(client)
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/severity",
        json={"value": "   ", "reason": "x"},
        headers=as_(keys, "hk-central/supervisor"),
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "value"]


def test_another_office_gets_404_and_nothing_is_recorded(client, keys) -> None:
    complaint = judged(client)
    before = recorded(client)
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/severity",
        json={"value": "major", "reason": "x"},
        headers=as_(keys, "kln-east/supervisor"),
    )
    assert answer.status_code == 404 and answer.json()["code"] == "complaint.not_found"
    assert (
        client.get(f"/complaints/{complaint.complaint_id}/triage", headers=as_(keys, "kln-east/supervisor")).status_code
        == 404
    )
    assert recorded(client) == before


@pytest.mark.parametrize("actor", ["hk-central/reception", "hk-central/staff", "group/dashboard"])
def test_only_supervisors_managers_and_leaders_of_the_office_decide(client, keys, actor) -> None:
    complaint = judged(client)
    before = recorded(client)
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/severity",
        json={"value": "major", "reason": "x"},
        headers=as_(keys, actor),
    )
    assert answer.status_code == 403
    assert recorded(client) == before


@pytest.mark.parametrize(
    ("aspect", "value"), [("severity", "catastrophic"), ("category", "equipment"), ("validity", "maybe")]
)
def test_a_value_the_aspect_cannot_take_is_422(client, keys, aspect, value) -> None:
    complaint = judged(client)
    before = recorded(client)
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/{aspect}",
        json={"value": value, "reason": "x"},
        headers=as_(keys, "hk-central/supervisor"),
    )
    assert answer.status_code == 422 and "value" in str(answer.json()["detail"])
    (problem,) = answer.json()["detail"]
    assert problem["code"] == "triage.value_not_allowed" and problem["loc"] == ["body", "value"]
    assert problem["params"]["aspect"] == aspect and problem["params"]["value"] == value
    assert problem["params"]["allowed"] and value not in problem["params"]["allowed"]
    assert recorded(client) == before


def test_the_group_changes_the_rules_as_a_new_version(client, keys) -> None:
    rules = load_rules_file()
    rules["incidents"]["window_minutes"] = 60
    answer = client.put(
        "/rules", json={"rules": rules, "reason": "tighter window"}, headers=as_(keys, "group/dashboard")
    )
    assert answer.status_code == 200 and answer.json()["version"] == 2
    assert client.get("/rules", headers=as_(keys, "hk-central/supervisor")).json()["version"] == 2


def test_unusable_rules_are_refused(client, keys) -> None:
    answer = client.put("/rules", json={"rules": {"x": 1}, "reason": "oops"}, headers=as_(keys, "group/dashboard"))
    assert answer.status_code == 422 and answer.json()["detail"][0]["code"] == "triage.rules_unusable"
    assert (
        client.put("/rules", json={"rules": {}, "reason": "x"}, headers=as_(keys, "hk-central/manager")).status_code
        == 403
    )


def test_a_calibration_table_of_the_wrong_shape_is_refused_and_nothing_adopted(client, keys) -> None:
    rules = load_rules_file()
    rules["confidence"]["calibrated"]["category"] = [[0.9, 0.9]]  # one short row: a lookup would fail mid-stream
    answer = client.put("/rules", json={"rules": rules, "reason": "typo"}, headers=as_(keys, "group/dashboard"))
    assert answer.status_code == 422 and "confidence.calibrated.category" in answer.text
    assert client.get("/rules", headers=as_(keys, "hk-central/supervisor")).json()["version"] == 1


def test_openapi_documents_the_error_answers(client) -> None:
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/complaints/{complaint_id}/triage/{aspect}"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(responses)


@pytest.mark.parametrize(
    ("typed", "recorded_as"),
    [("工程部", "engineering"), ("保安部", "security"), ("Security", "security"),
     ("customer service", "customer-service"), ("客户服务部", "customer-service")],
)  # fmt: skip
def test_a_routing_override_takes_a_department_by_its_word_in_any_language(client, keys, typed, recorded_as) -> None:
    """Recorded as routing's code, so handling opens the case to the department by the code it knows."""
    complaint = judged(client, "The lobby lift is broken.")
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/routing",
        json={"value": typed, "reason": "theirs"},
        headers=as_(keys, "hk-central/supervisor"),
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["triage"]["decision"]["department"] == recorded_as
    said = body["triage"]["overrides"] or body["triage"]["confirmations"]
    assert said[0]["value"] == recorded_as


@pytest.mark.parametrize("typed", ["Engineering Dept", "enginering", "maintenance-team", "部"])
def test_a_routing_override_to_a_department_routing_does_not_know_is_refused(client, keys, typed) -> None:
    """'Engineering Dept' or a typo was recorded and the case waited for a department nobody is in: now a
    422 with its code and the departments' codes, and nothing recorded."""
    complaint = judged(client)
    before = recorded(client)
    answer = client.post(
        f"/complaints/{complaint.complaint_id}/triage/routing",
        json={"value": typed, "reason": "theirs"},
        headers=as_(keys, "hk-central/supervisor"),
    )
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["code"] == "triage.unknown_department" and problem["loc"] == ["body", "value"]
    assert problem["params"]["value"] == typed.lower()
    assert {"engineering", "security", "customer-service", "parking"} <= set(problem["params"]["departments"])
    assert "engineering" in problem["msg"]
    assert recorded(client) == before


def test_an_office_s_departments_are_its_routing_s(client, keys) -> None:
    """GET /departments: the codes the rules in force route to for the caller's office (a group key: all),
    never a first-responsible person's role."""
    mine = client.get("/departments", headers=as_(keys, "hk-central/supervisor"))
    assert mine.status_code == 200
    body = mine.json()
    assert body["version"] == 1
    assert {"engineering", "security", "customer-service", "finance", "parking", "sanitation", "club"} <= set(
        body["departments"]
    )
    assert body["departments"] == sorted(body["departments"]) and not any(" " in d for d in body["departments"])
    group = client.get("/departments", headers=as_(keys, "group/dashboard")).json()
    assert set(body["departments"]) <= set(group["departments"])
