"""The tracked consumer's Kafka offset commits (for monitoring only: its position is its store's tracking
record) run beside its loop (`shared.bus.offsets.OffsetCommits`): the next fetch never waits for the
broker's answer, at most one commit is in flight, offsets handed in meanwhile are merged and sent next,
a refused commit is skipped, and anything else a commit raises stops the loop as before."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError

from shared.bus.offsets import OffsetCommits

A, B = TopicPartition("t", 0), TopicPartition("t", 1)


class Broker:
    """A commit that answers only when the test says so."""

    def __init__(self) -> None:
        self.sent: list[dict[TopicPartition, int]] = []
        self.answer = asyncio.Event()
        self.fail: BaseException | None = None

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.sent.append(dict(offsets))
        await self.answer.wait()
        if self.fail is not None:
            raise self.fail


async def test_submitting_never_waits_and_what_comes_meanwhile_is_merged_and_sent_next() -> None:
    broker = Broker()
    commits = OffsetCommits(broker.commit)
    commits.submit({A: 5})
    await asyncio.sleep(0)
    assert broker.sent == [{A: 5}]  # in flight, unanswered
    commits.submit({A: 7, B: 3})  # returns at once although the broker has not answered
    commits.submit({A: 6})  # an older offset never moves a partition back
    assert broker.sent == [{A: 5}]  # one commit in flight at a time
    broker.answer.set()
    await commits.close()
    assert broker.sent == [{A: 5}, {A: 7, B: 3}]


async def test_a_refused_commit_is_skipped_and_the_next_is_sent() -> None:
    broker = Broker()
    broker.fail = CommitFailedError("rebalancing")
    broker.answer.set()
    commits = OffsetCommits(broker.commit)
    commits.submit({A: 1})
    await asyncio.sleep(0.01)
    broker.fail = None
    commits.submit({A: 2})
    await commits.close()
    commits.raise_failure()  # nothing to raise
    assert broker.sent == [{A: 1}, {A: 2}]


async def test_anything_else_a_commit_raises_stops_the_loop_at_its_next_turn() -> None:
    broker = Broker()
    broker.fail = RuntimeError("a bug")
    broker.answer.set()
    commits = OffsetCommits(broker.commit)
    commits.submit({A: 1})
    await asyncio.sleep(0.01)
    with pytest.raises(RuntimeError, match="a bug"):
        commits.raise_failure()
