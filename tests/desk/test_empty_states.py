"""An empty list says why and what to do next, in the page's language.

Found on `make up` as a new office's receptionist: the queue read "0 complaints" above an empty table, and a
search that found nothing the same; nobody could tell a quiet office from a filter left on, or a typo.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.desk.test_pages_as_services_answer import desk, plain, signed_in

__all__ = ["desk"]  # the fixture, used by name


def empty(page: str) -> str:
    return plain(re.search(r'data-testid="empty">(.*?)</p>', page, re.S)[1])  # type: ignore[index]


@pytest.mark.parametrize(
    ("lang", "quiet", "filtered"),
    [("en", "No open complaint", "Nothing matches these filters."),
     ("zh-Hant", "沒有未結案的投訴", "沒有符合這些篩選條件的投訴。"),
     ("zh-Hans", "没有未结案的投诉", "没有符合这些筛选条件的投诉。")],
)  # fmt: skip
def test_an_empty_queue_says_whether_nothing_waits_or_a_filter_hides_it(
    desk: Any, lang: str, quiet: str, filtered: str
) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/reception"], lang)
    page = client.get("/queue").text
    assert quiet in empty(page) and 'data-testid="empty-register"' in page  # reception records one from there
    page = client.get("/queue", params={"overdue": "true"}).text
    assert empty(page).startswith(filtered) and 'href="/queue" data-testid="show-all"' in page
    signed_in(client, keys["hk-central/staff"], lang)  # staff record none: no link to the form
    assert 'data-testid="empty-register"' not in client.get("/queue").text


@pytest.mark.parametrize(("lang", "said"), [("en", "No complaint of yours matches"), ("zh-Hant", "沒有符合「")])
def test_a_search_that_finds_nothing_says_how_to_search(desk: Any, lang: str, said: str) -> None:
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], lang)
    shown = empty(client.get("/search", params={"q": "lfit brokn"}).text)
    assert said in shown and "lfit brokn" in shown, shown
