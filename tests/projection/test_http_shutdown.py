"""The projection's HTTP app stops only after its own threads have: a refresh of the read side under way
when the app stops ends before the store may close. A cancelled `asyncio.to_thread` left its thread
running, and the store closed under it crashed the whole test process (a segfault in SQLite, met in a
later test's set-up)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from tests.support import write_keys


def test_a_refresh_under_way_when_the_app_stops_ends_before_the_store_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ProjectionSettings(
        store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json", index_poll_seconds=0.01
    )
    write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    real_refresh, real_close = app.refresh, app.close
    under_way = threading.Event()
    order: list[str] = []

    def slow_refresh(*, wait: bool = True) -> int:
        under_way.set()
        time.sleep(0.5)  # the app is told to stop meanwhile
        order.append("refresh ended")
        return real_refresh(wait=wait)

    def close() -> None:
        order.append("store closed")
        real_close()

    app.refresh = slow_refresh  # type: ignore[method-assign]
    app.close = close  # type: ignore[method-assign]
    monkeypatch.setattr(bootstrap, "application", lambda _settings: app)  # the app opens (and closes) its own
    with TestClient(create_app(settings)):
        assert under_way.wait(10), "the store follower never refreshed"
    assert "store closed" in order and order[-1] == "store closed", order
