"""The privacy officer in headless Chromium, in both Chinese languages, on the real intake (its HTTP app
under uvicorn, its own SQLite store and keyring; no broker is needed to register, find or erase): a
complainant is registered in the test, the officer signs in with the group's privacy key and lands on
the privacy page, finds the person by what they gave, erases them with a reason after typing the person
id again, and sees who, when and why. Intake then knows nobody by those facts any more."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.desk.adapters.services import Services
from services.desk.entrypoints.http import create_app as desk_http
from services.desk.settings import DeskSettings
from services.intake import bootstrap as intake_boot
from services.intake.entrypoints.http import create_app as intake_http
from services.intake.settings import IntakeSettings
from shared.keyring import KeyringSettings
from tests.desk.conftest import screenshot
from tests.desk.system import serve
from tests.fixtures.ports import free_port
from tests.support import form, write_keys

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WORDS = {
    "zh-Hant": {"nav": "私隱", "note": "再次刪除同一人不會造成影響"},
    "zh-Hans": {"nav": "隐私", "note": "再次删除同一人不会造成影响"},
}


def by(driver: Any, testid: str) -> Any:
    return driver.find_element("css selector", f'[data-testid="{testid}"]')


def shown(driver: Any, testid: str) -> Any:
    """An element of the page that answers a form, once that page is there."""
    deadline = time.monotonic() + 30
    while True:
        found = driver.find_elements("css selector", f'[data-testid="{testid}"]')
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no {testid}: {driver.find_element('css selector', 'body').text[:500]}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, str]]]:
    folder: Path = tmp_path_factory.mktemp("desk-privacy")
    keys = write_keys(folder / "keys.json")
    settings = IntakeSettings(store="sqlite", state_dir=folder / "intake", keys_file=folder / "keys.json",
                              keyring=KeyringSettings(sqlite_path=folder / "keyring.sqlite"))  # fmt: skip
    app = intake_boot.application(settings)
    intake = serve(intake_http(settings, app), "intake")
    # No projection: the complaints naming the person "cannot be said now". A port nobody listens on, not
    # the default (a `make up` on this machine answers there, with other keys: 401, a sign-in again).
    nowhere = f"http://127.0.0.1:{free_port()}"
    desk_settings = DeskSettings(keys_file=folder / "keys.json", intake_url=intake.url, projection_url=nowhere)
    desk = serve(desk_http(desk_settings, Services(desk_settings)), "desk")
    try:
        yield desk.url, intake.url, keys
    finally:
        for one in (desk, intake):
            one.server.should_exit = True
            one.thread.join(timeout=15)
        app.close()


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_a_privacy_officer_finds_and_erases_a_person_on_the_desk(chromium_driver: Any, served: Any, lang: str) -> None:
    desk, intake, keys = served
    person = {"name": f"Ho Siu Wai {lang}", "contact": f"+852 5{len(lang)}00 12{len(lang)}4",
              "unit_address": f"Flat 9D, Block 2 ({lang})"}  # fmt: skip
    registered = form(f"PV-{lang}", complainant={"name": person["name"], "contact": person["contact"]},
                      unit_address=person["unit_address"])  # fmt: skip
    answer = httpx.post(f"{intake}/complaints", json=registered, headers={"X-Office-Key": keys["hk-central/reception"]})
    assert answer.status_code == 201, answer.text

    driver = chromium_driver
    driver.delete_all_cookies()
    driver.get(f"{desk}/sign-in?lang={lang}")
    by(driver, "key").send_keys(keys["group/privacy"])
    by(driver, "sign-in").click()
    shown(driver, "lookup-form")
    assert driver.current_url.endswith("/privacy")  # the privacy officer's first (and only) page
    assert [a.text for a in driver.find_elements("css selector", "header nav a")] == [WORDS[lang]["nav"]]

    by(driver, "p-name").send_keys(person["name"])
    by(driver, "p-contact").send_keys(person["contact"])
    by(driver, "p-unit").send_keys(person["unit_address"])
    by(driver, "lookup").click()
    person_id = shown(driver, "person-id").text
    assert len(person_id) == 36

    by(driver, "p-reason").send_keys(f"DSR-2026-{lang}")
    by(driver, "p-confirm").send_keys(person_id)
    by(driver, "erase").click()
    assert shown(driver, "erased-person").text == person_id
    assert by(driver, "erased-reason").text == f"DSR-2026-{lang}"
    assert by(driver, "erased-by").text == "group/privacy"
    assert by(driver, "erased-at").text not in ("", "—")
    assert WORDS[lang]["note"] in by(driver, "erased-note").text
    screenshot(driver, f"privacy-{lang}")  # /tmp/desk-privacy-<lang>.png: what the officer saw

    found = httpx.post(f"{intake}/privacy/persons/lookup", json=person, headers={"X-Office-Key": keys["group/privacy"]})
    assert found.status_code == 404, found.text  # erased: intake knows nobody by these any more
