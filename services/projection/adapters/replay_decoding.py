"""The replay's per-record work that needs no store, done in worker processes beside the store's writer.

Each Kafka record is checked for its author's signature (an Ed25519 verification: the largest cost a
record has), decoded into its contract model and made the projection's `Arrival` (canonical JSON and
digest) — the same functions the live consumer runs (`AuthorCheck`, `decode_message`, the handler's
table, `arrival_of`), only in other processes: the writer (the store, the chain) takes the arrivals in
each partition's order while the workers already decode the next batch. A record any of them refuses
is None: the live consumer dead-lettered it and the projection never used it.

Without worker processes (a machine of two cores) the batch is still split over `THREADS` threads of this
process: the signature check runs in libsodium outside Python's lock, so two threads verify at once
beside the writer's thread, where one thread left the writer waiting for its decoding.

Processes are started with `spawn` (the replay's own process runs threads and an event loop, which
`fork` would copy mid-flight) and receive the public signing keys once, when they start.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from shared.bus.authors import AuthorCheck, decode_checked
from shared.contracts import WireMessage

from .inbound import Arrival, ProjectionHandler, arrival_of

# (topic, key, value, headers) of one Kafka record: what a worker needs of it, cheap to send.
RawRecord = tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]
CHUNK = 500  # records per task sent to a worker: the workers share a batch, the writer starts early
THREADS = 2  # threads decoding a batch when there are no worker processes (see the module's docstring)


def raw(record: Any) -> RawRecord:
    return (record.topic, record.key, record.value or b"", list(record.headers))


def arrivals(authors: AuthorCheck | None, records: Sequence[RawRecord]) -> list[Arrival | None]:
    """Each record's arrival, or None where the live consumer refused it: its author did not sign it,
    it does not decode (`MalformedMessage`, or any error decoding it: `TrackedConsumer._decode`), or
    its type is none the projection's handler accepts (`UNHANDLED = "reject"`)."""
    found: list[Arrival | None] = []
    for topic, key, value, headers in records:
        try:
            message = decode_checked(authors, topic, WireMessage(key=key, value=value, headers=headers))
            found.append(arrival_of(message) if type(message) in ProjectionHandler.HANDLERS else None)  # type: ignore[arg-type]
        except Exception:
            found.append(None)
    return found


_worker_authors: AuthorCheck | None = None


def _start_worker(authors: AuthorCheck | None) -> None:
    global _worker_authors
    _worker_authors = authors


def _arrivals_in_worker(records: Sequence[RawRecord]) -> list[Arrival | None]:
    return arrivals(_worker_authors, records)


def default_workers() -> int:
    """None on a machine of two cores or fewer: measured on a shared two-core machine, a worker's
    start (its imports, ~1.5 CPU seconds) and the cores' other load cost more than it saved. With
    more cores, all but two decode (one for the writer, one for the broker client and the rest)."""
    return max(0, (os.cpu_count() or 1) - 2)


class Decoding:
    """`arrivals` of a batch, in `workers` processes (0: in this process, on `THREADS` threads)."""

    def __init__(self, authors: AuthorCheck | None, workers: int) -> None:
        self.authors = authors
        self.workers = workers
        self.pool = (
            ProcessPoolExecutor(
                workers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(authors,)
            )
            if workers > 0
            else None
        )

    async def decode(self, records: Sequence[Any]) -> list[Arrival | None]:
        raws = [raw(r) for r in records]
        if self.pool is None:
            share = -(-len(raws) // THREADS) or 1  # each thread an equal, contiguous share: order kept
            parts = [raws[i : i + share] for i in range(0, len(raws), share)]
            done = await asyncio.gather(*(asyncio.to_thread(arrivals, self.authors, part) for part in parts))
            return [arrival for part in done for arrival in part]
        loop = asyncio.get_running_loop()
        chunks = [raws[i : i + CHUNK] for i in range(0, len(raws), CHUNK)]
        futures = [loop.run_in_executor(self.pool, _arrivals_in_worker, chunk) for chunk in chunks]
        return [arrival for future in futures for arrival in await future]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
