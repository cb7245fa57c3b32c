"""The forms for more time, the waiver and the hotline call record in headless Chromium, in each language,
over stand-in services (the desk under uvicorn; httpx's MockTransport answering as the services do):
a person finds each form, fills it in and sends it, and the owning service receives it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.desk.support import desk_keys, served_desk
from tests.desk.test_pages import CID
from tests.desk.test_time_waiver_hotline_forms import NOW, MoreStand

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TITLES = {
    "en": ("Ask for more time", "Waive the return visit", "Record a hotline call"),
    "zh-Hant": ("申請延長時限", "豁免回訪", "登記熱線來電"),
    "zh-Hans": ("申请延长时限", "豁免回访", "登记热线来电"),
}


def by(driver: Any, testid: str) -> Any:
    return driver.find_element("css selector", f'[data-testid="{testid}"]')


def shown(driver: Any, testid: str) -> str:
    """The text of an element of the page that answers a form, once that page is there (the one the
    form was on may still be in the browser for a moment)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + 20
    while True:
        try:
            return str(by(driver, testid).text)
        except (NoSuchElementException, StaleElementReferenceException):
            assert time.monotonic() < deadline, f"no {testid}: {driver.current_url}"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, MoreStand, dict[str, str]]]:
    folder: Path = tmp_path_factory.mktemp("desk-more-forms")
    keys = desk_keys(folder)
    stand = MoreStand(keys)
    # the stand's clocks are fixed in time: the desk offers more time only on a clock still running at NOW
    with served_desk(folder, keys, stand, clock=lambda: NOW) as url:
        yield url, stand, keys


def sign_in(driver: Any, url: str, key: str, lang: str, lands: str = "/queue") -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/sign-in?lang={lang}")
    by(driver, "key").send_keys(key)
    by(driver, "sign-in").click()
    deadline = time.monotonic() + 20
    while lands not in driver.current_url:
        assert time.monotonic() < deadline, driver.current_url
        time.sleep(0.1)


def send(driver: Any, name: str, values: dict[str, str]) -> None:
    from selenium.webdriver.support.ui import Select

    details = by(driver, f"form-{name}")
    driver.execute_script("arguments[0].open = true", details)
    assert details.find_element("css selector", "summary").text
    for field, value in values.items():
        element = details.find_element("css selector", f'[name="{field}"]')
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        elif element.get_attribute("type") == "datetime-local":
            driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.send_keys(value)
    by(driver, f"submit-{name}").click()
    deadline = time.monotonic() + 20
    while f"done={name}" not in driver.current_url:
        assert time.monotonic() < deadline, f"{name} was not recorded: {driver.current_url}"
        time.sleep(0.1)
    assert shown(driver, "done")


def sent(stand: MoreStand, host: str) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in stand.seen if r.method == "POST" and r.url.host == host]


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_more_time_a_waiver_and_a_hotline_call_through_the_desk(chromium_driver: Any, desk: Any, lang: str) -> None:
    url, stand, keys = desk
    driver = chromium_driver
    stand.seen.clear()
    sign_in(driver, url, keys["hk-central/supervisor"], lang)
    driver.get(f"{url}/complaints/{CID}")
    assert by(driver, "form-extension").find_element("css selector", "summary").text == TITLES[lang][0]
    send(driver, "extension", {"clock": "resolution#0", "until": "2026-11-30T18:00", "reason": f"parts {lang}"})
    assert sent(stand, "sla") == [{"until": "2026-11-30T18:00:00+08:00", "reason": f"parts {lang}"}]
    assert (
        by(driver, "form-waiver").find_element("css selector", "summary").get_attribute("textContent")
        == (TITLES[lang][1])
    )
    send(driver, "waiver", {"reason": f"moved abroad {lang}"})
    assert sent(stand, "followup") == [{"reason": f"moved abroad {lang}"}]

    sign_in(driver, url, keys["group/hotline"], lang, lands="/hotline")  # the hotline's page, not the queue
    assert [a.get_attribute("data-testid") for a in driver.find_elements("css selector", "header nav a")] == [
        "nav-hotline"
    ]
    by(driver, "nav-hotline").click()
    assert driver.find_element("css selector", "h1").text == TITLES[lang][2]
    form = by(driver, "hotline-form")
    call_record = {"office_id": "kln-east", "hotline_reference": f"HL-{lang}", "name": "Lee Ka Yan",
                   "contact": "6000 2222", "unit_address": "Tower 2", "summary": "the lift stopped"}  # fmt: skip
    for name, value in call_record.items():
        form.find_element("css selector", f'[name="{name}"]').send_keys(value)
    by(driver, "submit").click()
    assert f"HL-{lang}" in shown(driver, "done")
    [call] = sent(stand, "intake")
    assert call["hotline_reference"] == f"HL-{lang}" and call["complainant"]["name"] == "Lee Ka Yan"
