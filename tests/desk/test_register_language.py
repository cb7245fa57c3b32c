"""The registration form records the complainant's language: by default the language of the page the
receptionist uses, with a choice; what is chosen reaches intake's `POST /complaints` as `language`."""

from __future__ import annotations

import json
import re
from typing import Any

from .test_pages import csrf, desk, sign_in  # noqa: F401 (the fixture)

FORM = {"office_reference": "HK-77", "name": "Chan", "contact": "chan@mail.test", "unit_address": "Flat B",
        "channel": "phone", "occurred_at": "2026-11-30T08:00", "received_at": "2026-11-30T08:30", "object": "lift",
        "description": "stuck", "customer_request": "fix it", "received_by": "Amy"}  # fmt: skip


def _selected(page: str) -> str:
    select = page[page.index('data-testid="f-language"') :].split("</select>")[0]
    found = re.search(r'<option value="([^"]+)" selected>', select)
    assert found, select
    return found[1]


def _sent(stand: Any) -> dict[str, Any]:
    [request] = [r for r in stand.seen if r.url.host == "intake" and r.method == "POST"]
    return dict(json.loads(request.content))


def test_the_complainants_language_defaults_to_the_pages_and_can_be_chosen(desk: Any) -> None:  # noqa: F811
    client, stand, keys = desk
    sign_in(client, keys["hk-central/reception"])
    assert _selected(client.get("/register?lang=zh-Hans").text) == "zh-Hans"
    assert _selected(client.get("/register?lang=zh-Hant").text) == "zh-Hant"
    page = client.get("/register?lang=en").text
    assert _selected(page) == "en"
    answer = client.post("/register", data=FORM | {"language": "zh-Hans", "csrf": csrf(page)})
    assert answer.status_code == 200 and answer.url.path == "/queue"
    assert _sent(stand)["language"] == "zh-Hans"


def test_a_form_without_a_language_sends_none_and_intake_records_it_as_unknown(desk: Any) -> None:  # noqa: F811
    client, stand, keys = desk
    sign_in(client, keys["hk-central/reception"])
    client.post("/register", data=FORM | {"csrf": csrf(client.get("/register").text)})
    assert "language" not in _sent(stand)
