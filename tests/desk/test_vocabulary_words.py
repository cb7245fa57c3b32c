"""The vocabularies' codes (business areas, content categories, departments, severities, validity,
nature, clock kinds) are said in the page's words, with the code kept beside them where staff type it.
Found walking through the system as a new user: a Chinese complaint page said
"業務範疇 electromechanical 部門 engineering". The words are one author's, shared with the weekly reports
(shared/contracts/labels.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.projection.reports.labels import words as report_words
from shared.contracts import labels
from shared.contracts.common import BusinessArea, CommunicationKind, ContentCategory, Nature, Severity, Validity
from shared.contracts.sla import ClockKind
from tests.desk.support import desk_client, desk_keys
from tests.desk.test_pages_as_services_answer import CID, Services_, plain, signed_in

ROW = {"complaint_id": str(CID), "office_id": "hk-central", "sequence_number": 4, "office_reference": "W-1",
       "state": "routed", "severity": "minor", "validity": "valid", "business_area": "electromechanical",
       "department": "engineering", "received_at": "2026-11-30T10:00:00+00:00", "violations": [],
       "needs_review": False, "review": []}  # fmt: skip


class WithARow(Services_):
    """The services as they answer, the complaint list holding one complaint routed to engineering."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "projection" and request.url.path == "/complaints":
            return httpx.Response(200, json={"total": 1, "limit": 500, "offset": 0, "items": [ROW]})
        return super().__call__(request)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = desk_keys(tmp_path)
    with desk_client(tmp_path, keys, WithARow()) as client:
        yield client, keys


def shown(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(dd|tr)>', page, re.S)
    assert found is not None, testid
    return plain(found[1]).strip()


@pytest.mark.parametrize(
    ("lang", "area", "department", "content"),
    [("zh-Hant", "機電設備", "工程部", "設備"), ("zh-Hans", "机电设备", "工程部", "设备"),
     ("en", "electromechanical equipment", "engineering", "equipment")],
)  # fmt: skip
def test_the_complaint_page_names_the_area_and_the_department_in_its_language_with_their_codes(
    desk: Any, lang: str, area: str, department: str, content: str
) -> None:
    client, keys = desk
    signed_in(client, keys["hk-central/supervisor"], lang)
    page = client.get(f"/complaints/{CID}").text
    assert shown(page, "business-area") == f"{area} electromechanical"
    assert shown(page, "department").startswith(department) and "engineering" in shown(page, "department")
    assert 'title="electromechanical"' in page and 'title="engineering"' in page  # the code, for staff who type it
    category = shown(page, "decision-category").replace("/ ", "/")  # plain() spaces out the tags
    assert f"{content}/{area} electromechanical" in category
    assert department in shown(page, "decision-routing")
    if lang != "en":  # no English code standing alone on a Chinese page
        text = plain(page)
        assert "業務範疇 electromechanical" not in text and "业务范畴 electromechanical" not in text
        assert not re.search(r"(部門|部门) engineering", text)


def test_the_queue_s_department_filter_offers_the_department_s_word_with_its_code(desk: Any) -> None:
    client, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
    page = client.get("/queue?state=all").text
    option = re.search(r'<option value="engineering"[^>]*>(.*?)</option>', page)
    assert option is not None and option[1] == "工程部 (engineering)"


def test_every_code_of_the_closed_vocabularies_has_its_words_in_the_three_languages() -> None:
    closed = {"area": BusinessArea, "category": ContentCategory, "severity": Severity, "validity": Validity,
              "nature": Nature, "communication": CommunicationKind, "clock": ClockKind}  # fmt: skip
    for name, vocabulary in closed.items():
        assert set(labels.VOCABULARIES[name]) == {str(code) for code in vocabulary}, name  # type: ignore[index]
        for code in vocabulary:
            said = [labels.word(name, code, lang) for lang in labels.LANGUAGES]  # type: ignore[arg-type]
            assert all(said) and said[1] != code and said[2] != code, (name, code, said)
    assert labels.word("area", "rooftop-garden", "zh-Hant") == "rooftop-garden"  # one the group added: its code


def test_the_reports_say_the_areas_and_clocks_in_the_same_words_as_the_desk() -> None:
    for lang in labels.LANGUAGES:
        report = report_words(lang)
        for area in BusinessArea:
            assert report.area(area).lower() == labels.word("area", area, lang).lower()
        for clock in ClockKind:
            assert report.clock(clock).lower() == labels.word("clock", clock, lang).lower()
    assert report_words("zh-Hant").area("unknown") == "未分類"  # the report's own stand-in stays the report's


def test_a_page_for_another_role_names_the_roles_in_words(desk: Any) -> None:
    client, keys = desk
    client.cookies.set("desk_lang", "zh-Hant")
    client.post("/sign-in", data={"key": keys["group/privacy"], "next": "/privacy"})
    said = re.search(r'data-testid="role-needed">(.*?)</p>', client.get("/register").text, re.S)
    assert said is not None and "私隱主任" in said[1] and "接待員" in said[1]
    assert not re.search(r"receptionist|privacy|supervisor", said[1]), said[1]
