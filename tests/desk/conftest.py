"""The desk's fixtures: the whole system on the real broker (tests/desk/system.py), a person at the desk
over plain HTTP (cookies kept, forms posted with their CSRF token), and headless Chromium (the dashboard
tests' Debian Chromium and chromedriver, deploy/chromium/ensure.sh)."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.dashboard.conftest import CHROMEDRIVER, CHROMIUM_FLAGS, chromium_path  # noqa: F401 (a fixture)
from tests.desk.system import System, running_system

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with running_system(kafka_bootstrap, tmp_path_factory.mktemp("desk-system")) as running:
        yield running


class Person:
    """Someone at the desk with a browser that does not run scripts: what every page must work for."""

    def __init__(self, system: System, actor: str, lang: str = "en") -> None:
        self.system = system
        self.actor = actor
        self.client = httpx.Client(base_url=system.desk_url, timeout=30, follow_redirects=True)
        self.client.cookies.set("desk_lang", lang)
        signed = self.client.post("/sign-in", data={"key": system.key(actor), "next": "/queue"})
        assert signed.status_code == 200 and "/queue" in str(signed.url), signed.text[:500]

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def post(self, path: str, data: dict[str, str], page: str | None = None) -> httpx.Response:
        """Post a form the way the page does: with the CSRF token the page carries."""
        source = self.client.get(page or path.rsplit("/", 1)[0])
        token = CSRF.search(source.text)
        return self.client.post(path, data={**data, "csrf": token[1] if token else ""})

    def close(self) -> None:
        self.client.close()


def registration(reference: str, **overrides: str) -> dict[str, str]:
    """The registration form as a receptionist fills it in (datetime-local values, the offices' zone)."""
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Hong_Kong")).strftime("%Y-%m-%dT%H:%M")
    base = {
        "office_reference": reference,
        "name": "Chan Tai Man",
        "contact": "+852 9123 4567",
        "unit_address": "Block 3, 12/F, Flat B, Harbour View Gardens",
        "channel": "phone",
        "occurred_at": local,
        "received_at": local,
        "object": "Lift 2, Block 3",
        "description": "The lift stopped between floors with two residents inside for 20 minutes.",
        "customer_request": "Repair the lift and explain why the alarm went unanswered.",
        "received_by": "Amy Wong (reception)",
    }
    return base | overrides


@pytest.fixture(scope="module")
def chromium_driver(chromium_path: str) -> Iterator[Any]:  # noqa: F811
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="desk-chromium-")
    options = Options()
    options.binary_location = chromium_path
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: Any, name: str) -> Path:
    path = Path("/tmp") / f"desk-{name}.png"
    driver.save_screenshot(str(path))
    return path
