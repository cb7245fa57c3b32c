"""The worker on the real broker never stops on bad input: a registration sealed under a person its
keyring does not know, and bytes that are no event, between two good registrations on one partition.
Both good ones are mailed, the bad ones are dead letters with their reasons, the worker lives on."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from uuid import uuid4

import pytest

from shared.bus import kafka
from shared.contracts import DeadLetter
from shared.contracts.topics import DEAD_LETTERS, INTAKE_EVENTS
from shared.contracts.wire import WireMessage, encode
from shared.keyring import Keyring, KeyringSettings
from tests.kafka_support import keyed_by, read_topic
from tests.support import as_author

from .support import SmtpSink, registered
from .test_updates_kafka import keyring_worker

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


async def _publish_to_one_partition(servers: str, records: list[tuple[bytes, bytes, list]]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for key, value, headers in records:
            await producer.send(INTAKE_EVENTS.name, value, key=key, headers=headers, partition=0)
        await producer.flush()
    finally:
        await producer.stop()


def _signed(event: object) -> tuple[bytes, bytes, list]:
    wire = as_author(
        INTAKE_EVENTS.name,
        encode(event, key=str(event.complaint_id), source="test", event_id=str(event.event_id)),  # type: ignore[attr-defined]
    )
    return wire.key or b"", wire.value, list(wire.headers)


def _garbage(key: bytes) -> tuple[bytes, bytes, list]:
    """Bytes that are no event, signed as intake signs (so it is the decoding that refuses them)."""
    wire = as_author(INTAKE_EVENTS.name, WireMessage(key=key, value=b"\xff not an event", headers=[]))
    return key, wire.value, list(wire.headers)


async def test_a_record_of_an_unknown_person_is_a_dead_letter_and_the_worker_goes_on(
    kafka_bootstrap: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    ours = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "ours.sqlite"))
    theirs = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "theirs.sqlite"))
    worker = keyring_worker(kafka_bootstrap, smtp, tmp_path, tmp_path / "ours.sqlite")
    first = registered("first@mail.test", keyring=ours, name="First Person")
    stranger = registered("stranger@mail.test", keyring=theirs, name="Stranger")  # sealed elsewhere
    garbage_key = f"garbage-{uuid4()}".encode()
    second = registered("second@mail.test", keyring=ours, name="Second Person")
    worker.start()
    try:
        await _publish_to_one_partition(
            kafka_bootstrap,
            [_signed(first), _signed(stranger), _garbage(garbage_key), _signed(second)],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(smtp.messages) < 2:
            await asyncio.sleep(0.1)
        assert sorted(str(m["To"]) for m in smtp.messages) == [
            "First Person <first@mail.test>",
            "Second Person <second@mail.test>",
        ], (tmp_path / "w.log").read_text()[-3000:]

        keys = {str(stranger.complaint_id), garbage_key.decode()}
        records = await read_topic(kafka_bootstrap, DEAD_LETTERS.name, keep=keyed_by(keys), expect=2, timeout=20)
        letters = {record.key.decode(): DeadLetter.model_validate_json(record.value) for record in records}
        unknown = letters[str(stranger.complaint_id)]
        assert unknown.error.startswith("Unprocessable: UnknownPerson: no data key and no erasure of person")
        assert (unknown.origin_topic, unknown.origin_partition) == (INTAKE_EVENTS.name, 0)
        assert unknown.value is None  # intake's topic carries personal data: the value is withheld
        assert letters[garbage_key.decode()].error.startswith("MalformedMessage")
        await asyncio.sleep(5)  # a reconciler round (every 3 s) re-reads them: no second letter
        again = await read_topic(kafka_bootstrap, DEAD_LETTERS.name, keep=keyed_by(keys), timeout=3)
        assert len([r for r in again if r.key == str(stranger.complaint_id).encode()]) == 1

        assert worker.process is not None and worker.process.poll() is None  # alive
        log = (tmp_path / "w.log").read_text()
        assert "exiting to have it redelivered" not in log
        assert "stranger@mail.test" not in log and "first@mail.test" not in log
    finally:
        worker.stop()
