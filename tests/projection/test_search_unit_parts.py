"""A part of a unit finds it ("18" finds 18A and 18B, "A室" finds 18A室, "7/F" finds Block 2, 7/F): each
part of a sealed complainant's unit is a keyed digest in the keyring's search index
(`shared.personal.unit_parts`), so nothing of the unit is in clear anywhere; still only for the
complaint's own office, and every typed word must be a part of the same unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from shared.keyring import Keyring
from shared.personal import open_form, seal_form, typed_unit_parts, unit_parts
from tests.projection.scenario import Scenario, build
from tests.projection.support import feed
from tests.support import write_keys

UNITS = ["3座18A室", "18B室, 3座", "Block 2, 7/F, Flat A"]


def test_the_parts_of_a_unit() -> None:
    assert {"18", "a室", "18a", "3座"} <= set(unit_parts("3座18A室"))
    assert {"block", "2", "7", "f", "flat", "a"} == set(unit_parts("Block 2, 7/F, Flat A"))
    assert "1" not in unit_parts("Room 1801")  # a run of digits is one part: no digit inside it
    assert typed_unit_parts("A室") == [[("unit-part", "a室")]]
    assert typed_unit_parts(" 7/F ") == [[("unit-part", "7")], [("unit-part", "f")]]


def sealed(events: list[Any], scenario: Scenario, keyring: Keyring) -> list[Any]:
    units = {str(s.complaint_id): u for s, u in zip(scenario.stories, UNITS, strict=False)}
    out = []
    for event in events:
        unit = units.get(str(getattr(event, "complaint_id", "")))
        if unit and event.type.endswith("ComplaintRegistered"):
            clear = open_form(event.payload.form, None).model_copy(update={"unit_address": unit})
            form = seal_form(clear, keyring, scenario.now)
            event = event.model_copy(update={"payload": event.payload.model_copy(update={"form": form})})
        out.append(event)
    return out


@pytest.fixture
def api(store_settings: dict[str, Any]) -> Any:
    folder: Path = store_settings["state_dir"]
    settings = ProjectionSettings(**store_settings, keys_file=folder / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    scenario = build("units", offices=("hk-central", "kln-east"), per_office=5, seed=5)
    assert app.keyring is not None and all(s.office_id == "hk-central" for s in scenario.stories[:3])
    feed(app, sealed(scenario.events(), scenario, app.keyring))
    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as client:
        yield client, keys, scenario
    app.close()


def found(client: TestClient, key: str, q: str) -> list[str]:
    answer = client.get("/complaints", params={"q": q, "limit": 500}, headers={"X-Office-Key": key})
    assert answer.status_code == 200, answer.text
    return sorted(i["office_reference"] for i in answer.json()["items"])


def test_a_part_of_a_unit_finds_it_for_its_own_office_only(api: Any) -> None:
    client, keys, scenario = api
    first, second, third = (s.reference for s in scenario.stories[:3])
    reception = keys["hk-central/reception"]
    assert found(client, reception, "18") == sorted([first, second])
    assert found(client, reception, "A室") == [first]
    assert found(client, reception, "18b") == [second]
    assert found(client, reception, "3座 18") == sorted([first, second])  # every word a part of one unit
    assert found(client, reception, "7/F") == [third]
    assert found(client, reception, "flat a 7/F") == [third]
    assert found(client, reception, "18 7/F") == []  # parts of two units are no unit
    assert not {first, second, third} & set(found(client, reception, "8"))  # a digit inside a run is no part
    for other in ("kln-east/reception", "group/dashboard", "group/auditor"):
        assert found(client, keys[other], "18") == [] and found(client, keys[other], "A室") == [], other
