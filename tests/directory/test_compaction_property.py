"""issue 10: why `complaints.directory.events` may be compacted, as a property. For any history of
directory changes, what the log cleaner leaves — each entity's latest record, in offset order within each
partition — read in any interleaving of the partitions, leaves every reader (an HTTP app's live keys and
the key file's withdrawn ones, the notifier's staff and offices, intake's regions, the projection's units,
the SLA's latest zone of an office) where the whole history, in the order the directory published it,
leaves it. It holds because each event is its entity's whole state, every reader keeps the latest per
entity, and no two entities share a key (nor two key entities a hash: the directory refuses it)."""

from __future__ import annotations

import random
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.directory_catchup import change, entity_names, key_hash
from shared.contracts.directory import DirectoryEvent
from shared.contracts.wire import WireMessage
from tests.directory.directory_readers import Readers

ENTITIES = 24
PARTITIONS = 6


def compacted(events: list[DirectoryEvent]) -> list[list[DirectoryEvent]]:
    """What the cleaner leaves, per partition (the producer's partition of each key), in offset order."""
    last = {event.key: n for n, event in enumerate(events)}
    partitions: list[list[DirectoryEvent]] = [[] for _ in range(PARTITIONS)]
    for n, event in enumerate(events):
        if last[event.key] == n:
            partitions[zlib.crc32(event.key.encode()) % PARTITIONS].append(event)
    return partitions


def interleaved(partitions: list[list[DirectoryEvent]], rng: random.Random) -> list[DirectoryEvent]:
    """One order a reader may see: each partition in order, the partitions' records mixed at random."""
    queues = [list(p) for p in partitions if p]
    order: list[DirectoryEvent] = []
    while queues:
        queue = rng.choice(queues)
        order.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return order


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, ENTITIES - 1), min_size=1, max_size=150), st.integers(0, 2**32), st.integers(0, 2**32))
def test_what_compaction_leaves_leads_every_reader_where_the_full_history_does(
    picks: list[int], values: int, reading: int
) -> None:
    names, draw = entity_names(ENTITIES), random.Random(values)
    versions = dict.fromkeys(names, 0)
    events = []
    for serial, pick in enumerate(picks):
        events.append(change(names[pick], versions[names[pick]], serial, draw))
        versions[names[pick]] += 1
    watched = frozenset(key_hash(i) for i in range(0, ENTITIES, 2))  # keys the file lists too
    full, after = Readers(watched, ENTITIES), Readers(watched, ENTITIES)
    for event in events:
        full.apply(event)
    kept = interleaved(compacted(events), random.Random(reading))
    for event in kept:
        after.apply(event)
    assert len(kept) == len({e.key for e in events})
    assert after.state() == full.state()


def test_a_record_without_a_value_is_nobodys_and_changes_no_reader() -> None:
    """The directory never deletes (an office closes, a person leaves, a key is revoked: each a state), so
    it writes no tombstone; a record with no value on the topic is not the directory's: refused, counted."""
    from shared.bus.authors import AuthorCheck
    from shared.directory_keys import DirectoryFeed
    from shared.signing import ServiceSigningKeys
    from tests.fixtures.signing import SIGNERS

    applied: list[DirectoryEvent] = []
    authors = AuthorCheck(ServiceSigningKeys([signer.record for signer in SIGNERS.values()]))
    feed = DirectoryFeed("127.0.0.1:1", applied.append, None, authors)  # never started: no broker needed
    feed._apply(WireMessage(b"key:00000000-0000-0000-0000-000000000001", b"", []))
    assert applied == [] and feed.refused == 1
