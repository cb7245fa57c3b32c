"""On the real system, at the desk without JavaScript: a contact that reaches nobody is refused by intake
and said beside the field in the page's language, the corrected form is recorded; and the privacy
officer who looks the complainant up sees the complaints that name them in both offices (intake finds
the person, the projection lists what an erasure will touch)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.desk.conftest import CSRF, Person, registration
from tests.desk.system import System
from tests.desk.test_system_http import eventually, record

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

PERSON = {"name": "Ho Siu Wai", "contact": "+852 6234 5678", "unit_address": "Flat 9C, Block 2, Kowloon Bay"}


def test_a_refused_contact_then_the_persons_complaints_on_the_privacy_page(system: System) -> None:
    tag = uuid.uuid4().hex[:6]
    reception = Person(system, "hk-central/reception", lang="zh-Hant")
    try:
        refused = reception.post("/register", registration(f"C-{tag}", contact="abc"), page="/register")
        assert refused.status_code == 422, refused.text[:500]
        assert 'data-testid="contact-problem"' in refused.text and "此電話或電郵無法聯絡投訴人" in refused.text
        assert "complainant.contact" not in refused.text  # intake's English reason stays off a Chinese page
    finally:
        reception.close()

    theirs = {
        record(system, "hk-central", f"C-{tag}", **PERSON),  # the same form, its contact corrected
        record(system, "kln-east", f"K-{tag}", **PERSON),
    }
    officer = httpx.Client(base_url=system.desk_url, timeout=30, follow_redirects=True)
    officer.cookies.set("desk_lang", "zh-Hans")
    try:
        signed = officer.post("/sign-in", data={"key": system.key("group/privacy"), "next": "/queue"})
        assert signed.status_code == 200 and signed.url.path == "/privacy", signed.text[:300]
        token = CSRF.search(signed.text)
        assert token

        def listed() -> str | None:
            page = officer.post("/privacy/lookup", data={**PERSON, "csrf": token[1]}).text
            return page if page.count('data-testid="person-complaint"') == 2 else None

        page = str(eventually(listed, "both complaints listed under the person"))
        assert "记录此人的投诉" in page and 'data-testid="complaint-count">2<' in page
        assert all(str(c) in page for c in theirs) and "hk-central" in page and "kln-east" in page
    finally:
        officer.close()
