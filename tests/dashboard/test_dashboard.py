"""The dashboard in headless Chromium: the page shows exactly the API's numbers, for the group and for an
office, keeps an office to its own office, opens a complaint's timeline, follows the live stream, and
loads nothing from anywhere but its own origin."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from services.projection.dashboard import CONTENT_SECURITY_POLICY
from shared.contracts import Actor
from shared.contracts.directory import OfficeChanged, OfficeRecord
from tests.dashboard.conftest import Dashboard
from tests.projection.scenario import Story, expected_statistics
from tests.projection.support import feed

pytestmark = pytest.mark.browser

KEY_STORAGE = "complaints.dashboard.key"
WAIT_SECONDS = 30  # a generous upper bound for a slow machine; no test asserts how fast anything is
SCREENSHOTS = Path("/tmp")


# -- helpers ------------------------------------------------------------------------------------------


def wait_until(driver: Any, condition: Any, message: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.1).until(condition, message)


def loaded(driver: Any, previous: str | None = None) -> str:
    """Wait until the page finished a load (other than `previous`); return its marker."""

    def done(d: Any) -> str | bool:
        main = d.find_element("id", "main")
        marker = main.get_attribute("data-loaded")
        return marker if marker and marker != previous and main.get_attribute("aria-busy") == "false" else False

    return wait_until(driver, done, "the dashboard never finished loading")


def set_key(driver: Any, dashboard: Dashboard, key: str | None) -> None:
    """Put `key` (or none) in the tab's sessionStorage for the dashboard's origin. Done from a page of that
    origin that runs no script (the stylesheet), so no dashboard still signing in with an older key can
    write that key back afterwards."""
    driver.get(f"{dashboard.base_url}/dashboard/static/dashboard.css")
    if key is None:
        driver.execute_script("sessionStorage.clear()")
    else:
        driver.execute_script("sessionStorage.setItem(arguments[0], arguments[1])", KEY_STORAGE, key)


def open_as(driver: Any, dashboard: Dashboard, actor: str, fragment: str = "") -> None:
    """Open the page with `actor`'s key already in the tab's sessionStorage (as after signing in)."""
    set_key(driver, dashboard, dashboard.keys[actor])
    driver.get(f"{dashboard.base_url}/dashboard{fragment}")
    loaded(driver)
    assert driver.execute_script("return sessionStorage.getItem(arguments[0])", KEY_STORAGE) == dashboard.keys[actor]


def by_testid(driver: Any, testid: str) -> Any:
    return driver.find_element("css selector", f'[data-testid="{testid}"]')


def all_by_testid(scope: Any, testid: str) -> list[Any]:
    return scope.find_elements("css selector", f'[data-testid="{testid}"]')


def shown(driver: Any, testid: str) -> tuple[str, str]:
    """(visible text, raw value) of a number on the page."""
    element = by_testid(driver, testid)
    return element.text, element.get_attribute("data-value")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def raw(value: Any) -> str:
    """How the page writes a JSON value into data-value (JavaScript's String(number))."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def compliance_rate(compliance: dict[str, int]) -> float | None:
    judged = compliance["met"] + compliance["met_under_extension"] + compliance["breached"]
    return (compliance["met"] + compliance["met_under_extension"]) / judged if judged else None


def assert_page_shows(driver: Any, stats: dict[str, Any], violations_total: int, signals: int) -> None:
    """Every number on the page equals the API's answer, both as raw value and as the text shown."""
    for testid, value in {
        "count-complaints": stats["complaints"],
        "count-valid": stats["valid"],
        "count-assisted": stats["assisted"],
        "count-invalid": stats["invalid"],
        "count-untriaged": stats["untriaged"],
        "count-violations": stats["violations"],
        "count-signals": signals,
        "signals-total": signals,
        "violations-total": violations_total,
        "repeat-complainants": stats["repeat_complainants"],
        "compliance-met": stats["compliance"]["met"],
        "compliance-met-under-extension": stats["compliance"]["met_under_extension"],
        "compliance-breached": stats["compliance"]["breached"],
        "return-visits-due": stats["return_visits"]["due"],
        "return-visits-made": stats["return_visits"]["made"],
        "satisfaction-dissatisfied": stats["satisfaction"]["dissatisfied"],
    }.items():
        assert shown(driver, testid) == (f"{value:,}", str(value)), testid
    rate = stats["return_visits"]["rate"]
    assert shown(driver, "return-visit-rate") == (pct(rate), raw(rate))
    assert shown(driver, "compliance-rate")[0] == pct(compliance_rate(stats["compliance"]))
    average = stats["satisfaction"]["average"]
    assert shown(driver, "satisfaction-average") == ("—" if average is None else f"{average:.2f}", raw(average))

    rows = all_by_testid(driver, "pareto-row")
    page = [
        (
            row.get_attribute("data-category"),
            int(by_testid(row, "pareto-count").get_attribute("data-value")),
            float(by_testid(row, "pareto-share").get_attribute("data-value")),
            float(by_testid(row, "pareto-cumulative").get_attribute("data-value")),
            by_testid(row, "pareto-share").text,
            by_testid(row, "pareto-cumulative").text,
        )
        for row in rows
    ]
    assert page == [
        (c["category"], c["count"], c["share"], c["cumulative_share"], pct(c["share"]), pct(c["cumulative_share"]))
        for c in stats["categories"]
    ]
    # The chart draws one bar per category, largest first (the order the API gives).
    bars = driver.find_elements("css selector", "#pareto-chart svg rect.bar")
    assert len(bars) == len(stats["categories"])


def screenshot(driver: Any, name: str, element: Any = None) -> Path:
    """A PNG in /tmp, for a person to look at (never committed): the element, or the whole page."""
    path = SCREENSHOTS / name
    if element is not None:
        path.write_bytes(element.screenshot_as_png)
        return path
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(height, full + 120))
    path.write_bytes(base64.b64decode(driver.get_screenshot_as_base64()))
    driver.set_window_size(width, height)
    return path


# -- tests --------------------------------------------------------------------------------------------


def test_the_page_asks_for_a_key_and_refuses_an_unknown_one(browser: Any, dashboard: Dashboard) -> None:
    set_key(browser, dashboard, None)
    browser.get(f"{dashboard.base_url}/dashboard")
    wait_until(browser, lambda d: d.find_element("id", "key-panel").is_displayed(), "no key form")
    assert not browser.find_element("id", "main").is_displayed()
    browser.find_element("id", "key-input").send_keys("ck_not-a-real-key")
    browser.find_element("css selector", "#key-form button[type=submit]").click()
    wait_until(browser, lambda d: by_testid(d, "error-message").is_displayed(), "no error for an unknown key")
    assert "not known" in by_testid(browser, "error-message").text
    assert not browser.find_element("id", "main").is_displayed()
    assert browser.execute_script("return sessionStorage.getItem(arguments[0])", KEY_STORAGE) is None


def test_the_group_page_shows_the_same_numbers_as_the_api(browser: Any, dashboard: Dashboard) -> None:
    set_key(browser, dashboard, None)
    browser.get(f"{dashboard.base_url}/dashboard")
    browser.get_log("browser")  # forget earlier messages (the refused key's 401)
    # Sign in as a person would: type the group key into the form.
    wait_until(browser, lambda d: d.find_element("id", "key-input").is_displayed(), "no key form")
    browser.find_element("id", "key-input").send_keys(dashboard.keys["group/dashboard"])
    browser.find_element("css selector", "#key-form button[type=submit]").click()
    loaded(browser)
    assert (
        browser.execute_script("return sessionStorage.getItem(arguments[0])", KEY_STORAGE)
        == (dashboard.keys["group/dashboard"])
    )
    assert by_testid(browser, "scope-label").text == "the whole group"

    stats = dashboard.json("/statistics", "group/dashboard")["statistics"]
    violations = dashboard.json("/violations", "group/dashboard", limit=1000)
    answer = dashboard.json("/signals", "group/dashboard")
    signals = answer["items"]
    assert_page_shows(browser, stats, violations["total"], answer["total"])

    # The numbers are also the ones counted straight from the scenario, not only what the API says.
    expected = expected_statistics(dashboard.scenario)
    assert shown(browser, "count-complaints")[1] == str(expected["complaints"])
    assert shown(browser, "count-violations")[1] == str(expected["violations"])
    assert int(shown(browser, "count-signals")[1]) >= len(dashboard.scenario.skipped) + 1  # gaps + hotline

    # Violations and signals are listed, one row each; each office has its row.
    rows = all_by_testid(browser, "violation-row")
    assert {(r.get_attribute("data-complaint-id"), r.get_attribute("data-step")) for r in rows} == {
        (v["complaint_id"], v["step"]) for v in violations["items"]
    }
    assert sorted(r.get_attribute("data-kind") for r in all_by_testid(browser, "signal-row")) == sorted(
        s["kind"] for s in signals
    )
    by_office = dashboard.json("/statistics/offices", "group/dashboard")
    office_rows = {
        r.get_attribute("data-office"): int(by_testid(r, "office-complaints").get_attribute("data-value"))
        for r in all_by_testid(browser, "office-row")
    }
    assert office_rows == {office: s["complaints"] for office, s in by_office.items()}
    # the dashboard lists the newest first
    page = dashboard.json("/complaints", "group/dashboard", limit=50, order="newest")
    assert shown(browser, "complaints-total")[1] == str(page["total"])
    assert [r.get_attribute("data-complaint-id") for r in all_by_testid(browser, "complaint-row")] == [
        c["complaint_id"] for c in page["items"]
    ]

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors  # no script error, no blocked (CSP) request
    screenshot(browser, "dashboard-group.png")


def test_a_group_key_picks_an_office_and_a_week(browser: Any, dashboard: Dashboard) -> None:
    from selenium.webdriver.support.ui import Select

    open_as(browser, dashboard, "group/auditor")
    marker = browser.find_element("id", "main").get_attribute("data-loaded")
    Select(by_testid(browser, "office-select")).select_by_value("kln-east")
    marker = loaded(browser, marker)
    assert by_testid(browser, "scope-label").text == "office kln-east"
    stats = dashboard.json("/statistics", "group/auditor", office="kln-east")["statistics"]
    violations = dashboard.json("/violations", "group/auditor", office="kln-east", limit=1000)["total"]
    signals = dashboard.json("/signals", "group/auditor", office="kln-east")["total"]
    assert_page_shows(browser, stats, violations, signals)
    assert stats["complaints"] == expected_statistics(dashboard.scenario, "kln-east")["complaints"]
    assert not browser.find_element("id", "offices-section").is_displayed()
    assert "office=kln-east" in browser.current_url

    # A week narrows the statistics: the stories all happen in ISO week 45, so week 44 is empty.
    browser.execute_script("location.hash = 'office=kln-east&week=2026-W44'")
    loaded(browser, marker)
    assert by_testid(browser, "period-label").text == "week 2026-W44"
    week = dashboard.json("/statistics", "group/auditor", office="kln-east", week="2026-W44")["statistics"]
    assert week["complaints"] == 0 and week["return_visits"]["rate"] is None
    assert_page_shows(browser, week, violations, signals)  # violations and signals are judged now
    # ... and the signals' card among the week's counts says so (it read "Concealment signals" beside the
    # week's 0 complaints, as if the week had them: found on the walk as a manager)
    assert by_testid(browser, "count-signals-label").text == "Concealment signals now"
    assert shown(browser, "return-visit-rate") == ("—", "")
    assert "No valid complaints" in browser.find_element("id", "pareto-chart").text
    assert all_by_testid(browser, "complaint-row") == []


def test_an_office_key_sees_only_its_office(browser: Any, dashboard: Dashboard) -> None:
    open_as(browser, dashboard, "kln-east/supervisor")
    assert by_testid(browser, "scope-label").text == "office kln-east"
    assert not browser.find_element("id", "office-field").is_displayed()
    assert not browser.find_element("id", "offices-section").is_displayed()
    stats = dashboard.json("/statistics", "kln-east/supervisor")["statistics"]
    violations = dashboard.json("/violations", "kln-east/supervisor", limit=1000)["total"]
    signals = len(dashboard.json("/signals", "kln-east/supervisor")["items"])
    assert_page_shows(browser, stats, violations, signals)
    group_total = dashboard.json("/statistics", "group/dashboard")["statistics"]["complaints"]
    assert int(shown(browser, "count-complaints")[1]) < group_total
    assert stats["complaints"] == expected_statistics(dashboard.scenario, "kln-east")["complaints"]
    listed = [
        row.find_elements("css selector", "td")[1].text
        for testid in ("complaint-row", "violation-row")
        for row in all_by_testid(browser, testid)
    ]
    listed += [r.get_attribute("data-office") for r in all_by_testid(browser, "signal-row")]
    assert listed and set(listed) == {"kln-east"}
    assert "hk-central" not in browser.find_element("id", "main").text
    screenshot(browser, "dashboard-office.png")


def test_an_office_key_asking_for_another_office_gets_an_error_and_no_numbers(
    browser: Any, dashboard: Dashboard
) -> None:
    open_as(browser, dashboard, "kln-east/manager", fragment="#office=hk-central")
    assert browser.find_element("id", "main").get_attribute("data-loaded").startswith("error-")
    error = by_testid(browser, "error-message")
    assert error.is_displayed() and "only its own office" in error.text
    assert shown(browser, "count-complaints") == ("—", "")
    assert shown(browser, "compliance-rate") == ("—", "")
    for testid in ("complaint-row", "violation-row", "signal-row", "pareto-row", "office-row"):
        assert all_by_testid(browser, testid) == [], testid
    assert "hk-central-0" not in browser.page_source  # no reference of the other office anywhere
    assert not browser.find_element("id", "page-next").is_enabled()
    screenshot(browser, "dashboard-refused.png")


def test_clicking_a_complaint_shows_its_timeline(browser: Any, dashboard: Dashboard) -> None:
    open_as(browser, dashboard, "group/dashboard")
    row = all_by_testid(browser, "violation-row")[0]
    complaint_id = row.get_attribute("data-complaint-id")
    by_testid(row, "open-timeline").click()
    dialog = by_testid(browser, "timeline-dialog")
    wait_until(browser, lambda d: dialog.get_attribute("data-loaded") == complaint_id, "the timeline never loaded")
    assert dialog.is_displayed()

    history = dashboard.json(f"/complaints/{complaint_id}", "group/dashboard")
    entries = all_by_testid(dialog, "timeline-entry")
    assert len(entries) == len(history["timeline"]) == int(by_testid(dialog, "timeline-count").text)
    summaries = {e["event_id"]: e["summary"] for e in history["timeline"]}
    for entry, event in zip(entries, history["timeline"], strict=True):
        assert entry.get_attribute("data-event-id") == event["event_id"]
        assert by_testid(entry, "timeline-what").text == event["summary"]  # what
        assert event["actor"]["id"] in by_testid(entry, "timeline-who").text  # who
        assert event["actor"]["role"] in by_testid(entry, "timeline-who").text
        assert by_testid(entry, "timeline-when").get_attribute("datetime") == event["occurred_at"]  # when
        cause = by_testid(entry, "timeline-cause").text  # caused by
        if event["causation_id"] is None:
            assert "a person's action" in cause
        else:
            assert summaries.get(event["causation_id"], event["causation_id"]) in cause
        whys = all_by_testid(entry, "timeline-why")  # why
        if event["explanation"]:
            explanation = event["explanation"]
            reasons = [explanation] if "reason" in explanation else list(explanation.values())
            for why in reasons:
                assert why["reason"] in whys[0].text and why["rule"] in whys[0].text
        else:
            assert whys == []
    checks = {r.get_attribute("data-step"): r.get_attribute("data-status") for r in all_by_testid(dialog, "check-row")}
    assert checks == {c["step"]: c["status"] for c in history["checks"]}
    assert row.get_attribute("data-step") in {s for s, status in checks.items() if status in ("overdue", "late")}
    assert "Complainant" not in dialog.text  # personal data is not for group dashboards
    screenshot(browser, "dashboard-timeline.png", dialog)
    browser.find_element("id", "timeline-close").click()
    wait_until(browser, lambda d: not dialog.is_displayed(), "the timeline did not close")


def test_the_own_office_sees_the_complainant_in_the_timeline(browser: Any, dashboard: Dashboard) -> None:
    story = next(s for s in dashboard.scenario.stories if s.office_id == "kln-east")
    open_as(browser, dashboard, "kln-east/reception")
    button = browser.find_element(
        "css selector", f'[data-testid="complaint-row"] [data-complaint-id="{story.complaint_id}"]'
    )
    button.click()
    dialog = by_testid(browser, "timeline-dialog")
    wait_until(browser, lambda d: dialog.get_attribute("data-loaded") == str(story.complaint_id), "no timeline")
    assert story.contact in dialog.text
    assert len(all_by_testid(dialog, "timeline-entry")) == len(story.tell())


def test_the_page_follows_the_live_stream(browser: Any, dashboard: Dashboard) -> None:
    open_as(browser, dashboard, "group/dashboard")
    wait_until(browser, lambda d: by_testid(d, "live-status").text == "live", "the stream never connected")
    before = int(shown(browser, "count-complaints")[1])
    office_numbers = [s.sequence_number for s in dashboard.scenario.stories if s.office_id == "hk-central"]
    story = Story(
        run=f"{dashboard.scenario.run}-live",
        office_id="hk-central",
        sequence_number=max(office_numbers) + 1,
        received_at=dashboard.scenario.now - timedelta(days=1),
    )
    feed(dashboard.app, story.tell())  # as the worker would: the page hears of it on the stream
    wait_until(
        browser,
        lambda d: shown(d, "count-complaints")[1] == str(before + 1),
        "the page did not pick up the new complaint from the stream",
    )
    assert dashboard.json("/statistics", "group/dashboard")["statistics"]["complaints"] == before + 1
    # The list is ordered by office, then number: hk-central's newest is on the first page of 50.
    assert int(shown(browser, "complaints-total")[1]) == before + 1
    assert browser.find_elements(
        "css selector", f'[data-testid="complaint-row"][data-complaint-id="{story.complaint_id}"]'
    )


def test_the_page_loads_nothing_from_elsewhere(browser: Any, dashboard: Dashboard) -> None:
    open_as(browser, dashboard, "group/dashboard")
    answer = dashboard.api("/dashboard", "group/dashboard")
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith(dashboard.base_url) for url in resources), resources


def test_a_page_left_behind_releases_its_stream(browser: Any, dashboard: Dashboard) -> None:
    # Browsers give a host six HTTP/1.1 connections: if each page left behind kept its live stream open,
    # the seventh visit would wait for ever. Leave the page more often than that, then use it.
    def open_a_timeline(index: int) -> None:
        row = all_by_testid(browser, "complaint-row")[index]
        by_testid(row, "open-timeline").click()
        dialog = by_testid(browser, "timeline-dialog")
        complaint_id = row.get_attribute("data-complaint-id")
        wait_until(browser, lambda d: dialog.get_attribute("data-loaded") == complaint_id, "the timeline never loaded")

    for visit in range(8):
        open_as(browser, dashboard, "hk-central/manager")
        wait_until(browser, lambda d: by_testid(d, "live-status").text == "live", "the stream never connected")
        open_a_timeline(visit)  # a page someone used, then left
        browser.get("about:blank")
    open_as(browser, dashboard, "hk-central/manager")
    open_a_timeline(0)


def test_every_control_has_a_name_and_the_chart_a_description(browser: Any, dashboard: Dashboard) -> None:
    open_as(browser, dashboard, "group/dashboard")
    unnamed = browser.execute_script(
        """
        const name = (el) => (el.labels && el.labels.length ? el.labels[0].textContent : '')
          || el.getAttribute('aria-label') || el.textContent;
        return [...document.querySelectorAll('input, select, button')]
          .filter((el) => !name(el).trim()).map((el) => el.outerHTML);
        """
    )
    assert unnamed == []
    chart = browser.find_element("css selector", "#pareto-chart svg")
    assert chart.get_attribute("role") == "img"
    first = dashboard.json("/statistics", "group/dashboard")["statistics"]["categories"][0]
    assert first["category"] in chart.get_attribute("aria-label")
    assert [h.tag_name for h in browser.find_elements("css selector", "h1")] == ["h1"]
    assert browser.find_element("tag name", "html").get_attribute("lang") == "en"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh-Hant", ("整個集團", "時限達標", "記錄規則")), ("zh-Hans", ("整个集团", "时限达标", "记录规则"))],
)
def test_a_chinese_page_writes_its_numbers_tables_and_timeline_in_chinese(
    browser: Any, dashboard: Dashboard, lang: str, words: tuple[str, ...]
) -> None:
    """Loaded and filled by its script, the Chinese page keeps no English label: the codes the API sends
    (states, steps, statuses, severities, signals) are shown in the page's words, data-value keeps the
    raw figures (business areas by their words: #codes). Offices by the directory's name in the page's
    language (one the directory never named by its id); the signals' details in the page's words. What
    stays as sent: references, actor ids and roles, event types. The timeline's lines (`what`) are
    written from each entry's type and fields in the page's words, not the projection's English summary."""
    central = {"zh-Hant": "中環管理處", "zh-Hans": "中环管理处"}
    dashboard.app.office_changed(
        OfficeChanged(
            event_id=uuid4(),
            entity="office:hk-central",
            change="changed",
            occurred_at=dashboard.scenario.now,
            actor=Actor(id="group/admin", role="admin"),
            reason="named",
            payload=OfficeRecord(
                office_id="hk-central", name="Central", names=central, time_zone="Asia/Hong_Kong", units_served=1
            ),
        )
    )
    set_key(browser, dashboard, dashboard.keys["group/dashboard"])
    try:
        browser.get(f"{dashboard.base_url}/dashboard?lang={lang}")
        loaded(browser)
        assert browser.find_element("tag name", "html").get_attribute("lang") == lang
        assert by_testid(browser, "scope-label").text == words[0]
        main = browser.find_element("id", "main").text
        assert words[1] in main
        stats = dashboard.json("/statistics", "group/dashboard")["statistics"]
        signals = len(dashboard.json("/signals", "group/dashboard")["items"])
        assert_page_shows(browser, stats, dashboard.json("/violations", "group/dashboard")["total"], signals)
        english = {"Complaints", "Violations", "Office", "Severity", "overdue", "late", "the whole group", "Category"}
        assert not [w for w in english if w in main], [w for w in english if w in main]
        offices = {r.get_attribute("data-office"): r for r in all_by_testid(browser, "office-row")}
        assert by_testid(offices["hk-central"], "office-link").text == central[lang]
        assert by_testid(offices["kln-east"], "office-link").text == "kln-east", "never named: its id"
        options = {o.get_attribute("value"): o.text for o in by_testid(browser, "office-select").find_elements(
            "tag name", "option")}  # fmt: skip
        assert options["hk-central"] == central[lang]
        named = [
            c.text for c in all_by_testid(browser, "office-name") if c.get_attribute("data-office") == "hk-central"
        ]
        assert named and set(named) == {central[lang]}, "every table names the office"
        details = [by_testid(r, "signal-detail").text for r in all_by_testid(browser, "signal-row")]
        assert details and all(re.search(r"[\u4e00-\u9fff]", d) for d in details), details
        assert not [d for d in details if re.search(r"missing|registered|hotline call|peers", d)], details
        codes = {r.get_attribute("data-step") for r in all_by_testid(browser, "violation-row")}
        cells = " ".join(r.text for r in all_by_testid(browser, "violation-row"))
        assert "return-visit" not in cells and "overdue" not in cells and codes, cells

        row = all_by_testid(browser, "violation-row")[0]
        by_testid(row, "open-timeline").click()
        dialog = by_testid(browser, "timeline-dialog")
        complaint_id = row.get_attribute("data-complaint-id")
        wait_until(browser, lambda d: dialog.get_attribute("data-loaded") == complaint_id, "no timeline")
        assert words[2] in dialog.text and "caused by" not in dialog.text and "Record rule" not in dialog.text
        history = dashboard.json(f"/complaints/{complaint_id}", "group/dashboard")
        whats = [by_testid(e, "timeline-what").text for e in all_by_testid(dialog, "timeline-entry")]
        assert len(whats) == len(history["timeline"]) > 3
        for what, event in zip(whats, history["timeline"], strict=True):
            assert what != event["summary"] and re.search(r"[\u4e00-\u9fff]", what), (what, event["summary"])
        browser.find_element("id", "timeline-close").click()
    finally:
        browser.get(f"{dashboard.base_url}/dashboard?lang=en")  # the next tests read English
