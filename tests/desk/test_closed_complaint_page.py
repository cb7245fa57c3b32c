"""A closed complaint's page offers only what can still be done on it, and says it is closed and when.

Found by a user: the page of a closed complaint offered the cause, a hand-over, a return visit, more time
…, each refused by its service. "Closed" is the projection's fact (`closed_at` in its read model), read by
the desk (services/desk/domain/after_close.py), not worked out from the other services' answers.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from services.desk.domain.after_close import aspects_offered, closed_at, still_offered
from services.desk.domain.forms import TRIAGE_ASPECTS
from services.desk.domain.roles import Action
from services.followup.domain.case import FollowUpCase
from services.followup.domain.policy import DEFAULT_POLICY
from tests.desk.test_pages_as_services_answer import CASE, CID, HISTORY, Services_, desk, plain, signed_in
from tests.desk.test_steps_offered import T0, followup_answer, handling_answer, handling_cases

__all__ = ["desk"]  # the fixture, used by name

CLOSED = HISTORY | {"complaint": HISTORY["complaint"] | {"closed_at": "2026-11-30T14:30:00+00:00"}}
OPEN = HISTORY | {"state": "replied", "complaint": HISTORY["complaint"] | {"state": "replied", "closed_at": None}}
FOLLOWUP = {"complaint_id": str(CID), "visits": [], "waivers": {},
            "closed": {"at": "2026-11-30T14:30:00+00:00", "by": "hk-central/supervisor"}}  # fmt: skip


def forms_on(page: str) -> set[str]:
    return set(re.findall(r'data-testid="form-([a-z-]+)"', page))


def answering(
    monkeypatch: pytest.MonkeyPatch, history: dict[str, Any], followup: dict[str, Any] = FOLLOWUP,
    case: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    original = Services_.__call__

    def answers(self: Services_, request: httpx.Request) -> httpx.Response:
        if request.url.host == "projection" and request.url.path == f"/complaints/{CID}":
            return httpx.Response(200, json=history)
        if request.url.host == "followup" and request.method == "GET":
            return httpx.Response(200, json=followup)
        if request.url.host == "handling" and request.method == "GET" and case is not None:
            return httpx.Response(200, json=case)
        return original(self, request)

    monkeypatch.setattr(Services_, "__call__", answers)


@pytest.mark.parametrize(
    ("lang", "said", "at"),
    [("en", "Closed Nov 30, 2026", "10:30"), ("zh-Hant", "已結案", "10:30"), ("zh-Hans", "已结案", "22:30")],
)  # fmt: skip
def test_a_closed_complaint_offers_only_a_supervisor_s_judgement_and_says_when_it_closed(
    desk: Any, monkeypatch: pytest.MonkeyPatch, lang: str, said: str, at: str
) -> None:
    client, _, keys = desk
    answering(monkeypatch, CLOSED)
    signed_in(client, keys["hk-central/supervisor"], lang)
    page = client.get(f"/complaints/{CID}").text
    assert forms_on(page) == {"override"}, forms_on(page)
    note = plain(re.search(r'data-testid="closed-note">(.*?)</p>', page, re.S)[1])  # type: ignore[index]
    assert said in note and at in note, note  # the close's instant, in the offices' zone (UTC+8)
    aspects = re.search(r'<select name="aspect"[^>]*>(.*?)</select>', page, re.S)[1]  # type: ignore[index]
    assert re.findall(r'<option value="([a-z]+)"', aspects) == ["validity", "nature", "category"]
    assert 'data-testid="timeline"' in page or "timeline" in page  # its history is still shown


def test_a_department_s_staff_has_nothing_left_to_do_on_a_closed_complaint(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, keys = desk
    answering(monkeypatch, CLOSED)
    signed_in(client, keys["hk-central/staff"], "en")
    page = client.get(f"/complaints/{CID}").text
    assert forms_on(page) == set() and 'data-testid="closed-note"' in page


def test_an_open_complaint_offers_the_steps_of_its_stage(desk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replied, not visited (follow-up's answer): the visit and a waiver are offered; the department's steps
    (its case has a result), the reply (given) and the close (no visit yet) are listed as not at this step."""
    client, _, keys = desk
    followup = FollowUpCase(CID, "hk-central")  # its steps as follow-up answers them
    followup.note_triaged("valid", "effective", None, T0, "t1", DEFAULT_POLICY)
    followup.note_result(T0, True, "clean", "r1", DEFAULT_POLICY)
    followup.reply("hk-central/supervisor", "supervisor", "phone", "cleaned", T0)
    resulted = dict(handling_cases())["resulted"]
    answering(monkeypatch, OPEN, FOLLOWUP | {"closed": None, "cycle": 0, "validity": "valid",
                                             "results": [{"resolved": True}],
                                             "replies": [{"cycle": 0, "explanation_only": False}]}
              | followup_answer(followup), CASE | handling_answer(resulted))  # fmt: skip
    signed_in(client, keys["hk-central/supervisor"], "en")
    page = client.get(f"/complaints/{CID}").text
    assert {"override", "visit", "waiver"} <= forms_on(page) and not {"cause", "reply", "close"} & forms_on(page)
    assert {"cause", "reply", "close"} <= set(re.findall(r'data-testid="not-now-([a-z-]+)"', page))
    assert 'data-testid="closed-note"' not in page


def test_closed_is_the_projection_s_fact() -> None:
    everything = frozenset(Action)
    assert closed_at(CLOSED) is not None and closed_at(OPEN) is None and closed_at({}) is None
    assert still_offered(everything, CLOSED) == {Action.OVERRIDE}
    assert still_offered(everything, OPEN) == everything
    assert aspects_offered(TRIAGE_ASPECTS, CLOSED) == ("validity", "nature", "category")
    assert aspects_offered(TRIAGE_ASPECTS, OPEN) == TRIAGE_ASPECTS
    reopened = CLOSED | {"complaint": CLOSED["complaint"] | {"closed_at": None, "reopened": True}}
    assert still_offered(everything, reopened) == everything  # reopened: open again, every step offered


def test_a_closed_complaint_does_not_ask_for_a_review_it_no_longer_offers(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found on `make up`: a closed complaint still said "triage asks a person to review: severity …" while
    its form no longer offers the severity (handling is over): the flag was a question nobody could answer."""
    from services.triage.domain import review as triage_review
    from tests.desk.test_pages_as_services_answer import TRIAGE

    flag = triage_review.model_disagrees("severity", "minor", "reading-model@1", "major", 0.4)
    decided = TRIAGE["decision"] | {"review": [flag.text], "review_flags": [flag.model_dump(mode="json")]}
    monkeypatch.setitem(TRIAGE, "decision", decided)
    monkeypatch.setitem(TRIAGE, "overrides", [])
    # without the override the grade in force is the one decided (a re-grade since would settle the flag)
    monkeypatch.setitem(TRIAGE, "severity", decided["severity"])
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "en")
    answering(monkeypatch, CLOSED)
    assert 'data-testid="needs-review"' not in client.get(f"/complaints/{CID}").text
    answering(monkeypatch, OPEN)
    assert 'data-testid="needs-review"' in client.get(f"/complaints/{CID}").text


def test_the_reply_and_the_close_say_what_was_told_and_learnt(desk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found on `make up`: "Reply and return visits" listed "Reply: 6:50 PM" without what the customer was
    told, and the close without its lessons (follow-up's answer keeps neither; the timeline does)."""
    replied = {
        "type": "complaints.followup.CustomerReplied",
        "occurred_at": "2026-11-30T14:00:00+00:00",
        "actor": {"id": "hk-central/supervisor", "role": "supervisor"},
        "summary": "replied",
        "explanation": None,
        "payload": {"channel": "phone", "summary": "已致電陳先生說明", "replied_at": "2026-11-30T14:00:00+00:00"},
    }
    closed = {"type": "complaints.followup.CaseClosed", "occurred_at": "2026-11-30T14:30:00+00:00",
              "actor": {"id": "hk-central/supervisor", "role": "supervisor"}, "summary": "closed", "explanation": None,
              "payload": {"cause": "排班漏洞", "lessons": "每週檢查排班", "improvement": "檢查表",
                          "responsibility": "主管"}}  # fmt: skip
    answering(monkeypatch, CLOSED | {"timeline": [*CLOSED["timeline"], replied, closed]})
    client, _, keys = desk
    signed_in(client, keys["hk-central/supervisor"], "zh-Hant")
    page = client.get(f"/complaints/{CID}").text
    card = plain(re.search(r'data-testid="followup">(.*?)</section>', page, re.S)[1])  # type: ignore[index]
    assert "已致電陳先生說明" in card and "電話" in card and "每週檢查排班" in card and "排班漏洞" in card, card
