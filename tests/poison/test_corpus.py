"""A poison corpus on every consumed topic, through every service's own worker, on the real broker.

The consumed topics are derived from the services' workers (shared.bus.operator.SERVICES), so a new
subscription is covered without touching this file. Each topic gets garbage bytes, unknown types and
versions, wrong field types, oversized and expanding values, impossible dates and (on the office topic)
a bad signature, then one good message on the same partition. Every poison message must end as a dead
letter with a reason (an impossible date may instead be handled: it is valid past the HTTP edge) in
every consumer that reads its type — one whose handler does not want the type passes over it unread
(`Inbound.wants`), and then another consumer must have dead-lettered it — and every partition must
reach the good message: zero stuck partitions, no worker that stops.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.intake.adapters.office_topic import SIGNATURE_HEADER
from shared.bus import kafka
from shared.bus.consumer import TrackedConsumer
from shared.bus.deadletters import DeadLetterRecord
from shared.bus.operator import SERVICES
from shared.contracts import MESSAGE_TYPES, WireMessage, decode, encode
from shared.contracts.catalogue_doc import GOLDEN_DIR, golden_filename
from shared.contracts.intake import PersonalData
from shared.contracts.topics import OFFICE_REGISTRATIONS, Cleanup, topic_named
from shared.keyring import Keyring, KeyringSettings
from shared.personal import seal_personal
from shared.signing import OfficeSigner
from tests.support import as_author, write_keys, write_signing_keys

pytestmark = pytest.mark.kafka

Message = tuple[str, bytes | None, list[tuple[str, bytes]], bool]  # name, value, headers, may be handled


def golden(type_name: str) -> dict[str, Any]:
    version = int(MESSAGE_TYPES[type_name].model_fields["schema_version"].default)
    return json.loads((GOLDEN_DIR / golden_filename(type_name, version)).read_text())


def fresh(data: dict[str, Any], key: str) -> dict[str, Any]:
    data = json.loads(json.dumps(data))
    for field in ("event_id", "correlation_id"):
        if field in data:
            data[field] = str(uuid.uuid4())
    if "complaint_id" in data:
        data["complaint_id"] = key
    if "form" in data:  # a new office reference: one reference, one complaint
        data["form"]["office_reference"] = f"P-{uuid.uuid4().hex[:12]}"
    for holder in (data.get("payload", {}).get("form"), data.get("payload")):
        if isinstance(holder, dict) and isinstance(holder.get("personal"), dict):
            # the golden's sealed complainant is no one this session's keyring knows: seal one as intake would
            holder["personal"] = sealed_in_session_keyring()
    return data


def sealed_in_session_keyring() -> dict[str, Any]:
    keyring = Keyring.from_settings(KeyringSettings())
    data = PersonalData(name="Poison Test", contact=f"+852 5{uuid.uuid4().int % 10**7:07d}", unit_address="Flat P")
    return seal_personal(data, keyring, datetime.now(UTC)).model_dump(mode="json")


def wired(
    type_name: str, data: dict[str, Any], key: str, raw_key: OfficeSigner | None
) -> tuple[bytes, list[tuple[str, bytes]]]:
    message = decode(type_name, data)
    office = None
    if type_name == "complaints.office.RegistrationSubmitted":
        office = {"officeid": "hk-central"} | ({"signingkey": raw_key.key_id} if raw_key else {})
    wire = encode(
        message, key=key, source="/poison", event_id=str(data.get("event_id", uuid.uuid4())), extensions=office
    )
    if raw_key is None:
        return wire.value, wire.headers
    # The office topic's messages are signed with the office system's Ed25519 key (shared/signing.py).
    signature = raw_key.sign({k: v.decode() for k, v in wire.headers}, wire.value)
    return wire.value, [*wire.headers, (SIGNATURE_HEADER, signature.encode())]


def with_dates(data: dict[str, Any], instant: str) -> dict[str, Any]:
    text = json.dumps(data)
    for original in {v for k, v in _walk(data) if k.endswith("_at") and isinstance(v, str)}:
        text = text.replace(json.dumps(original), json.dumps(instant))
    return json.loads(text)


def _walk(data: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            found.append((k, v))
            found += _walk(v)
    elif isinstance(data, list):
        for v in data:
            found += _walk(v)
    return found


def corpus(topic: str, key: str, raw_key: OfficeSigner | None) -> tuple[list[Message], Message]:
    type_name = topic_named(topic).event_types[0]  # type: ignore[union-attr]
    base = fresh(golden(type_name), key)
    good_value, headers = wired(type_name, base, key, raw_key)
    ce = [(k, v) for k, v in headers if k != SIGNATURE_HEADER]

    def raw(name: str, value: bytes | None, hdrs: list[tuple[str, bytes]] = ce, handled: bool = False) -> Message:
        return name, value, hdrs, handled

    def as_json(name: str, data: Any, handled: bool = False) -> Message:
        return raw(name, json.dumps(data).encode(), headers, handled)

    poison = [
        raw("garbage bytes, no headers", b"\x00\x01\x02garbage\xfe", []),
        raw("300 KB of 0xFF", b"\xff" * 300_000),
        raw("null value (tombstone)", None),
        raw("not a JSON object", b"[1, 2, 3]"),
        raw("unknown type", json.dumps(base).encode(), [("ce_type", b"complaints.nope.Unknown"), *ce[1:]]),
        raw("ce_type not UTF-8", json.dumps(base).encode(), [("ce_type", b"\xff\xfe"), *ce[1:]]),
        as_json("unknown version", base | {"schema_version": 99}),
        as_json("version 0", base | {"schema_version": 0}),
        as_json("wrong field types", base | {"occurred_at": 12, "office_id": ["x"], "complaint_id": True}),
        as_json("oversized (900 KB)", base | {"junk": "a" * 900_000}),
        raw("expanding (nested 100k deep)", b"[" * 100_000 + b"]" * 100_000),
        raw("expanding (exponent 1e999999)", b'{"n": 1e999999, "m": ' + b"9" * 100_000 + b"}"),
    ]
    for instant in ("9999-12-31T23:59:00Z", "0001-01-01T01:00:00+14:00"):
        dated = fresh(with_dates(base, instant), key)
        try:
            value, hdrs = wired(type_name, dated, key, raw_key)
        except ValueError:  # the contract itself refuses it: send it anyway, unsigned
            value, hdrs = json.dumps(dated).encode(), headers
        poison.append(raw(f"impossible date {instant}", value, hdrs, handled=True))
    if raw_key is not None:
        value, hdrs = wired(type_name, fresh(base, key), key, None)
        poison.append(raw("bad signature", value, [*hdrs, (SIGNATURE_HEADER, b"0" * 64)]))
    return poison, ("good", good_value, headers, True)


async def test_every_poison_message_on_every_consumed_topic_is_dead_lettered_and_no_partition_sticks(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    write_keys(tmp_path / "keys.json")
    signers = write_signing_keys(tmp_path / "office-signing-keys.json")
    consumers: list[TrackedConsumer] = []
    for wiring in SERVICES.values():
        if wiring.consumer is None:  # the directory: a relay, no worker
            continue
        settings = wiring.make_settings(
            store="sqlite",
            state_dir=tmp_path,
            kafka_bootstrap_servers=kafka_bootstrap,
            keys_file=tmp_path / "keys.json",
            office_signing_keys_file=tmp_path / "office-signing-keys.json",
        )
        consumer = wiring.make_consumer(settings, wiring.make_application(settings))
        consumer.group_id = f"{consumer.group_id}-poison"
        consumer.max_attempts = 2
        consumers.append(consumer)
    topics = sorted({t for c in consumers for t in c.topics})
    assert OFFICE_REGISTRATIONS.name in topics and len(topics) >= 7

    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    sent: dict[str, list[tuple[Message, int, int]]] = {}
    try:
        for topic in topics:
            key = str(uuid.uuid4())
            office_key = signers["hk-central"] if topic == OFFICE_REGISTRATIONS.name else None
            poison, good = corpus(topic, key, office_key)
            sent[topic] = []
            registered = topic_named(topic)
            # A compacted topic keeps one record a key: under one key the cleaner may drop the poison
            # before a consumer reads it. There each poison gets a key of its own, in the good one's
            # partition (the consumer's position is checked there).
            compacted = registered is not None and registered.cleanup == Cleanup.COMPACT
            partition: int | None = None
            for number, message in enumerate([*poison, good]):
                _, value, headers, _ = message
                own = f"{key}/{number}" if compacted and message is not good else key
                # Signed as the topic's service would (a poison its own relay published: the decode path)
                wire = as_author(topic, WireMessage(own.encode(), value or b"", headers))
                meta = await (
                    await producer.send(topic, value, key=own.encode(), headers=wire.headers, partition=partition)
                )
                partition = meta.partition
                sent[topic].append((message, meta.partition, meta.offset))
    finally:
        await producer.stop()

    def caught_up(consumer: TrackedConsumer) -> bool:
        for topic in consumer.topics:
            *_, (_, partition, offset) = sent[topic]
            position = consumer.app.position(consumer.tracking_name(topic, partition))
            if position is None or position < offset:
                return False
        return True

    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    deadline = time.monotonic() + 90
    try:
        while not all(caught_up(c) for c in consumers):
            for task in tasks:
                if task.done():
                    task.result()
                    raise AssertionError("a worker stopped")
            assert time.monotonic() < deadline, [c.group_id for c in consumers if not caught_up(c)]
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    problems = []
    lettered: set[tuple[str, str]] = set()  # (topic, poison) some consumer dead-lettered
    for consumer in consumers:
        for topic in consumer.topics:
            for (name, _, headers, may_be_handled), partition, offset in sent[topic]:
                letter_id = DeadLetterRecord.create_id(consumer.group_id, topic, partition, offset)
                letter = consumer.app.repository.get(letter_id) if _exists(consumer, letter_id) else None
                if letter is not None:
                    lettered.add((topic, name))
                if letter is None and not may_be_handled and not _passed_over(consumer, headers):
                    problems.append(f"{consumer.group_id} {topic}: {name}: not dead-lettered")
                elif letter is not None and not letter.error:
                    problems.append(f"{consumer.group_id} {topic}: {name}: dead letter without a reason")
                elif letter is not None and name == "good":
                    problems.append(f"{consumer.group_id} {topic}: the good message was dead-lettered: {letter.error}")
        consumer.app.close()
    # What a consumer passes over unread (a type it does not handle: `Inbound.wants`) its readers
    # dead-letter: every poison message is a dead letter somewhere.
    for topic, messages in sent.items():
        for (name, _, _, may_be_handled), _, _ in messages:
            if not may_be_handled and (topic, name) not in lettered:
                problems.append(f"{topic}: {name}: dead-lettered by no consumer")
    assert not problems, "\n".join(problems)


def _passed_over(consumer: TrackedConsumer, headers: list[tuple[str, bytes]]) -> bool:
    """A record of a catalogue type the consumer's handler does not want: passed over, unread."""
    type_name = next((v for k, v in headers if k == "ce_type"), None)
    wants = getattr(consumer.handle, "wants", None)
    if wants is None or type_name is None:
        return False
    try:
        return not wants(type_name.decode())
    except UnicodeDecodeError:
        return False


def _exists(consumer: TrackedConsumer, aggregate_id: uuid.UUID) -> bool:
    try:
        consumer.app.repository.get(aggregate_id)
    except Exception:
        return False
    return True
