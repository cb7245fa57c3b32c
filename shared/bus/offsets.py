"""Kafka offset commits off the tracked consumer's loop.

A tracked consumer's position is its store's tracking record; the offsets it commits to Kafka serve
monitoring alone (`kafka-consumer-groups`, lag dashboards). Awaiting each commit before the next fetch
put a broker round trip (5-60 ms here, more on a loaded broker) in front of every message that arrived
meanwhile: on the intake → projection path, once per worker. Here a commit runs beside the loop, at
most one at a time; offsets handed in meanwhile are merged (the highest per partition) and sent next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

log = logging.getLogger(__name__)

Commit = Callable[[dict[TopicPartition, int]], Awaitable[None]]


class OffsetCommits:
    def __init__(self, commit: Commit) -> None:
        self._commit = commit
        self._pending: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._failed: BaseException | None = None

    def submit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit these offsets soon; returns at once. Raises what a commit before raised that was not
        a refused commit (a bug, a crash in a test): the loop stops as it did when it awaited it."""
        self.raise_failure()
        for partition, offset in offsets.items():
            self._pending[partition] = max(offset, self._pending.get(partition, offset))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        while self._pending:
            offsets, self._pending = self._pending, {}
            try:
                await self._commit(offsets)
            except (CommitFailedError, KafkaError) as error:  # a rebalance, the broker away: the next one
                log.info("offset commit for %s skipped: %s", sorted(map(str, offsets)), error)
            except Exception as error:
                self._failed, self._pending = error, {}
                return

    def raise_failure(self) -> None:
        """Raise what a commit raised that was not a refused commit (the loop calls it every turn)."""
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed

    async def close(self, timeout: float = 5.0) -> None:
        """Send what is pending (within `timeout`), before the consumer stops."""
        if self._task is not None and not self._task.done():
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            self._task.cancel()
        self.raise_failure()
