"""Handling's HTTP API: the steps in order, roles checked, another office's case invisible, and a step
out of order answered 409 with nothing recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.handling.adapters.outbound import CaseTranslator
from services.handling.application import HandlingApplication
from services.handling.entrypoints.http import create_app
from services.handling.settings import HandlingSettings
from shared.contracts.triage import ComplaintTriaged
from tests.handling.support import ROUTING_DEPARTMENTS, triaged
from tests.support import T0, write_keys


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return write_keys(tmp_path / "keys.json")


@pytest.fixture
def client(tmp_path: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    settings = HandlingSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    with TestClient(create_app(settings, clock=lambda: T0)) as client:
        yield client


def app_of(client: TestClient) -> HandlingApplication:
    return client.app.state.handling


def routed(
    client: TestClient, office_id: str = "hk-central", departments: tuple[str, ...] = ROUTING_DEPARTMENTS
) -> ComplaintTriaged:
    message = triaged(office_id, departments=departments)
    app = app_of(client)
    uow = app.unit_of_work()
    app.open_case(uow, message)
    app.commit(uow)
    return message


def as_(keys: dict[str, str], actor: str) -> dict[str, str]:
    return {"X-Office-Key": keys[actor]}


def recorded(client: TestClient) -> int:
    return app_of(client).process_recorder.max_notification_id() or 0


def published(client: TestClient) -> list[Any]:
    app = app_of(client)
    translate = CaseTranslator(app)
    return [
        p.message
        for n in app.process_recorder.select_notifications(1, 1000)
        for p in translate(app.mapper.to_domain_event(n))
    ]


STAFF, LEADER = "hk-central/staff", "hk-central/leader"


def walk(client: TestClient, keys: dict[str, str], case: str, upto: str) -> None:
    steps = [
        ("acceptance", STAFF, None),
        ("cause", STAFF, {"cause": "worn cable", "responsible_person": "lift contractor"}),
        ("proposal", STAFF, {"kind": "repair", "description": "replace the cable today"}),
        ("approval", LEADER, {"note": "go ahead"}),
        ("execution", STAFF, {"notes": "cable replaced at 15:00"}),
        ("result", STAFF, {"result": "the lift runs again", "resolved": True}),
    ]
    for step, actor, body in steps:
        answer = client.post(f"/cases/{case}/{step}", json=body, headers=as_(keys, actor))
        assert answer.status_code == 200, answer.text
        if step == upto:
            return


def test_health(client) -> None:
    assert client.get("/health/live").json() == {"status": "ok", "service": "handling"}


def test_a_case_from_acceptance_to_result_tells_the_whole_story(client, keys) -> None:
    message = routed(client)
    case = str(message.complaint_id)
    client.post(f"/cases/{case}/progress", json={"message": "engineer on the way"}, headers=as_(keys, STAFF))
    due = (T0 + timedelta(hours=4)).isoformat()
    client.post(
        f"/cases/{case}/commitments", json={"promise": "fixed by 14:00", "due_at": due}, headers=as_(keys, STAFF)
    )
    walk(client, keys, case, "result")

    events = published(client)
    assert [e.type.rsplit(".", 1)[1] for e in events] == [
        "CaseOpened",
        "ProgressReported",
        "CommitmentMade",
        "CaseAccepted",
        "CauseRecorded",
        "SolutionProposed",
        "SolutionApproved",
        "SolutionCarriedOut",
        "ResultRecorded",
    ]
    assert all(e.complaint_id == message.complaint_id == e.correlation_id for e in events)
    assert all(e.office_id == "hk-central" for e in events)
    assert events[0].causation_id == message.event_id and events[0].actor.id == "system:handling"
    assert events[0].payload.explanation.caused_by == [message.event_id]
    assert events[0].payload.explanation.reason == "routed by triage: test"
    assert events[6].actor.id == LEADER and events[6].actor.role == "leader"
    assert client.get(f"/cases/{case}", headers=as_(keys, STAFF)).json()["stage"] == "resulted"


OUT_OF_ORDER = [
    ("opened", "approval", LEADER, {}, "must be proposed", ("handling.out_of_order", "opened", ["proposed"])),
    ("acceptance", "proposal", STAFF, {"kind": "repair", "description": "x"}, "record the cause",
     ("handling.cause_first", None, None)),
    ("proposal", "result", STAFF, {"result": "x", "resolved": True}, "must be carried-out",
     ("handling.out_of_order", "proposed", ["carried-out"])),
    ("approval", "result", STAFF, {"result": "x", "resolved": True}, "must be carried-out",
     ("handling.out_of_order", "approved", ["carried-out"])),
    ("result", "progress", STAFF, {"message": "x"}, "has a result already", ("handling.has_result", None, None)),
    ("result", "approval", LEADER, {}, "has a result already", ("handling.has_result", None, None)),
]  # fmt: skip


@pytest.mark.parametrize(("upto", "step", "actor", "body", "message", "coded"), OUT_OF_ORDER)
def test_a_step_out_of_order_is_409_and_records_nothing(client, keys, upto, step, actor, body, message, coded) -> None:
    case = str(routed(client).complaint_id)
    if upto != "opened":
        walk(client, keys, case, upto)
    before = recorded(client)

    answer = client.post(f"/cases/{case}/{step}", json=body, headers=as_(keys, actor))

    assert answer.status_code == 409
    assert message in answer.json()["detail"]
    # The case said so before it was asked: its `steps` carry the refusal the command answers.
    offered = client.get(f"/cases/{case}", headers=as_(keys, actor)).json()["steps"][step]
    assert offered == {key: answer.json()[key] for key in ("detail", "code", "params")}
    code, stage, wanted = coded  # what a program reads, whatever the sentence says
    assert answer.json()["code"] == code
    assert answer.json()["params"].get("stage") == stage and answer.json()["params"].get("wanted") == wanted
    assert recorded(client) == before


@pytest.mark.parametrize("step", ["acceptance", "progress"])
def test_another_offices_key_gets_404_and_records_nothing(client, keys, step) -> None:
    case = str(routed(client).complaint_id)
    before = recorded(client)
    answer = client.post(f"/cases/{case}/{step}", json={"message": "x"}, headers=as_(keys, "kln-east/staff"))
    assert answer.status_code == 404 and answer.json()["code"] == "handling.case_not_found"
    assert client.get(f"/cases/{case}", headers=as_(keys, "kln-east/leader")).status_code == 404
    assert recorded(client) == before


def test_only_a_leader_approves(client, keys) -> None:
    case = str(routed(client).complaint_id)
    walk(client, keys, case, "proposal")
    before = recorded(client)
    for actor in (STAFF, "hk-central/supervisor", "hk-central/reception"):
        assert client.post(f"/cases/{case}/approval", json={}, headers=as_(keys, actor)).status_code == 403
    assert recorded(client) == before


def test_a_group_key_reads_but_cannot_act(client, keys) -> None:
    case = str(routed(client).complaint_id)
    assert client.get(f"/cases/{case}", headers=as_(keys, "group/auditor")).status_code == 200
    assert client.post(f"/cases/{case}/acceptance", headers=as_(keys, "group/dashboard")).status_code == 403


def test_a_rejection_sends_the_case_back_with_instructions(client, keys) -> None:
    case = str(routed(client).complaint_id)
    walk(client, keys, case, "proposal")
    answer = client.post(
        f"/cases/{case}/rejection", json={"instructions": "offer a discount"}, headers=as_(keys, LEADER)
    )
    assert answer.status_code == 200 and answer.json()["stage"] == "accepted"
    assert published(client)[-1].payload.instructions == "offer a discount"


def test_a_hand_over_is_requested_then_accepted(client, keys) -> None:
    case = str(routed(client).complaint_id)
    body = {"to_department": "security", "reason": "a theft, not a fault"}
    assert client.post(f"/cases/{case}/hand-over", json=body, headers=as_(keys, STAFF)).status_code == 200
    pending = client.post(f"/cases/{case}/acceptance", headers=as_(keys, STAFF))
    assert pending.status_code == 409 and pending.json()["code"] == "handling.hand_over_pending"
    assert pending.json()["params"]["to_department"] == "security"
    answer = client.post(f"/cases/{case}/hand-over/acceptance", headers=as_(keys, "hk-central/supervisor"))
    assert answer.json()["department"] == "security"
    kinds = [e.type.rsplit(".", 1)[1] for e in published(client)]
    assert kinds[-2:] == ["HandOverRequested", "HandOverAccepted"]


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("proposal", {"kind": "bribe", "description": "x"}, "kind"),
        ("proposal", {"kind": "repair", "description": ""}, "description"),
        ("commitments", {"promise": "call back", "due_at": "2026-11-01T09:00:00+00:00"}, "due_at"),
        ("commitments", {"promise": "call back", "due_at": "2026-12-01T09:00:00"}, "due_at"),
        # issue 12: a promise in the year 7344, or beyond the horizon, was accepted and stopped the SLA's clocks
        ("commitments", {"promise": "call back", "due_at": "7344-01-01T09:00:00+00:00"}, "due_at"),
        ("commitments", {"promise": "call back", "due_at": (T0 + timedelta(days=91)).isoformat()}, "due_at"),
        ("cause", {"cause": "x"}, "responsible_person"),
        # found on `make up`: a hand-over to 'Engineering Dept' (routing's code is 'engineering') was recorded,
        # and the case waited for a department nobody is in while its hand-over clock ran out
        ("hand-over", {"to_department": "Engineering Dept", "reason": "the pump is theirs"}, "to_department"),
    ],
)
def test_bad_input_is_422_with_the_field_named_and_nothing_recorded(client, keys, step, body, field) -> None:
    case = str(routed(client).complaint_id)
    walk(client, keys, case, "acceptance")
    before = recorded(client)
    answer = client.post(f"/cases/{case}/{step}", json=body, headers=as_(keys, STAFF))
    assert answer.status_code == 422 and answer.json()["code"] == "request.invalid"
    assert field in str(answer.json()["detail"])
    if field == "due_at" and "7344" not in body["due_at"] and body["due_at"].endswith("+00:00"):  # the horizon's
        assert answer.json()["detail"][0]["code"] in ("bounds.not_in_future", "bounds.beyond_horizon")
    assert recorded(client) == before


def test_openapi_documents_the_error_answers(client) -> None:
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/cases/{complaint_id}/approval"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(responses)


def test_a_promise_is_kept_by_its_own_step_not_by_progress(client, keys) -> None:
    case = str(routed(client).complaint_id)
    due = (T0 + timedelta(hours=8)).isoformat()
    promise = {"promise": "今晚8點前恢復供水", "due_at": due}
    assert client.post(f"/cases/{case}/commitments", json=promise, headers=as_(keys, STAFF)).status_code == 200
    progress = {"message": "已聯絡水務署，正在搶修"}  # noqa: RUF001
    client.post(f"/cases/{case}/progress", json=progress, headers=as_(keys, STAFF))
    missing = client.post(f"/cases/{case}/commitments/1/kept", json={"note": "done"}, headers=as_(keys, STAFF))
    assert missing.status_code == 409 and "no commitment 1" in missing.text
    kept = client.post(f"/cases/{case}/commitments/0/kept", json={"note": "水已恢復"}, headers=as_(keys, STAFF))
    assert kept.status_code == 200, kept.text
    assert kept.json()["commitments"][0]["kept_at"] is not None
    [event] = [e for e in published(client) if e.type.endswith("CommitmentKept")]
    assert (event.payload.number, event.payload.promise, event.payload.note) == (0, "今晚8點前恢復供水", "水已恢復")
    again = client.post(f"/cases/{case}/commitments/0/kept", json={"note": "again"}, headers=as_(keys, STAFF))
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("typed", "recorded_as"),
    [("security", "security"), ("Security", "security"), (" 保安部 ", "security"), ("客户服务部", "customer-service"),
     ("Customer Service", "customer-service"), ("car park", "parking")],
)  # fmt: skip
def test_a_hand_over_names_the_department_by_its_code_or_its_word_and_records_the_code(
    client, keys, typed, recorded_as
) -> None:
    """Read as triage reads a routing override (shared/contracts/labels.department_code), against the
    departments routing knows for the office, which triage's decision carries."""
    case = str(routed(client).complaint_id)
    answer = client.post(f"/cases/{case}/hand-over", json={"to_department": typed, "reason": "theirs"},
                         headers=as_(keys, STAFF))  # fmt: skip
    assert answer.status_code == 200, answer.json()
    assert answer.json()["hand_over_to"] == recorded_as
    assert published(client)[-1].payload.to_department == recorded_as


@pytest.mark.parametrize("typed", ["Engineering Dept", "secruity", "pest-control", "部"])
def test_a_hand_over_to_a_department_routing_does_not_know_is_refused_with_the_codes(client, keys, typed) -> None:
    """'Engineering Dept' (or a typo, or a well-formed code no routing names) was recorded and the case
    waited for a department nobody is in while its hand-over clock ran out."""
    case = str(routed(client).complaint_id)
    before = recorded(client)
    answer = client.post(f"/cases/{case}/hand-over", json={"to_department": typed, "reason": "theirs"},
                         headers=as_(keys, STAFF))  # fmt: skip
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["code"] == "handling.unknown_department" and problem["loc"] == ["body", "to_department"]
    assert problem["params"] == {"value": typed, "departments": list(ROUTING_DEPARTMENTS)}
    assert recorded(client) == before


def test_a_case_opened_before_decisions_carried_departments_takes_any_department_s_code(client, keys) -> None:
    """Backward compatible: a ComplaintTriaged published before `departments` names none; such a case
    takes a department's code (as before), and still refuses what is no code."""
    case = str(routed(client, departments=()).complaint_id)
    refused = client.post(f"/cases/{case}/hand-over", json={"to_department": "Engineering Dept", "reason": "x"},
                          headers=as_(keys, STAFF))  # fmt: skip
    assert refused.status_code == 422 and refused.json()["detail"][0]["params"]["departments"] == []
    taken = client.post(f"/cases/{case}/hand-over", json={"to_department": "Security", "reason": "a theft"},
                        headers=as_(keys, STAFF))  # fmt: skip
    assert taken.status_code == 200 and taken.json()["hand_over_to"] == "security"
