"""The worker says it is ready only once its tables are restored: owning partitions is not enough,
its agents wait for the restore, which reads every ledger entry kept (bench/startup_notifier.py)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from services.notifier.application import Counts
from services.notifier.bootstrap import health_endpoint
from services.notifier.settings import NotifierSettings


def _app(*, completed: bool, in_recovery: bool, assigned: bool = True) -> SimpleNamespace:
    event = asyncio.Event()
    if completed:
        event.set()
    partition = SimpleNamespace(topic="complaints.notifications", partition=0)
    consumer = SimpleNamespace(assignment=lambda: [partition] if assigned else [])
    recovery = SimpleNamespace(completed=event, in_recovery=in_recovery)
    return SimpleNamespace(consumer=consumer, tables=SimpleNamespace(recovery=recovery))


def _ready(app: SimpleNamespace) -> bool:
    service = SimpleNamespace(counts=Counts())
    endpoint = health_endpoint(NotifierSettings(), app, service)  # type: ignore[arg-type]
    return asyncio.run(endpoint.probe()).ready


def test_not_ready_while_the_tables_are_restored_though_partitions_are_owned() -> None:
    assert not _ready(_app(completed=False, in_recovery=True))  # the first restore
    assert not _ready(_app(completed=False, in_recovery=False))  # assigned, restore not begun yet
    assert not _ready(_app(completed=True, in_recovery=True))  # a later rebalance's restore


def test_ready_once_restored_and_owning_partitions() -> None:
    assert _ready(_app(completed=True, in_recovery=False))
    assert not _ready(_app(completed=True, in_recovery=False, assigned=False))
