"""Two instances of every worker give the same results as one (issue 10, item 3), on the real broker
and PostgreSQL stores, with one instance SIGKILLed mid-stream and started again.

The same input is fed twice, each time to a fresh run (its own database, consumer groups, and
positions starting at the topics' current end): signed office registrations (among them a mass
incident: more than five customers about one outage within minutes, on different partitions),
then handling of some cases to their result and a reply to each customer.

- run "one": one instance of every worker;
- run "two": two instances of every worker in one consumer group (one in this process, the other a
  child process, `python -m tests.e2e.scaleout`), the child SIGKILLed when triage has decided about
  a third of the complaints, then started again.

Compared, times included: per complaint, its triage decision (severity, criteria, labels, routing),
its handling case, its SLA clocks, its follow-up state, its projection record (every event it holds)
and timeline; and triage's incidents as its store holds them at the end (id, members, the member that
completed each in business order and when, its first window). The incident is decided by replaying
its members in business order, so none of these follows arrival order (docs/scaling.md). Excluded,
with the reason:
- positions given in arrival order: intake's per-office sequence numbers, the projection's chain
  positions and hashes, Kafka partitions/offsets; two instances interleave partitions differently,
  so these are a valid but different serialisation (each still unique: the ledger and the office
  chain are single aggregates whose concurrent writers conflict and retry);
- ids of stored events (`event_id`, `caused_by`, `causation_id`): they are derived from the version
  an aggregate had when a fact reached it, which is again arrival order;
- a mass incident's announcement's snapshot of the members known when it was made (`SNAPSHOT`);
- an incident announced before its earliest member was met is superseded when that member is met,
  and members re-graded meanwhile name it (each is re-graded once). A fetch boundary between
  partitions can make it in either run (CI met it in run "one" on 2026-11-30 and 2026-12-01); run
  "one" makes it every time, publishing that member after the others. That announcement, and
  the `supersedes` naming it, are arrival order; the superseded id stands for the one replacing it
  (`superseded`, from triage's store), so the facts compared are the same either way. The incident
  itself, its members and every member's severity are compared as they are.
- which complaint carries a mass incident's notice to the leaders (`NotificationRequested`, occasion
  `mass-incident`): triage tells them once per incident at once, keyed by the incident's first member
  (and each office's first member) *known then*; the incident superseding it tells nobody again, so in
  run "one" the notices stay on the members known first (and triage's view of the incident lists them,
  `incident.told`). Compared instead, per incident, from triage's store: who was told of it (the group,
  each office), and that each was told exactly once (`told`).
- list order: lists are compared as multisets (sorted by their canonical JSON).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from aiokafka import TopicPartition
from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic
from psycopg import sql

from services.intake.adapters.office_topic import signed_submission
from services.sla.domain.clocks import ComplaintClocks
from services.triage.domain.incidents import IncidentWindow
from shared.auth import Principal
from shared.bus import kafka
from shared.bus.kafka import create_topics
from shared.contracts import RegistrationForm, WireMessage, derived_id
from shared.contracts.topics import OFFICE_REGISTRATIONS
from tests.e2e.scaleout import Run
from tests.fixtures.postgres import PostgresServer, _drop
from tests.fixtures.reading_model import keep_reading_model
from tests.support import form, write_keys, write_signing_keys

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
OFFICES = ("hk-central", "kln-east")
TEXTS = [
    ("Lift 1, Block 2", "The lift in Block 2 stops between floors.", "Repair the lift."),
    ("Refuse room", "Rubbish piled up by the bins, a bad smell and cockroaches.", "Clean it today."),
    ("Car park", "Someone parks in my parking space every night.", "Stop them."),
    ("Management fee", "I was overcharged on this month's management fee bill.", "Refund me."),
    ("Guard", "The guard shouted at my son; I am very angry at this attitude.", "Apologise."),
    ("垃圾房", "垃圾房很髒,有臭味和蟑螂。", "請清潔。"),
]
COUNT, OUTAGE = 36, 8  # complaints in all; of them, about one water outage in one block


def complaint_id(office: str, reference: str) -> UUID:
    return derived_id("complaint", office, reference)


def inputs(tag: str, base: datetime) -> list[tuple[str, RegistrationForm]]:
    made = []
    for n in range(COUNT):
        office = OFFICES[n % 2]
        received = base + timedelta(seconds=40 * n)
        if n < OUTAGE:
            obj, text, ask = "Water supply", "No water in my flat since this morning.", "Restore the water."
            address = f"Flat {n}, 3/F, Block 5, Sunrise Court {tag}"
        else:
            obj, text, ask = TEXTS[n % len(TEXTS)]
            address = f"Flat {n}, Block {n % 4}, Garden Estate {tag} {n % 5}"
        made.append(
            (
                office,
                RegistrationForm(
                    **form(
                        f"{tag}-{n}",
                        complainant={
                            "name": f"Customer {n}",
                            "contact": f"+852 61{n:03d} {int(tag[:4], 16) % 1000:03d}",
                        },
                        unit_address=address,
                        object=obj,
                        description=text,
                        customer_request=ask,
                        occurred_at=(received - timedelta(hours=1)).isoformat(),
                        received_at=received.isoformat(),
                    )
                ),
            )
        )
    return made


def signed(signer: Any, registration: RegistrationForm, submitted: datetime) -> WireMessage:
    """What the office system publishes, with a fixed submission time: intake records it as the
    registration time, so both runs register at the same instants."""
    return signed_submission(signer, registration, submitted_at=submitted)


async def publish(servers: str, messages: list[WireMessage]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for m in messages:
            await producer.send_and_wait(OFFICE_REGISTRATIONS.name, m.value, key=m.key, headers=m.headers)
    finally:
        await producer.stop()


async def topic_ends(servers: str, topics: set[str]) -> dict[tuple[str, int], int]:
    """Each partition's offset after its last record (not after a transaction's commit marker, which
    a consumer never records: the relays publish in transactions)."""
    consumer = kafka.consumer(servers, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(t, p) for t in sorted(topics) for p in consumer.partitions_for_topic(t) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(t, p) for t in sorted(topics) for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        last = {(p.topic, p.partition): 0 for p in partitions}
        for p in partitions:
            if ends[p] > 0:
                consumer.seek(p, max(ends[p] - 4, 0))
        pending = {p for p in partitions if ends[p] > 0}
        while pending:
            for p, records in (await consumer.getmany(*pending, timeout_ms=500)).items():
                for r in records:
                    last[(p.topic, p.partition)] = r.offset + 1
            pending = {p for p in pending if await consumer.position(p) < ends[p]}
        return last
    finally:
        await consumer.stop()


def start_at_end(consumers: list[Any], ends: dict[tuple[str, int], int]) -> None:
    """A run reads only what is published after it starts (the topics hold earlier runs' messages)."""
    for consumer in consumers:
        for topic in consumer.topics:
            for (t, partition), end in ends.items():
                if t == topic and end > 0:
                    name = consumer.tracking_name(topic, partition)
                    if consumer.app.position(name) is None:
                        consumer.app.process_recorder.insert_tracking(Tracking(name, end - 1))


def published(relays: list[Any]) -> bool:
    return all((r.progress.position or 0) >= (r.app.process_recorder.max_notification_id() or 0) for r in relays)


def caught_up(consumers: list[Any], ends: dict[tuple[str, int], int]) -> bool:
    for consumer in consumers:
        for (topic, partition), end in ends.items():
            if topic in consumer.topics and end > 0:
                position = consumer.app.position(consumer.tracking_name(topic, partition))
                if position is None or position < end - 1:
                    return False
    return True


async def settle(servers: str, consumers: list[Any], relays: list[Any], topics: set[str], timeout: float = 150) -> None:
    """Until every relay has published its whole log and every consumer has recorded every message
    on its topics, twice, a second apart (what consumers record, relays publish again)."""
    deadline = time.monotonic() + timeout
    calm = 0
    while calm < 2:
        ends = await topic_ends(servers, topics)
        done = await asyncio.to_thread(lambda: published(relays) and caught_up(consumers, ends))  # noqa: B023
        calm = calm + 1 if done else 0
        if time.monotonic() > deadline:
            raise AssertionError("the run did not settle")
        await asyncio.sleep(1.0)


# -- the facts compared -------------------------------------------------------------------------------

# `sealed`: a complainant's data sealed by intake (docs/privacy.md) under a fresh random nonce each
# time, so two runs' ciphertexts differ; the person id beside it (compared) says whose it is.
EXCLUDED = {
    "event_id", "caused_by", "causation_id", "sequence_number", "position", "previous",
    "hash", "digest", "partition", "offset", "event_json", "entries", "rule_id", "sealed",
}  # fmt: skip


# A mass incident's announcement (IncidentClusterDetected) is a snapshot of the members triage knew
# when it announced it: which ones, the last one's time, the one that completed it, when. Two runs meet
# the members in different orders, so these may differ; the incident's final facts (members, the one
# that completed it in business order, when, its first window) are compared from triage's store.
SNAPSHOT = {"member_complaint_ids", "complainants", "window_end", "explanation", "completed_by", "supersedes"}
ANNOUNCEMENT = "complaints.triage.IncidentClusterDetected"


def normalise(value: Any, announcement: bool = False) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        announcement = announcement or value.get("type") == ANNOUNCEMENT
        return {
            str(k): normalise(v, announcement)
            for k, v in value.items()
            if str(k) not in EXCLUDED and not (announcement and str(k) in SNAPSHOT | {"occurred_at", "time"})
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [normalise(v, announcement) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, str) and "incident-cluster" in value:
        return "<cluster>"
    if isinstance(value, UUID | datetime):
        return str(value)
    return value


def incidents(triage: Any) -> list[dict[str, Any]]:
    """Every incident triage holds at the end, with its facts (from its incident windows' final state)."""
    topic = get_topic(IncidentWindow.MemberAdded)
    windows = {n.originator_id for n in triage.process_recorder.select_notifications(1, 100_000, topics=[topic])}
    found = []
    for window_id in windows:
        window: IncidentWindow = triage.repository.get(window_id)
        for c in window.clusters:
            facts = ("cluster_id", "anchor", "completed_by", "established_at", "window_start", "window_end")
            found.append({**{k: c[k] for k in facts}, "members": sorted(c["members"]),
                          "detected_members": sorted(c["detected_members"])})  # fmt: skip
    return sorted(found, key=lambda c: c["cluster_id"])


def superseded(triage: Any) -> dict[str, str]:
    """Each incident a later announcement replaced (or the replay folded into an earlier one), with
    the incident holding its members at the end."""
    topic = get_topic(IncidentWindow.MemberAdded)
    windows = {n.originator_id for n in triage.process_recorder.select_notifications(1, 100_000, topics=[topic])}
    replaced: dict[str, str] = {}
    for window_id in windows:
        for e in triage.repository.event_store.get(window_id):
            if isinstance(e, IncidentWindow.ClusterDetected):
                replaced.update({str(old): str(e.cluster_id) for old in getattr(e, "supersedes", None) or []})
            elif isinstance(e, IncidentWindow.ClusterSuperseded):
                replaced[str(e.cluster_id)] = str(e.by)

    def final(cluster_id: str) -> str:
        while cluster_id in replaced:
            cluster_id = replaced[cluster_id]
        return cluster_id

    return {old: final(old) for old in replaced}


def told(triage: Any, gone: dict[str, str]) -> list[tuple[str, str, int]]:
    """Who was told of each incident at the end (the one replacing a superseded one standing for it):
    (incident, the group or an office, how many times)."""
    topic = get_topic(IncidentWindow.MemberAdded)
    windows = {n.originator_id for n in triage.process_recorder.select_notifications(1, 100_000, topics=[topic])}
    counted: dict[tuple[str, str], int] = {}
    for window_id in windows:
        for e in triage.repository.event_store.get(window_id):
            if isinstance(e, IncidentWindow.LeadersTold):
                key = (gone.get(e.cluster_id, e.cluster_id), e.scope)
                counted[key] = counted.get(key, 0) + 1
    return sorted((incident, scope, times) for (incident, scope), times in counted.items())


def without_told(view: Any) -> Any:
    """A decision's view without its incident's `told` (which complaint carried each notice follows
    arrival order, as above; compared per incident as `told`)."""
    if view.incident is None:
        return view
    return replace(view, incident={k: v for k, v in view.incident.items() if k != "told"})


def incident_notice(event: dict[str, Any]) -> bool:
    """A mass incident's notice to the leaders (a projection event or timeline entry)."""
    if event.get("type") != "complaints.notifications.NotificationRequested":
        return False
    whole = json.loads(event["event_json"]) if "event_json" in event else event["data"]
    return bool(whole["payload"].get("occasion") == "mass-incident")


def announced_incident(event: dict[str, Any]) -> str | None:
    """The incident an announcement (a projection event or timeline entry) is of; None for others."""
    if event.get("type") != ANNOUNCEMENT:
        return None
    # A timeline entry holds the integration event as JSON; a record's event holds it as `data`.
    whole = json.loads(event["event_json"]) if "event_json" in event else event["data"]
    return str(whole["payload"]["cluster_id"])


def without_superseded(value: Any, gone: dict[str, str]) -> Any:
    """`value` with superseded incidents' announcements left out and their ids read as the incident
    replacing them."""
    if isinstance(value, dict):
        return {k: without_superseded(v, gone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_superseded(v, gone) for v in value
                if not (isinstance(v, dict) and (announced_incident(v) in gone or incident_notice(v)))]  # fmt: skip
    if isinstance(value, str):
        for old, new in gone.items():
            value = value.replace(old, new)
    return value


def facts(apps: dict[str, Any], ids: list[tuple[str, UUID]]) -> dict[str, Any]:
    gone = superseded(apps["triage"])
    found: dict[str, Any] = {
        "incidents": incidents(apps["triage"]),
        "superseded": gone,
        "told": told(apps["triage"], gone),
    }
    apps["projection"].refresh()  # its read side follows the store (the other instance wrote there too)
    for office, cid in ids:
        sla_clocks = apps["sla"].repository.get(ComplaintClocks.create_id(cid)).clocks
        entries = without_superseded(apps["projection"].read.entries(cid), gone)
        clocks = {k: {f: c.get(f) for f in ("deadline", "stopped_at", "outcome")} for k, c in sla_clocks.items()}
        found[str(cid)] = normalise(
            without_superseded(
                {
                    "triage": normalise(without_told(apps["triage"].decision(office, cid))),
                    "handling": normalise(apps["handling"].case(office, cid)),
                    "sla": clocks,
                    "followup": normalise(apps["followup"].case(office, cid)),
                    "projection": normalise(apps["projection"].complaint(cid, office)),
                    "timeline": sorted(e["type"] for e in entries),
                },
                gone,
            )
        )
    return found


# -- one run --------------------------------------------------------------------------------------------


def new_database(server: PostgresServer) -> PostgresServer:
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return PostgresServer(server.host, server.port, server.user, server.password, name)


def spawn(run_file: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.scaleout", str(run_file)],
        cwd=REPO,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env=os.environ | {"PYTHONPATH": str(REPO)},
    )


async def one_run(
    run: Run,
    instances: int,
    messages: list[WireMessage],
    everyone: list[tuple[str, UUID]],
    tmp: Path,
    late: list[WireMessage] | None = None,
) -> dict[str, Any]:
    """`late`: published once triage has announced an incident (members it meets after the others)."""
    apps = run.applications()
    workers = run.workers(apps)
    consumers = [*workers, run.sla_consumer(apps)]  # the SLA's worker runs once (see tests/e2e/scaleout.py)
    topics = {t for c in consumers for t in c.topics}
    start_at_end(consumers, await topic_ends(run.servers, topics))
    relays = run.relays(apps)
    loops = [c.run for c in consumers] + [r.run for r in relays]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(loop(stop)) for loop in loops]
    child = None
    run_file, log = tmp / f"{run.name}.json", tmp / f"{run.name}.log"
    run.dump(run_file)
    try:
        if instances == 2:
            child = spawn(run_file, log)
            await wait_for_line(log, "instance started", child)
        await publish(run.servers, messages)
        if late:
            await until(lambda: incidents(apps["triage"]), "an incident announced")
            await publish(run.servers, late)
        if child is not None:
            triage = apps["triage"]
            await until(lambda: decided(triage, everyone) >= COUNT // 3, "a third decided")
            child.send_signal(signal.SIGKILL)  # mid-stream: no clean shutdown, no offsets committed
            child.wait(10)
            child = spawn(run_file, log)
            await wait_for_line(log, "instance started", child, times=2)  # a loaded machine starts it slowly
        await handle_and_reply(apps, everyone[OUTAGE : OUTAGE + 3])
        await settle(run.servers, consumers, relays, topics)
        if instances == 2:
            assert log.read_text(errors="replace").count("instance started") == 2  # killed once, started again
        return await asyncio.to_thread(facts, apps, everyone)
    finally:
        if child is not None:
            child.terminate()
            child.wait(30)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
        for app in apps.values():
            app.close()


async def until(condition: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.3)


async def wait_for_line(
    log: Path, line: str, child: subprocess.Popen[bytes], timeout: float = 90, times: int = 1
) -> None:
    deadline = time.monotonic() + timeout
    while (log.read_text(errors="replace") if log.exists() else "").count(line) < times:
        if child.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the second instance did not start:\n{log.read_text(errors='replace')[-3000:]}")
        await asyncio.sleep(0.3)


def decided(triage: Any, everyone: list[tuple[str, UUID]]) -> int:
    count = 0
    for office, cid in everyone:
        with contextlib.suppress(Exception):  # not there yet
            count += triage.decision(office, cid).triaged
    return count


def staff(office: str, role: str) -> Principal:
    return Principal(f"{office}/{role}", office, frozenset({role}))


async def handle_and_reply(apps: dict[str, Any], cases: list[tuple[str, UUID]]) -> None:
    """People's part, at fixed instants (both runs do the same at the same times): a department
    takes some cases to their result; a supervisor replies to each customer."""
    handling, followup = apps["handling"], apps["followup"]

    def opened() -> bool:
        try:
            return all(handling.case(o, c) for o, c in cases)
        except Exception:
            return False

    await until(opened, "the cases opened")
    at = PEOPLE_AT
    for office, cid in cases:
        worker, leader = staff(office, "staff"), staff(office, "leader")
        steps = [
            lambda c, w=worker: c.accept(w.actor_id, w.role, at),
            lambda c, w=worker: c.record_cause("a worn part", "Contractor", w.actor_id, w.role, at),
            lambda c, w=worker: c.propose("repair", "replace the part", w.actor_id, w.role, at),
            lambda c, w=leader: c.approve("go ahead", w.actor_id, w.role, at),
            lambda c, w=worker: c.carry_out("part replaced", w.actor_id, w.role, at),
            lambda c, w=worker: c.record_result("repaired", True, w.actor_id, w.role, at),
        ]
        for step in steps:
            await asyncio.to_thread(handling.act, office, cid, step)

    def heard() -> bool:
        try:
            return all(followup.case(o, c).results for o, c in cases)
        except Exception:
            return False

    await until(heard, "follow-up heard the results")
    for office, cid in cases:
        await asyncio.to_thread(
            followup.reply, office, cid, staff(office, "supervisor"), "phone", "Repaired.", at + timedelta(hours=1)
        )


PEOPLE_AT = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)  # after every registration


async def test_two_instances_of_every_worker_end_as_one(kafka_bootstrap: str, postgres_server: PostgresServer,
                                                          tmp_path: Path) -> None:  # fmt: skip
    await create_topics(kafka_bootstrap)
    keys_file, signing_file = tmp_path / "keys.json", tmp_path / "signing.json"
    write_keys(keys_file)
    signers = write_signing_keys(signing_file)
    tag = uuid.uuid4().hex[:6]
    base = PEOPLE_AT.replace(second=0) - timedelta(hours=1)  # recent: no SLA deadline passes during the test
    registrations = inputs(tag, base)
    everyone = [(office, complaint_id(office, f.office_reference)) for office, f in registrations]

    def messages() -> list[WireMessage]:  # new CloudEvents each run, submitted at the same instants
        return [signed(signers[o], f, f.received_at + timedelta(seconds=30)) for o, f in registrations]

    results, databases = {}, []
    try:
        for name, instances in (("one", 1), ("two", 2)):
            db = new_database(postgres_server)
            databases.append(db)
            run = Run(
                name=f"{name}-{tag}",
                servers=kafka_bootstrap,
                state_dir=str(tmp_path / name),
                keys_file=str(keys_file),
                signing_keys_file=str(signing_file),
                postgres={"host": db.host, "port": db.port, "user": db.user, "password": db.password,
                          "dbname": db.dbname},
            )  # fmt: skip
            keep_reading_model(tmp_path / name / "triage")  # the second instance's process reads it, not trains it
            sent = messages()
            # Run "one" publishes the incident's first member (by received time) after the others.
            late = sent[:1] if name == "one" else []
            results[name] = await one_run(run, instances, sent[len(late) :], everyone, tmp_path, late)
    finally:
        for db in databases:
            _drop(postgres_server, db.dbname)

    one, two = results["one"], results["two"]
    [incident] = one["incidents"]
    assert incident["members"] == sorted(str(cid) for _, cid in everyone[:OUTAGE]), one["incidents"]
    complaints = [k for k in one if k not in ("incidents", "superseded", "told")]
    assert sum(1 for k in complaints if one[k]["triage"]["severity"] == "major") >= OUTAGE
    # Run "one" met the incident's first member last: its first announcement was superseded.
    assert list(one["superseded"].values()) == [incident["cluster_id"]], one["superseded"]
    assert one.keys() == two.keys()
    # The incident: the same id, members, completing member, instant and first window.
    assert one["incidents"] == two["incidents"]
    # Its leaders told once, as an incident: the group and each office of its members, in either run.
    offices = sorted({office for office, _ in everyone[:OUTAGE]})
    assert one["told"] == two["told"] == [(incident["cluster_id"], scope, 1) for scope in sorted(["group", *offices])]
    # Every complaint's facts, in every service, equal (times included).
    differing = [d for key in complaints for part in one[key]
                 for d in differences(one[key][part], two[key][part], f"{key}.{part}")]  # fmt: skip
    assert not differing, "\n".join(differing[:40])


def differences(a: Any, b: Any, path: str) -> list[str]:
    """Where two fact trees differ, leaf by leaf (a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(a.keys() | b.keys()) for d in differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: one={_short(a, path)} two={_short(b, path)}"]


def _short(value: Any, path: str) -> str:
    if path.endswith(".timeline") and isinstance(value, list):
        return str(sorted(set(value), key=value.count)) + f" ({len(value)} events)"
    return str(value)[:300]
