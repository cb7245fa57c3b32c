"""The desk's administration page over the real directory API (in process): an office's manager adds
a staff member to their own office and is refused another office's; an administrator changes an
office's units and issues a key, shown once and never kept by the desk; the page speaks the three
languages; the desk forwards the person's own key only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.desk.adapters.services import Services
from services.desk.entrypoints.admin import calendar_body
from services.desk.entrypoints.http import create_app as desk_app
from services.desk.settings import DeskSettings
from services.directory import bootstrap as directory_boot
from services.directory.domain.errors import Invalid
from services.directory.entrypoints.http import create_app as directory_api
from services.directory.settings import DirectorySettings
from services.sla.domain.calendar import OfficeCalendar  # the SLA's own model accepts the desk's form
from shared.auth import Principal
from shared.clock import SimulatedClock
from tests.support import write_keys

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)
ADMIN = Principal("group/admin", None, frozenset({"admin"}))


class OnlyTheDirectory(httpx.AsyncBaseTransport):
    """The directory's app in process; any other service is away. Keeps the keys each call carried."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.keys: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "directory":
            return httpx.Response(503, json={"detail": "away"})
        self.keys.append(request.headers.get("x-office-key"))
        return await self.inner.handle_async_request(request)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, OnlyTheDirectory, dict[str, str], Any]]:
    keys = write_keys(tmp_path / "keys.json")
    directory_settings = DirectorySettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    directory = directory_boot.application(directory_settings)
    for office in ("hk-central", "kln-east"):
        directory.create_office(ADMIN, office, office.upper(), "Asia/Hong_Kong", 1000, "opened", T0)
    api = directory_api(directory_settings, directory, SimulatedClock(T0))
    api.state.directory = directory  # the lifespan's work: the ASGI transport runs no lifespan
    transport = OnlyTheDirectory(api)
    settings = DeskSettings(
        keys_file=tmp_path / "keys.json", status_reader_key=keys["group/dashboard"],
        **{f"{s}_url": f"http://{s}" for s in ("intake", "triage", "handling", "sla", "followup", "projection",
                                               "directory")},
    )  # fmt: skip
    with TestClient(desk_app(settings, Services(settings, transport=transport))) as client:
        yield client, transport, keys, directory
    directory.close()


def sign_in(client: TestClient, key: str) -> str:
    answer = client.post("/sign-in", data={"key": key, "next": "/admin"})
    assert answer.status_code == 200 and answer.url.path == "/admin", answer.text[:500]
    found = re.search(r'name="csrf" value="([^"]+)"', answer.text)
    assert found
    return found[1]


def test_a_manager_adds_staff_to_their_own_office_and_is_refused_another(desk: Any) -> None:
    client, transport, keys, directory = desk
    token = sign_in(client, keys["hk-central/manager"])
    page = client.get("/admin")
    assert 'data-testid="office-hk-central"' in page.text and 'data-testid="office-kln-east"' not in page.text
    added = client.post("/admin/staff", data={
        "csrf": token, "staff_id": "hk-central/amy", "name": "Amy Wong", "office_id": "hk-central",
        "roles": "leader supervisor", "email": "amy@example.com", "reason": "joined"})  # fmt: skip
    assert added.status_code == 200 and added.url.params["done"] == "staff"
    assert 'data-testid="staff-hk-central/amy"' in added.text and "amy@example.com" in added.text
    refused = client.post("/admin/staff", data={
        "csrf": token, "staff_id": "kln-east/bob", "name": "Bob", "office_id": "kln-east", "roles": "leader",
        "reason": "not mine"})  # fmt: skip
    assert refused.status_code == 403 and 'data-testid="problem"' in refused.text
    assert [s.staff_id for s in directory.staff(ADMIN)] == ["hk-central/amy"]
    history = directory.history(directory.staff_member(ADMIN, "hk-central/amy").id)
    assert [(h["by"], h["reason"]) for h in history] == [("hk-central/manager", "joined")]
    no_csrf = client.post("/admin/staff", data={"staff_id": "hk-central/eve", "name": "Eve", "roles": "leader",
                                                "office_id": "hk-central", "reason": "x"})  # fmt: skip
    assert no_csrf.status_code == 422 and len(directory.staff(ADMIN)) == 1
    assert set(transport.keys) == {keys["hk-central/manager"]}


def test_an_administrator_changes_units_and_issues_a_key_shown_once(desk: Any) -> None:
    client, _, keys, directory = desk
    token = sign_in(client, keys["group/admin"])
    changed = client.post("/admin/office-change", data={"csrf": token, "office_id": "kln-east",
                                                        "units_served": "2500", "reason": "towers"})  # fmt: skip
    assert 'data-testid="units-kln-east">2500<' in changed.text
    issued = client.post("/admin/key", data={"csrf": token, "actor_id": "kln-east/amy", "office_id": "kln-east",
                                             "roles": "leader", "reason": "Amy's key"})  # fmt: skip
    assert issued.status_code == 201
    key = re.search(r'data-testid="issued-key">([^<]+)<', issued.text)
    assert key and key[1].startswith("ck_")
    assert key[1] not in client.get("/admin").text  # once, never again
    [made] = [k for k in directory.keys(ADMIN) if k.actor_id == "kln-east/amy"]
    revoked = client.post("/admin/key-revoke", data={"csrf": token, "key_id": str(made.key_id), "reason": "left"})
    assert revoked.status_code == 200 and directory.key(ADMIN, made.key_id).revoked


@pytest.mark.parametrize(("lang", "word"), [("en", "Administration"), ("zh-Hant", "管理設定"), ("zh-Hans", "管理设置")])
def test_the_page_speaks_each_language(desk: Any, lang: str, word: str) -> None:
    client, _, keys, _ = desk
    sign_in(client, keys["group/admin"])
    page = client.get(f"/admin?lang={lang}")
    assert page.status_code == 200 and f"<h1>{word}</h1>" in page.text


def test_staff_without_a_managing_role_see_no_administration_link(desk: Any) -> None:
    client, _, keys, _ = desk
    landed = client.post("/sign-in", data={"key": keys["hk-central/reception"], "next": "/admin"})
    assert landed.url.path == "/queue"  # a page the role cannot use is not where sign-in leads
    page = client.get("/admin")
    assert 'data-testid="nav-admin"' not in page.text and 'data-testid="form-calendar"' not in page.text


def test_a_manager_sets_the_office_calendar_at_the_sla_service(desk: Any) -> None:
    """The calendar is the SLA's fact: the desk sends it there with the manager's key (the SLA is away
    here, so the desk says so and records nothing)."""
    client, _, keys, _ = desk
    token = sign_in(client, keys["hk-central/manager"])
    page = client.get("/admin").text
    assert 'data-testid="form-calendar"' in page
    # the time zone is the office's, which the directory keeps: shown, not asked for again
    assert re.search(r'data-testid="calendar-zone">[^<]*Asia/Hong_Kong', page)
    assert '<input name="time_zone" required' not in page.split('data-testid="form-calendar"')[1].split("</form>")[0]
    bad = client.post("/admin/calendar", data={"csrf": token, "days": "mon", "start": "09:00", "end": "18:00"})
    assert bad.status_code == 422 and "days" in bad.text
    away = client.post("/admin/calendar", data={"csrf": token, "days": "0 1 2 3 4", "start": "09:00", "end": "18:00"})
    assert away.status_code == 502 and "[sla 503: " in away.text and "cannot be reached now" in away.text


def test_the_calendar_form_becomes_the_sla_s_calendar() -> None:
    body = calendar_body({"name": "HK", "time_zone": "Asia/Hong_Kong", "days": "0 1 2 3 4", "start": "09:00",
                          "end": "18:00", "holidays": "2026-12-25 2027-01-01"})  # fmt: skip
    calendar = OfficeCalendar.model_validate(body)
    assert sorted(calendar.hours) == [0, 1, 2, 3, 4] and len(calendar.holidays) == 2
    assert calendar.admission_problems() == []


def test_an_administrator_sets_an_office_s_chinese_names_one_box_at_a_time(desk: Any) -> None:
    """The directory replaces an office's names as a whole; the desk keeps the names of the boxes left
    empty, so setting the Simplified name does not erase the Traditional one."""
    client, _, keys, directory = desk
    token = sign_in(client, keys["group/admin"])
    first = client.post("/admin/office-change", data={
        "csrf": token, "office_id": "kln-east", "names_zh_hant": " 九龍東管理處 ", "reason": "its name"})  # fmt: skip
    assert first.status_code == 200 and first.url.params["done"] == "office-change"
    second = client.post("/admin/office-change", data={
        "csrf": token, "office_id": "kln-east", "names_zh_hans": "九龙东管理处", "reason": "its name"})  # fmt: skip
    assert second.status_code == 200
    assert directory.office(ADMIN, "kln-east").names == {"zh-Hant": "九龍東管理處", "zh-Hans": "九龙东管理处"}
    assert 'data-testid="names-kln-east">九龍東管理處 / 九龙东管理处<' in second.text
    conflicting = client.post("/admin/office-change", data={
        "csrf": token, "office_id": "kln-east", "names_zh_hans": "九龙东", "names_remove": "zh-Hans",
        "reason": "?"})  # fmt: skip
    assert conflicting.status_code == 422 and "Name in Simplified Chinese: is filled in and asked to be removed" in (
        conflicting.text
    )
    removed = client.post("/admin/office-change", data={
        "csrf": token, "office_id": "kln-east", "names_remove": "zh-Hans",
        "reason": "not used in Kowloon"})  # fmt: skip
    assert removed.status_code == 200 and directory.office(ADMIN, "kln-east").names == {"zh-Hant": "九龍東管理處"}
    made = client.post("/admin/office", data={
        "csrf": token, "office_id": "sz-futian", "name": "Shenzhen Futian office", "names_zh_hans": "深圳福田管理处",
        "time_zone": "Asia/Shanghai", "units_served": "15000", "reason": "opened"})  # fmt: skip
    assert made.status_code == 200 and directory.office(ADMIN, "sz-futian").names == {"zh-Hans": "深圳福田管理处"}
    history = directory.history(directory.office(ADMIN, "kln-east").id)
    assert [h["reason"] for h in history][-3:] == ["its name", "its name", "not used in Kowloon"]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Name in Traditional Chinese: must be written in Chinese characters"),
        ("zh-Hant", "繁體中文名稱: 須以中文字書寫"),
        ("zh-Hans", "繁体中文名称: 须以中文字书写"),
    ],
)
def test_a_chinese_name_without_chinese_characters_is_refused_at_its_box(desk: Any, lang: str, said: str) -> None:
    client, _, keys, directory = desk
    token = sign_in(client, keys["group/admin"])
    client.get(f"/admin?lang={lang}")  # the page's language, remembered
    refused = client.post("/admin/office-change", data={"csrf": token, "office_id": "kln-east",
                                                        "names_zh_hant": "kln-east", "reason": "typo"})  # fmt: skip
    assert refused.status_code == 422 and said in refused.text
    assert directory.office(ADMIN, "kln-east").names == {}  # nothing recorded
    too_long = client.post("/admin/office", data={
        "csrf": token, "office_id": "hk-west", "name": "HK West", "names_zh_hans": "管" * 201,
        "time_zone": "Asia/Hong_Kong", "units_served": "1", "reason": "opened"})  # fmt: skip
    assert too_long.status_code == 422 and "200" in too_long.text
    assert [o.office_id for o in directory.offices(ADMIN)] == ["hk-central", "kln-east"]


def test_the_directory_itself_refuses_a_chinese_name_without_chinese_characters(desk: Any) -> None:
    """The directory is the author: its API, its CLI and the desk meet the same rule."""
    _, _, _, directory = desk
    with pytest.raises(Invalid, match="no Chinese character"):
        directory.change_office(ADMIN, "kln-east", "typo", T0, names={"zh-Hans": "Kowloon East"})
    with pytest.raises(Invalid, match="1 to 200"):
        directory.change_office(ADMIN, "kln-east", "typo", T0, names={"zh-Hant": "  "})
    assert directory.office(ADMIN, "kln-east").names == {}


def test_a_manager_sets_the_language_a_staff_member_reads_their_mails_in(desk: Any) -> None:
    client, _, keys, directory = desk
    token = sign_in(client, keys["hk-central/manager"])
    added = client.post("/admin/staff", data={
        "csrf": token, "staff_id": "hk-central/amy", "name": "Amy Wong", "office_id": "hk-central",
        "roles": "leader", "email": "amy@example.com", "language": "zh-Hant", "reason": "joined"})  # fmt: skip
    assert added.status_code == 200 and directory.staff_member(ADMIN, "hk-central/amy").language == "zh-Hant"
    assert 'data-testid="language-hk-central/amy">繁體中文<' in added.text
    kept = client.post("/admin/staff-change", data={"csrf": token, "staff_id": "hk-central/amy",
                                                    "roles": "leader supervisor", "reason": "promoted"})  # fmt: skip
    assert kept.status_code == 200 and directory.staff_member(ADMIN, "hk-central/amy").language == "zh-Hant"
    changed = client.post("/admin/staff-change", data={
        "csrf": token, "staff_id": "hk-central/amy", "language": "zh-Hans", "reason": "reads Simplified"})  # fmt: skip
    assert changed.status_code == 200 and directory.staff_member(ADMIN, "hk-central/amy").language == "zh-Hans"
    cleared = client.post("/admin/staff-change", data={"csrf": token, "staff_id": "hk-central/amy",
                                                       "language": "none", "reason": "asked for English"})  # fmt: skip
    assert cleared.status_code == 200 and directory.staff_member(ADMIN, "hk-central/amy").language is None
    assert 'data-testid="language-hk-central/amy">not said (English)<' in cleared.text
    odd = client.post("/admin/staff-change", data={"csrf": token, "staff_id": "hk-central/amy",
                                                   "language": "fr", "reason": "x"})  # fmt: skip
    assert odd.status_code == 422 and "Language of their mails: is not one of the choices" in odd.text
    history = directory.history(directory.staff_member(ADMIN, "hk-central/amy").id)
    assert [h["reason"] for h in history] == ["joined", "promoted", "reads Simplified", "asked for English"]
