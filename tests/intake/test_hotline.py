"""The group hotline's call records: sent over HTTP (or the CLI) with a hotline key, recorded once in
intake's store, and published by its relay as `complaints.hotline.ComplaintReported`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.intake import bootstrap
from services.intake.adapters.office_regions import OfficeRegions
from services.intake.adapters.outbound import translate
from services.intake.domain.errors import HotlineReferenceReused, UnknownOffice
from services.intake.domain.hotline import HotlineCall
from services.intake.entrypoints.hotline import BadCallFile, read_calls, send_calls
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.contracts import Actor, derived_id
from shared.contracts.directory import OfficeChanged, OfficeRecord
from shared.contracts.hotline import HotlineCallRecord, HotlineComplaintReported
from shared.contracts.topics import HOTLINE_REPORTS
from tests.support import T0, write_keys


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return write_keys(tmp_path / "keys.json")


@pytest.fixture
def client(tmp_path: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    with TestClient(create_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        yield client


def call(reference: str = "HL-2026-0001", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "office_id": "kln-east",
        "hotline_reference": reference,
        "reported_at": T0.isoformat(),
        "complainant": {"name": "Chan Tai Man", "contact": "+852 9123 4567"},
        "unit_address": "Flat 12B, Block 3, Harbour View Court",
        "summary": "Lift B stopped with two residents inside; the office did not answer the phone.",
    }
    return base | overrides


def as_(keys: dict[str, str], actor: str = "group/hotline") -> dict[str, str]:
    return {"X-Office-Key": keys[actor]}


def published(client: TestClient) -> list[Any]:
    intake = client.app.state.intake
    notifications = intake.notification_log.select(start=1, limit=10)
    return [p for n in notifications for p in translate(intake.mapper.to_domain_event(n))]


def test_a_hotline_key_records_a_call_once_and_the_relay_publishes_it(client, keys) -> None:
    first = client.post("/hotline/calls", json=call(), headers=as_(keys))
    again = client.post("/hotline/calls", json=call(), headers=as_(keys))

    assert first.status_code == 201
    assert again.status_code == 200
    report_id = str(derived_id("hotline", "HL-2026-0001"))
    assert first.json() == again.json() == {"report_id": report_id, "hotline_reference": "HL-2026-0001"}
    [publication] = published(client)
    assert publication.topic == HOTLINE_REPORTS.name
    event = publication.message
    assert isinstance(event, HotlineComplaintReported)
    assert (str(event.complaint_id), event.office_id) == (report_id, "kln-east")
    assert event.occurred_at == T0  # the business time: when the hotline took the call
    assert (event.actor.id, event.actor.role) == ("group/hotline", "hotline")
    assert event.payload.summary.startswith("Lift B stopped")


def test_the_same_reference_with_other_details_is_refused_and_nothing_recorded(client, keys) -> None:
    client.post("/hotline/calls", json=call(), headers=as_(keys))

    other = client.post("/hotline/calls", json=call(office_id="hk-central"), headers=as_(keys))

    assert other.status_code == 409
    assert "HL-2026-0001" in other.json()["detail"]
    assert len(published(client)) == 1


@pytest.mark.parametrize("actor", ["kln-east/reception", "kln-east/manager", "group/dashboard", "group/auditor"])
def test_only_a_hotline_key_may_send_call_records(client, keys, actor: str) -> None:
    response = client.post("/hotline/calls", json=call(), headers=as_(keys, actor))

    assert response.status_code == 403
    assert published(client) == []


def test_without_a_key_the_call_is_refused(client) -> None:
    assert client.post("/hotline/calls", json=call()).status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hotline_reference", "HL 1"),
        ("office_id", "KLN East"),
        ("reported_at", "2026-11-02T09:30:00"),  # no time zone
        ("summary", ""),
    ],
)
def test_a_bad_call_record_is_a_422_naming_the_field(client, keys, field: str, value: str) -> None:
    response = client.post("/hotline/calls", json=call(**{field: value}), headers=as_(keys))

    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"])
    assert published(client) == []


def test_a_call_reported_in_the_future_is_refused(client, keys) -> None:
    response = client.post(
        "/hotline/calls", json=call(reported_at=(T0 + timedelta(days=1)).isoformat()), headers=as_(keys)
    )

    assert response.status_code == 422
    assert "future" in str(response.json()["detail"])


# -- the CLI ------------------------------------------------------------------------------------------


def test_the_cli_reads_json_lines_and_sends_each_call(client, keys) -> None:
    text = "\n".join(json.dumps(call(f"HL-{n}")) for n in (1, 2, 10)) + "\n"
    calls = read_calls(text)

    results = send_calls(calls, client, keys["group/hotline"])
    again = send_calls(calls, client, keys["group/hotline"])

    assert [(r.hotline_reference, r.status) for r in results] == [("HL-1", 201), ("HL-2", 201), ("HL-10", 201)]
    assert [r.status for r in again] == [200, 200, 200]
    assert {p.message.payload.hotline_reference for p in published(client)} == {"HL-1", "HL-2", "HL-10"}


def test_the_cli_reports_a_refused_call_with_its_reason(client, keys) -> None:
    results = send_calls(read_calls(f"[{json.dumps(call())}]"), client, keys["kln-east/reception"])

    assert [(r.status, r.ok) for r in results] == [(403, False)]
    assert "roles" in results[0].detail


def test_the_cli_refuses_a_file_with_a_bad_record_before_sending_anything() -> None:
    text = json.dumps(call("HL-1")) + "\n" + json.dumps(call("HL-2", office_id="")) + "\n"

    with pytest.raises(BadCallFile, match="line 2"):
        read_calls(text)


# -- the application on each production store ----------------------------------------------------------


@pytest.fixture
def intake(store_settings: dict[str, Any]):
    app = bootstrap.application(IntakeSettings(**store_settings))
    yield app
    app.close()


HOTLINE = Principal("group/hotline", None, frozenset({"hotline"}))


def test_the_same_call_sent_at_once_from_many_requests_is_recorded_once(intake) -> None:
    record = HotlineCallRecord.model_validate(call("HL-RACE-1"))

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda _: intake.record_hotline_call(record, HOTLINE, T0), range(12)))

    assert sum(o.created for o in outcomes) == 1
    assert {o.report_id for o in outcomes} == {derived_id("hotline", "HL-RACE-1")}
    assert intake.process_recorder.max_notification_id() == 1


def test_a_recorded_call_reads_back_typed_after_the_store_is_reopened(store_settings: dict[str, Any]) -> None:
    first = bootstrap.application(IntakeSettings(**store_settings))
    report_id = first.record_hotline_call(HotlineCallRecord.model_validate(call("HL-7")), HOTLINE, T0).report_id
    first.close()
    again = bootstrap.application(IntakeSettings(**store_settings))
    try:
        stored: HotlineCall = again.repository.get(report_id)
        assert (stored.office_id, stored.report.hotline_reference, stored.report.reported_at) == (
            "kln-east",
            "HL-7",
            T0,
        )
        with pytest.raises(HotlineReferenceReused):
            again.record_hotline_call(HotlineCallRecord.model_validate(call("HL-7", summary="other")), HOTLINE, T0)
    finally:
        again.close()


def test_a_callers_contact_that_reaches_nobody_is_422_naming_the_field_and_nothing_is_recorded(client, keys) -> None:
    answer = client.post("/hotline/calls", json=call(complainant={"name": "Chan", "contact": "abc"}), headers=as_(keys))

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "complainant", "contact"] and problem["type"] == "contact_invalid"
    assert published(client) == []
    with_email = call("HL-2026-0002", complainant={"name": "Chan", "contact": "chan.tm@example.com"})
    assert client.post("/hotline/calls", json=with_email, headers=as_(keys)).status_code == 201


# -- which offices exist is the directory's fact (adapters/office_regions.py) ----------------------------


class Unfollowed:
    """The feed bootstrap would start, not started: the test announces the directory's offices itself."""

    def close(self) -> None:
        pass


@pytest.fixture
def directory_offices(monkeypatch: pytest.MonkeyPatch) -> list[OfficeRegions]:
    """The OfficeRegions bootstrap builds when it follows the directory (its feed replaced by nothing)."""
    built: list[OfficeRegions] = []

    def follow(regions: OfficeRegions, *_: Any) -> Unfollowed:
        built.append(regions)
        return Unfollowed()

    monkeypatch.setattr(OfficeRegions, "follow", follow)
    return built


def announce(regions: OfficeRegions, office_id: str, time_zone: str = "Asia/Hong_Kong") -> None:
    record = OfficeRecord(office_id=office_id, name=office_id, time_zone=time_zone, units_served=100)
    regions.apply(
        OfficeChanged(
            event_id=uuid.uuid4(),
            entity=f"office:{office_id}",
            change="created",
            reason="opened",
            occurred_at=T0,
            actor=Actor(id="group/admin", role="admin"),
            payload=record,
        )
    )


@pytest.fixture
def following_client(tmp_path: Path, keys: dict[str, str], directory_offices) -> Iterator[TestClient]:
    settings = IntakeSettings(
        store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json", zones_from_directory=True
    )
    with TestClient(create_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        [regions] = directory_offices
        announce(regions, "kln-east")
        yield client


def test_a_call_about_an_office_the_directory_announced_is_recorded(following_client, keys) -> None:
    assert following_client.post("/hotline/calls", json=call(), headers=as_(keys)).status_code == 201


def test_a_call_about_an_office_the_directory_never_announced_is_422_naming_office_id(following_client, keys) -> None:
    answer = following_client.post("/hotline/calls", json=call(office_id="nowhere"), headers=as_(keys))

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "office_id"] and problem["type"] == "unknown_office"
    assert "'nowhere'" in problem["msg"] and "directory" in problem["msg"]
    assert published(following_client) == []  # no call, so no concealment signal against a phantom office


def test_an_office_announced_after_a_refusal_is_accepted_then(following_client, directory_offices, keys) -> None:
    later = call("HL-2026-0009", office_id="sz-futian", complainant={"name": "Chan", "contact": "0755 8888 6666"})
    assert following_client.post("/hotline/calls", json=later, headers=as_(keys)).status_code == 422

    announce(directory_offices[0], "sz-futian", "Asia/Shanghai")  # and its zone reads the caller's phone

    assert following_client.post("/hotline/calls", json=later, headers=as_(keys)).status_code == 201


def test_without_the_directory_any_office_id_is_taken_on_trust(client, keys) -> None:
    assert client.post("/hotline/calls", json=call(office_id="nowhere"), headers=as_(keys)).status_code == 201


def test_the_application_refuses_an_unannounced_office_before_anything_is_recorded(store_settings) -> None:
    regions = OfficeRegions("HK")
    announce(regions, "kln-east")
    app = bootstrap.application(IntakeSettings(**store_settings))
    app.office_known = regions.announced
    try:
        with pytest.raises(UnknownOffice) as refused:
            app.record_hotline_call(HotlineCallRecord.model_validate(call(office_id="nowhere")), HOTLINE, T0)
        assert refused.value.field == ("office_id",)
        assert app.process_recorder.max_notification_id() in (None, 0)
        assert app.record_hotline_call(HotlineCallRecord.model_validate(call()), HOTLINE, T0).created
    finally:
        app.close()
