"""Which handling cycle a timeline's event belongs to: a dissatisfied return visit reopens the case
(handling's `CaseReopened`), and the next cycle's visits are numbered from 1 again (follow-up's
`attempt` counts within a cycle). Its events carry no cycle; the timeline's order tells it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

REOPENED = "CaseReopened"


def reopenings_before(event: Mapping[str, Any], timeline: Sequence[Mapping[str, Any]]) -> int:
    """How many times the case was reopened before `event` on `timeline` (0: the first cycle)."""
    count = 0
    for entry in timeline:
        if entry is event or entry == event:
            return count
        if str(entry.get("type", "")).rsplit(".", 1)[-1] == REOPENED:
            count += 1
    return 0  # not on this timeline (a cause shown alone): said as it was, without a cycle
