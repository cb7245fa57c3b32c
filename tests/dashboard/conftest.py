"""Fixtures for the dashboard's browser tests: the Debian Chromium (installed by deploy/chromium/ensure.sh),
the projection's API with the page mounted served by uvicorn in a thread, and a Selenium driver.

The projection is filled by calling its consumer handler directly with contract events (the projection
team's `tests.projection.support.feed` and `scenario.build`), so no broker is needed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from services.projection import bootstrap
from services.projection.application import ProjectionApplication
from services.projection.dashboard import mount
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import Scenario, build
from tests.projection.support import feed
from tests.support import write_keys

ROOT = Path(__file__).resolve().parents[2]
ENSURE = ROOT / "deploy" / "chromium" / "ensure.sh"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium binary; installed with apt-get when missing. On a machine where that cannot work
    (not root, or no apt-get) the browser tests are skipped with the reason; anywhere else a failed
    install fails the tests, so CI (fresh Debian, root) always runs them."""
    run = subprocess.run(["bash", str(ENSURE)], capture_output=True, text=True, timeout=900, check=False)
    if run.returncode != 0:
        cannot_install = os.geteuid() != 0 or shutil.which("apt-get") is None
        message = f"deploy/chromium/ensure.sh failed ({run.returncode}): {run.stderr.strip()[-2000:]}"
        if cannot_install:
            pytest.skip(f"headless Chromium is not installed and cannot be here (needs root + apt): {message}")
        pytest.fail(message)
    return run.stdout.strip().splitlines()[-1]


@dataclass
class Dashboard:
    """The running projection API with the page mounted, and what it was filled with."""

    base_url: str
    keys: dict[str, str]
    scenario: Scenario
    app: ProjectionApplication

    def api(self, path: str, actor: str, **params: object) -> httpx.Response:
        return httpx.get(
            f"{self.base_url}{path}",
            params={k: v for k, v in params.items() if v is not None},
            headers={"X-Office-Key": self.keys[actor]},
            timeout=10,
        )

    def json(self, path: str, actor: str, **params: object) -> dict:
        answer = self.api(path, actor, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    folder = tmp_path_factory.mktemp("dashboard")
    settings = ProjectionSettings(
        store="sqlite", state_dir=folder, keys_file=folder / "keys.json", index_poll_seconds=0.2
    )
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    # Unique references per module run: the store is fresh, but ids stay distinct from other tests.
    scenario = build(f"dash{os.getpid()}", offices=("hk-central", "kln-east"), per_office=24, seed=5)
    feed(app, scenario.events())
    api = create_app(settings, app_instance=app, clock=lambda: scenario.now)
    mount(api)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(api, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="dashboard-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the projection API did not start under uvicorn")
        time.sleep(0.05)
    try:
        yield Dashboard(base_url=f"http://127.0.0.1:{port}", keys=keys, scenario=scenario, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        app.close()


@pytest.fixture(scope="module")
def chromium_driver(chromium_path: str) -> Iterator[object]:
    # Imported here so that a machine without the test extra still collects the other tests.
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="dashboard-chromium-")
    options = Options()
    options.binary_location = chromium_path
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager is never asked, so nothing is downloaded.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(chromium_driver: Any, dashboard: Dashboard) -> Iterator[Any]:
    """The driver for one test; afterwards the page is left, closing its live stream, so the server
    never waits on an open connection when it stops."""
    yield chromium_driver
    chromium_driver.get("about:blank")
