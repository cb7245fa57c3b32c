"""The notifier's failed deliveries through the operator's CLI, on the real broker with the worker as a
process of its own: webhooks given up on are listed with who, why, when and how many attempts;
one is dismissed with who and why; the others are retried all at once once the gateway is back, each
sent once by the worker that owns it; the history keeps every decision."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from services.notifier.adapters.operator_log import read_failures
from services.notifier.domain import messages
from services.notifier.domain.failures import FailedDelivery
from services.notifier.entrypoints import operator

from .support import HookReceiver, SmtpSink, directory, major, write_directory
from .test_worker_kafka import WorkerProcess, publish, wait_for_mail

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


async def _until(servers: str, app_id: str, done: Any, timeout: float, log: Path) -> list[FailedDelivery]:
    deadline = time.monotonic() + timeout
    while True:
        failures = await read_failures(servers, app_id)
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

        assert "need attention" in (await cli("list")).output  # nothing left
        history = (await cli("list", "--all")).output
        assert "leader told by phone" in history and history.count("sent on retry") == 2
        refused = await cli("retry", first, "--by", "ops/bob", "--reason", "again")
        assert refused.exit_code == 2 and "sent on a retry already" in refused.output
        shown = (await cli("show", first)).output
        assert '"outcome": "sent"' in shown and '"by": "ops/alice"' in shown
        assert "Traceback" not in logs.read_text()
    finally:
        worker.stop()


def _hooked(hooks: HookReceiver, notification_id: object) -> int:
    return len([r for r in hooks.to("/sms") if str(notification_id).encode() in r[2]])
