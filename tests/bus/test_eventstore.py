"""The store guarantees the bus relies on, on SQLite and PostgreSQL: effects and position commit together."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from shared.eventstore import store_environment
from shared.settings import ServiceSettings
from tests.kafka_support import Tally, TallyApplication


@pytest.fixture
def tally(store_settings: dict[str, Any]):
    app = TallyApplication(env=store_environment(ServiceSettings(service_name="tally", **store_settings)))
    yield app
    app.close()


def test_effects_and_tracking_commit_together(tally: TallyApplication) -> None:
    complaint = uuid.uuid4()
    uow = tally.unit_of_work()
    counter = Tally(complaint)
    counter.count_one(uuid.uuid4())
    uow.add(counter)

    tally.commit(uow, Tracking("group/topic/0", 41))

    assert tally.position("group/topic/0") == 41
    assert tally.count_of(complaint) == 1


def test_a_position_already_recorded_is_refused_with_its_effects(tally: TallyApplication) -> None:
    tally.commit(tally.unit_of_work(), Tracking("group/topic/0", 7))
    complaint = uuid.uuid4()
    uow = tally.unit_of_work()
    counter = Tally(complaint)
    counter.count_one(uuid.uuid4())
    uow.add(counter)

    with pytest.raises(IntegrityError):
        tally.commit(uow, Tracking("group/topic/0", 7))

    assert tally.count_of(complaint) == 0  # nothing of the refused batch was written
    assert tally.position("group/topic/0") == 7


def test_the_store_identity_is_made_once_and_kept(tally: TallyApplication) -> None:
    assert tally.store_instance() == tally.store_instance()
