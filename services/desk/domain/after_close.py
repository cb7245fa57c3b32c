"""What a closed complaint's page still offers. The fact "closed" is the projection's (its read model's
`state` and `closed_at`, from follow-up's CaseClosed and ComplaintReopened): the desk reads it, never
works it out.

After the close (DOMAIN.md §10) a department has nothing left to do, nothing is replied or visited and
no time limit runs: handling, follow-up and the SLA refuse those steps, so the page no longer offers them.
What stays is a person's judgement (DOMAIN.md: it replaces the automatic one everywhere, with who and
why): of validity — a complaint closed as invalid and judged valid opens again (follow-up reopens it) —
and of nature and category, which the statistics count. Severity and routing are not offered: they time
and route handling that is over. The history stays on the page for anyone who may read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .roles import Action

AFTER_CLOSE = frozenset({Action.OVERRIDE})
ASPECTS_AFTER_CLOSE = ("validity", "nature", "category")


def closed_at(history: dict[str, Any]) -> datetime | None:
    """When the complaint was closed, per the projection; None while it is open (or reopened)."""
    at = (history.get("complaint") or {}).get("closed_at")  # its `state` is "closed" exactly when this is set
    return datetime.fromisoformat(at) if isinstance(at, str) else None


def still_offered(actions: frozenset[Action], history: dict[str, Any]) -> frozenset[Action]:
    """The person's actions that can still be taken on the complaint: all while open, few once closed."""
    return actions & AFTER_CLOSE if closed_at(history) else actions


def aspects_offered(aspects: tuple[str, ...], history: dict[str, Any]) -> tuple[str, ...]:
    """The decisions a person may confirm or change on the complaint."""
    return tuple(a for a in aspects if a in ASPECTS_AFTER_CLOSE) if closed_at(history) else aspects
