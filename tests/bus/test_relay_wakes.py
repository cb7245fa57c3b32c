"""An idle relay beside its worker (issue 10: the relays' idle CPU): the worker's position-only commits
(a tracking record at every fetch, no event) do not make the relay read its notification log; the next
registration is read and published at once, not at the safety net's read. Reads are counted through
the recorder; no timing is judged beyond "before the minute-long safety net"."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from services.intake import bootstrap
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.contracts import RegistrationForm
from shared.contracts.topics import INTAKE_EVENTS
from tests.kafka_support import keyed_by, read_topic
from tests.support import T0, form

CLERK = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))

pytestmark = pytest.mark.kafka


async def until(condition: Callable[[], bool], limit: float = 30.0) -> None:
    """Wait for `condition` (checked every 20 ms); fail after `limit` seconds, half the safety net's."""
    async with asyncio.timeout(limit):
        while not condition():
            await asyncio.sleep(0.02)


async def test_position_only_commits_cost_the_relay_no_read_and_a_registration_is_published_at_once(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    app = bootstrap.application(settings)
    relay = bootstrap.relay(settings, app)
    relay.idle_seconds = 60.0  # the safety net's read out of the way: only a change wakes the relay
    reads: list[int] = []
    select = app.process_recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = select(*args, **kwargs)
        reads.append(len(found))
        return found

    app.process_recorder.select_notifications = counted  # type: ignore[method-assign]
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await until(lambda: bool(reads) and reads[-1] == 0)  # caught up: waiting for a change
        before, published = len(reads), relay.progress.published_events

        for offset in range(1, 21):  # a worker's fetches of records it passes over
            await asyncio.to_thread(app.commit, app.unit_of_work(), Tracking("intake/some.topic/0", offset))
            await asyncio.sleep(0.02)
        assert relay._changes is not None
        changes = relay._changes
        await until(lambda: changes.passed_over >= 1)
        assert len(reads) == before  # seen, and passed over without a read
        assert changes.wakes == 0

        registration = await asyncio.to_thread(
            app.register, "hk-central", CLERK, RegistrationForm(**form(uuid.uuid4().hex[:8])), T0
        )
        await until(lambda: relay.progress.published_events > published)
        assert reads[before] >= 1  # the first read after the positions found the registration
    finally:
        stop.set()
        await running
    records = await read_topic(
        kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by({str(registration.complaint_id)}), expect=1
    )
    app.close()
    assert len(records) == 1
