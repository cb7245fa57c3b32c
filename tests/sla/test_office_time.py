"""The office's time zone has one author, the directory: the SLA's clocks run in the zone the
directory last said (its `OfficeChanged`), the calendar's and the policy's zones being fallbacks only
until it has spoken. Pure domain tests (no store, no Kafka) and the application on its store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.sla.adapters.inbound import ClockFacts
from services.sla.domain.calendar import deadline
from services.sla.domain.office_time import HeardZone, ZoneSource, office_time, supersedes
from services.sla.domain.policy import DEFAULT_POLICY, Allowance
from services.sla.domain.registers import OfficeZone
from shared.auth import Principal
from shared.bus.consumer import Delivery
from shared.contracts import Actor
from shared.contracts.directory import OfficeChanged, OfficeRecord
from tests.sla.contract_events import registered
from tests.sla.scenario import office_calendar

from .test_application import feed, settings, sla  # noqa: F401 (the fixtures)

MONDAY_3AM_UTC = datetime(2026, 11, 9, 3, 0, tzinfo=UTC)  # 11:00 in Hong Kong, 03:00 in London
TEN_MINUTES = Allowance(unit="minutes", amount=10)
ZONES = ["Asia/Hong_Kong", "Europe/London", "Asia/Shanghai", "America/New_York", "UTC"]
MANAGER = Principal("kln-east/manager", "kln-east", frozenset({"manager"}))


def heard(zone: str, minutes: int, event: str = "e") -> HeardZone:
    return HeardZone(zone, MONDAY_3AM_UTC + timedelta(minutes=minutes), event)


def test_the_directorys_zone_wins_over_the_calendars_and_the_policys() -> None:
    calendar = office_calendar(timezone="Asia/Hong_Kong")
    assert office_time(calendar, None, DEFAULT_POLICY).source is ZoneSource.CALENDAR
    assert office_time(None, None, DEFAULT_POLICY).source is ZoneSource.POLICY
    london = office_time(calendar, heard("Europe/London", 0), DEFAULT_POLICY)
    assert (london.time_zone, london.source, london.calendar.timezone) == (  # type: ignore[union-attr]
        "Europe/London",
        ZoneSource.DIRECTORY,
        "Europe/London",
    )
    assert london.calendar.hours == calendar.hours and london.calendar.holidays == calendar.holidays  # type: ignore[union-attr]


def test_a_change_of_zone_moves_the_wall_clock_deadline_under_the_same_calendar() -> None:
    calendar = office_calendar(timezone="Asia/Hong_Kong")  # Mon-Fri 09:00-18:00 local
    in_hong_kong = office_time(calendar, heard("Asia/Hong_Kong", 0), DEFAULT_POLICY).calendar
    in_london = office_time(calendar, heard("Europe/London", 1), DEFAULT_POLICY).calendar
    assert deadline(MONDAY_3AM_UTC, TEN_MINUTES, in_hong_kong) == datetime(2026, 11, 9, 3, 10, tzinfo=UTC)
    assert deadline(MONDAY_3AM_UTC, TEN_MINUTES, in_london) == datetime(2026, 11, 9, 9, 10, tzinfo=UTC)


def test_without_a_calendar_the_same_day_ends_at_midnight_in_the_directorys_zone() -> None:
    same_day = Allowance(unit="same-day")
    for zone, midnight_utc in [("Asia/Hong_Kong", datetime(2026, 11, 9, 16, 0, tzinfo=UTC)),
                               ("Europe/London", datetime(2026, 11, 10, 0, 0, tzinfo=UTC))]:  # fmt: skip
        policy = office_time(None, heard(zone, 0), DEFAULT_POLICY).policy(DEFAULT_POLICY)
        assert policy.version == DEFAULT_POLICY.version
        assert deadline(MONDAY_3AM_UTC, same_day, None, policy.timezone) == midnight_utc


@given(st.permutations([heard(zone, minutes, f"e{minutes}") for minutes, zone in enumerate(ZONES)]))
def test_the_latest_word_of_the_directory_stands_whatever_order_it_is_heard_in(words: list[HeardZone]) -> None:
    register = OfficeZone("kln-east")
    for word in [*words, *words]:  # and every one heard twice (a redelivery, a replay)
        register.hear(word, "group/admin")
    assert register.heard == max(words, key=lambda w: w.said_at)
    assert not supersedes(words[0], words[0])


def _office_changed(zone: str, at: datetime) -> OfficeChanged:
    return OfficeChanged(
        event_id=uuid.uuid4(),
        entity="office:kln-east",
        change="changed",
        occurred_at=at,
        actor=Actor(id="group/admin", role="admin"),
        reason="the office moved",
        payload=OfficeRecord(office_id="kln-east", name="Kowloon East", time_zone=zone, units_served=100),
    )


def test_the_application_runs_the_next_clock_in_the_zone_the_directory_said(sla) -> None:  # noqa: F811
    sla.set_calendar("kln-east", office_calendar(timezone="Asia/Hong_Kong"), MANAGER, MONDAY_3AM_UTC)
    assert sla.office_time_of("kln-east").source is ZoneSource.CALENDAR  # the fallback, before the directory
    before, after = uuid.uuid4(), uuid.uuid4()
    feed(sla, registered(before, MONDAY_3AM_UTC, "kln-east"))
    handler, uow = ClockFacts(sla), sla.unit_of_work()
    handler(uow, delivery_of(_office_changed("Europe/London", MONDAY_3AM_UTC)))
    sla.commit(uow)
    feed(sla, registered(after, MONDAY_3AM_UTC, "kln-east"))

    def hand_over(complaint: uuid.UUID) -> datetime:
        return next(c.deadline for c in sla.clocks("kln-east", complaint).clocks if c.kind == "hand-over")

    assert hand_over(before) == datetime(2026, 11, 9, 3, 10, tzinfo=UTC)  # started in Hong Kong's hours
    assert hand_over(after) == datetime(2026, 11, 9, 9, 10, tzinfo=UTC)  # London opens at 09:00 UTC
    now = sla.office_time_of("kln-east")
    assert (now.time_zone, now.source) == ("Europe/London", ZoneSource.DIRECTORY)
    assert sla.office_calendar("kln-east").timezone == "Asia/Hong_Kong"  # what the manager set stays


def delivery_of(message: OfficeChanged) -> Delivery:
    return Delivery(message=message, topic="complaints.directory.events", partition=0, offset=1, key=message.entity)


def test_a_manager_reads_what_is_set_and_the_zone_in_force_with_its_source(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from services.sla import bootstrap
    from services.sla.entrypoints.http import create_app
    from services.sla.settings import SlaSettings
    from tests.support import write_keys

    config = SlaSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    keys = write_keys(config.keys_file)
    app = bootstrap.application(config)
    calendar = {"name": "kln", "timezone": "Asia/Hong_Kong", "hours": {"0": {"start": "09:00", "end": "18:00"},
                "1": {"start": "09:00", "end": "18:00"}}}  # fmt: skip
    with TestClient(create_app(config, app)) as client:
        manager = {"X-Office-Key": keys["kln-east/manager"]}
        empty = client.get("/office/calendar", headers=manager).json()
        assert (empty["calendar"], empty["time_zone_from"]) == (None, "policy")
        assert client.put("/office/calendar", json=calendar, headers=manager).status_code == 200
        fallback = client.get("/office/calendar", headers=manager).json()
        assert (fallback["calendar"]["name"], fallback["time_zone"], fallback["time_zone_from"]) == (
            "kln",
            "Asia/Hong_Kong",
            "calendar",
        )
        said = _office_changed("Europe/London", MONDAY_3AM_UTC)
        uow = app.unit_of_work()
        ClockFacts(app)(uow, delivery_of(said))
        app.commit(uow)
        now = client.get("/office/calendar", headers=manager).json()
        assert (now["time_zone"], now["time_zone_from"], now["directory_event_id"]) == (
            "Europe/London",
            "directory",
            str(said.event_id),
        )
        assert now["calendar"]["timezone"] == "Asia/Hong_Kong"  # as set: a fallback, shown as such
        group = {"X-Office-Key": keys["group/dashboard"]}
        assert client.get("/office/calendar?office_id=kln-east", headers=group).json()["time_zone"] == "Europe/London"
        assert client.get("/office/calendar", headers=group).status_code == 422
        other = {"X-Office-Key": keys["hk-central/manager"]}
        assert client.get("/office/calendar?office_id=kln-east", headers=other).status_code == 404
    app.close()
