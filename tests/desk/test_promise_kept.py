"""A promise to the customer is kept by its own step (handling's `POST /cases/{id}/commitments/{n}/kept`):
a progress note no longer stops the SLA's `commitment#n` clock. The desk offers the step for each promise
not yet kept, sends the chosen promise's number and how it was kept, and shows a kept promise as kept.
Without it a department working through the desk could never stop a promise's clock but by its result.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from services.desk.domain.forms import FORMS
from services.handling.entrypoints.http import create_app as handling_app
from tests.desk.test_pages_as_services_answer import CASE, CID, Services_, desk, plain, signed_in

__all__ = ["desk"]  # the fixture, used by name

PROMISES = [
    {"promise": "water back by 8pm", "due_at": "2026-11-30T12:00:00+00:00", "kept_at": "2026-11-30T11:40:00+00:00"},
    {"promise": "plumber tomorrow 10am", "due_at": "2026-12-01T02:00:00+00:00", "kept_at": None},
]


def test_the_form_goes_to_a_route_handling_has() -> None:
    form = FORMS["commitment-kept"]
    route = form.path.replace("{id}", "{complaint_id}").replace("{commitment}", "{number}")
    assert form.service == "handling" and route in handling_app().openapi()["paths"]


@pytest.mark.parametrize(("lang", "title"), [("en", "Record a promise kept"), ("zh-Hant", "記錄已履行的承諾")])
def test_a_department_records_a_promise_kept_from_the_complaint_page(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, title: str
) -> None:
    client, _, keys = desk
    posted: list[tuple[str, dict[str, Any]]] = []
    original = Services_.__call__

    def answers(self: Services_, request: httpx.Request) -> httpx.Response:
        if request.url.host == "handling" and request.method == "POST":
            posted.append((request.url.path, json.loads(request.content)))
            return httpx.Response(200, json=CASE | {"commitments": PROMISES})
        if request.url.host == "handling":
            return httpx.Response(200, json=CASE | {"stage": "carried-out", "commitments": PROMISES})
        return original(self, request)

    monkeypatch.setattr(Services_, "__call__", answers)
    signed_in(client, keys["hk-central/staff"], lang)
    page = client.get(f"/complaints/{CID}").text
    form = page[page.index('data-testid="form-commitment-kept"') :]
    form = form[: form.index("</form>")]
    assert title in form
    offered = re.findall(r'<option value="(\d+)"', form)
    assert offered == ["1"], "only the promise not kept yet is offered"
    shown = plain(page)
    assert "water back by 8pm" in shown and ("kept" in shown or "履行" in shown)

    token = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
    answer = client.post(
        f"/complaints/{CID}/commitment-kept",
        data={"csrf": token, "commitment": "1", "note": "plumber came at 9:50"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert posted == [(f"/cases/{CID}/commitments/1/kept", {"note": "plumber came at 9:50"})]


def test_a_promise_number_that_is_not_one_is_refused_by_the_desk(desk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, _, keys = desk
    posted: list[str] = []
    original = Services_.__call__

    def answers(self: Services_, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.host == "handling":
            posted.append(request.url.path)
        return original(self, request)

    monkeypatch.setattr(Services_, "__call__", answers)
    signed_in(client, keys["hk-central/staff"], "en")
    page = client.get(f"/complaints/{CID}").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
    answer = client.post(
        f"/complaints/{CID}/commitment-kept",
        data={"csrf": token, "commitment": "../acceptance", "note": "x"},
        follow_redirects=False,
    )
    assert answer.status_code in (303, 422) and posted == []
