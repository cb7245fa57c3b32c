"""A relay's start finds its committed position from the end of the positions topic: behind
thousands of other relays' records (a busy year of small batches, before the log cleaner compacts
the active segment), its own last record is still the one it starts after."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.intake import bootstrap as intake_bootstrap
from shared.bus import kafka
from shared.bus.authors import signed
from shared.contracts import WireMessage
from shared.contracts.topics import RELAY_POSITIONS
from tests.bus.relay_support import relayed_registration
from tests.fixtures.signing import SIGNERS

pytestmark = pytest.mark.kafka


async def flood(servers: str, records: list[WireMessage]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        sent = [await producer.send(RELAY_POSITIONS.name, r.value, key=r.key, headers=r.headers) for r in records]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def test_a_relay_starts_after_its_own_last_position_behind_thousands_of_others(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings, intake, published, own = await relayed_registration(kafka_bootstrap, tmp_path)

    # Older own records first (the relay's earlier batches), then 6,000 of another store's relay,
    # then a forged one of this relay's key signed by another service: none of them is its position.
    older = [signed(SIGNERS["intake"], RELAY_POSITIONS.name, WireMessage(own, str(n).encode(), [])) for n in (1, 2)]
    other = signed(SIGNERS["intake"], RELAY_POSITIONS.name, WireMessage(b"intake/another-store", b"99999", []))
    forged = signed(SIGNERS["triage"], RELAY_POSITIONS.name, WireMessage(own, str(published + 500).encode(), []))
    await flood(kafka_bootstrap, [*older])  # before: the relay's own last record is after these
    again = intake_bootstrap.relay(settings, intake)
    await again.start()
    try:
        assert again.progress.position == 2  # its last own record, wherever it is
    finally:
        await again.stop()
    last = signed(SIGNERS["intake"], RELAY_POSITIONS.name, WireMessage(own, str(published).encode(), []))
    await flood(kafka_bootstrap, [last, *[other] * 6000, forged])
    again = intake_bootstrap.relay(settings, intake)
    await again.start()
    try:
        assert again.progress.position == published
    finally:
        await again.stop()
        intake.close()
