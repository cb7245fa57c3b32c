"""A complainant as one identity key knows them (a salted HMAC of their phone, e-mail, name and flat,
or name: see `identity`): the complaints noted under that key. A person has several keys; the
complaints found under any of their confirming keys are theirs, under the name alone possibly theirs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

from .engine import EarlierComplaint, History
from .identity import IdentityKey, Match, recognise

# The newest complaints a key remembers. Under a common name alone ("Chan Tai Man") a group records
# thousands; remembering all of them made each registration's cost grow with all history. A hundred
# is far more than any rule reads (the published history keeps `recent_history`, a repeated promise
# needs the last few), and the bound keeps the aggregate, its snapshot and every lookup constant.
REMEMBERED = 100


class Complainant(Aggregate):
    @staticmethod
    def create_id(key: str, **_: Any) -> UUID:
        return derived_id("complainant", key)

    @event("Known")
    def __init__(self, key: str) -> None:
        self.key = key
        self.complaints: list[dict[str, Any]] = []

    def history(self, excluding: str) -> History:
        return History(
            tuple(
                EarlierComplaint(c["complaint_id"], c["business_area"], c["validity"], c["promise_mentioned"])
                for c in self.complaints
                if c["complaint_id"] != excluding
            )
        )

    def complaint_ids(self) -> list[str]:
        return [c["complaint_id"] for c in self.complaints]

    def entry(self, complaint_id: str) -> EarlierComplaint | None:
        for c in self.complaints:
            if c["complaint_id"] == complaint_id:
                return EarlierComplaint(c["complaint_id"], c["business_area"], c["validity"], c["promise_mentioned"])
        return None

    def received(self, complaint_id: str) -> str:
        return next((c.get("received_at", "") for c in self.complaints if c["complaint_id"] == complaint_id), "")

    def knows(self, complaint_id: str) -> bool:
        return any(c["complaint_id"] == complaint_id for c in self.complaints)

    @event("ComplaintNoted")
    def note(
        self, complaint_id: str, business_area: str, validity: str, promise_mentioned: bool, received_at: str = ""
    ) -> None:
        self.complaints.append(
            {
                "complaint_id": complaint_id,
                "business_area": business_area,
                "validity": validity,
                "promise_mentioned": promise_mentioned,
                "received_at": received_at,
            }
        )
        if len(self.complaints) > REMEMBERED:
            # Oldest by reception first (arrival order breaks ties): a late-arriving old complaint
            # is the one forgotten, never a newer one.
            order = sorted(range(len(self.complaints)), key=lambda i: (self.complaints[i]["received_at"], i))
            forgotten = set(order[: len(self.complaints) - REMEMBERED])
            self.complaints = [c for i, c in enumerate(self.complaints) if i not in forgotten]

    def revalidate(self, complaint_id: str, validity: str) -> None:
        if self.knows(complaint_id):
            self._revalidated(complaint_id, validity)

    @event("ValidityChanged")
    def _revalidated(self, complaint_id: str, validity: str) -> None:
        for complaint in self.complaints:
            if complaint["complaint_id"] == complaint_id:
                complaint["validity"] = validity


@dataclass(frozen=True)
class Recognised:
    """What triage knows of this complaint's complainant: their history (matches only) and the
    evidence, as published (field names, never values)."""

    history: History
    matches: list[Match]
    possible: list[Match]

    def published(self, limit: int) -> dict[str, Any]:
        """The evidence for the decision: newest first, at most `limit` of each."""
        return {
            "matches": [{"complaint_id": m.complaint_id, "matched_on": list(m.matched_on)} for m in self.matches][::-1][
                :limit
            ],
            "possible_matches": [
                {"complaint_id": m.complaint_id, "matched_on": list(m.matched_on)} for m in self.possible
            ][::-1][:limit],
        }


def recognise_complainant(known: dict[IdentityKey, Complainant], complaint_id: str) -> Recognised:
    """The same person's earlier complaints (any confirming key) and the possible ones (name only),
    in the order they were received."""

    def received(c: str) -> tuple[str, str]:
        return (max((a.received(c) for a in known.values()), default=""), c)

    earlier = {key: sorted(a.complaint_ids(), key=received) for key, a in known.items()}
    matches, possible = recognise(earlier, excluding=complaint_id)
    matches.sort(key=lambda m: received(m.complaint_id))
    possible.sort(key=lambda m: received(m.complaint_id))
    entries = []
    for m in matches:
        entry = next((e for a in known.values() if (e := a.entry(m.complaint_id)) is not None), None)
        if entry is not None:
            entries.append(entry)
    return Recognised(History(tuple(entries)), matches, possible)
