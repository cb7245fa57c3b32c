"""The replay's batching of fetched records: whatever the fetches look like (partitions interleaved,
fetches of any size, records past the goal, a partition ending on a transaction marker), every
record up to its partition's goal is handed on exactly once, each partition's in offset order, in
batches of one partition and at most `size` records, with at most `bound` records waiting."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from services.projection.adapters.replay import Batches


@dataclass(frozen=True)
class FakeRecord:
    partition: str
    offset: int


@st.composite
def fetch_plans(draw: st.DrawFn) -> tuple[dict[str, int], list[tuple[str, list[FakeRecord]]], int, int]:
    partitions = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6, unique=True))
    lengths = {p: draw(st.integers(0, 40)) for p in partitions}
    goal = {p: draw(st.integers(-1, lengths[p] + 3)) for p in partitions}  # may lie past the end
    chunks: dict[str, list[list[FakeRecord]]] = {}
    for p in partitions:
        offsets = list(range(lengths[p]))
        cuts = sorted(draw(st.lists(st.integers(0, len(offsets)), max_size=6)))
        bounds = [0, *cuts, len(offsets)]
        chunks[p] = [[FakeRecord(p, o) for o in offsets[a:b]] for a, b in pairwise(bounds)]
    fetches: list[tuple[str, list[FakeRecord]]] = []
    while any(chunks.values()):
        p = draw(st.sampled_from(sorted(q for q, c in chunks.items() if c)))
        fetches.append((p, chunks[p].pop(0)))
    size = draw(st.integers(1, 12))
    bound = draw(st.integers(1, 30))
    return goal, fetches, size, bound


@settings(max_examples=300, deadline=None)
@given(fetch_plans())
def test_every_record_up_to_its_goal_is_handed_on_once_in_order_in_bounded_batches(plan) -> None:
    goal, fetches, size, bound = plan
    batches = Batches(goal, size, bound)
    out: list[tuple[str, list[FakeRecord]]] = []
    for partition, records in fetches:
        out.extend(batches.add(partition, records))
        assert batches.count <= max(bound, size)
        assert batches.count == sum(len(w) for w in batches.waiting.values())
    out.extend(batches.rest())
    assert batches.count == 0
    for partition, records in out:
        assert records, "no empty batch"
        assert len(records) <= size
        assert {r.partition for r in records} == {partition}
    for partition, last in goal.items():
        handed = [r.offset for p, records in out if p == partition for r in records]
        fetched = [r.offset for p, records in fetches if p == partition for r in records]
        assert handed == [o for o in fetched if o <= last]


def test_a_partition_reaching_its_goal_is_handed_on_at_once() -> None:
    batches = Batches({"a": 2, "b": 9}, size=100, bound=1000)
    assert batches.add("b", [FakeRecord("b", 0)]) == []
    ready = batches.add("a", [FakeRecord("a", o) for o in range(4)])
    assert ready == [("a", [FakeRecord("a", 0), FakeRecord("a", 1), FakeRecord("a", 2)])]
    assert batches.rest() == [("b", [FakeRecord("b", 0)])]
