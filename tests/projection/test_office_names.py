"""Offices by their names, as the directory names them (issue: offices were shown by id, `hk-central`),
and an office nobody knows refused with its id (it answered 200 with zeros).

The directory's `OfficeChanged` is applied as its feed applies it (`ProjectionApplication.office_changed`);
the names are rows of the read side (`projection_offices`, on SQLite and PostgreSQL): a restarted
application reads them with no feed and nothing in memory. The HTTP app is the projection's own,
started here on the real store."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from services.projection import bootstrap
from services.projection.application import ProjectionApplication
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from shared.contracts import Actor
from shared.contracts.directory import OfficeChanged, OfficeRecord
from tests.projection.scenario import Scenario, build
from tests.projection.support import feed
from tests.support import write_keys

WEEK = "2026-W45"
CENTRAL = {"zh-Hant": "中環管理處", "zh-Hans": "中环管理处"}
NEW_OFFICE = "tko-new"  # named by the directory, no complaint yet
DIRECTORY_TIME = datetime(2026, 10, 1, tzinfo=UTC)


def office_changed(office_id: str, name: str, names: dict[str, str], at: datetime = DIRECTORY_TIME) -> OfficeChanged:
    return OfficeChanged(
        event_id=uuid4(), entity=f"office:{office_id}", change="changed", occurred_at=at,
        actor=Actor(id="group/admin", role="admin"), reason="named",
        payload=OfficeRecord(office_id=office_id, name=name, names=names, time_zone="Asia/Hong_Kong", units_served=0),
    )  # fmt: skip


@pytest.fixture
def named(store_settings: dict[str, Any]) -> Iterator[tuple[ProjectionSettings, ProjectionApplication, Scenario]]:
    folder = Path(store_settings["state_dir"])
    settings = ProjectionSettings(**store_settings, keys_file=folder / "keys.json", office_units={})
    app = bootstrap.application(settings)
    scenario = build(f"names-{uuid4().hex[:6]}", per_office=8, seed=3)
    feed(app, scenario.events())
    app.office_changed(office_changed("hk-central", "Central Office", CENTRAL))
    app.office_changed(office_changed(NEW_OFFICE, "Tseung Kwan O Office", {"zh-Hant": "將軍澳管理處"}))
    yield settings, app, scenario
    app.close()


@pytest.fixture
def client(named) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings, app, scenario = named
    keys = write_keys(settings.keys_file)
    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as test_client:
        yield test_client, keys


def as_(keys: dict[str, str], actor: str) -> dict[str, str]:
    return {"X-Office-Key": keys[actor]}


def test_the_statistics_name_the_office_in_the_reader_s_language_and_by_id_where_unnamed(client) -> None:
    api, keys = client
    group = as_(keys, "group/dashboard")
    names = {
        (office, lang): api.get("/statistics", params={"office": office, "lang": lang}, headers=group).json()
        for office in ("hk-central", "kln-east")
        for lang in ("en", "zh-Hant", "zh-Hans")
    }
    assert [names[("hk-central", lang)]["office_name"] for lang in ("en", "zh-Hant", "zh-Hans")] == [
        "Central Office", "中環管理處", "中环管理处",
    ]  # fmt: skip
    assert {names[("kln-east", lang)]["office_name"] for lang in ("en", "zh-Hant", "zh-Hans")} == {"kln-east"}
    assert names[("hk-central", "en")]["scope"] == "hk-central", "the scope stays the id, for programs"
    assert api.get("/statistics", headers=group).json()["office_name"] is None, "the group is no office"


def test_offices_lists_the_names_each_key_may_read(client) -> None:
    api, keys = client
    offices = api.get("/offices", params={"lang": "zh-Hant"}, headers=as_(keys, "group/dashboard"))
    assert offices.status_code == 200, offices.text
    by_id = {o["office_id"]: o for o in offices.json()}
    assert by_id["hk-central"]["name"] == "中環管理處" and by_id["hk-central"]["names"] == CENTRAL
    assert by_id[NEW_OFFICE]["name"] == "將軍澳管理處", "named by the directory, with no complaint yet"
    assert by_id["kln-east"] == {"office_id": "kln-east", "name": "kln-east", "names": {}}
    # a language the directory gave no name in reads its `name`
    simplified = api.get("/offices", params={"lang": "zh-Hans"}, headers=as_(keys, "group/dashboard")).json()
    assert {o["office_id"]: o["name"] for o in simplified}[NEW_OFFICE] == "Tseung Kwan O Office"
    own = api.get("/offices", params={"lang": "zh-Hans"}, headers=as_(keys, "hk-central/supervisor")).json()
    assert own == [{"office_id": "hk-central", "name": "中环管理处", "names": CENTRAL}]
    assert api.get("/offices", params={"lang": "fr"}, headers=as_(keys, "group/dashboard")).status_code == 422


def test_an_office_nobody_knows_is_refused_by_its_id_and_a_known_one_without_complaints_has_zeros(client) -> None:
    api, keys = client
    group = as_(keys, "group/dashboard")
    for path, params in (
        ("/statistics", {}),
        ("/statistics", {"week": WEEK}),
        ("/reports/weekly", {"week": WEEK, "format": "csv"}),
        ("/complaints", {}),
        ("/violations", {}),
        ("/signals", {}),
    ):
        typo = api.get(path, params={**params, "office": "hk-centrl"}, headers=group)
        assert typo.status_code == 404, (path, typo.text)
        body = typo.json()
        assert body["code"] == "projection.unknown_office" and body["params"] == {"office_id": "hk-centrl"}
        assert "hk-centrl" in body["detail"]
    empty = api.get("/statistics", params={"office": NEW_OFFICE, "lang": "zh-Hant"}, headers=group)
    assert empty.status_code == 200, empty.text
    assert empty.json()["statistics"]["complaints"] == 0 and empty.json()["office_name"] == "將軍澳管理處"
    report = api.get("/reports/weekly", params={"week": WEEK, "format": "csv", "office": NEW_OFFICE}, headers=group)
    assert report.status_code == 200, report.text
    for path in ("/complaints", "/violations", "/signals"):  # a known office: its (empty) lists
        listed = api.get(path, params={"office": NEW_OFFICE}, headers=group)
        assert listed.status_code == 200 and listed.json()["total"] == 0, (path, listed.text)
    # an office key's own office is its own to read, known or not; another is 403 before any look-up
    hk = as_(keys, "hk-central/supervisor")
    assert api.get("/statistics", headers=hk).status_code == 200
    assert api.get("/statistics", params={"office": "hk-centrl"}, headers=hk).status_code == 403


def test_a_later_name_replaces_the_earlier_an_older_one_never_comes_back_and_a_restart_reads_them(
    named, store_settings
) -> None:
    settings, app, _ = named
    app.office_changed(office_changed("hk-central", "Central", {"zh-Hant": "中環"}, DIRECTORY_TIME + timedelta(days=1)))
    # a process that reads the directory's topic from its start applies the older event after the newer
    app.office_changed(
        office_changed("hk-central", "Old name", {"zh-Hant": "舊名"}, DIRECTORY_TIME - timedelta(days=1))
    )
    assert app.office_names()["hk-central"].called("zh-Hant") == "中環"
    assert app.office_names()["hk-central"].called("zh-Hans") == "Central"
    restarted = bootstrap.application(settings)  # no feed: the names are in the read side's tables
    try:
        assert restarted.office_names()["hk-central"].called("zh-Hant") == "中環"
        assert restarted.office_names()[NEW_OFFICE].called("en") == "Tseung Kwan O Office"
        restarted.known_office(NEW_OFFICE)
    finally:
        restarted.close()


def test_the_reports_name_the_offices_in_their_language(client) -> None:
    api, keys = client
    group = as_(keys, "group/auditor")
    xlsx = api.get("/reports/weekly", params={"week": WEEK, "format": "xlsx", "lang": "zh-Hant"}, headers=group)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["摘要", "業務範疇", "柏拉圖", "時限", "記錄規則", "管理處"]
    offices = {row[-1]: row[0] for row in book["管理處"].iter_rows(min_row=2, values_only=True)}
    assert offices["hk-central"] == "中環管理處" and offices["kln-east"] == "kln-east"

    one = api.get(
        "/reports/weekly", params={"week": WEEK, "format": "xlsx", "lang": "zh-Hans", "office": "hk-central"},
        headers=group,
    )  # fmt: skip
    summary = load_workbook(io.BytesIO(one.content))["摘要"]
    assert [c.value for c in summary[2]] == ["范围", "中环管理处", "hk-central"]

    text = api.get("/reports/weekly", params={"week": WEEK, "format": "csv", "lang": "zh-Hant"}, headers=group)
    rows = list(csv.DictReader(io.StringIO(text.content.decode("utf-8").lstrip("\ufeff"))))
    labels = {r["item"]: r["label"] for r in rows if r["section"] == "office" and r["measure"] == "complaints"}
    assert labels["hk-central"].startswith("中環管理處 / ") and labels["kln-east"].startswith("kln-east / ")
    assert {r["item"] for r in rows if r["section"] == "office"} >= {"hk-central", "kln-east"}, "codes stay ids"

    pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extras (pip install -e '.[test]')")
    pdf = api.get(
        "/reports/weekly", params={"week": WEEK, "format": "pdf", "lang": "zh-Hant", "office": "hk-central"},
        headers=group,
    )  # fmt: skip
    assert "中環管理處" in "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
