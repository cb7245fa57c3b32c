"""An HTTP app's directory catch-up at start, on the full history and on the compacted topic:
`python -m bench.directory_catchup --changes 50000 --entities 500`.

Every HTTP app (with `COMPLAINTS_DIRECTORY_KEYS=true`) reads `complaints.directory.events` from its
start at every start (shared/directory_keys.py: its table of live keys), so does the notifier (its
staff), the projection (units served) and intake (offices' zones). Each event is an entity's whole
state, so the topic is compacted (shared/contracts/topics.py): what a start reads is bounded by the
entities, not by every change ever made. This measures it on one broker, one topic:

1. the topic as it was (cleanup `delete`, kept for ever) with `--changes` signed directory events over
   `--entities` entities (offices, departments, staff, keys; each change the entity's whole state);
2. *before*: an HTTP app's key table (`service_keys`: the feed in its thread, every record's
   signature checked) from spawn until it has read every record on the topic; raw aiokafka consume of
   the same records beside it;
3. the topic set to the registry's compacted configuration (`ensure_topics`, as `topics create` sets an
   existing deployment's), with a small segment and dirty ratio so the log cleaner runs now rather
   than within the hour; one more change of every entity rolls each partition's active segment; the
   bench waits for the cleaner;
4. *after*: the same measure, and the key table compared with the one built from the full history.

It uses `KAFKA_BOOTSTRAP_SERVERS` when set (a broker of yours: the topic is deleted and re-made),
else starts its own broker on `--port` (deploy/kafka/kafka.sh). No figure is asserted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.auth import hash_key
from shared.bus import kafka
from shared.bus.authors import signed
from shared.contracts import Actor, derived_id
from shared.contracts.directory import (
    ApiKeyChanged,
    ApiKeyRecord,
    Contacts,
    DepartmentChanged,
    DepartmentRecord,
    DirectoryEvent,
    OfficeChanged,
    OfficeRecord,
    StaffMemberChanged,
    StaffRecord,
)
from shared.contracts.topics import DIRECTORY_EVENTS, Cleanup
from shared.contracts.wire import WireMessage, encode
from shared.signing import ServiceSigner, add_public_record, new_service_key

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
ZONES = ("Asia/Hong_Kong", "Asia/Shanghai", "Asia/Macau")
ACTOR = Actor(id="group/admin", role="admin")

cli = typer.Typer(add_completion=False)


def entity_names(entities: int) -> list[str]:
    """`entities` entities: 1 in 50 an office, 1 in 10 a department, 1 in 2 a staff member, the rest keys."""
    names = []
    for i in range(entities):
        kind = "office" if i % 50 == 0 else "department" if i % 10 == 1 else "staff" if i % 2 == 0 else "key"
        names.append(f"{kind}:{i}")
    return names


def key_hash(index: int) -> str:
    return hash_key(f"bench-directory-key-{index}")


def change(entity: str, version: int, serial: int, rng: random.Random) -> DirectoryEvent:
    """The `version`th change of `entity`: its whole state, some fields drawn at random."""
    kind, index_text = entity.split(":")
    index = int(index_text)
    office = f"office-{index // 50}"
    common: dict[str, Any] = {
        "event_id": derived_id("bench-directory", serial),
        "change": "created" if version == 0 else "changed",
        "occurred_at": T0 + timedelta(seconds=serial),
        "actor": ACTOR,
        "reason": f"change {version}",
    }
    if kind == "office":
        record = OfficeRecord(office_id=office, name=f"Office {index} v{version}", time_zone=rng.choice(ZONES),
                              units_served=rng.randrange(1000, 50000), active=rng.random() > 0.1)  # fmt: skip
        return OfficeChanged(**common, entity=f"office:{office}", payload=record)
    if kind == "department":
        code = f"dept-{index}"
        department = DepartmentRecord(office_id=office, code=code, name=f"Dept {index} v{version}",
                                      active=rng.random() > 0.1)  # fmt: skip
        return DepartmentChanged(**common, entity=f"department:{office}/{code}", payload=department)
    if kind == "staff":
        staff_id = f"{office}/staff-{index}"
        member = StaffRecord(
            staff_id=staff_id, name=f"Staff {index} v{version}", office_id=office, roles=sorted(rng.sample(
                ["leader", "manager", "receptionist", "supervisor"], rng.randrange(1, 3))),
            contacts=Contacts(email=f"s{index}.v{version}@office.test"), active=rng.random() > 0.2,
            language=rng.choice(["en", "zh-Hant", "zh-Hans", None]),
        )  # fmt: skip
        return StaffMemberChanged(**common, entity=f"staff:{staff_id}", payload=member)
    key_id = derived_id("bench-directory-key", index)
    revoked = rng.random() < 0.3
    key = ApiKeyRecord(
        key_id=key_id, key_sha256=key_hash(index), actor_id=f"{office}/staff-{index}", office_id=office,
        roles=["leader"], expires_at=None, revoked=revoked, revoked_at=common["occurred_at"] if revoked else None,
    )  # fmt: skip
    return ApiKeyChanged(**common, entity=f"key:{key_id}", payload=key)


def history(changes: int, entities: int, seed: int = 10) -> Iterator[DirectoryEvent]:
    """`changes` directory events over `entities` entities, in the order the directory published them:
    each entity changed about `changes / entities` times, the entities in a random interleaving."""
    rng = random.Random(seed)
    names = entity_names(entities)
    versions = dict.fromkeys(names, 0)
    for serial in range(changes):
        entity = names[serial] if serial < len(names) else rng.choice(names)  # every entity created first
        yield change(entity, versions[entity], serial, rng)
        versions[entity] += 1


def on_the_wire(event: DirectoryEvent, signer: ServiceSigner) -> WireMessage:
    """The record as the directory's relay publishes it: keyed by entity, signed."""
    wire = encode(event, key=event.key, source="directory", event_id=str(event.event_id), time=event.occurred_at)
    return signed(signer, DIRECTORY_EVENTS.name, wire)


async def publish(servers: str, events: list[DirectoryEvent], signer: ServiceSigner) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        sent = []
        for event in events:
            wire = on_the_wire(event, signer)
            sent.append(await producer.send(DIRECTORY_EVENTS.name, wire.value, key=wire.key, headers=wire.headers))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def records_on_topic(servers: str) -> tuple[int, float]:
    """How many records the directory topic holds now, and the seconds raw aiokafka took to read them."""
    reader = kafka.consumer(servers, group_id=None)
    await reader.start()
    try:
        partitions = [TopicPartition(DIRECTORY_EVENTS.name, p) for p in range(DIRECTORY_EVENTS.partitions)]
        reader.assign(partitions)
        ends = await reader.end_offsets(partitions)
        start = time.perf_counter()
        await reader.seek_to_beginning(*partitions)
        count = 0
        while [tp for tp in partitions if await reader.position(tp) < ends[tp]]:
            for tp, records in (await reader.getmany(timeout_ms=500, max_records=5000)).items():
                count += sum(1 for r in records if r.offset < ends[tp])
        return count, time.perf_counter() - start
    finally:
        await reader.stop()


async def remake_topic(servers: str, topic: Any) -> None:
    """The directory topic made again, empty, with `topic`'s configuration."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        if DIRECTORY_EVENTS.name in await admin.list_topics():
            await admin.delete_topics([DIRECTORY_EVENTS.name])
            while DIRECTORY_EVENTS.name in await admin.list_topics():
                await asyncio.sleep(0.2)
    finally:
        await admin.close()
    deadline = time.monotonic() + 30
    while True:
        try:
            await kafka.create_topics(servers, [topic])
            return
        except Exception:  # the old topic's deletion still completing
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def as_before() -> Any:
    """The topic as existing deployments have it before this change: an event log kept for ever."""
    return dataclasses.replace(DIRECTORY_EVENTS, cleanup=Cleanup.DELETE, extra_config={"segment.ms": "1000"})


def compacting_now() -> Any:
    """The registry's compacted topic, with a segment and dirty ratio that let the cleaner run now."""
    quick = {"segment.ms": "1000", "min.cleanable.dirty.ratio": "0.01", "max.compaction.lag.ms": "1000"}
    return dataclasses.replace(DIRECTORY_EVENTS, extra_config=DIRECTORY_EVENTS.extra_config | quick)


async def wait_compacted(servers: str, at_most: int, timeout: float) -> int:
    """Wait until the topic holds at most `at_most` records (the cleaner ran); the count then."""
    deadline = time.monotonic() + timeout
    while True:
        count, _ = await records_on_topic(servers)
        if count <= at_most or time.monotonic() > deadline:
            return count
        await asyncio.sleep(2.0)


def folded_keys(events: list[DirectoryEvent], entities: int) -> dict[str, Any]:
    """The key table the full history leads to (each event applied in order, as a reader would)."""
    from shared.directory_keys import LiveKeys

    table = LiveKeys(clock=lambda: T0 + timedelta(days=3650))
    for event in events:
        if isinstance(event, ApiKeyChanged):
            table.apply(event.payload)
    return {h: table.principal(h) for h in (key_hash(i) for i in range(entities))}


def catch_up(
    servers: str, keys_file: Path, public_keys: Path, present: int, entities: int, timeout: float = 600.0
) -> dict[str, Any]:
    """An HTTP app's key table from spawn until its feed has read the `present` records: seconds."""
    from services.followup.settings import FollowupSettings
    from shared.directory_keys import service_keys

    settings = FollowupSettings(kafka_bootstrap_servers=servers, keys_file=keys_file, directory_keys=True,
                                event_signing_keys_file=public_keys)  # fmt: skip
    start = time.perf_counter()
    registry = service_keys(settings)
    feed = registry.feed
    try:
        while feed.read < present:
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"the feed read {feed.read} of {present} records in {timeout} s")
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        table = registry.live
        live = {h: table.principal(h) for h in (key_hash(i) for i in range(entities))}
        return {"seconds": seconds, "read": feed.read, "refused": feed.refused, "live": len(table), "table": live}
    finally:
        feed.close()


async def run(servers: str, changes: int, entities: int, workdir: Path) -> dict[str, Any]:
    signer = new_service_key("directory", development=True)
    public = workdir / "event-signing-keys.json"
    add_public_record(public, signer.record)
    keys_file = workdir / "keys.json"
    keys_file.write_text("[]")
    events = list(history(changes, entities))
    await remake_topic(servers, as_before())
    started = time.perf_counter()
    await publish(servers, events, signer)
    written = time.perf_counter() - started
    present, raw_before = await records_on_topic(servers)
    before = await asyncio.to_thread(catch_up, servers, keys_file, public, present, entities)

    await kafka.ensure_topics(servers, [compacting_now()])  # the existing topic, altered
    await asyncio.sleep(1.5)
    # A segment rolls only on a write: one more change of every entity rolls every partition's, and the
    # history before it becomes cleanable.
    rng = random.Random(0)
    touched = [change(name, changes, changes + n, rng) for n, name in enumerate(entity_names(entities))]
    await publish(servers, touched, signer)
    compacted = await wait_compacted(servers, at_most=entities * 2, timeout=180)
    present_after, raw_after = await records_on_topic(servers)
    after = await asyncio.to_thread(catch_up, servers, keys_file, public, present_after, entities)
    await kafka.ensure_topics(servers, [DIRECTORY_EVENTS])  # back to the registry's own settings
    return {
        "changes": changes,
        "entities": entities,
        "written_seconds": round(written, 2),
        "before": {
            "records": present,
            "raw_consume_s": round(raw_before, 2),
            "catch_up_s": round(before["seconds"], 2),
            "refused": before["refused"],
            "live_keys": before["live"],
        },
        "after": {
            "records": compacted,
            "raw_consume_s": round(raw_after, 2),
            "catch_up_s": round(after["seconds"], 2),
            "refused": after["refused"],
            "live_keys": after["live"],
        },
        # the tables the feed built, each equal to the one the full history leads to
        "before_table_as_history": before["table"] == folded_keys(events, entities),
        "after_table_as_history": after["table"] == folded_keys(events + touched, entities),
    }


@cli.command()
def main(
    changes: int = typer.Option(50_000, help="Directory changes written (each an entity's whole state)."),
    entities: int = typer.Option(500, help="Entities they are about (offices, departments, staff, keys)."),
    port: int = typer.Option(19262, help="The broker's port when the bench starts its own."),
    json_out: Path | None = typer.Option(None, help="Also write the figures here."),
) -> None:
    """Measure an HTTP app's directory catch-up on the full history, then on the compacted topic."""
    from .run import broker

    with tempfile.TemporaryDirectory(prefix="bench-directory-") as folder, broker(port) as servers:
        result = asyncio.run(run(servers, changes, entities, Path(folder)))
    text = json.dumps(result, indent=2)
    typer.echo(text)
    if json_out is not None:
        json_out.write_text(text)


if __name__ == "__main__":
    cli()
