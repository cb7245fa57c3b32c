"""The history checker catches what it must: a planted lost record, a duplicated one, a reordering
(within a key, and within a partition); a clean history of any interleaving passes."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from tests.ops.history import Ack, Seen, check_history


def clean_history(keys: int = 5, writes_per_key: int = 3) -> tuple[list[Ack], list[Seen]]:
    """Writes acknowledged in order, read back from two partitions (key % 2) in offset order."""
    acks = [Ack(f"k{k}", f"w{k}-{n}") for n in range(writes_per_key) for k in range(keys)]
    offsets = {0: 0, 1: 0}
    seen = []
    for ack in acks:
        partition = int(str(ack.key)[1:]) % 2
        seen.append(Seen(ack.key, ack.write, partition, offsets[partition]))
        offsets[partition] += 1
    return acks, seen


def test_a_clean_history_passes() -> None:
    acks, seen = clean_history()
    verdict = check_history(acks, seen)
    assert verdict.ok, verdict.summary()
    assert (verdict.acknowledged, verdict.observed) == (15, 15)


def test_a_lost_record_is_caught() -> None:
    acks, seen = clean_history()
    del seen[7]
    verdict = check_history(acks, seen)
    assert not verdict.ok
    assert verdict.lost == [acks[7].write]
    assert not verdict.duplicated and not verdict.reordered


def test_a_duplicated_record_is_caught() -> None:
    acks, seen = clean_history()
    seen.append(Seen(seen[3].key, seen[3].write, None, None))  # redelivered, no offset known
    verdict = check_history(acks, seen)
    assert not verdict.ok
    assert verdict.duplicated == {acks[3].write: 2}
    assert not verdict.lost


def test_a_reordering_within_a_key_is_caught() -> None:
    acks, seen = clean_history()
    first, second = [i for i, s in enumerate(seen) if s.key == "k2"][:2]  # w2-0, then w2-1
    # Observed the other way round (a reader without offsets, so only the key order can tell).
    seen[first], seen[second] = Seen("k2", "w2-1"), Seen("k2", "w2-0")
    verdict = check_history(acks, seen)
    assert not verdict.ok
    assert verdict.reordered == [("w2-1", "w2-0")]
    assert not verdict.lost and not verdict.duplicated


def test_a_reordering_within_a_partition_is_caught_even_across_keys() -> None:
    acks, seen = clean_history()
    # k0's first write and k2's first write both went to partition 0: swap their offsets.
    a = next(i for i, s in enumerate(seen) if s.write == "w0-0")
    b = next(i for i, s in enumerate(seen) if s.write == "w2-0")
    seen[a], seen[b] = (
        Seen(seen[a].key, seen[a].write, 0, seen[b].offset),
        Seen(seen[b].key, seen[b].write, 0, seen[a].offset),
    )
    verdict = check_history(acks, seen)
    assert verdict.reordered == [("w2-0", "w0-0")]


def test_an_unacknowledged_write_is_reported_but_is_no_failure() -> None:
    acks, seen = clean_history()
    seen.append(Seen("k9", "maybe", 1, 99))
    verdict = check_history(acks, seen)
    assert verdict.ok
    assert verdict.unexpected == ["maybe"]


@given(st.randoms(use_true_random=False), st.integers(1, 6), st.integers(1, 4))
def test_any_interleaving_of_partitions_that_keeps_each_partitions_order_passes(
    rnd: random.Random, keys: int, writes: int
) -> None:
    """Readers see partitions interleaved at random; that alone is never a fault."""
    acks, seen = clean_history(keys, writes)
    queues = {p: [s for s in seen if s.partition == p] for p in (0, 1)}
    interleaved = []
    while any(queues.values()):
        p = rnd.choice([p for p, q in queues.items() if q])
        interleaved.append(queues[p].pop(0))
    assert check_history(acks, interleaved).ok


@given(st.randoms(use_true_random=False), st.sampled_from(["lose", "duplicate", "swap"]))
def test_every_planted_fault_is_caught(rnd: random.Random, fault: str) -> None:
    acks, seen = clean_history(4, 3)
    i = rnd.randrange(len(seen))
    if fault == "lose":
        del seen[i]
    elif fault == "duplicate":
        seen.insert(rnd.randrange(len(seen) + 1), seen[i])
    else:  # swap two writes of one key (what they were observed as, and where)
        same = [j for j, s in enumerate(seen) if s.key == seen[i].key and j != i]
        j = rnd.choice(same)
        seen[i], seen[j] = seen[j], seen[i]
    assert not check_history(acks, seen).ok
