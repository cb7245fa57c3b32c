# ruff: noqa: RUF001 (the pages' Chinese punctuation)
"""A notification on the complaint's timeline says what it was for, from the facts it carries
(shared/contracts/notifications.py: occasion, clock, deadline, fraction): a warning at 75% of the
resolution limit, due at such a time in the office's time zone; a breach and its escalation level; a
major complaint told to the leaders at once; who was told (the office's people, the group's); and the
events on the timeline that caused it, each a link to its line. In English, 繁體 and 简体, over
stand-ins answering as the projection does. Before, every notification read "important complaint:
people told (level 1)", whatever it was for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient

from services.desk.adapters.i18n import when
from tests.desk.support import desk_client, desk_keys
from tests.desk.test_pages_as_services_answer import CID, HISTORY, SLA, Services_, plain, signed_in

STARTED, WARNED, TRIAGED = str(uuid4()), str(uuid4()), str(uuid4())
NOTICE = "complaints.notifications.NotificationRequested"
DUE = "2026-11-30T16:35:00+00:00"  # 00:35 on 1 December in Hong Kong


def notification(occasion: str | None, **payload: Any) -> dict[str, Any]:
    reason = payload.pop("reason", "resolution clock: 75% of the allowed time used; deadline 2026-11-30T16:35+00:00")
    caused_by, causation = payload.pop("caused_by", [STARTED]), payload.pop("causation", WARNED)
    why = {"reason": reason, "rule": "sla.resolution.important@v1", "caused_by": caused_by}
    body = {"subject": reason, "severity": "important", "level": 1, "occasion": occasion, "clock": "resolution",
            "deadline": DUE, "fraction": None, "recipients": [{"role": "supervisor", "office_id": "hk-central"}],
            "explanation": why} | payload  # fmt: skip
    return {"event_id": str(uuid4()), "type": NOTICE, "occurred_at": "2026-11-30T14:00:00+00:00", "actor": SLA,
            "causation_id": causation, "summary": "important complaint: level 1 told",
            "explanation": body["explanation"], "payload": body}  # fmt: skip


TIMELINE = [
    {"event_id": TRIAGED, "type": "complaints.triage.ComplaintTriaged", "occurred_at": "2026-11-30T08:00:05+00:00",
     "actor": {"id": "system:triage", "role": "system"}, "causation_id": None, "summary": "triaged",
     "explanation": None, "payload": {"validity": "valid", "severity": "major", "department": "engineering"}},
    {"event_id": STARTED, "type": "complaints.sla.ClockStarted", "occurred_at": "2026-11-30T08:00:10+00:00",
     "actor": SLA, "causation_id": None, "summary": "resolution clock started", "explanation": None,
     "payload": {"clock": "resolution", "deadline": DUE, "key": "resolution#0"}},
    {"event_id": WARNED, "type": "complaints.sla.DeadlineWarning", "occurred_at": "2026-11-30T14:00:00+00:00",
     "actor": SLA, "causation_id": STARTED, "summary": "resolution: 75% used", "explanation": None,
     "payload": {"clock": "resolution", "key": "resolution#0", "fraction": 0.75, "deadline": DUE}},
    notification("deadline-warning", fraction=0.75),
    notification("deadline-breached", level=2, fraction=None,
                 reason="resolution clock breached (escalation level 2); deadline was 2026-11-30T16:35+00:00",
                 recipients=[{"role": "manager", "office_id": "hk-central"},
                             {"role": "company-leader", "office_id": None}]),
    notification("major-complaint", severity="major", clock=None, deadline=None, causation=TRIAGED,
                 caused_by=[TRIAGED], reason="a major complaint is told at once: a sudden large-scale outage",
                 recipients=[{"role": "supervisor", "office_id": "hk-central"},
                             {"role": "leader", "office_id": "hk-central"},
                             {"role": "company-leader", "office_id": None}]),
    notification(None),  # published before the occasion travelled
    notification("mass-incident", severity="major", clock=None, deadline=None, causation=TRIAGED,
                 caused_by=[TRIAGED], reason="mass incident 7a3434fb: 40 complaints from 38 customers about x so far",
                 recipients=[{"role": "company-leader", "office_id": None}],
                 incident={"cluster_id": str(uuid4()), "announced_by": str(uuid4()), "incident_key": "x|water",
                           "complaints": 40, "customers": 38, "offices": ["hk-central"],
                           "member_complaint_ids": [str(uuid4())]}),
]  # fmt: skip

EXPECTED = {
    "en": {
        "deadline-warning": ("warning: resolution (½ day / 1 day), 75% of the allowed time used; due",
                             "told: supervisor"),
        "deadline-breached": ("deadline passed: resolution (½ day / 1 day), escalation level 2; it was due",
                              "told: manager, company leaders (group)"),
        "major-complaint": ("major complaint: the leaders are told at once",
                            "told: supervisor, leader, company leaders (group)"),
        "old": "important complaint: people told (level 1)",
    },
    "zh-Hant": {
        "deadline-warning": ("預警：處理（半日／1日），已用去允許時間的 75%；限期", "已通知：主管"),
        "deadline-breached": ("已逾期：處理（半日／1日），上報第 2 級；限期原為", "已通知：經理、公司領導（集團）"),
        "major-complaint": ("重大投訴：即時通知領導", "已通知：主管、領導、公司領導（集團）"),
        "old": "重要投訴：已通知相關人員（第 1 級）",
    },
    "zh-Hans": {
        "deadline-warning": ("预警：处理（半日／1日），已用去允许时间的 75%；期限", "已通知：主管"),
        "deadline-breached": ("已逾期：处理（半日／1日），上报第 2 级；期限原为", "已通知：经理、公司领导（集团）"),
        "major-complaint": ("重大投诉：即时通知领导", "已通知：主管、领导、公司领导（集团）"),
        "old": "重要投诉：已通知相关人员（第 1 级）",
    },
}  # fmt: skip


class WithNotifications(Services_):
    """The services' stand-ins, the projection answering with TIMELINE."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "projection" and request.url.path == f"/complaints/{CID}":
            return httpx.Response(200, json=HISTORY | {"timeline": TIMELINE})
        return super().__call__(request)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    with desk_client(tmp_path, keys, WithNotifications()) as client:
        yield client, keys


def lines(page: str) -> dict[str, str]:
    """Each timeline line as it reads (the service's own words, one click away, left out), by event id."""
    found = re.findall(r'<li data-type="[^"]+" id="event-([^"]+)">(.*?)</li>', page, re.S)
    return {event_id: plain(re.sub(r"<details.*?</details>", "", html, flags=re.S)) for event_id, html in found}


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_each_notification_says_what_for_the_clock_its_deadline_and_who_was_told(desk: Any, lang: str) -> None:
    client, keys = desk
    signed_in(client, keys["hk-central/supervisor"], lang)
    page = client.get(f"/complaints/{CID}").text
    shown = lines(page)
    expected = EXPECTED[lang]
    for event in TIMELINE[3:6]:
        line = shown[event["event_id"]]
        said, told = expected[event["payload"]["occasion"]]
        assert said in line and told in line, line
        assert "+00:00" not in line and "T16:35" not in line, line  # the office's time, not UTC
    warning, breach, major = (shown[e["event_id"]] for e in TIMELINE[3:6])
    # the deadline in the office's time zone (Hong Kong: UTC+8), written the page's way
    due = plain(when(DUE, lang, ZoneInfo("Asia/Hong_Kong")))
    assert ("1" in due and "12:35" in due) or "00:35" in due, due
    assert due in warning and due in breach, (due, warning, breach)
    assert 'title="Asia/Hong_Kong"' in page
    assert expected["old"] in shown[TIMELINE[6]["event_id"]]
    if lang != "en":  # the service's English is one click away, not the line
        assert "allowed time used" not in warning and "allowed time used" in page
    assert major.count("sudden large-scale outage") == 1  # triage's reason stays beside it


def test_a_notification_links_the_events_that_caused_it(desk: Any) -> None:
    """The warning was caused by the SLA's warning event and names the clock's start; the major
    complaint, triage's judgement: each a link to its line on the same page."""
    client, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
    page = client.get(f"/complaints/{CID}").text
    shown = lines(page)
    warning, major = TIMELINE[3]["event_id"], TIMELINE[5]["event_id"]
    item = re.search(rf'id="event-{warning}">(.*?)</li>', page, re.S)[1]  # type: ignore[index]
    assert f'href="#event-{STARTED}"' in item and f'href="#event-{WARNED}"' in item
    assert "起因" in shown[warning]
    assert f'id="event-{STARTED}"' in page and f'id="event-{WARNED}"' in page
    major_item = re.search(rf'id="event-{major}">(.*?)</li>', page, re.S)[1]  # type: ignore[index]
    assert f'href="#event-{TRIAGED}"' in major_item and f'href="#event-{STARTED}"' not in major_item
    # a cause not on this timeline is not made up: the old notification names none it can link
    old = re.search(rf'id="event-{TIMELINE[6]["event_id"]}">(.*?)</li>', page, re.S)[1]  # type: ignore[index]
    assert "href=" not in old.split("<details")[0]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "mass incident: 40 complaints so far; the leaders are told once for the incident"),
        ("zh-Hant", "群體事件：至今 40 宗投訴；領導只就整宗事件獲通知一次"),
        ("zh-Hans", "群体事件：至今 40 宗投诉；领导只就整宗事件获通知一次"),
    ],
)
def test_a_mass_incident_s_notice_says_it_told_the_leaders_once_for_the_incident(
    desk: Any, lang: str, said: str
) -> None:
    client, keys = desk
    signed_in(client, keys["hk-central/supervisor"], lang)
    line = lines(client.get(f"/complaints/{CID}").text)[TIMELINE[7]["event_id"]]
    assert said in line, line
