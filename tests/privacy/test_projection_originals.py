"""The projection shows a complaint's free texts as the office typed them to its own office (opened
through the keyring), the redacted texts to the group, and the redacted texts to everyone once the
complainant is erased. Store only, no broker."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.adapters.export import evidence_for_complaint
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from shared.personal import open_form, seal_form
from tests.projection.scenario import build
from tests.projection.support import feed
from tests.support import write_keys

NAME, PHONE, UNIT = "Chan Tai Man", "+852 9123 4567", "Block 3, 12/F, Flat B, Harbour View"
TYPED = f"CHAN Tai-man of Flat B, 12/F says the lift failed again; call him on 9123 4567 ({NAME})."
REDACTED = "[name] of [unit] says the lift failed again; call him on [phone] ([name])."


def test_own_office_reads_the_texts_as_typed_the_group_and_the_erased_the_redacted(store_settings: dict[str, Any]):
    folder = store_settings["state_dir"]
    settings = ProjectionSettings(**store_settings, keys_file=folder / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    assert app.keyring is not None
    scenario = build("originals", offices=("hk-central",), per_office=6, seed=1)
    chosen = scenario.stories[0].complaint_id
    events: list[Any] = []
    for event in scenario.events():
        if event.type.endswith("ComplaintRegistered") and event.complaint_id == chosen:
            form = open_form(event.payload.form, None).model_copy(
                update={"description": TYPED, "unit_address": UNIT, "customer_request": f"Call {NAME} back."}
            )
            form = form.model_copy(update={"complainant": form.complainant.model_copy(update={"name": NAME})})
            sealed = seal_form(form, app.keyring, scenario.now)
            assert sealed.description == REDACTED and sealed.customer_request == "Call [name] back."
            event = event.model_copy(update={"payload": event.payload.model_copy(update={"form": sealed})})
            complaint_id, person_id = event.complaint_id, sealed.personal.person_id
        events.append(event)
    feed(app, events)

    def registration(actor: str) -> dict[str, Any]:
        answer = client.get(f"/complaints/{complaint_id}", headers={"X-Office-Key": keys[actor]})
        assert answer.status_code == 200, answer.text
        [entry] = [t for t in answer.json()["timeline"] if t["type"].endswith("ComplaintRegistered")]
        return entry["payload"]["form"]

    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as client:
        own = registration("hk-central/supervisor")
        assert (own["description"], own["customer_request"]) == (TYPED, f"Call {NAME} back.")
        group = registration("group/dashboard")
        assert (group["description"], group["customer_request"]) == (REDACTED, "Call [name] back.")
        pack = json.dumps(evidence_for_complaint(app, complaint_id, scenario.now), ensure_ascii=False)
        assert TYPED in pack  # made for the people who need the clear text
        app.keyring.erase(person_id, "group/privacy", "DSR-1", scenario.now)
        after = registration("hk-central/supervisor")
        assert after["description"] == REDACTED
        pack = json.dumps(evidence_for_complaint(app, complaint_id, scenario.now), ensure_ascii=False)
        assert NAME not in pack and "9123 4567" not in pack and REDACTED in pack
    app.close()
