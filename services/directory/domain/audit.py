"""Who changed the directory and why: every event of every aggregate here carries it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Change:
    """The actor (their key's actor id and role), their reason, and the instant (commands take `now`)."""

    by: str
    role: str
    reason: str
    at: datetime

    def fields(self) -> dict[str, object]:
        return {"by": self.by, "role": self.role, "reason": self.reason, "at": self.at}
