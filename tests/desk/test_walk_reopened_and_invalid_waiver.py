"""Two things a walk through the running system found on the complaint page, over stand-ins answering
with the services' shapes: after a reopening the department's card showed the previous cycle's cause and
solution as if current; and an invalid complaint's policy waiver was offered for withdrawal, leaving a
visit owed that nobody could record."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.status_link import status_token
from tests.desk.test_walkthrough_findings import CID, page_in, plain
from tests.desk.test_walkthrough_findings import desk as desk  # the fixture, over stand-ins

EARLIER = {"cause": "worn cable", "responsible_person": "lift contractor",
           "proposal": {"kind": "repair", "description": "replace the cable"},
           "result": {"result": "lift works", "resolved": True, "at": "2026-12-01T01:00:00+00:00"},
           "reopened_at": "2026-12-01T02:00:01+00:00", "reason": "customer dissatisfied"}  # fmt: skip


def dd(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</dd>', page, re.S)
    assert found, page
    return plain(found[1])


@pytest.mark.parametrize(
    ("lang", "anew", "before"),
    [
        ("en", "not recorded since the reopening", "Before reopening 1"),
        ("zh-Hant", "重開後尚未記錄", "第 1 次重開前"),
        ("zh-Hans", "重开后尚未记录", "第 1 次重开前"),
    ],
)
def test_after_a_reopening_the_cause_is_not_yet_recorded_and_the_earlier_one_is_shown_as_earlier(
    desk: Any, lang: str, anew: str, before: str
) -> None:
    client, stand, keys = desk
    stand.case |= {"stage": "accepted", "cause": None, "responsible_person": None, "proposal": None,
                   "result": None, "earlier": [EARLIER]}  # fmt: skip
    page = page_in(client, keys["hk-central/supervisor"], lang)
    assert dd(page, "case-cause") == anew and dd(page, "case-solution") == anew and dd(page, "case-result") == anew
    earlier = dd(page, "case-earlier")
    assert "worn cable" in earlier and "replace the cable" in earlier and "lift works" in earlier, earlier
    assert before in plain(page)


def test_a_first_cycle_s_cause_shows_as_current(desk: Any) -> None:
    client, stand, keys = desk
    stand.case |= {"stage": "accepted", "cause": "worn cable", "responsible_person": "lift contractor",
                   "proposal": None, "result": None, "earlier": []}  # fmt: skip
    page = page_in(client, keys["hk-central/supervisor"], "en")
    assert dd(page, "case-cause") == "worn cable" and dd(page, "case-solution") == "—"
    assert 'data-testid="case-earlier"' not in page


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_an_invalid_complaint_s_policy_waiver_is_not_offered_for_withdrawal_and_says_why(desk: Any, lang: str) -> None:
    client, stand, keys = desk
    rule, reason = "followup.waive.return-visit.invalid@v1", "an invalid complaint is answered with ..."
    refusal = {"detail": "the return-visit is waived by the policy ...", "code": "followup.waiver_required_by_policy",
               "params": {"step": "return-visit", "reason": reason, "rule": rule}}  # fmt: skip
    stand.history["complaint"]["validity"] = "invalid"
    stand.followup |= {"validity": "invalid", "waivers": {"return-visit": {"reason": reason, "rule": rule, "by": None}},
                       "steps": {"waiver-withdrawal": refusal}}  # fmt: skip
    page = page_in(client, keys["hk-central/manager"], lang)
    assert 'data-testid="form-waiver-withdrawal"' not in page
    why = re.search(r'data-testid="not-now-waiver-withdrawal">(.*?)</li>', page, re.S)
    assert why, page
    assert "never" in plain(why[1]) if lang == "en" else "永" in plain(why[1])

    stand.followup["steps"] = {"waiver-withdrawal": None}  # a person's waiver: withdrawn, the visit is owed
    assert 'data-testid="form-waiver-withdrawal"' in page_in(client, keys["hk-central/manager"], lang)


def test_the_status_page_says_received_once_at_the_office_s_received_time(desk: Any) -> None:
    """Found on the walk: the complainant's page said "Received" at the office's time and, a few minutes
    later, "We received your complaint" at the registration's: one receipt, the office's time."""
    client, stand, _keys = desk
    stand.history["timeline"] = [
        {"type": "complaints.intake.ComplaintRegistered", "occurred_at": "2026-11-30T10:12:00+00:00",
         "actor": {"id": "hk-central/reception", "role": "receptionist"}, "summary": "registered",
         "explanation": None, "payload": {}},
    ]  # fmt: skip
    page = client.get(f"/status/{status_token(CID, 'development-status-link-secret')}?lang=en").text
    times = re.findall(r"<time>(.*?)</time>", page)
    assert len(times) == 1 and "6:07" in times[0], times  # 10:07 UTC, the office's received time, in Hong Kong
    said = plain(page)
    assert "6:12" not in said and "Received:" not in said and said.count("received your complaint") == 1, said
