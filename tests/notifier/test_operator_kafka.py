"""The notifier's failed deliveries through the operator's CLI, on the real broker with the worker as a
process of its own: webhooks given up on are listed with who, why, when and how many attempts;
one is dismissed with who and why; the others are retried all at once once the gateway is back, each
sent once by the worker that owns it; the history keeps every decision. Records on the operator topic
the notifier did not sign — a retry of the dismissed one, unsigned or signed with another service's key,
a dismissal of an open one — are refused by the worker and the CLI alike: nothing is sent for them,
nothing is hidden by them, and `list` shows them."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from services.notifier.adapters.operator_log import read_failures
from services.notifier.domain import messages
from services.notifier.domain.failures import Dismissed, FailedDelivery, RetryRequested, write_record
from services.notifier.entrypoints import operator
from services.notifier.settings import NotifierSettings
from shared.bus import kafka
from shared.bus.authors import AuthorCheck, signed
from shared.clock import utc_now
from shared.contracts.topics import NOTIFIER_OPERATOR
from shared.contracts.wire import WireMessage
from tests.fixtures.signing import SIGNERS

from .support import HookReceiver, SmtpSink, directory, major, write_directory
from .test_worker_kafka import WorkerProcess, publish, wait_for_mail

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


async def _until(servers: str, app_id: str, done: Any, timeout: float, log: Path) -> list[FailedDelivery]:
    deadline = time.monotonic() + timeout
    while True:
        failures = await read_failures(servers, app_id, AuthorCheck.from_settings(NotifierSettings()))
        if done(failures):
            return failures
        assert time.monotonic() < deadline, f"{[(f.id, f.status) for f in failures]}\n{log.read_text()[-3000:]}"
        await asyncio.sleep(0.5)


async def test_failed_deliveries_are_listed_dismissed_and_retried_once_through_the_cli(
    kafka_bootstrap: str,
    smtp: SmtpSink,
    hooks: HookReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks.failing.add("/sms")  # every leader-1's SMS gateway answers 500
    app_id = f"notifier-{uuid4().hex[:8]}"
    logs = tmp_path / "w.log"
    worker = WorkerProcess(kafka_bootstrap, app_id, write_directory(tmp_path / "d.json", directory(hooks)), smtp, logs)
    worker.start()
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("NOTIFIER_APP_ID", app_id)
    runner = CliRunner()

    async def cli(*args: str) -> Any:  # the CLI runs its own event loop: in a thread of its own
        return await asyncio.to_thread(runner.invoke, operator.cli, list(args))

    try:
        events = [major(office, roles=("leader",)) for office in ("office-a", "office-b", "office-a")]
        await publish(kafka_bootstrap, events)
        assert len(await wait_for_mail(smtp, 6, timeout=40)) == 6, logs.read_text()[-3000:]  # the emails go
        failures = await _until(kafka_bootstrap, app_id, lambda f: len(f) == 3, 40, logs)
        ids = {f.letter.key: str(f.id) for f in failures}
        first, second, third = (ids[str(e.complaint_id)] for e in events)
        assert first == str(messages.delivery_id(events[0].event_id, "office-a/leader-1", "webhook"))

        listed = await cli("list")
        assert listed.exit_code == 0, listed.output
        row = next(line for line in listed.output.splitlines() if line.startswith(first))
        assert "\topen\tstaff notification\t" in row and "1 failure(s), 3 attempt(s)" in row
        assert "DeliveryFailed: webhook to staff 'office-a/leader-1' (leader): HTTP 500" in row

        dismissed = await cli("dismiss", third, "--by", "ops/alice", "--reason", "leader told by phone")
        assert dismissed.exit_code == 0, dismissed.output
        again = await cli("dismiss", third, "--by", "ops/bob", "--reason", "me too")
        assert again.exit_code == 2 and "already dismissed by ops/alice" in again.output
        unknown = await cli("retry", str(uuid4()), "--by", "ops/bob", "--reason", "x")
        assert unknown.exit_code == 2 and "no failed delivery" in unknown.output

        hooks.failing.discard("/sms")  # the gateway is back
        before = {e.event_id: _hooked(hooks, e.event_id) for e in events}
        # Someone who can write the topic, but holds no notifier key: a retry of the dismissed one (unsigned,
        # then signed as intake), a dismissal of an open one. The worker must do nothing for either.
        dismissed_one = next(f for f in failures if str(f.id) == third)
        letter = dismissed_one.letter
        forged = RetryRequested(
            letter_id=dismissed_one.id, request_id=uuid4(), origin_topic=letter.origin_topic,
            origin_partition=letter.origin_partition, origin_offset=letter.origin_offset, by="mallory",
            reason="resend it", at=utc_now(),
        )  # fmt: skip
        hidden = Dismissed(letter_id=uuid.UUID(first), by="mallory", reason="hide it", at=utc_now())
        unsigned = WireMessage(third.encode(), write_record(forged), [])
        as_intake = signed(SIGNERS["intake"], NOTIFIER_OPERATOR.name, unsigned)
        hiding = WireMessage(first.encode(), write_record(hidden), [])
        partitions = {first: next(f for f in failures if str(f.id) == first).letter.origin_partition}
        await _write(kafka_bootstrap, [(unsigned, letter.origin_partition), (as_intake, letter.origin_partition),
                                       (hiding, partitions[first])])  # fmt: skip
        asked = await cli("retry", "--all-open", "--by", "ops/alice", "--reason", "SMS gateway restored")
        assert asked.exit_code == 0, asked.output
        assert first in asked.output and second in asked.output and third not in asked.output
        done = await _until(kafka_bootstrap, app_id, lambda fs: all(f.status != "retry pending" for f in fs), 40, logs)
        assert {str(f.id): f.status for f in done} == {
            first: "sent on retry",
            second: "sent on retry",
            third: "dismissed",
        }
        await asyncio.sleep(4)  # the reconciler's next rounds (every 3 s) re-read the requests: no repeat
        after = {e.event_id: _hooked(hooks, e.event_id) for e in events}
        assert [after[e.event_id] - before[e.event_id] for e in events] == [1, 1, 0]

        listed = (await cli("list")).output
        assert "need attention" in listed  # nothing left
        assert "refused: 3 operator record(s) the notifier did not sign (never acted on)" in listed, listed
        assert "unsigned record on complaints.notifier.operator" in listed
        assert "signed by intake" in listed and "'mallory'" in listed
        shown_third = (await cli("show", third)).output
        assert '"refused": [' in shown_third and "retry-requested" in shown_third and "mallory" in shown_third
        assert '"dismissal": {' in shown_third and '"by": "ops/alice"' in shown_third  # still the signed one
        assert "nothing done" in logs.read_text()  # the worker said it refused them
        history = (await cli("list", "--all")).output
        assert "leader told by phone" in history and history.count("sent on retry") == 2
        assert history.count("unsigned operator record(s) refused") == 2  # the retried first, the dismissed third
        refused = await cli("retry", first, "--by", "ops/bob", "--reason", "again")
        assert refused.exit_code == 2 and "sent on a retry already" in refused.output
        shown = (await cli("show", first)).output
        assert '"outcome": "sent"' in shown and '"by": "ops/alice"' in shown
        assert "Traceback" not in logs.read_text()
    finally:
        worker.stop()


async def _write(servers: str, records: list[tuple[WireMessage, int]]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for wire, partition in records:
            await producer.send_and_wait(
                NOTIFIER_OPERATOR.name, wire.value, key=wire.key, partition=partition, headers=wire.headers
            )
    finally:
        await producer.stop()


def _hooked(hooks: HookReceiver, notification_id: object) -> int:
    return len([r for r in hooks.to("/sms") if str(notification_id).encode() in r[2]])
