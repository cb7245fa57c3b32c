"""Schemathesis over every service's OpenAPI: no request, however hostile, is a server error, and every
answer is one the API documents (issue 12).

Each of the six HTTP apps runs in-process (ASGI) on a temporary SQLite store with a few real facts
seeded, so requests reach the domain and not only 404s. Every operation is tried with valid keys that
pass authentication (an office key holding every role, and a group key), on generated and on the seeded
ids, in schemathesis' positive and negative modes. Bounded and deterministic: hypothesis derandomised,
`FUZZ_EXAMPLES` examples per operation, mode and key (default 10; hostile values: twice that).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import status_code_conformance

from shared.auth import KeyRecord, hash_key
from tests.support import T0

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
NOW = T0 + timedelta(hours=1)
# Each app runs alone here, without its relay and worker: its /health asks for none of them.
ALONE: dict[str, Any] = {"health_processes": ()}
SERVICES = ("intake", "triage", "handling", "sla", "followup", "projection")

OFFICE_ROLES = ["receptionist", "department-staff", "supervisor", "leader", "manager", "group", "auditor"]


def not_a_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    return True


@dataclass
class Service:
    name: str
    app: Any  # the FastAPI app
    seeded: dict[str, Any] = field(default_factory=dict)  # path parameter -> a real value


def write_fuzz_keys(path: Path) -> dict[str, str]:
    keys = {"office": f"ck_{secrets.token_urlsafe(24)}", "group": f"ck_{secrets.token_urlsafe(24)}"}
    records = [
        KeyRecord(key_sha256=hash_key(keys["office"]), actor_id="hk-central/fuzz", office_id="hk-central",
                  roles=OFFICE_ROLES),
        KeyRecord(key_sha256=hash_key(keys["group"]), actor_id="group/fuzz", office_id=None,
                  roles=["group", "auditor"]),
    ]  # fmt: skip
    path.write_text(json.dumps([r.model_dump() for r in records]))
    return keys


def _intake(tmp: Path) -> Service:
    from services.intake import bootstrap
    from services.intake.entrypoints.http import create_app
    from services.intake.settings import IntakeSettings
    from shared.auth import Principal
    from shared.contracts import RegistrationForm
    from tests.support import form

    settings = IntakeSettings(store="sqlite", state_dir=tmp, keys_file=tmp / "keys.json", **ALONE)
    app = bootstrap.application(settings)
    who = Principal("hk-central/fuzz", "hk-central", frozenset(OFFICE_ROLES))
    seeded = app.register("hk-central", who, RegistrationForm(**form()), NOW)
    return Service("intake", create_app(settings, app, lambda: NOW), {"complaint_id": seeded.complaint_id})


def _triage(tmp: Path) -> Service:
    from services.triage import bootstrap
    from services.triage.entrypoints.http import create_app
    from services.triage.settings import TriageSettings
    from tests.triage.support import registered

    settings = TriageSettings(store="sqlite", state_dir=tmp, keys_file=tmp / "keys.json", **ALONE)
    app = bootstrap.application(settings, lambda: NOW)
    message = registered("A corridor light flickers.")
    uow = app.unit_of_work()
    app.triage_registration(uow, message)
    app.commit(uow)
    return Service("triage", create_app(settings, app, lambda: NOW), {"complaint_id": message.complaint_id})


def _handling(tmp: Path) -> Service:
    from services.handling import bootstrap
    from services.handling.entrypoints.http import create_app
    from services.handling.settings import HandlingSettings
    from tests.handling.support import triaged

    settings = HandlingSettings(store="sqlite", state_dir=tmp, keys_file=tmp / "keys.json", **ALONE)
    app = bootstrap.application(settings)
    message = triaged("hk-central", at=T0)
    uow = app.unit_of_work()
    app.open_case(uow, message)
    app.commit(uow)
    return Service("handling", create_app(settings, app, lambda: NOW), {"complaint_id": message.complaint_id})


def _sla(tmp: Path) -> Service:
    import uuid

    from services.sla import bootstrap
    from services.sla.entrypoints.http import create_app
    from services.sla.settings import SlaSettings
    from tests.sla.contract_events import registered, triaged
    from tests.sla.test_application import feed

    settings = SlaSettings(store="sqlite", state_dir=tmp, keys_file=tmp / "keys.json", **ALONE)
    app = bootstrap.application(settings)
    complaint = uuid.uuid4()
    feed(app, registered(complaint, T0), triaged(complaint, T0, "minor"))
    seeded = {"complaint_id": complaint, "clock_key": "resolution#0"}
    return Service("sla", create_app(settings, app, lambda: NOW), seeded)


def _followup(tmp: Path) -> Service:
    from services.followup import bootstrap
    from services.followup.entrypoints.http import create_app
    from services.followup.settings import FollowupSettings
    from tests.followup.test_application import feed
    from tests.sla.contract_events import result, triaged

    settings = FollowupSettings(store="sqlite", state_dir=tmp, keys_file=tmp / "keys.json", **ALONE)
    app = bootstrap.application(settings)
    complaint = UUID(int=secrets.randbits(128))
    feed(app, triaged(complaint, T0), result(complaint, T0 + timedelta(minutes=30)))
    return Service("followup", create_app(settings, app, lambda: NOW), {"complaint_id": complaint})


def _projection(tmp: Path) -> Service:
    from services.projection import bootstrap
    from services.projection.entrypoints.http import create_app
    from services.projection.settings import ProjectionSettings
    from tests.projection.scenario import build
    from tests.projection.support import feed

    settings = ProjectionSettings(store="sqlite", state_dir=tmp, keys_file=tmp / "keys.json", **ALONE)
    app = bootstrap.application(settings)
    scenario = build("fuzz", per_office=4)
    events = scenario.events()
    feed(app, events)
    first = events[0].complaint_id
    return Service("projection", create_app(settings, app, lambda: NOW), {"complaint_id": first})


BUILDERS: dict[str, Callable[[Path], Service]] = {
    "intake": _intake,
    "triage": _triage,
    "handling": _handling,
    "sla": _sla,
    "followup": _followup,
    "projection": _projection,
}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return write_fuzz_keys(tmp_path_factory.getbasetemp() / "fuzz-keys.json")


@pytest.fixture(scope="module", params=SERVICES)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, keys) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp(request.param)
    (tmp / "keys.json").write_text((tmp_path_factory.getbasetemp() / "fuzz-keys.json").read_text())
    built = BUILDERS[request.param](tmp)
    yield built
    state = getattr(built.app.state, request.param, None)
    if state is not None:
        state.close()


def _operations(service: Service) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", service.app)
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(service: Service, operation: Any, key: str, mode: GenerationMode, seeded: bool) -> None:
    path_parameters = None
    if seeded:
        names = {p.name for p in operation.path_parameters}
        path_parameters = {name: str(value) for name, value in service.seeded.items() if name in names}
        if not path_parameters:
            return
    strategy = operation.as_strategy(mode, headers={"X-Office-Key": key}, path_parameters=path_parameters)
    query = {"once": "true"} if operation.path == "/stream" else None  # an event stream ends after one look

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=strategy)
    def run(case: Any) -> None:
        if query:
            case.query = (case.query or {}) | query
        case.call_and_validate(checks=[not_a_server_error, status_code_conformance])

    with contextlib.suppress(Unsatisfiable):  # negative mode on an operation with nothing to make invalid
        run()


# -- hostile values schemathesis does not generate: JSON that Python parses but JSON cannot carry back, and
# values at the edges of what the domain can compute. Each replaces one leaf of a valid generated body.
HOSTILE_LITERALS = ["NaN", "Infinity", "-Infinity", "1e999", "-0", "1e-400", str(10**40), '"\\ud800"',
                    '"\\udfff tail"', '"a\\u0000b"', '"9999-12-31T23:59:59Z"', '"0001-01-01T00:00+14:00"',
                    '"0001-01-01T00:00:00-23:59"', '"2099-01-01T00:00:00Z"', '"Mars/Olympus_Mons"',
                    '"../../etc/passwd"', '""', '"\\u202e\\ufeff"', "[]", "{}", "null", "true"]  # fmt: skip


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value in a JSON tree (containers too: a whole object can be replaced)."""
    paths = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += _leaves(item, (*path, index))
    return paths


_MARK = "\x00hostile\x00"


def _with_hostile(body: Any, path: tuple[Any, ...], literal: str) -> bytes:
    if not path:
        return literal.encode()
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = _MARK
    return json.dumps(copy).replace(json.dumps(_MARK), literal).encode()


def _hostile(service: Service, operation: Any, key: str) -> None:
    from fastapi.testclient import TestClient
    from hypothesis import strategies as st

    documented = {int(code) for code in operation.definition.raw["responses"] if code.isdigit()}
    path_parameters = {name: str(value) for name, value in service.seeded.items()
                       if name in {p.name for p in operation.path_parameters}} or None  # fmt: skip
    strategy = operation.as_strategy(GenerationMode.POSITIVE, headers={"X-Office-Key": key},
                                     path_parameters=path_parameters)  # fmt: skip
    client = TestClient(service.app, raise_server_exceptions=False)

    @settings(max_examples=EXAMPLES * 2, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=strategy, data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        if not isinstance(case.body, dict | list):
            return
        path = data.draw(st.sampled_from(_leaves(case.body)), label="path")
        literal = data.draw(st.sampled_from(HOSTILE_LITERALS), label="value")
        raw = _with_hostile(case.body, path, literal)
        query = (case.query or {}) | ({"once": "true"} if operation.path == "/stream" else {})
        response = client.request(
            operation.method.upper(), case.formatted_path, params=query, content=raw,
            headers={"X-Office-Key": key, "Content-Type": "application/json"},
        )  # fmt: skip
        where = f"{literal} at {list(path)}: {response.status_code} {response.text[:300]}"
        assert response.status_code < 500, where
        assert response.status_code in documented, f"undocumented {where}"

    if operation.body:
        run()


@pytest.mark.slow
def test_hostile_values_in_any_body_field_are_refused_not_a_server_error(service: Service, keys) -> None:
    failures: list[str] = []
    for operation in _operations(service):
        for who in ("office", "group"):
            try:
                _hostile(service, operation, keys[who])
            except Exception as error:
                failures.append(f"{operation.method.upper()} {operation.path} [{who} key]: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_request_is_a_server_error_or_an_undocumented_answer(service: Service, keys, mode) -> None:
    failures: list[str] = []
    for operation in _operations(service):
        for who in ("office", "group"):
            for seeded in (False, True):
                try:
                    _fuzz(service, operation, keys[who], mode, seeded)
                except Exception as error:  # collect all, so one run shows every finding
                    failures.append(f"{operation.method.upper()} {operation.path} [{who} key, seeded={seeded}]: "
                                    f"{str(error)[:1500]}")  # fmt: skip
    assert not failures, "\n\n".join(failures)
