"""Business areas are data the group extends: an area added through `PUT /rules` reaches the wire and
can be chosen by a person; rules naming what no contract accepts are refused before they are recorded.

(On the old main, `PUT /rules` accepted a new area and triage then failed to publish every complaint
of it: ComplaintTriaged's business area was a closed enum.)
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.triage import bootstrap
from services.triage.adapters.outbound import translate
from services.triage.domain.rules import BUNDLED_RULES, load_rules_file
from services.triage.domain.vocabulary import RulesVocabularyError, vocabulary_problems
from services.triage.entrypoints.http import create_app
from services.triage.settings import TriageSettings
from shared.contracts import decode
from shared.contracts.triage import ComplaintTriaged
from tests.support import T0, write_keys
from tests.triage.support import registered

GROUP = "group/dashboard"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return write_keys(tmp_path / "keys.json")


@pytest.fixture
def client(tmp_path: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    settings = TriageSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    with TestClient(create_app(settings, clock=lambda: T0)) as client:
        yield client


def as_(keys: dict[str, str], actor: str) -> dict[str, str]:
    return {"X-Office-Key": keys[actor]}


def with_pets(rules: dict[str, Any] | None = None) -> dict[str, Any]:
    rules = deepcopy(rules or load_rules_file())
    rules["areas"]["pets"] = ["dog", "dogs", "barking", "pet", "寵物", "狗"]
    rules["routing"]["group"]["pets"] = "customer-service"
    return rules


def put_rules(client: TestClient, keys: dict[str, str], rules: dict[str, Any]):
    return client.put(
        "/rules", json={"rules": rules, "reason": "pets are a new business area"}, headers=as_(keys, GROUP)
    )


def triaged_events(client: TestClient) -> list[ComplaintTriaged]:
    app = client.app.state.triage
    found: list[ComplaintTriaged] = []
    start = 1
    while batch := app.notification_log.select(start=start, limit=10):
        for notification in batch:
            for publication in translate(app.mapper.to_domain_event(notification)):
                if isinstance(publication.message, ComplaintTriaged):
                    found.append(publication.message)
        start = batch[-1].id + 1
    return found


def test_an_area_added_through_put_rules_is_published_and_read_by_every_service(client, keys) -> None:
    assert put_rules(client, keys, with_pets()).status_code == 200
    message = registered("The neighbour's dogs keep barking in the lobby all night; a pet owner ignores us.")
    app = client.app.state.triage
    uow = app.unit_of_work()
    app.triage_registration(uow, message)
    app.commit(uow)

    [event] = triaged_events(client)

    assert event.payload.business_area == "pets"
    wire = event.model_dump(mode="json")
    assert decode(wire["type"], wire) == event  # every consumer reads it with the shared contracts


def test_a_person_may_choose_an_area_the_rules_added(client, keys) -> None:
    put_rules(client, keys, with_pets())
    message = registered("A corridor light flickers.")
    app = client.app.state.triage
    uow = app.unit_of_work()
    app.triage_registration(uow, message)
    app.commit(uow)
    url = f"/complaints/{message.complaint_id}/triage/category"

    chosen = client.post(
        url,
        json={"value": "service-quality/pets", "reason": "it is the dog"},
        headers=as_(keys, "hk-central/supervisor"),
    )
    unheard = client.post(
        url, json={"value": "service-quality/unheard-of", "reason": "x"}, headers=as_(keys, "hk-central/supervisor")
    )

    assert chosen.status_code == 200 and chosen.json()["outcome"] == "overridden"
    assert unheard.status_code == 422


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda r: r["areas"].__setitem__("Pets & Dogs", ["dog"]), "Pets & Dogs"),
        (lambda r: r["areas"].__setitem__("x", ["dog"]), "'x'"),
        (lambda r: r["areas"].__setitem__("default", "Other Things"), "Other Things"),
        (lambda r: r["content"].__setitem__("noise", ["loud"]), "noise"),
        (lambda r: r["content"].__setitem__("default", "quality"), "quality"),
        (lambda r: r["validity"].__setitem__("doubtful", ["maybe"]), "doubtful"),
        (lambda r: r["nature"]["communication"].__setitem__("default_kind", "rant"), "rant"),
        (lambda r: r["routing"]["group"].__setitem__("gardens", "engineering"), "gardens"),
        (lambda r: r["routing"]["offices"]["kln-east"].__setitem__("pools", "club"), "pools"),
        # a department is a code, as every override and hand-over names it (README, "Departments")
        (lambda r: r["routing"]["group"].__setitem__("parking", "Car Park Dept"), "Car Park Dept"),
        (lambda r: r["routing"].__setitem__("default_department", "Customer Service"), "Customer Service"),
    ],
)
def test_put_rules_refuses_what_no_contract_accepts_and_records_nothing(client, keys, change, named: str) -> None:
    rules = load_rules_file()
    change(rules)

    answer = put_rules(client, keys, rules)

    assert answer.status_code == 422
    assert named in str(answer.json()["detail"])
    assert client.get("/rules", headers=as_(keys, GROUP)).json()["version"] == 1


def test_the_bundled_rules_speak_the_contracts_language() -> None:
    assert vocabulary_problems(load_rules_file()) == []
    assert vocabulary_problems(with_pets()) == []


def test_a_rules_file_naming_what_no_contract_accepts_stops_triage_from_starting(tmp_path: Path) -> None:
    bundled = BUNDLED_RULES.read_text(encoding="utf-8")
    broken = tmp_path / "rules.toml"
    broken.write_text(bundled.replace("[areas]\n", '[areas]\n"Pets & Dogs" = ["dog"]\n', 1), encoding="utf-8")
    assert "Pets & Dogs" in tomllib.loads(broken.read_text(encoding="utf-8"))["areas"]

    with pytest.raises(RulesVocabularyError, match="Pets & Dogs"):
        bootstrap.application(TriageSettings(store="memory", state_dir=tmp_path, rules_file=broken))


def test_a_department_the_group_adds_is_one_an_override_may_name(client, keys) -> None:
    """The vocabulary of departments is routing's: a department added through PUT /rules is offered by
    GET /departments and taken by a routing override at once (by its code, spaced as a person types it)."""
    rules = with_pets()
    rules["routing"]["group"]["pets"] = "pest-control"
    assert put_rules(client, keys, rules).status_code == 200
    offered = client.get("/departments", headers=as_(keys, "hk-central/supervisor")).json()["departments"]
    assert "pest-control" in offered
    message = registered("A corridor light flickers.")
    app = client.app.state.triage
    uow = app.unit_of_work()
    app.triage_registration(uow, message)
    app.commit(uow)
    chosen = client.post(
        f"/complaints/{message.complaint_id}/triage/routing",
        json={"value": " Pest Control", "reason": "it is the rats"},
        headers=as_(keys, "hk-central/supervisor"),
    )
    assert chosen.status_code == 200, chosen.json()
    assert chosen.json()["triage"]["decision"]["department"] == "pest-control"
    # and handling reads them from the decision: a hand-over to the new department is taken there too
    [published] = [e for e in triaged_events(client) if e.complaint_id == message.complaint_id]
    office_departments = client.get("/departments", headers=as_(keys, "hk-central/supervisor")).json()["departments"]
    assert published.payload.departments == office_departments and "pest-control" in office_departments
