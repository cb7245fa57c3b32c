# ruff: noqa: RUF001 (the pages' Chinese punctuation)
"""Found on the walk as a complainant (make up): the texts and mails a complainant gets say "there is progress"
and "we have made you a promise … by <time>", but the status page their link opens listed neither; a
complainant holding a promise read a page without it. The page now lists each progress report and each
promise with the time promised (in the office's zone, as every time on it) and a promise kept, in the
reader's language, and still nothing the staff wrote: not what was told, not the promise's words, not
how it was kept (the page shows what happened and when; the mails carry the words).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.status_link import status_token
from tests.desk.support import desk_client, desk_keys

CID = uuid4()
STAFF = {"id": "hk-central/staff", "role": "department-staff"}
HISTORY = {
    "complaint": {"complaint_id": str(CID), "office_id": "hk-central", "office_reference": "HK-P1",
                  "sequence_number": 1, "received_at": "2026-12-01T01:00:00+00:00", "state": "in-handling"},
    "state": "in-handling",
    "checks": [],
    "timeline": [
        {"type": "complaints.intake.ComplaintRegistered", "occurred_at": "2026-12-01T01:01:00+00:00",
         "actor": STAFF, "payload": {"form": {"description": "Lift stuck.", "customer_request": "Fix it."}}},
        {"type": "complaints.handling.CaseAccepted", "occurred_at": "2026-12-01T02:00:00+00:00", "actor": STAFF,
         "payload": {}},
        {"type": "complaints.handling.ProgressReported", "occurred_at": "2026-12-01T03:00:00+00:00",
         "actor": STAFF, "payload": {"message": "Engineer Lee ordered the part."}},
        {"type": "complaints.handling.CommitmentMade", "occurred_at": "2026-12-01T03:05:00+00:00", "actor": STAFF,
         "payload": {"promise": "Repaired by Friday noon.", "due_at": "2026-12-04T04:00:00Z"}},
        {"type": "complaints.handling.CommitmentKept", "occurred_at": "2026-12-03T08:00:00+00:00", "actor": STAFF,
         "payload": {"number": 0, "promise": "Repaired by Friday noon.", "note": "Part fitted by Engineer Lee."}},
    ],
}  # fmt: skip


def stand(request: httpx.Request) -> httpx.Response:
    if request.url.host == "projection" and request.url.path == f"/complaints/{CID}":
        return httpx.Response(200, json=HISTORY)
    return httpx.Response(404, json={"detail": "no such complaint"})


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with desk_client(tmp_path, desk_keys(tmp_path), stand) as client:
        yield client


def milestones(page: str) -> dict[str, str]:
    found = re.findall(r'data-testid="milestone" data-key="([^"]+)">(.*?)</li>', page, re.S)
    return {key: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip() for key, text in found}


@pytest.mark.parametrize(
    ("lang", "progress", "promise", "kept"),
    [
        # 2026-12-04T04:00Z is noon in Hong Kong; the kept promise at 08:00Z is 16:00 there
        ("en", "There was progress on your complaint", "We made you a promise, due by Dec 4, 2026, 12:00:00 PM",
         "We kept our promise"),
        ("zh-Hant", "您的投訴有新進展", "我們向您作出承諾，期限：2026年12月4日 中午12:00:00", "我們已履行承諾"),
        ("zh-Hans", "您的投诉有新进展", "我们向您作出承诺，期限：2026年12月4日 12:00:00", "我们已履行承诺"),
    ],
)  # fmt: skip
def test_the_status_page_lists_progress_and_each_promise_with_its_time(
    client: TestClient, lang: str, progress: str, promise: str, kept: str
) -> None:
    page = client.get(f"/status/{status_token(CID, 'development-status-link-secret')}?lang={lang}")
    assert page.status_code == 200
    lines = milestones(page.text)
    assert lines["progress"].endswith(progress), lines
    assert lines["promised"].endswith(promise), lines
    assert lines["promise-kept"].endswith(kept), lines
    assert list(lines) == ["received", "accepted", "progress", "promised", "promise-kept"]
    for private in ("Engineer Lee", "ordered the part", "Repaired by Friday", "Part fitted", "hk-central/staff"):
        assert private not in page.text, private
