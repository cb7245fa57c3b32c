"""What a complainant's status page shows: the milestones of their complaint and when, nothing more.

Built from the projection's history by an allow-list: only the event types below become milestones,
and each keeps its time and, for the customer's own return visit, its outcome, for a promise made to
them, the time promised (the texts and mails they get say both; the page must not say less). No words
the staff wrote — what a progress report told, a promise's words, how it was kept — and no actor, no
department's internal notes (cause, responsible person, proposals, rejections, execution notes,
overrides and their reasons), no clock or staff name ever reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .cycles import REOPENED

# event type -> milestone key (the page's words for it come from the message catalogue)
MILESTONES = {
    "ComplaintRegistered": "received",
    "ComplaintTriaged": "assessed",
    "CaseAccepted": "accepted",
    "HandOverAccepted": "accepted",
    "ProgressReported": "progress",  # the complainant was told of progress (the words are in their mail)
    "CommitmentMade": "promised",  # a time promised to them: the page says it
    "CommitmentKept": "promise-kept",
    "SolutionApproved": "solution-approved",
    "SolutionCarriedOut": "carried-out",
    "ResultRecorded": "result",
    "CustomerReplied": "replied",
    "ReturnVisitMade": "visited",
    "CaseReopened": "reopened",
    "CaseClosed": "closed",
    "ComplaintReopened": "reopened",  # closed as invalid, then judged valid by a person
}
# Where the complaint stands, in the complainant's words (the projection's state -> a public stage).
STAGES = ("received", "in-handling", "replied", "closed")


@dataclass(frozen=True)
class Milestone:
    key: str
    at: datetime
    # a return visit's outcome, or the time a promise named (ISO); never a text the staff wrote
    detail: str | None = None
    # A return visit's cycle: 0 before any reopening, n after the n-th (handling's `CaseReopened`, in
    # the timeline's order, as the staff's timeline counts it: domain/cycles.py), so two visits of two
    # cycles do not read the same.
    cycle: int = 0


def short_type(event_type: str) -> str:
    return event_type.rsplit(".", 1)[-1]


def milestones(history: dict[str, Any]) -> list[Milestone]:
    found: list[Milestone] = []
    reopenings = 0
    for entry in history.get("timeline", []):
        kind = short_type(str(entry.get("type", "")))
        key = MILESTONES.get(kind)
        if key is None:
            continue
        at = datetime.fromisoformat(str(entry["occurred_at"]))
        received_at = (history.get("complaint") or {}).get("received_at")
        if key == "received" and received_at:
            # The office's received time, not the registration's a few minutes later: one "received".
            at = datetime.fromisoformat(str(received_at))
        detail, cycle = None, 0
        if key == "visited":
            detail = str((entry.get("payload") or {}).get("outcome") or "") or None
            cycle = reopenings
        elif key == "promised":
            detail = str((entry.get("payload") or {}).get("due_at") or "") or None
        found.append(Milestone(key, at, detail, cycle))
        reopenings += kind == REOPENED
    return found


def stage(history: dict[str, Any]) -> str:
    facts = history.get("complaint") or {}
    if facts.get("closed_at"):
        return "closed"
    if facts.get("replied_at"):
        return "replied"
    if any(m.key in ("accepted", "assessed") for m in milestones(history)):
        return "in-handling"
    return "received"
