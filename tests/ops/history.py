"""A Jepsen-style check of a history: what the writers were told was stored, against what a reader saw.

Pure: no I/O, no clock. The writer's side is the list of acknowledged writes in the order they were
acknowledged (one sequential writer, or several whose acknowledgements were totally ordered); the
reader's side is every record it observed, in the order it observed them, with where each was read
from (a Kafka partition and offset, or a store's position). The checks:

- **lost**: an acknowledged write never observed;
- **duplicated**: a write observed more than once;
- **reordered**: two writes of one key observed in another order than acknowledged, or two
  writes that landed in one partition at offsets against their acknowledgement order;
- **unexpected**: an observed write nobody acknowledged (a write whose outcome the writer never
  learnt may appear, so this is reported apart and is not a failure by itself).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ack:
    """A write the writer was told is stored: `write` is its unique id, `key` what orders it."""

    key: Hashable
    write: Hashable


@dataclass(frozen=True)
class Seen:
    """A write the reader observed, read from `partition` at `offset` (None when the reader has no offsets)."""

    key: Hashable
    write: Hashable
    partition: Hashable = None
    offset: int | None = None


@dataclass(frozen=True)
class Verdict:
    acknowledged: int
    observed: int
    lost: list[Hashable] = field(default_factory=list)
    duplicated: dict[Hashable, int] = field(default_factory=dict)
    reordered: list[tuple[Hashable, Hashable]] = field(default_factory=list)
    unexpected: list[Hashable] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.reordered)

    def summary(self) -> str:
        return (
            f"{self.acknowledged} acknowledged, {self.observed} observed: {len(self.lost)} lost, "
            f"{len(self.duplicated)} duplicated, {len(self.reordered)} reordered, {len(self.unexpected)} unexpected"
            + (
                ""
                if self.ok
                else f" (first lost {self.lost[:3]}, duplicated {list(self.duplicated)[:3]},"
                f" reordered {self.reordered[:3]})"
            )
        )


def check_history(acknowledged: Sequence[Ack], observed: Sequence[Seen]) -> Verdict:
    """Judge a history; `acknowledged` in acknowledgement order, `observed` in observation order."""
    rank = {ack.write: i for i, ack in enumerate(acknowledged)}
    counts = Counter(seen.write for seen in observed)
    lost = [ack.write for ack in acknowledged if not counts[ack.write]]
    duplicated = {write: n for write, n in counts.items() if n > 1}
    unexpected = [write for write in counts if write not in rank]

    reordered: list[tuple[Hashable, Hashable]] = []
    # Per key: the acknowledged writes of a key are observed in acknowledgement order.
    last_of_key: dict[Hashable, Hashable] = {}
    for seen in observed:
        if seen.write not in rank:
            continue
        before = last_of_key.get(seen.key)
        if before is not None and rank[before] > rank[seen.write]:
            reordered.append((before, seen.write))
        if before is None or rank[seen.write] > rank[before]:
            last_of_key[seen.key] = seen.write
    # Per partition: offsets follow acknowledgement order (a sequential writer's log order).
    by_partition: dict[Hashable, list[tuple[int, Hashable]]] = defaultdict(list)
    for seen in observed:
        if seen.offset is not None and seen.write in rank:
            by_partition[seen.partition].append((seen.offset, seen.write))
    for placed in by_partition.values():
        placed.sort(key=lambda pair: pair[0])
        highest: Hashable = None
        for _offset, write in placed:
            if highest is not None and rank[write] < rank[highest]:
                reordered.append((highest, write))
            if highest is None or rank[write] > rank[highest]:
                highest = write
    return Verdict(len(acknowledged), len(observed), lost, duplicated, sorted(set(reordered), key=str), unexpected)
