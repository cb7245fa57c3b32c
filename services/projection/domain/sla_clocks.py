"""The SLA service's clocks as the projection reads them: the one authority on time limits.

Each clock generation (by its key, `kind#cycle[.generation]`) keeps its deadline, an approved
extension and its earliest end: stopped by its fact (met, met under extension, breached) or superseded
(with or without a breach already on record). The projection judges steps from these; it computes no
deadline of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Clock kinds of the SLA service -> the record-rule step they time.
CLOCK_STEPS = {
    "hand-over": "handled",
    "resolution": "result",
    "settlement": "result",
    "reply": "reply",
    "return-visit": "return-visit",
}
STEP_KINDS = {step: frozenset(k for k, s in CLOCK_STEPS.items() if s == step) for step in set(CLOCK_STEPS.values())}


@dataclass
class Clock:
    """One generation of one SLA clock, as the SLA service published it."""

    key: str
    kind: str
    started_at: datetime | None = None
    deadline: datetime | None = None
    extended_until: datetime | None = None
    ended_at: datetime | None = None
    outcome: str | None = None  # met | met-under-extension | breached | superseded
    breached_when_superseded: bool = False
    note: str = ""

    @property
    def cycle(self) -> int:
        """Result cycle (hop, for a hand-over) from the key 'kind#cycle[.generation]'."""
        tail = self.key.split("#", 1)[1] if "#" in self.key else "0"
        return int(tail.split(".", 1)[0]) if tail.split(".", 1)[0].isdigit() else 0

    @property
    def in_force(self) -> datetime | None:
        if self.deadline is None:
            return None
        return max(self.deadline, self.extended_until) if self.extended_until else self.deadline

    @property
    def withdrawn(self) -> bool:
        """Superseded at its very start: the facts (some heard late) show it never applied."""
        return self.outcome == "superseded" and self.ended_at == self.started_at and not self.breached_when_superseded

    def breached(self, now: datetime) -> bool:
        if self.ended_at is not None:
            return self.outcome == "breached" or (self.outcome == "superseded" and self.breached_when_superseded)
        return self.in_force is not None and now > self.in_force

    def end(self, at: datetime, outcome: str, breached: bool = False, note: str = "") -> None:
        """The earliest end wins: a fact heard late may end a clock before the end on record."""
        if self.ended_at is not None and (at > self.ended_at or (at == self.ended_at and outcome == "superseded")):
            return
        self.ended_at, self.outcome, self.breached_when_superseded, self.note = at, outcome, breached, note
