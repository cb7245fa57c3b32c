"""A relay that has published one registration and stopped: where the relay-position tests start."""

from __future__ import annotations

import uuid
from pathlib import Path

from services.intake import bootstrap as intake_bootstrap
from services.intake.application import IntakeApplication
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.contracts import RegistrationForm
from tests.support import T0, form


async def relayed_registration(servers: str, tmp_path: Path) -> tuple[IntakeSettings, IntakeApplication, int, bytes]:
    """Intake with one registration its relay published: the settings, the (open) application, the
    relay's committed position and its key on the positions topic."""
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=servers)
    intake = intake_bootstrap.application(settings)
    clerk = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))
    intake.register("hk-central", clerk, RegistrationForm(**form(f"{uuid.uuid4().hex[:8]}-0")), T0)
    relay = intake_bootstrap.relay(settings, intake)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    published, position_key = relay.progress.position, relay._position_key
    await relay.stop()
    assert published is not None
    return settings, intake, published, position_key
