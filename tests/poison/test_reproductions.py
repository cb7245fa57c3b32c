"""Issue 12's reproductions on the real broker, through the projection's consumer and relay:
a 300 KB value of 0xFF bytes and a complaint received in 9999 (injected past HTTP validation) each end
as a bounded dead letter with its reason, and the partition and the relay go on."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from services.projection import bootstrap
from services.projection.settings import ProjectionSettings
from shared.bus import kafka
from shared.bus.relay import MAX_RECORD_BYTES
from shared.contracts import WireMessage, encode
from shared.contracts.topics import DEAD_LETTERS, INTAKE_EVENTS, NOTIFICATIONS, PROJECTION_COMPLAINT_HISTORY
from tests.kafka_support import keyed_by, read_topic, run_until
from tests.projection.test_impossible_dates import registered_at
from tests.support import as_author

pytestmark = pytest.mark.kafka


async def produce(servers: str, topic: str, messages: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for key, value, headers in messages:
            wire = as_author(topic, WireMessage(key, value, headers))  # as the topic's service: the decode path
            await (await producer.send(topic, value, key=key, headers=wire.headers))
    finally:
        await producer.stop()


async def test_300_kb_of_0xff_on_notifications_ends_as_a_bounded_letter_and_the_relay_goes_on(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = ProjectionSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    app = bootstrap.application(settings)
    key = str(uuid.uuid4()).encode()
    good = registered_at("2026-11-29T08:00:00Z")
    wire = encode(good, key=key.decode(), source="/tests", event_id=str(good.event_id), time=good.occurred_at)
    # Same key: the poison and the good message share a partition; the good one comes after.
    await produce(kafka_bootstrap, NOTIFICATIONS.name, [(key, b"\xff" * 300_000, [("ce_type", b"x")])])
    await produce(kafka_bootstrap, INTAKE_EVENTS.name, [(key, wire.value, wire.headers)])
    consumer = bootstrap.consumer(settings, app, group_id=f"projection-{uuid.uuid4().hex[:6]}")
    await run_until(lambda: consumer.progress.dead_lettered >= 1 and consumer.progress.handled >= 1, consumer.run)

    relay = bootstrap.relay(settings, app)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()

    [letter] = await read_topic(kafka_bootstrap, DEAD_LETTERS.name, keep=keyed_by({key.decode()}), expect=1)
    assert len(letter.value) < MAX_RECORD_BYTES // 10
    published = json.loads(letter.value)
    assert published["value"] is None and published["value_withheld"] == "not-utf-8"
    assert published["value_size"] == 300_000 and published["error"].startswith("MalformedMessage")
    history = await read_topic(
        kafka_bootstrap, PROJECTION_COMPLAINT_HISTORY.name, keep=keyed_by({str(good.complaint_id)}), expect=1
    )
    assert len(history) == 1
    app.close()


async def test_complaints_received_at_the_ends_of_time_end_as_dead_letters_and_the_relay_goes_on(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Published past intake's validation, a 9999 or year-1 registration is refused by the contract
    itself (instants lie within 1900-2200): a dead letter with the reason, and the complaint after it
    on the topic is judged and published as usual."""
    settings = ProjectionSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    app = bootstrap.application(settings)
    good = registered_at("2026-11-29T08:00:00Z").model_copy(update={"complaint_id": uuid.uuid4()})
    edges = [registered_at("9999-12-31T23:59:00Z"), registered_at("0001-01-01T01:00:00+14:00")]
    messages = []
    for event in [*edges, good]:
        wire = encode(event, key=str(event.complaint_id), source="/tests", event_id=str(event.event_id))
        messages.append((wire.key, wire.value, wire.headers))
    await produce(kafka_bootstrap, INTAKE_EVENTS.name, messages)
    consumer = bootstrap.consumer(settings, app, group_id=f"projection-{uuid.uuid4().hex[:6]}")
    # The topics also hold the module's earlier messages (a registration, the 300 KB poison).
    await run_until(lambda: consumer.progress.dead_lettered >= 3 and consumer.progress.handled >= 2, consumer.run)

    for _ in range(2):  # a restarted relay meets nothing that stops it
        relay = bootstrap.relay(settings, app)
        await relay.start()
        while await relay.publish_next_batch():
            pass
        await relay.stop()

    edge_ids = {str(e.complaint_id) for e in edges}
    letters = await read_topic(kafka_bootstrap, DEAD_LETTERS.name, keep=keyed_by(edge_ids), expect=2)
    assert {r.key.decode() for r in letters} == edge_ids
    errors = [json.loads(r.value)["error"] for r in letters]
    assert all(e.startswith("MalformedMessage: complaints.intake.ComplaintRegistered: ") for e in errors), errors
    history = await read_topic(
        kafka_bootstrap, PROJECTION_COMPLAINT_HISTORY.name, keep=keyed_by({str(good.complaint_id)}), expect=1
    )
    assert len(history) == 1
    app.close()
