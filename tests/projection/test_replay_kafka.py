"""The auditors' replay on the real broker, many offices over many partitions: the events of six
offices' complaints are published interleaved across every topic and partition, the live consumer
takes them in small batches, and the replay (in large, cross-partition batches here cut small so
that many of them interleave) rebuilds a read side byte-equal to the live one, every office's chain
whole and unbroken, on SQLite and on PostgreSQL (the replay into a fresh PostgreSQL database) — even when
the auditor's environment names the live store."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from services.projection import bootstrap
from services.projection.adapters import replay as replay_module
from services.projection.adapters.export import canonical_export
from services.projection.entrypoints import audit as audit_module
from services.projection.entrypoints.audit import run_replay
from services.projection.settings import ProjectionSettings
from shared.bus import kafka
from shared.contracts import encode
from shared.contracts.topics import topic_for_event_type
from tests.fixtures.postgres import PostgresServer, _drop
from tests.kafka_support import run_until
from tests.projection.scenario import build
from tests.support import as_author

pytestmark = pytest.mark.kafka


async def publish_interleaved(servers: str, events: list, seed: int) -> None:
    """Every event in a shuffled order, so each partition holds the offices' events mixed, and a
    complaint's later facts may come before its registration."""
    producer = kafka.producer(servers)
    await producer.start()
    try:
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        futures = []
        for event in shuffled:
            wire = encode(event, key=event.key, source="/tests", event_id=str(event.event_id), time=event.occurred_at)
            topic = topic_for_event_type(event.type).name
            wire = as_author(topic, wire)  # as its service's relay signs it: consumers refuse the unsigned
            futures.append(await producer.send(topic, wire.value, key=wire.key, headers=wire.headers))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


@pytest.fixture
def second_database(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        _drop(postgres_server, name)


def _settings(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    if store == "sqlite":
        return {"store": "sqlite", "state_dir": tmp_path / "live"}
    server = request.getfixturevalue("postgres_database")
    return {
        "store": "postgres",
        "state_dir": tmp_path / "live",
        "postgres_host": server.host,
        "postgres_port": server.port,
        "postgres_user": server.user,
        "postgres_password": server.password,
        "postgres_dbname": server.dbname,
    }


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_replay_of_many_offices_over_many_partitions_equals_the_live_read_side(
    store: str, kafka_bootstrap: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = uuid.uuid4().hex[:8]
    offices = tuple(f"office-{run}-{n}" for n in range(6))
    scenario = build(run, offices=offices, per_office=12, seed=11)
    events = scenario.events()
    settings = ProjectionSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"projection-{run}",
        keys_file=tmp_path / "keys.json",
        consumer_batch_size=40,
        **_settings(store, tmp_path, request),
    )
    await publish_interleaved(kafka_bootstrap, events, seed=3)
    live = bootstrap.application(settings)
    try:
        await run_until(
            lambda: live.refresh() >= 0 and sum(len(live.read.links(o)) for o in offices) >= len(events),
            bootstrap.consumer(settings, live).run,
            timeout=180,
        )
        assert live.verify() == []
    finally:
        live.close()

    # Small batches (the replay's are 5,000 records): many store transactions, each of one
    # partition, interleaving the partitions and the offices' chains.
    monkeypatch.setattr(replay_module, "STORE_BATCH", 23)
    monkeypatch.setattr(replay_module, "POSTGRES_STORE_BATCH", 23)
    monkeypatch.setattr(replay_module, "READ_SIDE_BATCH", 101)
    monkeypatch.setattr(replay_module, "POSTGRES_READ_SIDE_BATCH", 101)
    monkeypatch.setattr(replay_module, "SUMMARY_BATCH", 7)
    into_database = request.getfixturevalue("second_database") if store == "postgres" else None
    with monkeypatch.context() as shell:
        # An auditor's shell names the LIVE store (the library reads PROJECTION_<KEY> first): the
        # replay must still write into its fresh store, never into the live one.
        shell.setenv("PROJECTION_POSTGRES_DBNAME", settings.postgres_dbname)
        shell.setenv("PROJECTION_SQLITE_DBNAME", str(settings.sqlite_path))
        report, equal, live_export, replayed = await run_replay(
            settings, tmp_path / "replay", scenario.now, into_database=into_database
        )
    assert report.events >= len(events)
    assert equal and live_export == replayed
    assert len(replayed) > 100_000

    fresh_settings = (
        settings.model_copy(update={"postgres_dbname": into_database})
        if into_database
        else settings.model_copy(update={"state_dir": tmp_path / "replay"})
    )
    fresh, live = bootstrap.application(fresh_settings), bootstrap.application(settings)
    try:
        assert fresh.read.dump() == live.read.dump()  # the tables themselves, row for row
        assert canonical_export(fresh, scenario.now, list(offices)) == canonical_export(
            live, scenario.now, list(offices)
        )
        assert fresh.verify() == []  # every office's chain whole: each link on the one before
        for office in offices:
            positions = [link.position for link in fresh.read.links(office)]
            assert sorted(positions) == list(range(1, len(positions) + 1))
            assert len(positions) == len(live.read.links(office))
    finally:
        fresh.close()
        live.close()


async def test_a_replay_while_the_live_worker_goes_on_compares_what_the_live_store_had_at_its_positions(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found on `make up`: the auditor's replay said NO on a running system. It read the live store's
    positions, replayed up to them, and exported the live store only afterwards, by when its worker had
    handled an SLA warning more. Here the live worker handles the second half of the events just after
    the replay first reads the positions."""
    run = uuid.uuid4().hex[:8]
    offices = tuple(f"office-{run}-{n}" for n in range(2))
    scenario = build(run, offices=offices, per_office=4, seed=5)
    events = scenario.events()
    keys = sorted({str(e.key) for e in events})
    first = [e for e in events if str(e.key) in keys[: len(keys) // 2]]
    later = [e for e in events if str(e.key) not in keys[: len(keys) // 2]]
    settings = ProjectionSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"projection-{run}",
        keys_file=tmp_path / "keys.json",
        store="sqlite",
        state_dir=tmp_path / "live",
    )

    async def live_worker_until(count: int) -> None:
        worker = bootstrap.application(settings)
        try:
            await run_until(
                lambda: worker.refresh() >= 0 and sum(len(worker.read.links(o)) for o in offices) >= count,
                bootstrap.consumer(settings, worker).run,
                timeout=120,
            )
        finally:
            worker.close()

    await publish_interleaved(kafka_bootstrap, first, seed=1)
    await live_worker_until(len(first))
    await publish_interleaved(kafka_bootstrap, later, seed=2)

    read_positions = audit_module.targets
    calls = 0

    async def positions_then_the_worker_goes_on(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        goal = await read_positions(*args)
        if calls == 1:
            await live_worker_until(len(events))
        return goal

    monkeypatch.setattr(audit_module, "targets", positions_then_the_worker_goes_on)
    report, equal, live_export, replayed = await run_replay(settings, tmp_path / "replay", scenario.now, workers=0)
    assert equal and live_export == replayed
    assert report.events >= len(events)  # the replay went on to where the live store had got
