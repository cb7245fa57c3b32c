"""A client that goes away ends its Server-Sent Events stream at once.

Before the fix, `/stream?after=0` wrote its whole backlog into the closed connection without once
letting the event loop notice it was closed: every write after the fifth logged asyncio's
"socket.send() raised exception." (817,529 lines in two minutes from a few abandoned streams).
"""

from __future__ import annotations

import gc
import logging
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.projection import bootstrap
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from tests.deploy.support import served
from tests.fixtures.ports import free_port
from tests.projection.scenario import build
from tests.projection.support import feed
from tests.support import write_keys


@pytest.fixture(scope="module")
def projection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, int, str]]:
    folder: Path = tmp_path_factory.mktemp("sse")
    settings = ProjectionSettings(
        store="sqlite", state_dir=folder, keys_file=folder / "keys.json", index_poll_seconds=0.05
    )
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    feed(app, build("sse", offices=("hk-central", "kln-east"), per_office=60, seed=3).events())
    api = create_app(settings, app_instance=app)
    port = free_port()
    with served(api, port):
        yield api, port, keys["group/dashboard"]
    app.close()


def _abandon_stream(port: int, key: str, reset: bool) -> None:
    """Ask for the whole history, read a little of it, and go away (reset: as a killed client does)."""
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(f"GET /stream?after=0 HTTP/1.1\r\nHost: test\r\nX-Office-Key: {key}\r\n\r\n".encode())
    assert client.recv(256).startswith(b"HTTP/1.1 200")
    if reset:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()


def _wait_until_no_streams(api: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while api.state.open_streams and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "closed"])
def test_an_abandoned_stream_ends_at_once_and_logs_nothing(projection, caplog, reset: bool) -> None:
    api, port, key = projection
    caplog.set_level(logging.WARNING)
    gc.disable()  # a stream must end by its own close, not whenever a collection finds its generator
    try:
        for _ in range(5):
            _abandon_stream(port, key, reset)
        _wait_until_no_streams(api, 2.0)
    finally:
        gc.enable()
    assert api.state.open_streams == 0, "a stream goes on after its client went away"
    noise = [r for r in caplog.records if r.name == "asyncio" or r.levelno >= logging.WARNING]
    assert noise == [], f"{len(noise)} log lines, e.g. {noise[0].getMessage()!r}"


def test_a_connected_client_gets_the_whole_history(projection) -> None:
    api, port, key = projection
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(f"GET /stream?after=0&once=true HTTP/1.1\r\nHost: test\r\nX-Office-Key: {key}\r\n\r\n".encode())
    received = b""
    while not received.endswith(b"0\r\n\r\n"):  # the chunked body's end
        data = client.recv(65536)
        if not data:
            break
        received += data
    client.close()
    projection_app = api.state.projection  # type: ignore[attr-defined]
    assert received.count(b"event: office") == len(projection_app.read.changes_since(0, 1_000_000))
