"""The read side against a source service's own store: does the projection say what the author says?

Issue 13, item 4: a record its service did not sign is refused on the bus, but an auditor should also
be able to check the read side against each source service's own record of the facts it alone
decides. Follow-up decides replies and return visits; `followup_differences` compares one complaint's
view with follow-up's case (as its HTTP API shows it, `GET /complaints/{id}`) for the cycle the
projection is in: the cycle, the reply's time, the final return visit's time and outcome. Pure: the
auditors' CLI fetches the cases (`adapters/sources.py`) and reports each difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .view import ComplaintView


@dataclass(frozen=True)
class SourceDifference:
    service: str
    complaint_id: str
    office_id: str
    fact: str
    read_side: str
    source: str

    def __str__(self) -> str:
        return f"{self.fact}: the read side says {self.read_side}, {self.service} says {self.source}"


def _instant(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _shown(value: Any) -> str:
    return "nothing" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)


def followup_differences(view: ComplaintView, case: Mapping[str, Any] | None) -> list[SourceDifference]:
    """What the read side says of `view`'s reply and return visit that follow-up's own `case` does not
    (None: follow-up has no case for the complaint)."""
    cycle = int(case["cycle"]) if case is not None else 0
    # An explanation answers an invalid complaint only: one judged valid later owes its result's reply.
    replies = [
        r
        for r in (case or {}).get("replies", [])
        if int(r["cycle"]) == cycle and (view.invalid or not r.get("explanation_only"))
    ]
    visits = [v for v in (case or {}).get("visits", []) if int(v["cycle"]) == cycle and v["final"]]
    pairs: list[tuple[str, Any, Any]] = [
        ("cycle", view.reopened, cycle),
        ("reply", view.replied_at, _instant(replies[0]["at"]) if replies else None),
        ("return visit", view.visited_at, _instant(visits[0]["at"]) if visits else None),
    ]
    if view.visited_at is not None or visits:
        pairs.append(("return visit outcome", view.visit_outcome, visits[0]["outcome"] if visits else None))
    return [
        SourceDifference("followup", str(view.complaint_id), view.office_id, fact, _shown(ours), _shown(theirs))
        for fact, ours, theirs in pairs
        if ours != theirs
    ]
