"""The development SMS gateway `make up` runs (entrypoints/sms_sink.py), a real HTTP server: it takes a
signed text as the worker sends it, records it once by its idempotency key, and refuses an unsigned one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from services.notifier.domain import messages, sms
from services.notifier.entrypoints import sms_sink

SECRET = "the-development-gateway-secret"


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    out = tmp_path / "notifier" / "sms.jsonl"
    server = sms_sink.server("127.0.0.1", 0, sms_sink.Outbox(out), SECRET)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms", out
    finally:
        server.shutdown()
        server.server_close()


def test_a_signed_text_is_recorded_once_and_an_unsigned_one_refused(sink: tuple[str, Path]) -> None:
    url, out = sink
    refs = {"en": "R-1 (office-a no. 1)", "zh-Hant": "R-1（office-a 第 1 號）", "zh-Hans": "R-1（office-a 第 1 号）"}  # noqa: RUF001
    text = sms.receipt_sms(uuid4(), refs, "zh-Hant", "+85291234567", status_url="https://desk.test/status/x")
    body = sms.request_body(text)
    signed = {messages.SIGNATURE_HEADER: messages.signature(SECRET, body), "Content-Type": "application/json"}
    first = httpx.post(url, content=body, headers=signed)
    again = httpx.post(url, content=body, headers=signed)  # a redelivery
    assert (first.status_code, first.json()["status"]) == (200, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    forged = httpx.post(url, content=body.replace(b"+852", b"+853"), headers=signed)
    assert forged.status_code == 401
    assert (
        httpx.post(
            url, content=b"{}", headers={messages.SIGNATURE_HEADER: messages.signature(SECRET, b"{}")}
        ).status_code
        == 400
    )
    [line] = out.read_text().splitlines()
    kept = json.loads(line)
    assert kept["to"] == "+85291234567" and kept["text"] == text.text and kept["segments"] == text.segments.count
    assert kept["idempotency_key"] == str(text.idempotency_key) and "received_at" in kept
    restarted = sms_sink.Outbox(out)  # a restarted sink still knows what it received
    assert not restarted.keep({**kept})
