"""On the real broker, the worker a process of its own: a complainant registered as reading
Simplified Chinese gets their receipt in Simplified Chinese only, with the status page in it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from shared.contracts.topics import INTAKE_EVENTS
from shared.keyring import Keyring, KeyringSettings
from shared.status_link import status_link

from .support import SmtpSink, registered, shown_subject
from .test_language import TRADITIONAL_ONLY
from .test_updates_kafka import DESK, SECRET, keyring_worker
from .test_worker_kafka import publish

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


async def test_a_zh_hans_complainants_receipt_is_in_simplified_chinese_only(
    kafka_bootstrap: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    keyring = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"))
    worker = keyring_worker(kafka_bootstrap, smtp, tmp_path, tmp_path / "keyring.sqlite")
    event = registered("li.xiaoming@mail.test", keyring=keyring, name="李小明", language="zh-Hans")
    worker.start()
    try:
        await publish(kafka_bootstrap, [event], topic=INTAKE_EVENTS.name)  # type: ignore[list-item]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not smtp.messages:
            await asyncio.sleep(0.1)
        assert smtp.messages, (tmp_path / "w.log").read_text()[-3000:]
        [receipt] = smtp.messages
        subject = shown_subject(receipt)
        text = receipt.get_payload(decode=True).decode()
        assert subject.startswith("您的投诉已登记") and "投诉已经登记" in text and "编号" in text
        assert receipt["Content-Language"] == "zh-Hans"
        assert not any(word in subject + text for word in TRADITIONAL_ONLY)
        assert "Dear" not in text and "complaint" not in (subject + text).lower()
        assert status_link(DESK, event.complaint_id, SECRET, "zh-Hans") in text
    finally:
        worker.stop()
