"""Triage's review flag on the read side: `needs_review` is a typed, indexed column of
`projection_subjects`, set while triage asks a person to look and no override of the flagged aspect
has settled it; `GET /complaints?needs_review=true` lists those complaints with triage's reasons, typed
(`review_flags`; an older event's sentences read into flags), on SQLite and PostgreSQL; a read side
written before the column gets it, filled once, at the next start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from services.triage.domain.review import Sign, low_confidence, no_sign_either_way, no_topic, possibly_major
from shared.contracts import Actor, IntegrationEvent, derived_id
from shared.contracts.review import flag_of_sentence
from shared.contracts.triage import (
    ComplaintTriaged,
    SeverityRegraded,
    TriageDecisionConfirmed,
    TriageDecisionOverridden,
)
from tests.projection.scenario import Scenario, build
from tests.projection.support import feed
from tests.support import write_keys

FLAGS = [  # as triage builds them
    [possibly_major("minor", [Sign("flooding ('flooded')", ("flooded",))])],  # settled by a severity override
    [no_topic("other")],  # settled by a category override (triage's name for it is 'business area')
    [no_sign_either_way("effective", "maintenance")],  # a severity override leaves it
    [low_confidence("validity", "valid", 0.41, 0.6), low_confidence("severity", "minor", 0.3, 0.6)],  # one settled
    [possibly_major("important", [Sign("no water ('no water')", ("no water",))])],  # moot once re-graded major
]
TYPED = {0, 3, 4}  # published with the typed flag; the others as events before it were (sentences alone)
OVERRIDES = [
    ("severity", "minor", "important"),
    ("category", "x", "service-quality/parking"),
    ("severity", "minor", "major"),
    ("severity", "minor", "important"),
    ("regraded", "important", "major"),
]  # fmt: skip  (regraded: an incident's SeverityRegraded)


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
        typed = FLAGS[i] if i in TYPED else None
        reasons = [f.text for f in FLAGS[i]]
        payload = event.payload.model_copy(update={"needs_review": True, "review_reasons": reasons, "review": typed})
        events.append(event.model_copy(update={"payload": payload}))
        aspect, previous, value = OVERRIDES[i]
        if aspect == "regraded":  # six households of one block: the incident re-grades it, no person
            aspect = "severity"
            events.append(
                SeverityRegraded(
                    event_id=derived_id("review-test", event.complaint_id, "regraded"),
                    complaint_id=event.complaint_id,
                    office_id=event.office_id,
                    occurred_at=event.occurred_at + timedelta(minutes=1),
                    actor=Actor(id="system:triage", role="system"),
                    causation_id=event.event_id,
                    correlation_id=event.complaint_id,
                    payload={
                        "previous": previous,
                        "severity": value,
                        "criterion": "major.mass-incident",
                        "explanation": {"reason": "six households", "rule": "severity.major.mass-incident@v1"},
                    },
                )
            )
        else:
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
        if any(f.aspect != aspect for f in FLAGS[i]):
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


def test_an_older_event_s_sentences_are_read_for_their_aspect() -> None:
    assert flag_of_sentence("business area: no topic recognised").aspect == "category"
    assert flag_of_sentence("severity: confidence 0.30 is below 0.60").aspect == "severity"


def test_only_what_no_override_settled_needs_review(api: Any) -> None:
    client, keys, scenario, _app, _settings, still = api
    assert len(still) == 2
    page = listed(client, keys["group/dashboard"], needs_review="true")
    assert {i["complaint_id"] for i in page["items"]} == still and page["total"] == 2
    reasons = {i["complaint_id"]: i["review"] for i in page["items"]}
    assert all(i["needs_review"] for i in page["items"])
    assert sorted(r for rs in reasons.values() for r in rs) == sorted([FLAGS[2][0].text, FLAGS[3][0].text])
    # typed: the settled flag of the typed event dropped, the other kept with its numbers; the older
    # event's sentence read into its flag
    flags = sorted((f for i in page["items"] for f in i["review_flags"]), key=lambda f: f["aspect"])
    kinds = [(f["aspect"], f["kind"]) for f in flags]
    assert kinds == [("nature", "no-sign-either-way"), ("validity", "low-confidence")]
    assert (flags[1]["confidence"], flags[1]["limit"], flags[1]["value"]) == (0.41, 0.6, "valid")
    assert flags[0]["value"] is None and flags[0]["text"] == FLAGS[2][0].text  # from its sentence: no value
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
    [flag] = first["review_flags"]
    aspect = flag["aspect"]
    feed(app, [TriageDecisionConfirmed(
        event_id=derived_id("review-test-confirmed", first["complaint_id"]),
        complaint_id=first["complaint_id"],
        office_id=first["office_id"],
        occurred_at=scenario.now - timedelta(minutes=5),
        actor=Actor(id=f"{first['office_id']}/supervisor", role="supervisor"),
        correlation_id=first["complaint_id"],
        payload={"aspect": aspect, "value": "as triage said", "reason": "looked: triage was right"},
    )])  # fmt: skip

    page = listed(client, keys["group/dashboard"], needs_review="true")
    assert [i["complaint_id"] for i in page["items"]] == [second["complaint_id"]] and page["total"] == 1
    everyone = listed(client, keys["group/dashboard"])
    assert {i["complaint_id"] for i in everyone["items"] if i["needs_review"]} == {second["complaint_id"]}
    assert still == {first["complaint_id"], second["complaint_id"]}
