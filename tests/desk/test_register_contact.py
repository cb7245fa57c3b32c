"""Intake refuses a contact that reaches nobody (no valid phone number, no e-mail address): the
reception form says so beside the field in the page's language and keeps what was typed; intake's
English sentence is not shown on a page in another language (found on the walk: it followed the
Chinese words in brackets)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .test_pages import CID, HISTORY, csrf, desk, sign_in  # noqa: F401 (the fixture)
from .test_register_language import FORM


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh-Hant", "此電話或電郵無法聯絡投訴人"), ("zh-Hans", "此电话或电子邮件无法联系投诉人"),
     ("en", "This phone or e-mail cannot reach the complainant")],
)  # fmt: skip
def test_a_refused_contact_is_said_beside_the_field_in_the_pages_language(desk: Any, lang: str, words: str) -> None:  # noqa: F811
    client, _stand, keys = desk
    sign_in(client, keys["hk-central/reception"])
    page = client.get(f"/register?lang={lang}").text
    answer = client.post("/register", data=FORM | {"contact": "abc", "csrf": csrf(page)})
    assert answer.status_code == 422, answer.text[:300]
    assert 'data-testid="contact-problem"' in answer.text and words in answer.text
    assert "complainant.contact" not in answer.text  # intake's English sentence, in any language
    assert 'value="abc"' in answer.text  # what was typed is kept to be corrected
    fine = client.post("/register", data=FORM | {"csrf": csrf(client.get("/register").text)})
    assert fine.url.path == "/queue" and 'data-testid="contact-problem"' not in fine.text


def test_the_hotlines_call_record_says_it_too(desk: Any) -> None:  # noqa: F811
    client, _stand, keys = desk
    client.post("/sign-in", data={"key": keys["group/hotline"], "next": "/queue"})  # lands on /hotline
    page = client.get("/hotline?lang=zh-Hans").text
    record = {"office_id": "kln-east", "hotline_reference": "HL-1", "reported_at": "2026-11-30T09:15",
              "name": "Lee Ka Yan", "contact": "abc", "unit_address": "Tower 2",
              "summary": "the lift stopped"}  # fmt: skip
    answer = client.post("/hotline", data=record | {"csrf": csrf(page)})
    assert answer.status_code == 422, answer.text[:300]
    assert 'data-testid="contact-problem"' in answer.text and "此电话或电子邮件无法联系投诉人" in answer.text


def test_a_complainant_who_gives_no_contact_is_recorded_with_none_and_the_page_says_so(
    desk: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An anonymous letter: the field left empty is sent as no contact (not as an empty text intake
    would refuse), and the complaint's page says nobody can be told, in the page's language."""
    client, stand, keys = desk
    sign_in(client, keys["hk-central/reception"])
    page = client.get("/register").text
    assert 'data-testid="contact-hint"' in page
    assert 'name="contact" value="" data-testid="f-contact" maxlength="200">' in page  # optional, still bounded
    answer = client.post("/register", data=FORM | {"name": "匿名", "contact": "  ", "csrf": csrf(page)})
    assert answer.url.path == "/queue", answer.text[:300]
    [sent] = [r for r in stand.seen if r.url.host == "intake" and r.method == "POST"]
    assert json.loads(sent.content)["complainant"] == {"name": "匿名", "contact": None}

    monkeypatch.setitem(HISTORY["complaint"], "complainant", {"name": "匿名", "contact": None})
    for lang, words in [("en", "no contact given"), ("zh-Hant", "沒有聯絡方法"), ("zh-Hans", "没有联系方式")]:
        shown = client.get(f"/complaints/{CID}?lang={lang}").text
        assert 'data-testid="no-contact"' in shown and words in shown, lang


def test_a_complaint_without_a_contact_offers_the_waiver_not_a_visit_nobody_can_make(
    desk: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, _stand, keys = desk
    sign_in(client, keys["hk-central/supervisor"])
    with_contact = client.get(f"/complaints/{CID}?lang=zh-Hant").text
    assert 'data-testid="form-visit"' in with_contact and 'data-testid="visit-no-contact"' not in with_contact
    monkeypatch.setitem(HISTORY["complaint"], "complainant", {"name": "Anonymous", "contact": None})
    page = client.get(f"/complaints/{CID}?lang=zh-Hant").text
    assert 'data-testid="visit-no-contact"' in page and "無法回訪" in page
    assert 'data-testid="form-waiver"' in page
