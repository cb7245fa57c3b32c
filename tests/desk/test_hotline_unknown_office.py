"""Intake refuses a hotline call about an office the directory never announced (422 naming `office_id`,
`type: unknown_office`): the desk's hotline form says so in the page's language, labelled as the form
labels the field, keeps what was typed, and records nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.desk.adapters.i18n import load_translations
from services.desk.adapters.problems import explain
from tests.desk.support import desk_client, desk_keys

from .test_pages import Stand, csrf

UNKNOWN_OFFICE = {"detail": [{
    "loc": ["body", "office_id"], "type": "unknown_office",
    "msg": "office 'nowhere' is not an office the directory knows; check the office id",
    "code": "intake.unknown_office", "params": {"office_id": "nowhere"},
}], "code": "request.invalid", "params": {}}  # fmt: skip
RECORD = {"office_id": "nowhere", "hotline_reference": "HL-1", "reported_at": "2026-11-30T09:15",
          "name": "Lee Ka Yan", "contact": "+852 9123 4567", "unit_address": "Tower 2",
          "summary": "the lift stopped"}  # fmt: skip


class DirectoryStand(Stand):
    """Intake as it answers when it follows the directory, which never announced `nowhere`."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/hotline/calls" and b'"office_id":"nowhere"' in request.content.replace(b" ", b""):
            self.seen.append(request)
            return httpx.Response(422, json=UNKNOWN_OFFICE)
        return super().__call__(request)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, DirectoryStand, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    stand = DirectoryStand(keys)
    with desk_client(tmp_path, keys, stand) as client:
        yield client, stand, keys


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "Office: is not an office the directory knows: check the office id"),
     ("zh-Hant", "管理處: 不是名錄所載的管理處"),
     ("zh-Hans", "管理处: 不是名录所载的管理处")],
)  # fmt: skip
def test_a_call_about_an_office_the_directory_never_announced_is_refused_in_the_pages_words(
    desk: Any, lang: str, words: str
) -> None:
    client, stand, keys = desk
    client.post("/sign-in", data={"key": keys["group/hotline"], "next": "/queue"})  # lands on /hotline
    page = client.get(f"/hotline?lang={lang}").text
    answer = client.post("/hotline", data=RECORD | {"csrf": csrf(page)})

    assert answer.status_code == 422, answer.text[:300]
    assert 'data-testid="problem"' in answer.text and words in answer.text, answer.text[:2000]
    assert 'value="nowhere"' in answer.text  # what was typed is kept to be corrected
    assert [r.url.path for r in stand.seen if r.method == "POST"] == ["/hotline/calls"]


def test_the_refusal_is_labelled_office_in_each_language() -> None:
    problems = UNKNOWN_OFFICE["detail"]
    for lang, label in (("zh-Hant", "管理處"), ("zh-Hans", "管理处")):
        said = explain("intake", 422, "", problems, load_translations()[lang].gettext, "hotline")
        assert said.startswith(f"{label}: ") and "directory" not in said and "nowhere" not in said, said
