"""Triage's review flag on the read side: `needs_review` is a typed, indexed column of
`projection_subjects`, set while triage asks a person to look and no override of the flagged aspect
has settled it; `GET /complaints?needs_review=true` lists those complaints with triage's reasons, on
SQLite and PostgreSQL; a read side written before the column gets it, filled once, at the next start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.domain.view import review_aspect
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from shared.contracts import Actor, IntegrationEvent, derived_id
from shared.contracts.triage import ComplaintTriaged, TriageDecisionConfirmed, TriageDecisionOverridden
from tests.projection.scenario import Scenario, build
from tests.projection.support import feed
from tests.support import write_keys

FLAGS = [
    ["severity: possibly major, graded minor: 'flooded'"],  # settled by a severity override
    ["business area: no topic recognised"],  # settled by a category override (triage's name for it)
    ["nature: no sign either way; guessed effective from its topic (maintenance)"],  # a severity override leaves it
    ["validity: confidence 0.41 is below 0.60", "severity: confidence 0.30 is below 0.60"],  # one of two settled
]
OVERRIDES = [("severity", "minor", "important"), ("category", "x", "service-quality/parking"),
             ("severity", "minor", "major"), ("severity", "minor", "important")]  # fmt: skip


def flagged(scenario: Scenario) -> tuple[list[IntegrationEvent], set[str]]:
    """The scenario's events with four complaints flagged for review and overridden as OVERRIDES, and
    the complaints still to review."""
    events, still = [], set()
    triaged = [s for s in scenario.stories if any(isinstance(e, ComplaintTriaged) for e in s.tell())][: len(FLAGS)]
    chosen = {s.complaint_id: i for i, s in enumerate(triaged)}
    for event in scenario.events():
        i = chosen.get(event.complaint_id) if isinstance(event, ComplaintTriaged) else None
        if i is None:
            events.append(event)
            continue
        assert isinstance(event, ComplaintTriaged)
        payload = event.payload.model_copy(update={"needs_review": True, "review_reasons": FLAGS[i]})
        events.append(event.model_copy(update={"payload": payload}))
        aspect, previous, value = OVERRIDES[i]
        events.append(
            TriageDecisionOverridden(
                event_id=derived_id("review-test", event.complaint_id, aspect),
                complaint_id=event.complaint_id,
                office_id=event.office_id,
                occurred_at=event.occurred_at + timedelta(minutes=1),
                actor=Actor(id=f"{event.office_id}/supervisor", role="supervisor"),
                causation_id=event.event_id,
                correlation_id=event.complaint_id,
                payload={"aspect": aspect, "previous": previous, "value": value, "reason": "looked at it"},
            )
        )
        if any(review_aspect(r) != aspect for r in FLAGS[i]):
            still.add(str(event.complaint_id))
    return events, still


@pytest.fixture
def api(store_settings: dict[str, Any]) -> Any:
    folder: Path = store_settings["state_dir"]
    settings = ProjectionSettings(**store_settings, keys_file=folder / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    scenario = build("review", per_office=8)
    events, still = flagged(scenario)
    feed(app, events)
    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as client:
        yield client, keys, scenario, app, settings, still
    app.close()


def listed(client: TestClient, key: str, **params: Any) -> dict[str, Any]:
    answer = client.get("/complaints", params={"limit": 500, **params}, headers={"X-Office-Key": key})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_review_aspects_are_triage_s() -> None:
    assert review_aspect("business area: no topic recognised") == "category"
    assert review_aspect("severity: confidence 0.30 is below 0.60") == "severity"


def test_only_what_no_override_settled_needs_review(api: Any) -> None:
    client, keys, scenario, _app, _settings, still = api
    assert len(still) == 2
    page = listed(client, keys["group/dashboard"], needs_review="true")
    assert {i["complaint_id"] for i in page["items"]} == still and page["total"] == 2
    reasons = {i["complaint_id"]: i["review"] for i in page["items"]}
    assert all(i["needs_review"] for i in page["items"])
    assert sorted(r for rs in reasons.values() for r in rs) == sorted([FLAGS[2][0], FLAGS[3][0]])
    others = listed(client, keys["group/dashboard"], needs_review="false")
    assert others["total"] == len(scenario.stories) - 2 and not any(i["needs_review"] for i in others["items"])
    everyone = listed(client, keys["group/dashboard"])
    assert {i["complaint_id"] for i in everyone["items"] if i["needs_review"]} == still
    # the filter is a typed column beside the others, and office tenancy still holds
    office = next(i["office_id"] for i in page["items"])
    mine = listed(client, keys[f"{office}/supervisor"], needs_review="true")
    assert {i["office_id"] for i in mine["items"]} == {office} and mine["total"] >= 1


def test_a_read_side_written_before_the_review_column_gets_it_at_start(api: Any) -> None:
    _client, keys, scenario, app, settings, still = api
    with app.read.db.transaction(write=True) as cursor:
        cursor.execute("DROP INDEX projection_subjects_review")
        cursor.execute("ALTER TABLE projection_subjects DROP COLUMN needs_review")
        cursor.execute("DELETE FROM projection_position WHERE name = 'review-column'")
    again = bootstrap.application(settings)
    try:
        with TestClient(create_app(settings, app_instance=again, clock=lambda: scenario.now)) as fresh:
            page = listed(fresh, keys["group/dashboard"], needs_review="true")
            assert {i["complaint_id"] for i in page["items"]} == still
        restarted = bootstrap.application(settings)  # once: the marker row stops a second fill
        restarted.close()
    finally:
        again.close()


def test_a_confirmation_settles_the_flag_and_the_total_counts_it_no_more(api: Any) -> None:
    """A supervisor who confirms triage's value (triage's `DecisionConfirmed`) has reviewed that aspect:
    the complaint no longer waits for review, in the list, its total and each item's flag."""
    client, keys, scenario, app, _settings, still = api
    waiting = listed(client, keys["group/dashboard"], needs_review="true")["items"]
    first, second = sorted(waiting, key=lambda i: i["complaint_id"])
    [reason] = first["review"]
    feed(app, [TriageDecisionConfirmed(
        event_id=derived_id("review-test-confirmed", first["complaint_id"]),
        complaint_id=first["complaint_id"],
        office_id=first["office_id"],
        occurred_at=scenario.now - timedelta(minutes=5),
        actor=Actor(id=f"{first['office_id']}/supervisor", role="supervisor"),
        correlation_id=first["complaint_id"],
        payload={"aspect": review_aspect(reason), "value": "as triage said", "reason": "looked: triage was right"},
    )])  # fmt: skip

    page = listed(client, keys["group/dashboard"], needs_review="true")
    assert [i["complaint_id"] for i in page["items"]] == [second["complaint_id"]] and page["total"] == 1
    everyone = listed(client, keys["group/dashboard"])
    assert {i["complaint_id"] for i in everyone["items"] if i["needs_review"]} == {second["complaint_id"]}
    assert still == {first["complaint_id"], second["complaint_id"]}
