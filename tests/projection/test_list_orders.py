"""The complaint list as its readers need it (`GET /complaints?order=&state=&open=&after=`), on SQLite and
PostgreSQL with a few hundred complaints: newest (or oldest, or overdue) first, several states at once,
the open ones, and keyset pages (`after`: the page before's `next`) that neither repeat nor skip a
complaint while new ones arrive between two pages; an office key pages through its own office only.

Found walking the staff desk: the list was by office and number, oldest first, one state a call, 500 a
page at most, so the first page of a busy office showed its oldest complaints and the desk's open queue
asked state by state and reached only each state's newest 500.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.projection import bootstrap
from services.projection.adapters import list_indexes
from services.projection.adapters.readside_queries import ORDERS, BadCursor, cursor_token, read_cursor
from services.projection.adapters.tables import LIST_INDEXES
from services.projection.application import ProjectionApplication
from services.projection.domain.view import OPEN_STATES, STATES
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import Scenario, Story, build
from tests.projection.support import feed
from tests.support import write_keys

PER_OFFICE = 100  # three offices: 300 complaints


@pytest.fixture
def projection(store_settings: dict[str, Any]) -> Iterator[ProjectionApplication]:
    app = bootstrap.application(ProjectionSettings(**store_settings))
    yield app
    app.close()


def newest_first(stories: list[Story]) -> list[str]:
    """The newest order counted from the stories: by receipt, latest first, ties by id (descending)."""
    ordered = sorted(stories, key=lambda s: (s.received_at, str(s.complaint_id)), reverse=True)
    return [str(s.complaint_id) for s in ordered]


def walk(app: ProjectionApplication, now: Any, order: str, limit: int, **filters: Any) -> list[str]:
    seen, after = [], None
    while True:
        views, after = app.complaints_page(None, now, order=order, limit=limit, after=after, **filters)
        seen += [str(v.complaint_id) for v in views]
        if after is None:
            return seen


def test_newest_oldest_and_overdue_first_page_by_page(projection: ProjectionApplication) -> None:
    scenario = build("orders", per_office=PER_OFFICE)
    feed(projection, scenario.events(), batch=200)
    now = scenario.now
    assert walk(projection, now, "newest", 23) == newest_first(scenario.stories)
    assert walk(projection, now, "oldest", 41) == newest_first(scenario.stories)[::-1]
    # office order (the list's first): the same walk by cursor as by offset
    assert walk(projection, now, "office", 50) == [str(v.complaint_id) for v in projection.complaints(None, now)]
    # overdue: the violating ones first, the longest overdue first, then the soonest due
    overdue = walk(projection, now, "overdue", 37)
    views = {str(v.complaint_id): v for v in projection.complaints(None, now)}
    assert sorted(overdue) == sorted(views)
    violating = [bool(views[c].violations(now, projection.policy)) for c in overdue]
    assert violating == sorted(violating, reverse=True) and any(violating) and not all(violating)
    # each OFFSET page of an order is the same slice of it as the cursor walk gives
    for order in ("newest", "overdue"):
        whole = walk(projection, now, order, 500)
        sliced = [
            str(v.complaint_id)
            for start in range(0, len(whole), 64)
            for v in projection.complaints(None, now, order=order, limit=64, offset=start)
        ]
        assert sliced == whole
        by_offset = [
            str(v.complaint_id)
            for start in range(0, len(whole) + 64, 64)
            for v in projection.complaints_page(None, now, order=order, limit=64, offset=start)[0]
        ]
        assert by_offset == whole


def test_several_states_at_once_and_the_open_ones(projection: ProjectionApplication) -> None:
    scenario = build("states", per_office=PER_OFFICE, seed=11)
    feed(projection, scenario.events(), batch=200)
    now = scenario.now
    state_of = {str(v.complaint_id): v.state for v in projection.complaints(None, now)}
    assert set(state_of.values()) <= set(STATES) and len(set(state_of.values())) >= 3
    two = tuple(sorted(set(state_of.values()) - {"closed"}))[:2]
    wanted = sorted(c for c, s in state_of.items() if s in two)
    assert sorted(walk(projection, now, "newest", 30, states=two)) == wanted
    assert projection.count(None, now, states=two) == len(wanted)
    opened = sorted(c for c, s in state_of.items() if s != "closed")
    assert opened and len(opened) < len(state_of)
    assert sorted(walk(projection, now, "overdue", 30, open=True)) == opened
    assert projection.count(None, now, open=True) == len(opened)
    assert sorted(walk(projection, now, "newest", 30, open=False)) == sorted(set(state_of) - set(opened))
    # every open state asked by name is the same list as open=true
    assert sorted(walk(projection, now, "newest", 30, states=OPEN_STATES)) == opened


def test_pages_stay_right_while_complaints_arrive_between_them(projection: ProjectionApplication) -> None:
    scenario = build("arrivals", per_office=PER_OFFICE, seed=5)
    stories = sorted(scenario.stories, key=lambda s: str(s.complaint_id))
    # the later ones are as new and as old as the first ones: they land before and after the cursor
    first, later = stories[::2], {"newest": stories[1::4], "overdue": stories[3::4]}
    feed(projection, [e for s in first for e in s.tell()], batch=200)
    for order, arriving in later.items():
        there = {str(v.complaint_id) for v in projection.complaints(None, scenario.now)}
        seen: list[str] = []
        after = None
        while True:
            views, after = projection.complaints_page(None, scenario.now, order=order, limit=25, after=after)
            seen += [str(v.complaint_id) for v in views]
            if after is None:
                break
            if arriving:  # a dozen new complaints recorded between two pages
                feed(projection, [e for s in arriving[:12] for e in s.tell()], batch=200)
                arriving = arriving[12:]
        assert not arriving
        assert len(seen) == len(set(seen)), "a complaint shown twice"
        assert there <= set(seen), "a complaint skipped"
        assert len(seen) > len(there)  # and some of the new ones, those that landed after the cursor
    # in the end, everything in its place
    assert walk(projection, scenario.now, "newest", 60) == newest_first(scenario.stories)


def test_a_cursor_of_another_order_or_none_at_all_is_refused(projection: ProjectionApplication) -> None:
    scenario = build("refused", per_office=10)
    feed(projection, scenario.events())
    _, token = projection.complaints_page(None, scenario.now, order="newest", limit=3)
    assert token is not None and read_cursor(token, "newest")[0] == 0
    refused = [
        ("oldest", token),  # another order's
        ("newest", "not-a-cursor"),
        ("newest", token[:-4]),
        ("office", cursor_token("office", 0, ["hk-central", "7", "x"])),  # a text where the number is
        ("office", cursor_token("office", 0, ["hk-central", 2**70, "x"])),
        ("newest", cursor_token("newest", 0, ["2026\x00", "x"])),
        ("newest", cursor_token("newest", 5, ["2026", "x"])),
        ("newest", cursor_token("newest", 1, ["2026", "x"])),  # the second run has one key
    ]
    for order, bad in refused:
        with pytest.raises(BadCursor):
            projection.complaints_page(None, scenario.now, order=order, limit=3, after=bad)


def test_the_api_offers_every_order_and_state_there_is() -> None:
    asked = create_app().openapi()["paths"]["/complaints"]["get"]["parameters"]
    schemas = {p["name"]: json.dumps(p["schema"]) for p in asked}
    assert all(f'"{order}"' in schemas["order"] for order in ORDERS)
    assert all(f'"{state}"' in schemas["state"] for state in STATES) and '"open"' not in schemas["state"]


def test_the_list_indexes_are_made_at_start_and_used(projection: ProjectionApplication) -> None:
    db = projection.read.db
    if projection.read.index_builder is not None:  # PostgreSQL builds them concurrently, after start-up
        projection.read.index_builder.join(timeout=120)
    with db.transaction(write=False) as cursor:
        if db.postgres:
            have = {r["indexname"] for r in cursor.all("SELECT indexname FROM pg_indexes")}
        else:
            have = {r["name"] for r in cursor.all("SELECT name FROM sqlite_master WHERE type = 'index'")}
            plan = cursor.all(
                "EXPLAIN QUERY PLAN SELECT subject_id FROM projection_subjects WHERE kind = ? AND office_id = ? "
                "AND state <> 'closed' AND violating_from IS NOT NULL AND (violating_from, subject_id) > (?, ?) "
                "ORDER BY violating_from, subject_id LIMIT 5",
                ("complaint", "hk-central", "2026", ""),
            )
            assert "projection_subjects_open_violating" in plan[0]["detail"]
            assert "TEMP B-TREE" not in " ".join(r["detail"] for r in plan)
    assert set(LIST_INDEXES) <= have


def test_postgres_builds_missing_and_interrupted_list_indexes_concurrently_one_process_at_a_time(
    projection: ProjectionApplication, store_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = projection.read.db
    if not db.postgres:
        pytest.skip("SQLite builds them in the start-up transaction")
    assert projection.read.index_builder is None  # a new store's table is small: built in its start-up
    dropped, broken = "projection_subjects_received", "projection_subjects_open_violating"
    with db.transaction(write=True) as cursor:
        cursor.execute(f"DROP INDEX {dropped}")
        cursor.execute(f"DROP INDEX {broken}")
        cursor.execute("CREATE TABLE scratch (x INTEGER)")
        cursor.execute("INSERT INTO scratch (x) VALUES (1), (1)")
    with db.datastore.get_connection() as conn:  # a concurrent build that fails leaves its index invalid
        conn.autocommit = True
        with pytest.raises(Exception, match="could not create unique index"):
            conn.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {broken} ON scratch (x)")
    assert list_indexes.present(db)[broken] is False and dropped not in list_indexes.present(db)

    with db.datastore.get_connection() as other:  # another process is building them
        other.autocommit = True
        other.execute("SELECT pg_advisory_lock(%s)", (list_indexes.LOCK_KEY,))
        try:
            assert list_indexes.build_postgres(db) == []
        finally:
            other.execute("SELECT pg_advisory_unlock(%s)", (list_indexes.LOCK_KEY,))

    monkeypatch.setattr(list_indexes, "SMALL", 0)  # as over a large table: after start-up, concurrently
    restarted = bootstrap.application(ProjectionSettings(**store_settings))
    try:
        builder = restarted.read.index_builder
        assert builder is not None
        builder.join(timeout=120)
    finally:
        restarted.close()
    assert list_indexes.present(db) == dict.fromkeys(LIST_INDEXES, True)
    assert list_indexes.build_postgres(db) == []  # nothing left to do
    assert list_indexes.build_in_background(db) is None  # and no thread started for it


# -- over HTTP: the parameters, and tenancy -------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], Scenario]]:
    folder = tmp_path_factory.mktemp("projection-lists")
    settings = ProjectionSettings(store="sqlite", state_dir=folder, keys_file=folder / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    scenario = build("lists", offices=("hk-central", "kln-east"), per_office=60, seed=3)
    feed(app, scenario.events(), batch=200)
    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as client:
        yield client, keys, scenario
    app.close()


def pages(client: TestClient, key: str, **params: Any) -> list[dict[str, Any]]:
    seen, after = [], None
    while True:
        answer = client.get("/complaints", params={**params, "after": after}, headers={"X-Office-Key": key})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen += body["items"]
        after = body["next"]
        if after is None:
            return seen


def test_an_office_key_pages_its_own_open_queue_newest_first(world) -> None:
    client, keys, scenario = world
    key = keys["kln-east/supervisor"]
    mine = [s for s in scenario.stories if s.office_id == "kln-east"]
    listed = pages(client, key, order="newest", limit=9)
    assert [i["complaint_id"] for i in listed] == newest_first(mine)
    open_ = pages(client, key, order="overdue", open="true", limit=9)
    assert open_ and {i["office_id"] for i in open_} == {"kln-east"}
    assert all(i["state"] != "closed" for i in open_)
    total = client.get("/complaints", params={"open": "true"}, headers={"X-Office-Key": key}).json()["total"]
    assert total == len(open_)
    # another office's cursor reaches nothing of that office: the key's scope is applied to every page
    other = client.get(
        "/complaints", params={"order": "newest", "limit": 5}, headers={"X-Office-Key": keys["hk-central/supervisor"]}
    )
    token = other.json()["next"]
    foreign = client.get("/complaints", params={"order": "newest", "after": token}, headers={"X-Office-Key": key})
    assert {i["office_id"] for i in foreign.json()["items"]} <= {"kln-east"}
    forbidden = client.get(
        "/complaints", params={"office": "hk-central", "order": "newest"}, headers={"X-Office-Key": key}
    )
    assert forbidden.status_code == 403


def test_states_are_asked_by_name_and_the_defaults_stay(world) -> None:
    client, keys, _ = world
    group = {"X-Office-Key": keys["group/dashboard"]}
    both = client.get("/complaints", params=[("state", "closed"), ("state", "visited"), ("limit", 500)], headers=group)
    assert both.status_code == 200 and {i["state"] for i in both.json()["items"]} <= {"closed", "visited"}
    assert client.get("/complaints", params={"state": "open"}, headers=group).status_code == 422  # open=true is it
    default = client.get("/complaints", params={"limit": 500}, headers=group).json()
    assert default["order"] == "office"  # the list's first order stays its default
    assert [(i["office_id"], i["sequence_number"]) for i in default["items"]] == sorted(
        (i["office_id"], i["sequence_number"]) for i in default["items"]
    )
    assert client.get("/complaints", params={"order": "newest", "after": "nonsense"}, headers=group).status_code == 422
    token = client.get("/complaints", params={"order": "newest", "limit": 3}, headers=group).json()["next"]
    both_ways = client.get("/complaints", params={"order": "newest", "after": token, "offset": 3}, headers=group)
    assert both_ways.status_code == 422


# -- a property: any pages, any arrivals between them ---------------------------------------------

POOL = build("property", offices=("hk-central", "kln-east"), per_office=20, seed=9).stories


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    order=st.sampled_from(["newest", "oldest", "office", "overdue"]),
    limit=st.integers(min_value=1, max_value=9),
)
def test_keyset_pages_never_repeat_or_skip_whatever_arrives_between_them(data: Any, order: str, limit: int) -> None:
    """Whatever complaints arrive between which pages, a cursor walk shows every complaint that was
    there when it began exactly once, and never one twice."""
    present = data.draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=25, unique_by=lambda s: s.reference))
    rest = [s for s in POOL if s not in present]
    with tempfile.TemporaryDirectory() as folder:
        app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=Path(folder)))
        try:
            feed(app, [e for s in present for e in s.tell()], batch=500)
            now = max(s.received_at for s in POOL)
            seen: list[str] = []
            after = None
            while True:
                views, after = app.complaints_page(None, now, order=order, limit=limit, after=after)
                seen += [str(v.complaint_id) for v in views]
                if after is None:
                    break
                if not rest:
                    continue
                arriving = data.draw(st.lists(st.sampled_from(rest), max_size=3, unique_by=lambda s: s.reference))
                feed(app, [e for s in arriving for e in s.tell()], batch=500)
                rest = [s for s in rest if s not in arriving]
        finally:
            app.close()
    assert len(seen) == len(set(seen))
    assert {str(s.complaint_id) for s in present} <= set(seen)
