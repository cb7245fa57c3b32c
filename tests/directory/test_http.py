"""The directory's HTTP API: an administrator sets up offices, departments, staff and keys; an office's
manager manages their own office's staff and keys and is refused another office's; every change is
audited (who, role, why); the events published carry the whole state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.directory import bootstrap
from services.directory.adapters.outbound import Translator
from services.directory.entrypoints.http import create_app
from services.directory.settings import DirectorySettings
from shared.auth import hash_key
from shared.clock import SimulatedClock
from shared.contracts.directory import ApiKeyChanged, OfficeChanged, StaffMemberChanged
from tests.support import write_keys

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path):
    settings = DirectorySettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    with TestClient(create_app(settings, app, SimulatedClock(T0))) as client:
        yield client, keys, app


def h(keys: dict[str, str], who: str) -> dict[str, str]:
    return {"X-Office-Key": keys[who]}


def setup_offices(client: TestClient, keys: dict[str, str]) -> None:
    for office, zone in (("hk-central", "Asia/Hong_Kong"), ("kln-east", "Asia/Hong_Kong")):
        body = {"office_id": office, "name": office.upper(), "time_zone": zone, "units_served": 1000}
        made = client.post("/offices", headers=h(keys, "group/admin"), json=body | {"reason": "opened"})
        assert made.status_code == 201, made.text


def test_an_administrator_sets_up_an_office_and_changes_its_units(env) -> None:
    client, keys, _ = env
    setup_offices(client, keys)
    refused = client.post("/offices", headers=h(keys, "hk-central/manager"), json={
        "office_id": "x", "name": "X", "time_zone": "Asia/Hong_Kong", "units_served": 1, "reason": "mine"})  # fmt: skip
    assert refused.status_code == 403 and refused.json()["code"] == "directory.admin_needed"
    bad_zone = client.patch("/offices/hk-central", headers=h(keys, "group/admin"),
                            json={"time_zone": "Nowhere/Else", "reason": "typo"})  # fmt: skip
    assert bad_zone.status_code == 409 and bad_zone.json()["code"] == "directory.unknown_time_zone"
    assert bad_zone.json()["params"] == {"time_zone": "Nowhere/Else"}
    changed = client.patch("/offices/hk-central", headers=h(keys, "group/admin"),
                           json={"units_served": 2500, "reason": "two new towers"})  # fmt: skip
    assert changed.json()["units_served"] == 2500
    again = {"office_id": "hk-central", "name": "again", "time_zone": "UTC", "units_served": 1, "reason": "x"}
    exists = client.post("/offices", headers=h(keys, "group/admin"), json=again)
    assert exists.status_code == 409 and exists.json()["code"] == "directory.office_exists"
    assert exists.json()["params"] == {"office_id": "hk-central"}
    listed = client.get("/offices", headers=h(keys, "hk-central/manager")).json()
    assert [o["office_id"] for o in listed] == ["hk-central"]  # a manager sees their own office
    # a staff key of the office is told why it may not read its own office, not that it does not exist
    own = client.get("/offices/hk-central", headers=h(keys, "hk-central/staff"))
    assert own.status_code == 403 and "role" in own.text and own.json()["code"] == "directory.read_refused"
    elsewhere = client.get("/offices/kln-east", headers=h(keys, "hk-central/staff"))
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "directory.office_not_found"
    assert len(client.get("/offices", headers=h(keys, "group/dashboard")).json()) == 2


def test_a_manager_manages_their_own_office_staff_and_not_another_office(env) -> None:
    client, keys, _ = env
    setup_offices(client, keys)
    dept = client.post("/offices/hk-central/departments", headers=h(keys, "hk-central/manager"),
                       json={"code": "engineering", "name": "Engineering", "reason": "new team"})  # fmt: skip
    assert dept.status_code == 201
    amy = {"staff_id": "hk-central/amy", "name": "Amy Wong", "office_id": "hk-central", "department": "engineering",
           "roles": ["leader"], "contacts": {"email": "amy@example.com"}, "reason": "joined as leader"}  # fmt: skip
    assert client.post("/staff", headers=h(keys, "hk-central/manager"), json=amy).status_code == 201
    other = amy | {"staff_id": "kln-east/bob", "office_id": "kln-east", "department": None}
    assert client.post("/staff", headers=h(keys, "hk-central/manager"), json=other).status_code == 403
    assert client.post("/staff", headers=h(keys, "kln-east/manager"), json=other).status_code == 201
    # another office's manager cannot see, change or move Amy
    assert client.get("/staff/hk-central/amy", headers=h(keys, "kln-east/manager")).status_code == 404
    assert client.patch("/staff/hk-central/amy", headers=h(keys, "kln-east/manager"),
                        json={"active": False, "reason": "x"}).status_code == 404  # fmt: skip
    assert client.patch("/staff/kln-east/bob", headers=h(keys, "kln-east/manager"),
                        json={"office_id": "hk-central", "reason": "x"}).status_code == 403  # fmt: skip
    # a manager grants office roles only
    assert client.patch("/staff/hk-central/amy", headers=h(keys, "hk-central/manager"),
                        json={"roles": ["admin"], "reason": "x"}).status_code == 403  # fmt: skip
    assert client.patch("/staff/hk-central/amy", headers=h(keys, "hk-central/staff"),
                        json={"active": False, "reason": "x"}).status_code == 404  # not a reader  # fmt: skip
    changed = client.patch("/staff/hk-central/amy", headers=h(keys, "hk-central/manager"),
                           json={"contacts": {"email": "amy.wong@example.com", "phone": "+852 9000 0000"},
                                 "reason": "new address"})  # fmt: skip
    assert changed.json()["contacts"]["phone"] == "+852 9000 0000"
    assert [s["staff_id"] for s in client.get("/staff", headers=h(keys, "hk-central/manager")).json()] == [
        "hk-central/amy"
    ]
    history = client.get("/staff/hk-central/amy/history", headers=h(keys, "hk-central/manager")).json()
    assert [(c["change"], c["by"], c["role"], c["reason"]) for c in history] == [
        ("Added", "hk-central/manager", "manager", "joined as leader"),
        ("Changed", "hk-central/manager", "manager", "new address"),
    ]
    assert client.post("/staff", headers=h(keys, "hk-central/manager"), json=amy | {"reason": ""}).status_code == 422


def test_keys_are_issued_once_rotated_and_revoked_with_the_hash_only_published(env) -> None:
    client, keys, app = env
    setup_offices(client, keys)
    issued = client.post("/keys", headers=h(keys, "hk-central/manager"), json={
        "actor_id": "hk-central/amy", "office_id": "hk-central", "roles": ["leader"],
        "expires_at": (T0 + timedelta(days=90)).isoformat(), "reason": "Amy's desk key"})  # fmt: skip
    assert issued.status_code == 201
    first = issued.json()
    assert client.post("/keys", headers=h(keys, "hk-central/manager"), json={
        "actor_id": "x", "office_id": "kln-east", "roles": ["leader"], "reason": "x"}).status_code == 403  # fmt: skip
    assert client.post("/keys", headers=h(keys, "hk-central/manager"), json={
        "actor_id": "x", "office_id": "hk-central", "roles": ["group"], "reason": "x"}).status_code == 403  # fmt: skip
    assert client.post(f"/keys/{first['key_id']}/revocation", headers=h(keys, "kln-east/manager"),
                       json={"reason": "x"}).status_code == 404  # fmt: skip
    rotated = client.post(f"/keys/{first['key_id']}/rotation", headers=h(keys, "hk-central/manager"),
                          json={"reason": "quarterly rotation"}).json()  # fmt: skip
    assert rotated["key"] != first["key"] and rotated["roles"] == ["leader"]
    listed = {k["key_id"]: k for k in client.get("/keys", headers=h(keys, "hk-central/manager")).json()}
    assert listed[first["key_id"]]["revoked"] and not listed[rotated["key_id"]]["revoked"]
    assert listed[rotated["key_id"]]["replaces"] == first["key_id"]
    assert "key" not in listed[rotated["key_id"]]
    revoked = client.post(f"/keys/{rotated['key_id']}/revocation", headers=h(keys, "group/admin"),
                          json={"reason": "Amy left"})  # fmt: skip
    assert revoked.json()["revoked"]

    published = [m for m in _published(app) if isinstance(m, ApiKeyChanged)]
    assert [(m.change, m.payload.revoked) for m in published] == [
        ("issued", False), ("revoked", True), ("issued", False), ("revoked", True)]  # fmt: skip
    assert published[0].payload.key_sha256 == hash_key(first["key"])
    assert first["key"] not in str([m.model_dump() for m in published])
    assert published[-1].actor.id == "group/admin" and published[-1].reason == "Amy left"


def test_every_published_staff_event_carries_the_whole_record(env) -> None:
    client, keys, app = env
    setup_offices(client, keys)
    client.post("/staff", headers=h(keys, "group/admin"), json={
        "staff_id": "group/ceo", "name": "Chief", "roles": ["company-leader"],
        "contacts": {"email": "ceo@example.com"}, "reason": "appointed"})  # fmt: skip
    client.patch("/staff/group/ceo", headers=h(keys, "group/admin"), json={"name": "Chief Exec", "reason": "title"})
    staff = [m for m in _published(app) if isinstance(m, StaffMemberChanged)]
    assert [(m.change, m.payload.name, m.payload.contacts.email) for m in staff] == [
        ("added", "Chief", "ceo@example.com"), ("changed", "Chief Exec", "ceo@example.com")]  # fmt: skip


def _published(app) -> list:
    translate = Translator(app)
    found = []
    start = 1
    while True:
        section = app.notification_log.select(start, 10)
        if not section:
            return found
        for notification in section:
            found += [p.message for p in translate(app.mapper.to_domain_event(notification))]
        start = section[-1].id + 1


def test_an_office_is_named_in_each_language_and_its_events_carry_the_names(env) -> None:
    """The office's name per language (what a Chinese mail calls it) is the directory's: set at creation,
    replaced as a whole by a change, and published on OfficeChanged; an office without them has none."""
    client, keys, app = env
    body = {"office_id": "hk-central", "name": "Hong Kong Central office", "time_zone": "Asia/Hong_Kong",
            "units_served": 1000, "names": {"zh-Hant": "中環管理處"}, "reason": "opened"}  # fmt: skip
    made = client.post("/offices", headers=h(keys, "group/admin"), json=body)
    assert made.status_code == 201 and made.json()["names"] == {"zh-Hant": "中環管理處"}
    bad = client.patch("/offices/hk-central", headers=h(keys, "group/admin"),
                       json={"names": {"fr": "Bureau"}, "reason": "x"})  # fmt: skip
    assert bad.status_code == 422  # a language the system does not speak
    names = {"zh-Hant": "中環管理處", "zh-Hans": "中环管理处"}
    changed = client.patch(
        "/offices/hk-central", headers=h(keys, "group/admin"), json={"names": names, "reason": "mails"}
    )
    assert changed.json()["names"] == names
    units = client.patch("/offices/hk-central", headers=h(keys, "group/admin"), json={"units_served": 9, "reason": "u"})
    assert units.json()["names"] == names  # absent: unchanged
    translate = Translator(app)
    published = [
        p.message
        for n in app.process_recorder.select_notifications(1, 1000)
        for p in translate(app.mapper.to_domain_event(n))
        if isinstance(p.message, OfficeChanged)
    ]
    assert [o.payload.names for o in published] == [{"zh-Hant": "中環管理處"}, names, names]
    assert (
        OfficeChanged.model_validate(
            published[0].model_dump(mode="json") | {"payload": {**published[0].payload.model_dump(exclude={"names"})}}
        ).payload.names
        == {}
    )  # an event from before names travelled still reads


def test_a_person_s_mail_language_is_set_changed_cleared_and_published(env) -> None:
    """What the notifier writes a person's notifications in is the directory's: set when they are
    added, changed or cleared (null: not said, English) like any field, absent: unchanged; published on
    StaffMemberChanged, and an event from before it travelled still reads (no language)."""
    client, keys, app = env
    setup_offices(client, keys)
    added = client.post("/staff", headers=h(keys, "hk-central/manager"), json={
        "staff_id": "hk-central/amy", "name": "Amy", "office_id": "hk-central", "roles": ["leader"],
        "contacts": {"email": "amy@example.com"}, "language": "zh-Hant", "reason": "joined"})  # fmt: skip
    assert added.status_code == 201 and added.json()["language"] == "zh-Hant"
    french = client.patch("/staff/hk-central/amy", headers=h(keys, "hk-central/manager"),
                          json={"language": "fr", "reason": "x"})  # fmt: skip
    assert french.status_code == 422  # a language the mails are not written in
    kept = client.patch(
        "/staff/hk-central/amy", headers=h(keys, "hk-central/manager"), json={"name": "A", "reason": "n"}
    )
    assert kept.json()["language"] == "zh-Hant"
    for language in ("zh-Hans", None):
        changed = client.patch("/staff/hk-central/amy", headers=h(keys, "hk-central/manager"),
                               json={"language": language, "reason": "asked"})  # fmt: skip
        assert changed.status_code == 200 and changed.json()["language"] == language
    staff = [m for m in _published(app) if isinstance(m, StaffMemberChanged)]
    assert [m.payload.language for m in staff] == ["zh-Hant", "zh-Hant", "zh-Hans", None]
    old = staff[0].model_dump(mode="json")
    del old["payload"]["language"]
    assert StaffMemberChanged.model_validate(old).payload.language is None


def test_an_auditor_reads_every_change_of_an_office_and_a_department_with_what_it_became(env) -> None:
    """The directory's topic keeps only each entity's latest state (compacted): its store is the history
    of who changed what and why, and the group's auditor reads it."""
    client, keys, _ = env
    setup_offices(client, keys)
    client.patch("/offices/hk-central", headers=h(keys, "group/admin"), json={"units_served": 2500, "reason": "towers"})
    made = client.post("/offices/hk-central/departments", headers=h(keys, "hk-central/manager"),
                       json={"code": "engineering", "name": "Eng", "reason": "new team"})  # fmt: skip
    assert made.status_code == 201, made.text
    client.patch("/offices/hk-central/departments/engineering", headers=h(keys, "hk-central/manager"),
                 json={"active": False, "reason": "merged"})  # fmt: skip
    office = client.get("/offices/hk-central/history", headers=h(keys, "group/auditor")).json()
    assert [(c["by"], c["reason"], c["after"]["units_served"]) for c in office] == [
        ("group/admin", "opened", 1000),
        ("group/admin", "towers", 2500),
    ]
    department = client.get("/offices/hk-central/departments/engineering/history", headers=h(keys, "group/auditor"))
    assert [(c["reason"], c["after"]["active"]) for c in department.json()] == [("new team", True), ("merged", False)]
    assert (
        client.get("/offices/hk-central/departments/nope/history", headers=h(keys, "group/auditor")).status_code == 404
    )
    assert client.get("/offices/hk-central/history", headers=h(keys, "kln-east/manager")).status_code == 404


def amy_in_engineering_office(client: Any, keys: Any, typed: str) -> dict[str, Any]:
    """The offices, hk-central's engineering department, and a staff record naming `typed` as Amy's."""
    setup_offices(client, keys)
    client.post("/offices/hk-central/departments", headers=h(keys, "hk-central/manager"),
                json={"code": "engineering", "name": "Engineering", "reason": "new team"})  # fmt: skip
    return {"staff_id": "hk-central/amy", "name": "Amy Wong", "office_id": "hk-central", "department": typed,
            "roles": ["department-staff"], "contacts": {"email": "amy@example.com"}, "reason": "joined"}  # fmt: skip


@pytest.mark.parametrize(("typed", "placed"), [("engineering", "engineering"), ("Engineering", "engineering"),
                                               ("工程部", "engineering"), (" 工程部 ", "engineering")])  # fmt: skip
def test_a_staff_member_s_department_is_read_as_routing_s_departments_are(env, typed: str, placed: str) -> None:
    """The same reading as a routing override and a hand-over (shared/contracts/labels.department_code),
    among the office's departments: its code or its word in any language, recorded as the code."""
    client, keys, _ = env
    amy = amy_in_engineering_office(client, keys, typed)
    added = client.post("/staff", headers=h(keys, "hk-central/manager"), json=amy)
    assert added.status_code == 201, added.json()
    assert added.json()["department"] == placed


@pytest.mark.parametrize("typed", ["Engineering Dept", "enginering", "security"])
def test_a_staff_member_in_a_department_the_office_does_not_have_is_refused(env, typed: str) -> None:
    client, keys, _ = env
    amy = amy_in_engineering_office(client, keys, typed)
    refused = client.post("/staff", headers=h(keys, "hk-central/manager"), json=amy)
    assert refused.status_code == 409 and refused.json()["code"] == "directory.department_unknown"
    assert client.get("/staff", headers=h(keys, "hk-central/manager")).json() == []
