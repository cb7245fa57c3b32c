"""Group commit: concurrent registrations for one office share one database transaction.

An office's registrations must take turns (they all advance its ledger), and each transaction costs
a disk sync. So whoever holds an office's turn commits every registration that queued up meanwhile,
in one unit of work; the others wait for their answer. Under load that turns N syncs into one.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from eventsourcing.persistence import IntegrityError

from shared.eventstore import ServiceApplication, UnitOfWork

T = TypeVar("T")


@dataclass
class _Request(Generic[T]):
    apply: Callable[[UnitOfWork], T]
    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, app: ServiceApplication, max_batch: int = 200, max_attempts: int = 50) -> None:
        self._app = app
        self._max_batch = max_batch
        self._max_attempts = max_attempts
        self._guard = threading.Lock()
        self._queues: defaultdict[str, list[_Request[Any]]] = defaultdict(list)
        self._turns: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def submit(self, partition: str, apply: Callable[[UnitOfWork], T]) -> T:
        """Run `apply` in a unit of work committed with the others queued for `partition`.

        `apply` must raise before changing the unit when it refuses (its error is its caller's alone).
        """
        request: _Request[T] = _Request(apply)
        with self._guard:
            self._queues[partition].append(request)
            turn = self._turns[partition]
        while not request.done.is_set():
            with turn:
                if request.done.is_set():
                    break
                with self._guard:
                    batch = self._queues[partition][: self._max_batch]
                    del self._queues[partition][: self._max_batch]
                self._commit(batch)
        if request.error is not None:
            raise request.error
        return request.result  # type: ignore[return-value]

    def _commit(self, batch: list[_Request[Any]]) -> None:
        for attempt in range(self._max_attempts):
            uow = self._app.unit_of_work()
            for request in batch:
                request.error = None
                try:
                    request.result = request.apply(uow)
                except Exception as error:  # refused: its caller hears why, the others go on
                    request.error = error
            try:
                self._app.commit(uow)
                break
            except IntegrityError:
                # Another process advanced the same aggregate: redo the whole batch on fresh state.
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        else:
            failure = RuntimeError("the store stayed contended; try again")
            for request in batch:
                request.error = request.error or failure
        for request in batch:
            request.done.set()
