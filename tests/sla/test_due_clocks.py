"""The due table on each production store: start-up reads no history, nothing due is lost or fired
twice across crashes, and (PostgreSQL) several schedulers share the due clocks without overlap."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Repository

from services.sla.adapters.inbound import ClockFacts
from services.sla.application import SlaApplication
from services.sla.domain.clocks import ComplaintClocks
from services.sla.settings import SlaSettings
from shared.eventstore import store_environment
from tests.sla.contract_events import delivery, registered, triaged
from tests.sla.scenario import T0

# A minor complaint never accepted: by T0+7h its hand-over clock warned twice (50%, 80%) and climbed
# its 3 breach levels, and its half-day resolution clock warned at 50%. Next due: T0+9h36m (80%).
DUE_BY_7H = 6
AT_7H = T0 + timedelta(hours=7)


@pytest.fixture
def settings(store_settings: dict[str, Any]) -> SlaSettings:
    return SlaSettings(**store_settings)


def open_app(settings: SlaSettings, lease_seconds: float = 60.0) -> SlaApplication:
    return SlaApplication(env=store_environment(settings), lease_seconds=lease_seconds)


def minor_complaints(app: SlaApplication, count: int) -> list[UUID]:
    """`count` complaints registered and triaged minor at T0, saved in batches of 200 per commit."""
    complaints = [uuid.uuid4() for _ in range(count)]
    handler = ClockFacts(app)
    for start in range(0, count, 200):
        uow = app.unit_of_work()
        for complaint in complaints[start : start + 200]:
            handler(uow, delivery(registered(complaint, T0)))
            handler(uow, delivery(triaged(complaint, T0 + timedelta(minutes=1), "minor")))
        app.commit(uow)
    return complaints


def fired_events(app: SlaApplication) -> Counter[tuple[UUID, str, str, str]]:
    """Every warning, breach and re-grade in the store, counted by what it is."""
    seen: Counter[tuple[UUID, str, str, str]] = Counter()
    position = 0
    while notifications := app.process_recorder.select_notifications(position + 1, 1000):
        for n in notifications:
            event = app.mapper.to_domain_event(n)
            name = type(event).__name__
            if name in ("WarningIssued", "BreachRecorded", "RegradeRequested"):
                detail = str(getattr(event, "fraction", "")) + str(getattr(event, "level", ""))
                seen[(n.originator_id, name, getattr(event, "key", ""), detail)] += 1
        position = notifications[-1].id
    return seen


class Reads:
    """Counts what a process reads of the store's history: notifications and aggregates."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, recorder_class: type) -> None:
        self.notifications = 0
        self.aggregates = 0
        select, get = recorder_class.select_notifications, Repository.get

        def counted_select(recorder: Any, *args: Any, **kwargs: Any) -> Any:
            result = select(recorder, *args, **kwargs)
            self.notifications += len(result)
            return result

        def counted_get(repository: Any, *args: Any, **kwargs: Any) -> Any:
            self.aggregates += 1
            return get(repository, *args, **kwargs)

        monkeypatch.setattr(recorder_class, "select_notifications", counted_select)
        monkeypatch.setattr(Repository, "get", counted_get)


def test_start_up_reads_nothing_of_history_and_due_clocks_still_fire(
    settings: SlaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_app(settings)
    minor_complaints(first, 600)
    assert first.due_clocks.due_count() == 600
    history = first.process_recorder.max_notification_id()
    recorder_class = type(first.recorder)
    first.close()

    reads = Reads(monkeypatch, recorder_class)
    second = open_app(settings)  # a restart over 600 complaints' clocks
    assert second.tick(T0) == 0  # nothing due yet: nothing read either
    assert (reads.notifications, reads.aggregates) == (0, 0), "start-up replayed history"
    assert history and history > 1000

    # Due clocks still fire after the restart, reading only the complaints that are due.
    few = minor_complaints(second, 3)
    assert second.tick(T0 + timedelta(minutes=5), limit=1000) == 600 + 3  # each hand-over's 50% warning
    assert reads.notifications == 0
    assert fired_events(second)[(ComplaintClocks.create_id(few[0]), "WarningIssued", "hand-over#0", "0.5")] == 1
    second.close()


def test_a_claimed_then_crashed_scheduler_loses_nothing_and_nothing_fires_twice(settings: SlaSettings) -> None:
    first, second = open_app(settings, lease_seconds=1.0), open_app(settings)
    (complaint,) = minor_complaints(first, 1)
    claimed = first.due_clocks.claim(AT_7H, 10, first.scheduler_id, first.lease_seconds)
    assert claimed == [ComplaintClocks.create_id(complaint)]
    first.close()  # crashed between its claim and firing

    assert second.tick(AT_7H) == 0  # still leased by the crashed one
    time.sleep(1.1)
    assert second.tick(AT_7H) == DUE_BY_7H  # its lease expired: taken over
    third = open_app(settings)
    assert third.tick(AT_7H) == 0 and not third.has_due(AT_7H)  # the commit freed the lease, due moved on
    assert set(fired_events(third).values()) == {1} and len(fired_events(third)) == DUE_BY_7H
    # ... and the next instant is due at once for anyone: no lease was left behind.
    assert third.tick(T0 + timedelta(hours=9, minutes=36)) == 1
    second.close()
    third.close()


def test_a_crash_inside_the_firing_transaction_records_neither_events_nor_the_new_due(
    settings: SlaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_app(settings, lease_seconds=0.5)
    minor_complaints(first, 2)
    before = first.process_recorder.max_notification_id()
    recorder_class = type(first.recorder)
    original = recorder_class._insert_events

    def crash_after_writing(self: Any, *args: Any, **kwargs: Any) -> Any:
        original(self, *args, **kwargs)  # events and due rows written ... then the process dies
        raise RuntimeError("crash inside the transaction")

    monkeypatch.setattr(recorder_class, "_insert_events", crash_after_writing)
    with pytest.raises(RuntimeError):
        first.tick(AT_7H)
    monkeypatch.undo()
    first.close()

    second = open_app(settings)
    assert second.process_recorder.max_notification_id() == before  # nothing of it was kept
    assert second.due_clocks.due_count() == 2
    time.sleep(0.6)  # the crashed instance's lease expires (if opening this one took less)
    assert second.tick(AT_7H) == 2 * DUE_BY_7H
    assert second.tick(AT_7H) == 0
    events = fired_events(second)
    assert len(events) == 2 * DUE_BY_7H and set(events.values()) == {1}
    second.close()


def test_a_store_written_before_the_due_table_is_filled_once_at_its_first_start(tmp_path) -> None:
    settings = SlaSettings(store="sqlite", state_dir=tmp_path)
    first = open_app(settings)
    minor_complaints(first, 5)
    first.close()
    # The store as the previous release left it: no due rows, no back-fill mark.
    with sqlite3.connect(settings.sqlite_path) as db:
        db.execute("DELETE FROM due_clocks")
        db.execute("DELETE FROM tracking WHERE application_name = 'sla.due-clocks.backfill'")

    upgraded = open_app(settings)
    assert upgraded.due_clocks.due_count() == 5
    assert upgraded.tick(AT_7H) == 5 * DUE_BY_7H
    assert upgraded.ensure_due_clocks() == 0  # marked: never again
    upgraded.close()


@pytest.mark.postgres
def test_three_schedulers_on_postgres_fire_every_due_clock_exactly_once(postgres_database) -> None:
    settings = SlaSettings(
        store="postgres",
        postgres_host=postgres_database.host,
        postgres_port=postgres_database.port,
        postgres_user=postgres_database.user,
        postgres_password=postgres_database.password,
        postgres_dbname=postgres_database.dbname,
    )
    setup = open_app(settings)
    complaints = minor_complaints(setup, 240)
    schedulers = [open_app(settings) for _ in range(3)]
    claims: dict[str, list[UUID]] = {s.scheduler_id: [] for s in schedulers}
    fired: dict[str, int] = dict.fromkeys(claims, 0)
    original_claim = {s.scheduler_id: s.due_clocks.claim for s in schedulers}
    failures: list[BaseException] = []
    start = threading.Barrier(len(schedulers))

    def run(app: SlaApplication) -> None:
        def recorded_claim(now: datetime, limit: int, owner: str, lease: float) -> list[UUID]:
            taken = original_claim[owner](now, limit, owner, lease)
            claims[owner] += taken
            return taken

        app.due_clocks.claim = recorded_claim  # type: ignore[method-assign]
        try:
            start.wait()
            while True:
                done = app.tick(AT_7H, limit=10)
                fired[app.scheduler_id] += done
                if not done and not app.has_due(AT_7H):
                    break
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures

    every_claim = [clocks_id for taken in claims.values() for clocks_id in taken]
    assert Counter(every_claim) == Counter(ComplaintClocks.create_id(c) for c in complaints)  # each once
    assert sum(fired.values()) == len(complaints) * DUE_BY_7H
    events = fired_events(setup)
    assert len(events) == len(complaints) * DUE_BY_7H and set(events.values()) == {1}
    assert setup.due_clocks.due_count() == len(complaints) and not setup.has_due(AT_7H)
    print("fired per scheduler:", sorted(fired.values()))
    for app in [setup, *schedulers]:
        app.close()
