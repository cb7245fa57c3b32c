"""The handler's `committed(uow)` hook (the projection carries its chain heads there): called once a
unit of work is committed, with its effects and positions already stored; never for a unit that did
not commit; and a hook that fails leaves the unit committed, so nothing is handled twice. Without a
broker, on SQLite and PostgreSQL (the fetches of `test_fetch_together`)."""

from __future__ import annotations

from typing import Any

import pytest

from services.intake.settings import IntakeSettings
from shared.bus.consumer import Delivery, TrackedConsumer
from shared.eventstore import UnitOfWork, store_environment
from tests.bus.test_fetch_together import TOPIC, fetch
from tests.kafka_support import TallyApplication, tally_handler


class Hooked:
    """The tally handler with a `committed(uow)` that notes what the store held when it was called."""

    def __init__(self, app: TallyApplication, fail_on: str | None = None, hook_fails: bool = False) -> None:
        self.app = app
        self.fail_on = fail_on
        self.hook_fails = hook_fails
        self.seen: list[str] = []  # complaints handled since the last hook
        self.calls: list[list[int]] = []  # at each hook: the stored count of each complaint handled
        self.units: list[UnitOfWork] = []  # each unit handled into (last first), and at each hook: is it that one
        self.same_unit: list[bool] = []

    def __call__(self, uow: UnitOfWork, delivery: Delivery) -> None:
        complaint = str(getattr(delivery.message, "complaint_id", ""))
        if complaint == self.fail_on:
            raise RuntimeError("this one always fails")
        tally_handler(uow, delivery)
        self.seen.append(complaint)
        self.units.insert(0, uow)

    def committed(self, uow: UnitOfWork) -> None:
        self.same_unit.append(bool(self.units) and uow is self.units[0])
        self.calls.append([self.app.count_of(c) for c in self.seen])
        self.seen = []
        if self.hook_fails:
            raise RuntimeError("the read side is busy")


@pytest.fixture
def app(store_settings: dict[str, Any]) -> TallyApplication:
    settings = IntakeSettings(**store_settings).model_copy(update={"service_name": "tally"})
    return TallyApplication(env=store_environment(settings))


def consumer_of(app: TallyApplication, handle: Hooked) -> TrackedConsumer:
    return TrackedConsumer(group_id="tally", topics=[TOPIC], app=app, handle=handle,
                           bootstrap_servers="unused:1", max_attempts=2)  # fmt: skip


def test_the_hook_runs_once_a_fetch_is_committed_with_its_effects_stored(app: TallyApplication) -> None:
    handle = Hooked(app)
    consumer = consumer_of(app, handle)
    batches, _ = fetch({0: 3, 2: 1})
    consumer.process_fetched(batches)
    assert handle.calls == [[1, 1, 1, 1]]  # one unit, one call, everything stored by then
    assert handle.same_unit == [True], "the hook is given the unit that was committed"

    consumer.process_fetched(batches)  # redelivered: nothing handled, nothing committed, no call
    assert handle.calls == [[1, 1, 1, 1]]


def test_a_unit_that_does_not_commit_calls_no_hook_and_each_that_does_calls_it(
    app: TallyApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches, ids = fetch({1: 2, 3: 2})
    handle = Hooked(app, fail_on=ids[3])
    consumer = consumer_of(app, handle)
    stored = lambda: sum(app.count_of(i) for i in ids)  # noqa: E731
    after_commits: list[int] = []  # what the store held after each commit that succeeded
    hooked: list[int] = []
    committed_units: list[UnitOfWork] = []
    hooked_units: list[UnitOfWork] = []
    commit = app.commit

    def counting(uow: UnitOfWork, tracking: Any = None) -> int:
        done = commit(uow, tracking)
        after_commits.append(stored())
        committed_units.append(uow)
        return done

    def hook(uow: UnitOfWork) -> None:
        hooked.append(stored())
        hooked_units.append(uow)

    monkeypatch.setattr(app, "commit", counting)
    monkeypatch.setattr(handle, "committed", hook)
    consumer.process_fetched(batches)
    # The whole fetch failed (no commit, no call); then partition 1 together, partition 3's first
    # record alone, and its poisoned one as a dead letter: a call after each of those commits.
    assert [app.count_of(i) for i in ids] == [1, 1, 1, 0]
    assert hooked == after_commits and len(hooked) >= 3
    assert hooked_units == committed_units, "each call is given the unit just committed (the dead letter's too)"


def test_a_failing_hook_leaves_the_unit_committed_and_nothing_is_handled_twice(app: TallyApplication) -> None:
    handle = Hooked(app, hook_fails=True)
    consumer = consumer_of(app, handle)
    batches, ids = fetch({0: 2, 4: 2})
    consumer.process_fetched(batches)
    assert handle.calls == [[1, 1, 1, 1]]  # called once: its failure did not send the fetch round again
    assert [app.count_of(i) for i in ids] == [1] * 4
    assert [app.position(consumer.tracking_name(TOPIC, p)) for p in (0, 4)] == [1, 1]
    consumer.process_fetched(batches)
    assert [app.count_of(i) for i in ids] == [1] * 4 and len(handle.calls) == 1
