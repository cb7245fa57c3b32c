"""The whole projection on the real broker: 3 offices, 210 complaints told as the services' contract
events (published topic by topic in reverse order, so handling and follow-up arrive before the
registrations they follow), consumed by the tracked consumer; statistics equal the test's own count;
the violations are exactly the planted ones; replay from offset 0 equals the live projection; the
relay publishes the compacted topics."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.adapters.export import canonical_export
from services.projection.adapters.replay import raw_consume, replay, targets, topic_events
from services.projection.domain.crosscheck import crosscheck
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from shared.bus import kafka
from shared.contracts import IntegrationEvent, encode
from shared.contracts.topics import (
    PROJECTION_COMPLAINT_HISTORY,
    PROJECTION_OFFICE_STATISTICS,
    topic_for_event_type,
)
from tests.kafka_support import keyed_by, read_topic, run_until
from tests.projection.scenario import (
    assert_statistics_match,
    build,
    expected_statistics,
    expected_violations,
)
from tests.projection.support import feed
from tests.projection.test_invalid_and_visits import reopened_then_satisfied
from tests.sla_feed import sla_events
from tests.support import as_author, write_keys

pytestmark = pytest.mark.kafka

TOPIC_ORDER = ["followup", "sla", "handling", "triage", "notifications", "intake", "hotline"]


async def publish(servers: str, events: Sequence[IntegrationEvent]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        ordered = sorted(events, key=lambda e: TOPIC_ORDER.index(e.type.split(".")[1]))
        futures = []
        for event in ordered:
            wire = encode(event, key=event.key, source="/tests", event_id=str(event.event_id), time=event.occurred_at)
            wire = as_author(topic_for_event_type(event.type).name, wire)
            futures.append(
                await producer.send(
                    topic_for_event_type(event.type).name, wire.value, key=wire.key, headers=wire.headers
                )
            )
        for future in futures:
            await future
    finally:
        await producer.stop()


def entries_of(app, offices: list[str]) -> int:
    app.refresh()
    return sum(len(app.read.links(office)) for office in offices)


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:8]


async def test_scenario_through_the_broker_equals_the_independent_count_and_replays_equal(
    kafka_bootstrap: str, tmp_path: Path, run_id: str
) -> None:
    scenario_offices = [f"hk-{run_id}", f"kln-{run_id}", f"sz-{run_id}"]
    scenario = build(run_id, offices=tuple(scenario_offices), per_office=70)
    # and, in an office of its own, a complaint visited twice: dissatisfied, reopened, then satisfied
    reopened = reopened_then_satisfied(1, office_id=f"rv-{run_id}", run=run_id)
    offices = [*scenario_offices, reopened.office_id]
    events = scenario.events() + reopened.events + sla_events(reopened.events)
    settings = ProjectionSettings(
        store="sqlite",
        state_dir=tmp_path / "live",
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"projection-{run_id}",
        keys_file=tmp_path / "keys.json",
    )
    keys = write_keys(settings.keys_file)
    live = bootstrap.application(settings)
    try:
        await publish(kafka_bootstrap, events)
        consumer = bootstrap.consumer(settings, live)
        await run_until(lambda: entries_of(live, offices) >= len(events), consumer.run, timeout=120)
        assert entries_of(live, offices) == len(events)

        # The statistics and violations, through the HTTP API, equal the test's own count.
        with TestClient(create_app(settings, app_instance=live, clock=lambda: scenario.now)) as client:
            group = {"X-Office-Key": keys["group/dashboard"]}
            for office in scenario_offices:
                body = client.get("/statistics", params={"office": office}, headers=group).json()
                assert_statistics_match(body["statistics"], expected_statistics(scenario, office))
            body = client.get("/statistics", params={"office": reopened.office_id}, headers=group).json()
            satisfaction = body["statistics"]["satisfaction"]  # both visits count, not only the latest
            assert (satisfaction["rated"], satisfaction["average"]) == (2, 3.5)
            assert (satisfaction["satisfied"], satisfaction["dissatisfied"]) == (1, 1)
            invalid = [s for s in scenario.stories if s.validity == "invalid"]
            shown = client.get(f"/complaints/{invalid[0].complaint_id}", headers=group).json()
            assert shown["state"] == shown["complaint"]["state"] == "explained", shown
            assert {c["step"]: c["status"] for c in shown["checks"]}["handled"] == "done"
            listed = {
                (v["complaint_id"], v["step"])
                for v in client.get("/violations", headers=group).json()["items"]
                if v["office_id"] in offices
            }
            assert listed == expected_violations(scenario)
            kinds = {(s["kind"], s["office_id"]) for s in client.get("/signals", headers=group).json()["items"]}
            assert {("sequence-gap", o) for o in scenario_offices} <= kinds
            assert ("hotline-unregistered", offices[1]) in kinds
        assert live.verify() == []

        # Replay from offset 0 into a fresh store equals the live projection, byte for byte.
        topics = [t.name for t in bootstrap.CONSUMED_TOPICS]
        goal = await targets(kafka_bootstrap, topics, settings.consumer_group, live)
        raw_count, raw_seconds = await raw_consume(kafka_bootstrap, goal)
        fresh = bootstrap.application(settings.model_copy(update={"state_dir": tmp_path / "replay"}))
        try:
            handled, _skipped, seconds = await replay(kafka_bootstrap, fresh, goal, settings.consumer_group)
            live_export = canonical_export(live, scenario.now, offices)
            assert canonical_export(fresh, scenario.now, offices) == live_export
            assert fresh.read.dump() == live.read.dump()  # the tables themselves, row for row
            assert json.loads(live_export)["offices"][offices[0]]["statistics"]["complaints"] == 70
            assert len(live.read.dump()["visits"]) > 2  # the per-visit rows are among those compared
            print(
                f"\nreplay: {handled} events in {seconds:.2f} s = {handled / seconds:,.0f} events/s; "
                f"raw aiokafka: {raw_count} records in {raw_seconds:.2f} s = {raw_count / raw_seconds:,.0f}/s"
            )
        finally:
            fresh.close()

        # The topics agree with the chained copies.
        logged = [e for e in await topic_events(kafka_bootstrap, goal) if e.office_id in offices]
        mine = [link for office in offices for link in live.read.links(office)]
        assert len(logged) == len(mine) == len(events)
        assert crosscheck(mine, logged) == []
    finally:
        live.close()


async def test_the_relay_publishes_each_complaints_history_and_each_offices_statistics(
    kafka_bootstrap: str, tmp_path: Path, run_id: str
) -> None:
    offices = [f"hk-{run_id}", f"kln-{run_id}"]
    scenario = build(run_id, offices=tuple(offices), per_office=6)
    events = scenario.events()
    settings = ProjectionSettings(
        store="sqlite",
        state_dir=tmp_path,
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"projection-{run_id}",
    )
    app = bootstrap.application(settings)
    try:
        await publish(kafka_bootstrap, events)
        await run_until(lambda: entries_of(app, offices) >= len(events), bootstrap.consumer(settings, app).run)
        relay = bootstrap.relay(settings, app)
        last = app.process_recorder.max_notification_id()
        await run_until(lambda: (relay.progress.position or 0) >= last, relay.run)

        story = next(s for s in scenario.stories if s.fault is None and s.validity != "invalid")
        records = await read_topic(
            kafka_bootstrap,
            PROJECTION_COMPLAINT_HISTORY.name,
            keep=keyed_by({str(story.complaint_id)}),
            expect=len(story.tell()),
        )
        latest = max((json.loads(r.value) for r in records), key=lambda m: m["payload"]["entries"])
        assert latest["payload"]["entries"] == len(story.tell())
        assert latest["payload"]["state"] == "closed"
        assert [c["step"] for c in latest["payload"]["checks"]] == [
            "recorded",
            "handled",
            "result",
            "reply",
            "return-visit",
        ]
        assert "complainant" not in json.dumps(latest["payload"]["complaint"])
        stats = await read_topic(
            kafka_bootstrap,
            PROJECTION_OFFICE_STATISTICS.name,
            keep=keyed_by({offices[0]}),
            expect=1,
            settle=0.5,
        )
        newest = json.loads(stats[-1].value)
        assert newest["office_id"] == offices[0]
        assert newest["payload"]["all_time"]["complaints"] == 6

        # A restarted relay rebuilds its translator up to its committed position: the next history
        # of the complaint still holds every earlier event.
        from shared.contracts.handling import ProgressReported

        extra = ProgressReported(
            event_id=uuid.uuid4(),
            complaint_id=story.complaint_id,
            office_id=story.office_id,
            occurred_at=scenario.now,
            actor=story.events[-1].actor,
            correlation_id=story.complaint_id,
            payload={"message": "told the customer again"},
        )
        feed(app, [extra], name="extra")
        restarted = bootstrap.relay(settings, app)
        last = app.process_recorder.max_notification_id()
        await run_until(lambda: (restarted.progress.position or 0) >= last, restarted.run)
        records = await read_topic(
            kafka_bootstrap,
            PROJECTION_COMPLAINT_HISTORY.name,
            keep=keyed_by({str(story.complaint_id)}),
            expect=len(story.tell()) + 1,
        )
        assert max(json.loads(r.value)["payload"]["entries"] for r in records) == len(story.tell()) + 1
        # the new entry and its office chain's claim (docs/scaling.md), nothing before them
        assert restarted.progress.published_events == 2
    finally:
        app.close()


async def test_real_registrations_from_intake_reach_the_projection(
    kafka_bootstrap: str, tmp_path: Path, run_id: str
) -> None:
    from services.intake import bootstrap as intake_bootstrap
    from services.intake.settings import IntakeSettings
    from shared.auth import Principal
    from shared.contracts import RegistrationForm
    from tests.support import T0, form

    office = f"it-{run_id}"
    intake_settings = IntakeSettings(
        store="sqlite", state_dir=tmp_path / "intake", kafka_bootstrap_servers=kafka_bootstrap
    )
    intake = intake_bootstrap.application(intake_settings)
    reception = Principal(f"{office}/reception", office, frozenset({"receptionist"}))
    ids = [
        intake.register(office, reception, RegistrationForm(**form(f"{run_id}-{n}")), T0).complaint_id
        for n in range(1, 6)
    ]
    relay = intake_bootstrap.relay(intake_settings, intake)
    last = intake.process_recorder.max_notification_id()
    await run_until(lambda: (relay.progress.position or 0) >= last, relay.run)
    intake.close()

    settings = ProjectionSettings(
        store="sqlite",
        state_dir=tmp_path / "projection",
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"projection-{run_id}",
    )
    app = bootstrap.application(settings)
    try:
        await run_until(lambda: entries_of(app, [office]) >= 5, bootstrap.consumer(settings, app).run)
        views = app.complaints(office, T0)
        assert sorted(v.complaint_id for v in views) == sorted(ids)
        assert sorted(v.sequence_number for v in views) == [1, 2, 3, 4, 5]
        assert {c.status for v in views for c in v.checks(T0, app.policy) if c.step == "recorded"} == {"done"}
        assert [s for s in app.signals(office, T0) if s.kind == "sequence-gap"] == []
    finally:
        app.close()


def test_the_replay_command_rebuilds_from_offset_0_and_reports_its_rate(
    kafka_bootstrap: str, tmp_path: Path, run_id: str
) -> None:
    import asyncio

    from typer.testing import CliRunner

    from services.projection.entrypoints.audit import cli

    offices = [f"rp-{run_id}", f"rq-{run_id}"]
    scenario = build(run_id, offices=tuple(offices), per_office=10)
    events = scenario.events()
    group = f"projection-{run_id}"
    settings = ProjectionSettings(
        store="sqlite",
        state_dir=tmp_path / "live",
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=group,
    )

    async def populate() -> None:
        await publish(kafka_bootstrap, events)
        app = bootstrap.application(settings)
        try:
            await run_until(lambda: entries_of(app, offices) >= len(events), bootstrap.consumer(settings, app).run)
        finally:
            app.close()

    asyncio.run(populate())
    env = {
        "PROJECTION_STORE": "sqlite",
        "PROJECTION_STATE_DIR": str(tmp_path / "live"),
        "PROJECTION_CONSUMER_GROUP": group,
        "PROJECTION_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(
        cli, ["replay", "--into", str(tmp_path / "fresh"), "--at", scenario.now.isoformat()], env=env
    )
    assert result.exit_code == 0, result.output
    assert "replay events/s" in result.output and "raw aiokafka" in result.output
    assert (tmp_path / "fresh" / "live-export.json").read_bytes() == (
        tmp_path / "fresh" / "replay-export.json"
    ).read_bytes()
    verify = CliRunner().invoke(cli, ["verify", "--against-topics"], env=env)
    assert verify.exit_code == 0, verify.output
