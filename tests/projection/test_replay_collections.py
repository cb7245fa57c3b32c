"""The replay runs with Python's cyclic collector less often (`fewer_collections`): what was alive
before is frozen out of its walks, young collections come in larger steps, cycles made meanwhile are
still collected, and the collector is as it was afterwards, whatever happened inside."""

from __future__ import annotations

import gc
import weakref

import pytest

from services.projection.adapters.replay import fewer_collections
from services.projection.entrypoints import audit


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    """A two-node cycle nobody holds: only the cyclic collector frees it."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_the_collector_runs_less_often_over_less_and_is_restored_afterwards() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with fewer_collections(threshold=12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0  # the modules and everything alive before: not walked
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_it_is_restored_when_the_replay_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections(threshold=50_000):
        raise RuntimeError("the store failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_the_replay_are_still_collected_in_its_larger_steps() -> None:
    with fewer_collections(threshold=1_000):
        dead = _cycle()
        assert dead() is not None  # reference counting alone cannot free it
        kept = [[] for _ in range(5_000)]  # allocations past the threshold: a young collection
        assert dead() is None
        assert len(kept) == 5_000


def test_away_from_a_terminal_the_bars_are_not_redrawn_in_the_background() -> None:
    assert not audit.console.is_terminal
    assert audit._progress().live.auto_refresh is False
