"""The desk speaks the signed-in person's office's time: a walk-through's London receptionist was offered
21:43 (Hong Kong's) as "now" at 13:43 London time, and a time typed from their own clock was read in Hong
Kong, eight hours early. The office's zone is the directory's, as the SLA tells an office's key
(`GET /office/calendar`); group users and an unanswered SLA keep DESK_TIME_ZONE."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.desk.support import desk_client, desk_keys
from tests.desk.test_pages import Stand, csrf, sign_in

NOW = datetime(2026, 11, 30, 13, 43, tzinfo=UTC)  # 13:43 in London, 21:43 in Hong Kong


class LondonStand(Stand):
    """hk-central's keys are told their office runs in London (as if the directory had moved it)."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "sla" and request.url.path == "/office/calendar":
            self.seen.append(request)
            key = request.headers.get("x-office-key")
            if key in {v for a, v in self.keys.items() if a.startswith("hk-central/")}:
                said = {"office_id": "hk-central", "calendar": None, "time_zone": "Europe/London"}
                return httpx.Response(200, json=said | {"time_zone_from": "directory"})
            return httpx.Response(403, json={"detail": "no office"})
        return super().__call__(request)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, LondonStand, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = LondonStand(keys)
    with desk_client(tmp_path, keys, stand, clock=lambda: NOW) as client:
        yield client, stand, keys


def received_default(page: str) -> str:
    found = re.search(r'name="received_at" value="([^"]*)"', page)
    assert found
    return found[1]


def test_the_registration_form_reads_and_offers_the_office_s_own_time(desk: Any) -> None:
    client, stand, keys = desk
    sign_in(client, keys["hk-central/reception"])
    page = client.get("/register").text
    assert received_default(page) == "2026-11-30T13:43", "now, on the London office's clock"
    form = {"csrf": csrf(page), "office_reference": "LDN-1", "name": "John Smith", "contact": "john@mail.test",
            "unit_address": "Flat 3", "channel": "phone", "occurred_at": "2026-11-30T13:20",
            "received_at": "2026-11-30T13:40", "object": "door", "description": "broken lock",
            "customer_request": "fix it", "received_by": "Jane"}  # fmt: skip
    client.post("/register", data=form)
    [sent] = [r for r in stand.seen if r.url.host == "intake" and r.method == "POST"]
    body = json.loads(sent.content)
    assert body["received_at"] == "2026-11-30T13:40:00+00:00" and body["occurred_at"] == "2026-11-30T13:20:00+00:00"
    asked = [r for r in stand.seen if r.url.host == "sla" and r.url.path == "/office/calendar"]
    assert len(asked) == 1, "the office's zone is remembered, not asked on every page"
    assert asked[0].headers["x-office-key"] == keys["hk-central/reception"], "asked with the person's own key"


def test_a_group_user_keeps_the_desk_s_zone(desk: Any) -> None:
    client, _, keys = desk
    client.post("/sign-in", data={"key": keys["group/hotline"], "next": "/hotline"})
    page = client.get("/hotline").text
    assert 'value="2026-11-30T21:43"' in page, "DESK_TIME_ZONE (Hong Kong) for the group's hotline"
