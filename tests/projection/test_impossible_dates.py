"""A complaint dated at the edge of what a datetime holds is judged like any other: the projection's
date arithmetic never overflows (issue 12's 9999 reproduction).

The contracts now refuse such instants (shared/contracts/bounds.py: 1900-2200), so one arrives only
from a store written before that bound; the events here are built past validation to stand for it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.application import ProjectionApplication, history_of
from services.projection.domain.policy import Policy
from services.projection.domain.statistics import office_statistics
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from shared.contracts import ComplaintRegistered, decode, derived_id
from shared.contracts.catalogue_doc import GOLDEN_DIR
from tests.projection.support import feed
from tests.support import write_keys

POLICY = Policy()
EDGES = ["9999-12-31T23:59:00Z", "9999-12-31T23:59:00-05:00", "0001-01-01T01:00:00+14:00"]


def registered_at(instant: str) -> ComplaintRegistered:
    data: dict[str, Any] = json.loads((GOLDEN_DIR / "complaints.intake.ComplaintRegistered.v1.json").read_text())
    data["complaint_id"] = str(derived_id("edge", instant))
    data["correlation_id"] = data["complaint_id"]
    data["event_id"] = str(derived_id("edge-event", instant))
    event = decode(data["type"], data)  # the v1 golden, upcast as any reader sees it
    assert isinstance(event, ComplaintRegistered)
    when = datetime.fromisoformat(instant)
    form = event.payload.form.model_copy(update={"received_at": when, "occurred_at": when})
    payload = event.payload.model_copy(update={"form": form, "registered_at": when})
    return event.model_copy(update={"payload": payload, "occurred_at": when})


@pytest.mark.parametrize("instant", EDGES)
def test_a_complaint_at_the_edge_of_time_is_judged_counted_and_shown(instant: str, tmp_path: Path) -> None:
    app = ProjectionApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    event = registered_at(instant)
    feed(app, [event])
    view = app.complaint(event.complaint_id, None)
    now = datetime(2026, 11, 29, tzinfo=UTC)

    history = history_of(view, view.last_event_at, POLICY)  # what the relay publishes
    assert {c["step"] for c in history["checks"]} >= {"recorded"}
    assert app.history(event.complaint_id, None, now)["complaint"]
    assert app.violations(None, now) is not None
    assert app.statistics(None, now)["complaints"] == 1
    assert office_statistics(app.complaints(event.office_id, now), now, POLICY, None)
    assert app.signals(None, now) is not None
    assert [v.complaint_id for v in app.complaints(None, now)] == [event.complaint_id]


def test_the_http_views_answer_for_complaints_at_the_edges_of_time(tmp_path: Path) -> None:
    settings = ProjectionSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    events = [registered_at(instant) for instant in EDGES]
    feed(app, events)
    now = datetime(2026, 11, 29, tzinfo=UTC)
    with TestClient(create_app(settings, app_instance=app, clock=lambda: now)) as client:
        for actor in ("group/auditor", "kln-east/reception"):
            headers = {"X-Office-Key": keys[actor]}
            for url in ["/complaints", "/violations", "/statistics", "/statistics/offices", "/signals"] + [
                f"/complaints/{e.complaint_id}" for e in events
            ]:
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.text)
    app.close()
