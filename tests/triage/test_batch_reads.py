"""Triage's worker reads what a batch needs in one bulk load (`TriageApplication.wanted_for`: the rules
book, each complaint's decision, its complainant's records and the incident windows its place may
join), so a batch costs the same few round trips on PostgreSQL however many registrations it holds —
and decides exactly as one registration a unit of work does, the mass incident included."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from services.triage import bootstrap
from services.triage.adapters.inbound import TriageHandler
from services.triage.adapters.outbound import translate
from services.triage.application import TriageApplication
from services.triage.domain.incidents import IncidentWindow
from services.triage.domain.triage import Triage
from services.triage.settings import TriageSettings
from shared.bus.consumer import TrackedConsumer
from shared.contracts import ComplaintRegistered, encode
from shared.contracts.topics import INTAKE_EVENTS
from tests.fixtures.postgres import PostgresServer
from tests.fixtures.round_trips import statement_log
from tests.support import T0
from tests.triage.support import registered

TOPIC = INTAKE_EVENTS.name
TEXTS = (
    "The lift in Block 3 has been broken for two days",
    "Staff were rude at the front desk",
    "The corridor light is flickering on our floor",
)


def registrations(count: int, first: int = 0) -> list[ComplaintRegistered]:
    """`count` registrations a minute apart: every third about the water of one building (a mass
    incident once more than five customers report it), the others about places of their own."""
    out = []
    for n in range(first, first + count):
        at = T0 + timedelta(minutes=n)
        if n % 3 == 0:
            out.append(registered("No water in the whole building since 8am", at=at, reference=f"T-{n}",
                                  contact=f"+852 9{n:07d}", name=f"Resident {n}",
                                  address=f"Flat {n}, Block 7, Sun Court", obj="Block 7"))  # fmt: skip
        else:
            out.append(registered(TEXTS[n % len(TEXTS)], at=at, obj=f"Block {n}", reference=f"T-{n}",
                                  contact=f"+852 9{n:07d}", name=f"Resident {n}",
                                  address=f"Flat A, {n}/F, Block {n}, Harbour View Gardens"))  # fmt: skip
    return out


def fetch(messages: list[ComplaintRegistered], offsets: dict[int, int]) -> dict[TopicPartition, list[Any]]:
    """A fetch over six partitions, each partition's offsets going on from the last fetch."""
    batches: dict[TopicPartition, list[Any]] = {}
    for n, message in enumerate(messages):
        partition = n % 6
        offsets[partition] = offset = offsets.get(partition, -1) + 1
        wire = encode(message, key=message.key, source="/intake", event_id=str(message.event_id))
        record = ConsumerRecord(TOPIC, partition, offset, 0, 0, wire.key, wire.value, None, 0, 0, list(wire.headers))
        batches.setdefault(TopicPartition(TOPIC, partition), []).append(record)
    return batches


def published(app: TriageApplication) -> list[str]:
    return sorted(
        p.message.model_dump_json()
        for n in app.process_recorder.select_notifications(1, 100_000)
        for p in translate(app.mapper.to_domain_event(n))
    )


def settings_on(server: PostgresServer, state: Path) -> TriageSettings:
    return TriageSettings(store="postgres", state_dir=state, reading_model=False, postgres_host=server.host,
                          postgres_port=server.port, postgres_user=server.user,
                          postgres_password=server.password, postgres_dbname=server.dbname)  # fmt: skip


def consumer_of(app: TriageApplication) -> TrackedConsumer:
    return TrackedConsumer(group_id="triage", topics=[TOPIC], app=app, handle=TriageHandler(app),
                           bootstrap_servers="unused:1")  # fmt: skip


@pytest.mark.postgres
def test_a_batch_costs_the_same_round_trips_whatever_its_size_and_decides_as_one_at_a_time(
    postgres_database: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm, small, large = registrations(6), registrations(12, first=6), registrations(48, first=18)
    reference = bootstrap.application(TriageSettings(store="memory", state_dir=tmp_path / "ref", reading_model=False))
    try:
        handler = TriageHandler(reference)
        for message in [*warm, *small, *large]:  # one registration a unit of work, no prefetch
            uow = reference.unit_of_work()
            reference.triage_registration(uow, message)
            reference.commit(uow)
        expected = published(reference)
    finally:
        reference.close()

    app = bootstrap.application(settings_on(postgres_database, tmp_path / "pg"))
    try:
        consumer, offsets = consumer_of(app), {}
        assert set(handler.prefetch([])) == set()
        consumer.process_fetched(fetch(warm, offsets))  # the rules read once, as after a start
        trips = []
        for batch in (small, large):
            with statement_log(monkeypatch) as log:
                consumer.process_fetched(fetch(batch, offsets))
            trips.append(log.round_trips)
            monkeypatch.undo()
        # positions; snapshots and events of everything the batch reads; the write (tracking rows,
        # events, sync, ids); commit. The mass incident's members, once it forms, are read in bulk too.
        assert trips[0] <= 9 and trips[1] <= 9, trips
        assert consumer.progress.handled == len(warm) + len(small) + len(large)
        assert published(app) == expected  # same decisions, same incident, same escalations
        assert any('"incident_key":"sun court/block 7|water"' in event for event in expected)  # the outage
    finally:
        app.close()


@pytest.mark.postgres
def test_the_incident_window_a_registration_joins_is_named_before_it_is_judged(
    postgres_database: PostgresServer, tmp_path: Path
) -> None:
    app = bootstrap.application(settings_on(postgres_database, tmp_path))
    try:
        app.current_rules()  # the rules this process last read: what the names are made with
        for message in registrations(3):
            wanted = app.places_wanted(message)
            uow = app.unit_of_work()
            app.triage_registration(uow, message)
            app.commit(uow)
            decision = app.repository.get(Triage.create_id(str(message.complaint_id))).decision
            assert decision.incident_key in wanted
            assert IncidentWindow.create_id(decision.incident_key) in app.wanted_for(message)
        water, staff, light = registrations(3)
        assert len(app.places_wanted(water)) == len(app.places_wanted(light)) == 1  # a utility, a facility
        assert len(app.places_wanted(staff)) > 1  # no facility named: one window for each business area
    finally:
        app.close()
