"""issue 13, item 4: `audit verify --against-followup` compares the read side with follow-up's own
store (through follow-up's real HTTP app): equal when the projection heard what follow-up published;
a return visit only the read side knows (a record that reached it without follow-up) is named."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from services.followup import bootstrap as followup_bootstrap
from services.followup.entrypoints.http import create_app
from services.followup.settings import FollowupSettings
from services.projection import bootstrap
from services.projection.adapters.sources import FollowupCases, differences
from services.projection.domain.sourcecheck import followup_differences
from services.projection.domain.view import ComplaintView
from services.projection.settings import ProjectionSettings
from shared.contracts.followup import ReturnVisitMade
from tests.followup.test_application import STAFF, SUPERVISOR, feed, published
from tests.projection.support import feed as project
from tests.sla.contract_events import clock_started, registered, result, triaged
from tests.sla.scenario import T0
from tests.support import write_keys


def test_the_read_side_equals_followups_cases_and_a_visit_followup_never_made_is_named(tmp_path: Path) -> None:
    settings = FollowupSettings(store="sqlite", state_dir=tmp_path / "followup", keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    followup = followup_bootstrap.application(settings)
    projection = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path / "projection"))
    visited, replied_only = uuid.uuid4(), uuid.uuid4()
    facts = []
    for cid in (visited, replied_only):
        facts += [registered(cid, T0), triaged(cid, T0), result(cid, T0 + timedelta(hours=4))]
        feed(followup, *facts[-2:])
        feed(followup, clock_started(cid, T0 + timedelta(hours=4), "return-visit", T0 + timedelta(hours=28)))
        followup.reply("hk-central", cid, SUPERVISOR, "phone", "Repaired.", T0 + timedelta(hours=5))
    followup.record_visit("hk-central", visited, STAFF, "satisfied", 5, True, None, T0 + timedelta(hours=9))
    own = published(followup, visited) + published(followup, replied_only)
    project(projection, [*facts, *own])
    try:
        with TestClient(create_app(settings, app_instance=followup)) as client:
            client.headers["X-Office-Key"] = keys["group/auditor"]
            cases = FollowupCases(client)
            views = projection.complaints(None, T0 + timedelta(days=2))
            assert {v.complaint_id for v in views} == {visited, replied_only}
            assert differences(views, cases) == []

            # A visit for the complaint follow-up has only replied to, which reached the read side anyway.
            made = next(m for m in own if isinstance(m, ReturnVisitMade))
            stray = made.model_copy(update={"complaint_id": replied_only, "event_id": uuid.uuid4()})
            project(projection, [stray], name="stray")
            # read a page at a time, as `audit verify --against-followup` reads them (a page of one here)
            found = differences(projection.every_complaint(None, T0 + timedelta(days=2), page=1), cases)
            assert [(d.complaint_id, d.fact) for d in found] == [
                (str(replied_only), "return visit"),
                (str(replied_only), "return visit outcome"),
            ]
            difference = found[0]
            assert difference.read_side == made.occurred_at.isoformat() and difference.source == "nothing"
            assert str(difference).startswith("return visit: the read side says")
    finally:
        followup.close()
        projection.close()


def test_a_complaint_followup_never_heard_of_differs_only_where_the_read_side_has_a_reply_or_visit() -> None:
    view = ComplaintView(complaint_id=uuid.uuid4(), office_id="hk-central")
    assert followup_differences(view, None) == []
    view.replied_at = T0
    assert [d.fact for d in followup_differences(view, None)] == ["reply"]
    case = {"cycle": 0, "replies": [{"cycle": 0, "at": T0.isoformat()}], "visits": []}
    assert followup_differences(view, case) == []
    view.reopened = 1
    assert [d.fact for d in followup_differences(view, case)] == ["cycle"]
