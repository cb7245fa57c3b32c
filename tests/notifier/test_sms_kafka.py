"""Texts to a complainant reached by phone on the real broker, the worker a process of its own and a
real HTTP server (started here) as the SMS gateway: the receipt and each update once, signed, in E.164,
in the complainant's language with the status link; a redelivered update (the same record published
again, and the reconciler's re-readings) texts nobody twice; a failing gateway is retried, given up on
(a dead letter the operator's CLI lists) and sent once when the operator retries it; no number in the log."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from services.notifier.adapters.operator_log import read_failures
from services.notifier.domain import messages, sms, updates
from services.notifier.entrypoints import operator
from services.notifier.settings import NotifierSettings
from shared.bus.authors import AuthorCheck
from shared.contracts.topics import FOLLOWUP_EVENTS, HANDLING_EVENTS, INTAKE_EVENTS
from shared.keyring import Keyring, KeyringSettings
from shared.status_link import status_link

from .support import HookReceiver, SmtpSink, registered
from .test_updates import progress, reply
from .test_updates_kafka import DESK, SECRET, keyring_worker
from .test_worker_kafka import publish

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
GATEWAY_SECRET = "the-sms-gateway-secret-of-the-broker-test"


def _texts(hooks: HookReceiver) -> list[tuple[dict[str, str], bytes, dict[str, Any]]]:
    return [(headers, body, json.loads(body)) for _, headers, body in hooks.to("/texts")]


async def _until(hooks: HookReceiver, count: int, timeout: float) -> list[dict[str, Any]]:
    """The texts the gateway accepted (not those it answered 500), once `count` arrived or `timeout` ran out."""
    deadline = time.monotonic() + timeout
    while True:
        accepted = [body for _, _, body in _texts(hooks) if body["idempotency_key"] not in hooks.refused]
        if len(accepted) >= count or time.monotonic() > deadline:
            return accepted
        await asyncio.sleep(0.1)


class Gateway(HookReceiver):
    """The HTTP receiver, remembering which idempotency keys it answered 500 (while it fails)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()


async def test_a_phone_complainant_is_texted_once_each_and_a_failed_text_is_retried_by_the_operator(
    kafka_bootstrap: str, smtp: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring_path = tmp_path / "keyring.sqlite"
    keyring = Keyring.from_settings(KeyringSettings(sqlite_path=keyring_path))
    with Gateway() as hooks:
        worker = keyring_worker(kafka_bootstrap, smtp, tmp_path, keyring_path)
        worker.env |= {
            "NOTIFIER_SMS_GATEWAY_URL": hooks.url("/texts"),
            "NOTIFIER_SMS_GATEWAY_SECRET": GATEWAY_SECRET,
        }
        logs = tmp_path / "w.log"
        worker.start()
        try:
            chan = registered("9123 4567", keyring=keyring, language="zh-Hant")  # read in HK: no office zone known
            await publish(kafka_bootstrap, [chan], topic=INTAKE_EVENTS.name)  # type: ignore[list-item]
            assert len(await _until(hooks, 1, timeout=60)) == 1, logs.read_text()[-3000:]
            step = progress(chan.complaint_id)
            await publish(kafka_bootstrap, [step], topic=HANDLING_EVENTS.name)  # type: ignore[list-item]
            assert len(await _until(hooks, 2, timeout=20)) == 2
            # a redelivery: the same record again, then another progress (same key and topic: read after it)
            later = progress(chan.complaint_id)
            await publish(kafka_bootstrap, [step, later], topic=HANDLING_EVENTS.name)  # type: ignore[list-item]
            await publish(kafka_bootstrap, [reply(chan.complaint_id)], topic=FOLLOWUP_EVENTS.name)  # type: ignore[list-item]
            assert len(await _until(hooks, 4, timeout=20)) == 4
            await asyncio.sleep(8)  # the reconciler (every 3 s) hands every record again: the ledger skips them
            texts = _texts(hooks)
            kinds = sorted(body["kind"] for _, _, body in texts[2:])  # the two topics' records in either order
            assert [body["kind"] for _, _, body in texts[:2]] == ["receipt", "progress"] and kinds == [
                "progress",
                "reply",
            ]
            assert len({body["idempotency_key"] for _, _, body in texts}) == 4 == len(texts)
            link = status_link(DESK, chan.complaint_id, SECRET, "zh-Hant")
            for headers, raw, body in texts:
                assert messages.signature_valid(GATEWAY_SECRET, raw, headers[messages.SIGNATURE_HEADER])
                assert headers[sms.IDEMPOTENCY_HEADER] == body["idempotency_key"]
                assert body["to"] == "+85291234567" and body["language"] == "zh-Hant" and link in body["text"]
                assert body["encoding"] == "UCS-2" and 1 <= body["segments"] <= sms.DEFAULT_MAX_SEGMENTS
            assert "您的投訴已登記" in texts[0][2]["text"] and "您的投訴有新進展" in texts[1][2]["text"]
            assert smtp.messages == []  # a phone complainant: no mail

            # The gateway fails: the next progress is tried 3 times, then a dead letter the operator sees.
            hooks.failing.add("/texts")
            failing = progress(chan.complaint_id)
            key = str(sms.update_idempotency_key(sms_item(failing)))
            hooks.refused.add(key)
            await publish(kafka_bootstrap, [failing], topic=HANDLING_EVENTS.name)  # type: ignore[list-item]
            app_id = worker.env["NOTIFIER_APP_ID"]
            authors = AuthorCheck.from_settings(NotifierSettings())
            deadline = time.monotonic() + 40
            while not (failures := await read_failures(kafka_bootstrap, app_id, authors)):
                assert time.monotonic() < deadline, logs.read_text()[-3000:]
                await asyncio.sleep(0.5)
            [failure] = failures
            assert str(failure.id) == key and failure.status == "open"
            assert (
                failure.letter.error
                == f"DeliveryFailed: progress sms for complaint {chan.complaint_id}: HTTP 500 from the endpoint"
            )
            attempts = [body for _, _, body in _texts(hooks) if body["idempotency_key"] == key]
            assert len(attempts) == 3  # NOTIFIER_RETRY_ATTEMPTS

            monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
            monkeypatch.setenv("NOTIFIER_APP_ID", app_id)
            runner = CliRunner()
            listed = await asyncio.to_thread(runner.invoke, operator.cli, ["list"])
            row = next(line for line in listed.output.splitlines() if line.startswith(key))
            assert "\topen\tcomplainant's update\t" in row and "progress sms" in row and "9123" not in listed.output

            hooks.failing.discard("/texts")  # the gateway is back
            hooks.refused.discard(key)
            asked = await asyncio.to_thread(
                runner.invoke, operator.cli, ["retry", key, "--by", "ops/alice", "--reason", "SMS gateway restored"]
            )
            assert asked.exit_code == 0, asked.output
            deadline = time.monotonic() + 40
            while (await read_failures(kafka_bootstrap, app_id, authors))[0].status != "sent on retry":
                assert time.monotonic() < deadline, logs.read_text()[-3000:]
                await asyncio.sleep(0.5)
            await asyncio.sleep(4)  # the reconciler's next rounds: nothing more
            sent = [raw for _, raw, body in _texts(hooks) if body["idempotency_key"] == key]
            assert len(sent) == 4 and len(set(sent)) == 1  # 3 failed attempts, 1 sent on retry: the same bytes
            assert len(_texts(hooks)) == 8
            log = logs.read_text()
            assert "9123" not in log and "85291234567" not in log and "Traceback" not in log
            assert "segment(s), UCS-2" in log  # each text's segments are said
        finally:
            worker.stop()


def sms_item(event: Any) -> updates.Update:
    item = updates.update(event)
    assert item is not None
    return item
