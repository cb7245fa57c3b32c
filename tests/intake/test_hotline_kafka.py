"""Hotline reconciliation on a real broker: the hotline sends its calls to intake over HTTP, intake's
relay publishes them, the projection reads them beside the registrations and flags the call no
registration quotes, with its age; a registration quoting "HL-…-10" does not register "HL-…-1"."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.intake import bootstrap as intake_boot
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_boot
from services.projection.settings import ProjectionSettings
from tests.intake.test_hotline import call
from tests.kafka_support import run_until
from tests.support import T0, form, write_keys

pytestmark = pytest.mark.kafka


async def test_an_unregistered_hotline_call_reaches_the_projection_as_a_signal_with_its_age(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    keys = write_keys(tmp_path / "keys.json")
    common = {"store": "sqlite", "keys_file": tmp_path / "keys.json", "kafka_bootstrap_servers": kafka_bootstrap}
    intake_settings = IntakeSettings(**common, state_dir=tmp_path / "intake")
    projection_settings = ProjectionSettings(
        **common, state_dir=tmp_path / "projection", consumer_group=f"projection-{run}", office_units={}
    )
    one, ten = f"HL-{run}-1", f"HL-{run}-10"

    intake = intake_boot.application(intake_settings)
    with TestClient(create_app(intake_settings, intake, clock=lambda: T0 + timedelta(minutes=30))) as api:
        for reference in (one, ten):
            sent = api.post("/hotline/calls", json=call(reference), headers={"X-Office-Key": keys["group/hotline"]})
            assert sent.status_code == 201, sent.text
        registration = form(f"KE-{run}", description=f"Hotline call {ten}: lift B stopped with residents inside.")
        registered = api.post("/complaints", json=registration, headers={"X-Office-Key": keys["kln-east/reception"]})
        assert registered.status_code == 201, registered.text
    relay = intake_boot.relay(intake_settings, intake)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    intake.close()

    projection = projection_boot.application(projection_settings)
    try:
        consumer = projection_boot.consumer(projection_settings, projection)
        await run_until(lambda: consumer.progress.handled >= 3, consumer.run)
        projection.refresh()
        now = T0 + timedelta(days=3)

        signals = [s for s in projection.signals("kln-east", now) if s.reference in (one, ten)]

        assert [(s.kind, s.reference) for s in signals] == [("hotline-unregistered", one)]
        assert signals[0].age_hours == 72.0  # the call was taken at T0
    finally:
        projection.close()
