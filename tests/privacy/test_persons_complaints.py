"""Before an erasure the privacy officer sees which complaints name the person, in every office (id,
office, reference, dates, state; nothing personal opened): the projection's
`GET /privacy/persons/{person_id}/complaints`, for a group-wide privacy key only. Store only, no broker."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from shared.personal import open_form, seal_form
from tests.projection.scenario import build
from tests.projection.support import feed
from tests.support import write_keys

NAME, PHONE, UNIT = "Lau Wing Sze", "+852 6543 2109", "Flat 7D, 23/F, Tower 5, Sunrise Court"


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_the_privacy_officer_sees_the_persons_complaints_in_every_office(store_settings: dict[str, Any]) -> None:
    settings = ProjectionSettings(**store_settings, keys_file=store_settings["state_dir"] / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    assert app.keyring is not None
    scenario = build("persons", offices=("hk-central", "kln-east"), per_office=4, seed=3)
    theirs = {scenario.stories[0].complaint_id, scenario.stories[-1].complaint_id}  # one in each office
    events: list[Any] = []
    for event in scenario.events():
        if event.type.endswith("ComplaintRegistered") and event.complaint_id in theirs:
            form = open_form(event.payload.form, None)
            form = form.model_copy(
                update={"complainant": {"name": NAME, "contact": PHONE}, "unit_address": UNIT}, deep=True
            )
            form = type(form).model_validate(form.model_dump())
            sealed = seal_form(form, app.keyring, scenario.now)
            event = event.model_copy(update={"payload": event.payload.model_copy(update={"form": sealed})})
            person_id = sealed.personal.person_id
        events.append(event)
    feed(app, events)

    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as client:

        def listed(actor: str) -> Any:
            return client.get(f"/privacy/persons/{person_id}/complaints", headers={"X-Office-Key": keys[actor]})

        answer = listed("group/privacy")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["total"] == 2
        assert {i["complaint_id"] for i in body["items"]} == {str(c) for c in theirs}
        assert {i["office_id"] for i in body["items"]} == {"hk-central", "kln-east"}
        assert all(i["received_at"] and i["registered_at"] and i["office_reference"] for i in body["items"])
        assert NAME not in answer.text and "6543" not in answer.text and "Flat 7D" not in answer.text
        for other in ("group/dashboard", "auditor", "hk-central/manager", "admin"):
            refused = listed(other if "/" in other else f"group/{other}")
            assert refused.status_code == 403, (other, refused.text)
        nobody = client.get(
            "/privacy/persons/00000000-0000-0000-0000-000000000000/complaints",
            headers={"X-Office-Key": keys["group/privacy"]},
        )
        assert nobody.json()["total"] == 0

        app.keyring.erase(person_id, "group/privacy", "DSR-2", scenario.now)
        assert listed("group/privacy").json()["total"] == 2  # what was touched stays listed by the id
    app.close()
