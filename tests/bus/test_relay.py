"""The outbox relay on the real broker: a POSTed complaint appears once, as a CloudEvent, keyed by id."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.intake import bootstrap
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.contracts import ComplaintRegistered, RegistrationForm, WireMessage, decode_message
from shared.contracts.topics import INTAKE_EVENTS
from tests.kafka_support import keyed_by, read_topic
from tests.support import T0, form, write_keys

CLERK = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))

pytestmark = pytest.mark.kafka


async def test_a_posted_complaint_appears_exactly_once_as_a_cloudevent(kafka_bootstrap: str, tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys.json")
    settings = IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        kafka_bootstrap_servers=kafka_bootstrap,
    )
    app = bootstrap.application(settings)
    reference = f"HK-{uuid.uuid4().hex[:8]}"
    with TestClient(create_app(settings, app_instance=app)) as client:
        posted = client.post(
            "/complaints", json=form(reference), headers={"X-Office-Key": keys["hk-central/reception"]}
        )
        client.post("/complaints", json=form(reference), headers={"X-Office-Key": keys["hk-central/reception"]})
    complaint_id = posted.json()["complaint_id"]

    relay = bootstrap.relay(settings, app)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    records = await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by({complaint_id}), expect=1)
    app.close()

    assert len(records) == 1
    record = records[0]
    headers = dict(record.headers)
    assert headers["ce_type"] == b"complaints.intake.ComplaintRegistered"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_source"] == b"/intake"
    assert headers["content-type"] == b"application/json"
    event = decode_message(WireMessage(record.key, record.value, list(record.headers)))
    assert isinstance(event, ComplaintRegistered)
    assert str(event.complaint_id) == complaint_id
    assert headers["ce_id"] == str(event.event_id).encode()
    assert event.payload.sequence_number == 1
    assert event.actor.id == "hk-central/reception"
    assert json.loads(record.value)["payload"]["form"]["office_reference"] == reference


async def test_a_restarted_relay_does_not_publish_again(kafka_bootstrap: str, store_settings: dict[str, Any]) -> None:
    settings = IntakeSettings(**store_settings, kafka_bootstrap_servers=kafka_bootstrap)
    app = bootstrap.application(settings)
    ids = {
        str(app.register("hk-central", CLERK, RegistrationForm(**form(f"R-{uuid.uuid4().hex[:8]}")), T0).complaint_id)
        for _ in range(5)
    }
    for _ in range(2):  # the second relay starts from the position the first committed
        relay = bootstrap.relay(settings, app)
        await relay.start()
        while await relay.publish_next_batch():
            pass
        await relay.stop()

    records = await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by(ids), expect=5)
    app.close()
    assert sorted(r.key.decode() for r in records) == sorted(ids)
