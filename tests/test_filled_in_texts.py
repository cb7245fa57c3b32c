"""A text a person must fill in is not filled in by spaces, in any service's command.

Found walking the running system: a manager approved a minor complaint's overtime with the reason "   "
(`POST /complaints/{id}/clocks/resolution#0/extension/decision`), answered 200 and recorded as the
decision's why; a supervisor's override of severity, a follow-up waiver, a department's cause and result,
a directory change took spaces alike. Intake already refused a registration form's blank texts
(`intake.blank_field`); every service's command now holds its texts to the same rule (`shared.web.FilledIn`).

Every body model of every service's HTTP API is walked, so a text field added later without the rule is
found: each `str` field with a `min_length` must refuse spaces alone as `string_blank` at its own name.
Then the walk's own case end to end through the SLA's HTTP app, and a triage override likewise.
"""

from __future__ import annotations

import importlib
import inspect
import types
import typing
import uuid
from pathlib import Path
from typing import Any, get_args, get_origin

import annotated_types
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

UNIONS = (types.UnionType, typing.Union)
SERVICES = ("intake", "triage", "handling", "sla", "followup", "projection", "directory")
BLANKS = ("   ", " \t\n", "\u3000\u3000")  # spaces, other white space, the ideographic space of a Chinese form
# A code, not a text: triage takes it with its spaces dropped, so spaces alone are empty (`string_too_short`).
NOT_A_PERSON_S_TEXT = {("triage", "DecisionIn", "value")}


def _models() -> list[tuple[str, type[BaseModel]]]:
    found = []
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.entrypoints.http")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseModel) and value.__module__ == module.__name__:
                found.append((service, value))
    return found


def _texts(model: type[BaseModel]) -> list[str]:
    """The fields a person types: a `str` (or `str | None`) with a least length."""
    names = []
    for name, field in model.model_fields.items():
        kinds = {field.annotation, *(get_args(field.annotation) if get_origin(field.annotation) in UNIONS else ())}
        least = [m.min_length for m in field.metadata if isinstance(m, annotated_types.MinLen)]
        if str in kinds and least and least[0] >= 1:
            names.append(name)
    return names


TEXTS = [(service, model, name) for service, model in _models() for name in _texts(model)]


def test_the_walk_finds_the_commands_texts() -> None:
    """The walk itself: it finds the texts the finding was about (so an empty walk cannot pass)."""
    found = {(service, model.__name__, name) for service, model, name in TEXTS}
    assert {
        ("sla", "ExtensionDecision", "reason"),
        ("sla", "ExtensionRequest", "reason"),
        ("triage", "DecisionIn", "reason"),
        ("handling", "CauseIn", "cause"),
        ("followup", "WaiverIn", "reason"),
        ("intake", "ErasureRequest", "reason"),
    } <= found, sorted(found)
    assert len(found) >= 30


@pytest.mark.parametrize(("service", "model", "name"), TEXTS, ids=[f"{s}.{m.__name__}.{n}" for s, m, n in TEXTS])
def test_spaces_alone_are_refused_as_blank(service: str, model: type[BaseModel], name: str) -> None:
    if (service, model.__name__, name) in NOT_A_PERSON_S_TEXT:
        pytest.skip("a code its own pattern checks")
    for blank in BLANKS:
        with pytest.raises(ValidationError) as refused:
            model.model_validate({name: blank})
        mine = [e for e in refused.value.errors() if e["loc"] == (name,)]
        assert [e["type"] for e in mine] == ["string_blank"], (blank, mine)
    words: dict[str, Any] = {name: " The supplier delivers tomorrow. "}  # kept as typed, spaces and all
    try:
        model.model_validate(words)
    except ValidationError as error:
        assert not [e for e in error.errors() if e["loc"] == (name,)], error.errors()


@pytest.fixture
def sla(tmp_path: Path):  # type: ignore[no-untyped-def]
    from services.sla import bootstrap
    from services.sla.entrypoints.http import create_app
    from services.sla.settings import SlaSettings
    from shared.clock import SimulatedClock
    from tests.sla.contract_events import registered, triaged
    from tests.sla.scenario import T0
    from tests.sla.test_application import feed
    from tests.support import write_keys

    settings = SlaSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    complaint = uuid.uuid4()
    feed(app, registered(complaint, T0), triaged(complaint, T0, "minor"))
    with TestClient(create_app(settings, app, SimulatedClock(T0))) as client:
        yield client, keys, complaint, T0
    app.close()


def test_a_manager_approving_overtime_with_spaces_for_a_reason_is_refused_and_nothing_recorded(  # type: ignore[no-untyped-def]
    sla,
) -> None:
    client, keys, complaint, t0 = sla
    clock = f"/complaints/{complaint}/clocks/resolution%230"
    staff, manager = {"X-Office-Key": keys["hk-central/staff"]}, {"X-Office-Key": keys["hk-central/manager"]}
    until = (t0.replace(hour=23)).isoformat()
    asked = client.post(f"{clock}/extension", headers=staff, json={"until": until, "reason": "   "})
    assert asked.status_code == 422, asked.text
    assert [(p["loc"], p["type"]) for p in asked.json()["detail"]] == [(["body", "reason"], "string_blank")]
    worded = {"until": until, "reason": "The LED bulb arrives tonight."}
    assert client.post(f"{clock}/extension", headers=staff, json=worded).status_code == 202
    blank = client.post(f"{clock}/extension/decision", headers=manager, json={"approved": True, "reason": " \u3000 "})
    assert blank.status_code == 422, blank.text
    assert blank.json()["code"] == "request.invalid"
    assert [(p["loc"], p["type"]) for p in blank.json()["detail"]] == [(["body", "reason"], "string_blank")]
    clocks = client.get(f"/complaints/{complaint}/clocks", headers=manager).json()["clocks"]
    resolution = next(c for c in clocks if c["key"] == "resolution#0")
    assert resolution["extension"]["approved"] is None  # still awaiting a decision: nothing recorded
    approved = client.post(
        f"{clock}/extension/decision", headers=manager, json={"approved": True, "reason": "Agreed with the customer."}
    )
    assert approved.status_code == 200 and approved.json() == {"status": "approved"}, approved.text
