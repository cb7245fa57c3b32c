# ruff: noqa: RUF001 (the pages' Chinese punctuation)
"""The complaint's page in headless Chromium, in each language, over stand-in services (the desk under
uvicorn): a supervisor reads on the timeline what each notification was for, with its deadline in the
office's time and who was told, and follows its "because of" link to the line of the event that caused
it; an override refused for its value comes back with the why still typed in, the refusal beside it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.desk.support import desk_keys, served_desk
from tests.desk.test_browser_more_forms import by, shown, sign_in
from tests.desk.test_pages_as_services_answer import CID
from tests.desk.test_refused_forms_keep_what_was_typed import NOT_A_SEVERITY
from tests.desk.test_timeline_notifications import STARTED, TIMELINE, WithNotifications

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WARNING = {
    "en": "warning: resolution (½ day / 1 day), 75% of the allowed time used; due Dec 1, 2026",
    "zh-Hant": "預警：處理（半日／1日），已用去允許時間的 75%；限期 2026年12月1日",
    "zh-Hans": "预警：处理（半日／1日），已用去允许时间的 75%；期限 2026年12月1日",
}
REFUSED = {"en": "is not one this decision takes", "zh-Hant": "不是這項決定可用的值", "zh-Hans": "不是这项决定可用的值"}


class Stand(WithNotifications):
    """The timeline with its notifications; triage refuses an override's value as it does."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "triage" and request.method == "POST":
            return httpx.Response(422, json=NOT_A_SEVERITY)
        return super().__call__(request)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder: Path = tmp_path_factory.mktemp("desk-timeline")
    keys = desk_keys(folder)
    with served_desk(folder, keys, Stand()) as url:
        yield url, keys


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_a_supervisor_reads_the_notifications_and_keeps_a_refused_override_s_why(
    chromium_driver: Any, desk: Any, lang: str
) -> None:
    url, keys = desk
    driver = chromium_driver
    sign_in(driver, url, keys["hk-central/supervisor"], lang)
    driver.get(f"{url}/complaints/{CID}")
    warning = driver.find_element("css selector", f"#event-{TIMELINE[3]['event_id']}")
    assert WARNING[lang] in warning.text, warning.text
    assert by(driver, "notice").get_attribute("title") == "Asia/Hong_Kong"
    # the warning, the breach, the major complaint and the mass incident (the old one keeps its line)
    assert len(driver.find_elements("css selector", '[data-testid="notice"]')) == 4
    # its cause, a link to the clock's start on the same page
    warning.find_element("css selector", f'a[href="#event-{STARTED}"]').click()
    assert driver.current_url.endswith(f"#event-{STARTED}")
    assert driver.execute_script("return document.querySelector(':target').id") == f"event-{STARTED}"

    why = f"两位住户被困 / trapped ({lang})"
    details = by(driver, "form-override")
    driver.execute_script("arguments[0].open = true", details)
    from selenium.webdriver.support.ui import Select

    Select(details.find_element("css selector", '[name="aspect"]')).select_by_value("severity")
    details.find_element("css selector", '[name="value"]').send_keys("huge")
    details.find_element("css selector", '[name="reason"]').send_keys(why)
    by(driver, "submit-override").click()
    problem = shown(driver, "form-problem")
    assert REFUSED[lang] in problem, problem
    deadline = time.monotonic() + 10
    while by(driver, "form-override").get_attribute("open") is None:
        assert time.monotonic() < deadline, "the refused form is not open"
        time.sleep(0.1)
    kept = by(driver, "form-override")
    assert kept.find_element("css selector", '[name="reason"]').get_attribute("value") == why
    assert kept.find_element("css selector", '[name="value"]').get_attribute("value") == "huge"
