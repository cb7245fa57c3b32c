"""A worker's start scans a bounded part of its store for redrive requests, whatever the history: the
scan's position is kept in the store (a tracking record) once it is `REDRIVE_SCAN_KEPT_EVERY`
notifications ahead, so a restarted worker begins there, not at the log's first notification.
Store only, no broker; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.intake.settings import IntakeSettings
from shared.bus.consumer import REDRIVE_SCAN_KEPT_EVERY, TrackedConsumer
from shared.contracts.topics import INTAKE_EVENTS
from shared.eventstore import store_environment
from tests.kafka_support import Tally, TallyApplication, tally_handler


@pytest.fixture
def tally(store_settings: dict[str, Any]) -> TallyApplication:
    settings = IntakeSettings(**store_settings).model_copy(update={"service_name": "tally"})
    return TallyApplication(env=store_environment(settings))


def history(app: TallyApplication, notifications: int) -> None:
    """`notifications` stored events (one aggregate counted again and again, saved in large batches)."""
    tally = Tally(uuid.uuid4())
    app.save(tally)
    for done in range(1, notifications, 5000):
        for _ in range(min(5000, notifications - done)):
            tally.count_one(uuid.uuid4())
        app.save(tally)


def started(app: TallyApplication) -> tuple[TrackedConsumer, list[int]]:
    """A worker's consumer as a fresh process makes it, and the first notification id of every scan it asks."""
    consumer = TrackedConsumer(group_id="tally", topics=[INTAKE_EVENTS.name], app=app, handle=tally_handler,
                               bootstrap_servers="unused:1")  # fmt: skip
    recorder = app.process_recorder
    asked: list[int] = []
    select = recorder.select_notifications

    def spy(start: int, limit: int, *args: Any, **kwargs: Any) -> Any:
        asked.append(start)
        return select(start, limit, *args, **kwargs)

    recorder.select_notifications = spy  # type: ignore[method-assign]
    return consumer, asked


def test_a_restarted_worker_scans_for_redrives_from_its_kept_position_not_the_log_s_start(
    tally: TallyApplication,
) -> None:
    history(tally, REDRIVE_SCAN_KEPT_EVERY + 500)
    first, asked = started(tally)
    assert first.redrive_requested() == 0
    assert asked and asked[0] == 1  # a store never scanned: the whole log, once
    last = tally.process_recorder.max_notification_id() or 0
    assert tally.position(first.redrive_tracking_name) == last  # kept: it was far enough ahead

    history(tally, 300)  # more history after the last scan, then a restart
    again, asked = started(tally)
    assert again.redrive_requested() == 0
    assert asked and min(asked) == last + 1  # only what came after the kept position
    newest = tally.process_recorder.max_notification_id() or 0
    assert newest - min(asked) < REDRIVE_SCAN_KEPT_EVERY
