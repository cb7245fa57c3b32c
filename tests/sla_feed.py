"""The SLA service's clock events for a complaint's story, made by the real SLA domain (no I/O).

Tests of the projection and follow-up read time limits from the SLA's events, as the services do; this
feeds a story's contract events through the SLA's own inbound translation, its `ComplaintClocks`
aggregate (ticking the simulated time up to each fact) and its outbound translator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.sla.adapters.inbound import clock_fact
from services.sla.adapters.outbound import Translator
from services.sla.domain.clocks import ComplaintClocks
from services.sla.domain.errors import OutOfOrder
from services.sla.domain.policy import DEFAULT_POLICY, SlaPolicy
from shared.contracts import IntegrationEvent


@dataclass(frozen=True)
class Extension:
    """A manager's approved overtime on the running clock of `kind`, asked and decided at `at`."""

    at: datetime
    kind: str
    until: datetime


def clocks_for(
    events: Iterable[IntegrationEvent],
    extensions: Sequence[Extension] = (),
    now: datetime | None = None,
    policy: SlaPolicy = DEFAULT_POLICY,
    overtime_after_facts: tuple[datetime, timedelta] | None = None,
) -> tuple[ComplaintClocks, list[Any]]:
    """Feed `events` (in the order given) to one complaint's clocks; return the aggregate and its stored
    events. The scheduler fires what is due before each fact's instant, and up to `now` at the end.
    `overtime_after_facts` (at, how much): once every fact is in, a manager approves that much overtime
    on the running resolution clock, if one runs and it is still before its deadline."""
    clocks: ComplaintClocks | None = None
    stored: list[Any] = []
    pending = sorted(extensions, key=lambda x: x.at)
    for event in events:
        fact = clock_fact(event)
        if fact is None:
            continue
        if clocks is None:
            clocks = ComplaintClocks(event.complaint_id, event.office_id)
        name, at, data = fact
        while pending and pending[0].at <= at:
            _extend(clocks, pending.pop(0))
        clocks.fire_due(at)
        clocks.note(name, at, str(event.event_id), policy, None, **data)
        stored += clocks.collect_events()
    if clocks is None:
        raise ValueError("no event of the story is a clock fact")
    for extension in pending:
        _extend(clocks, extension)
    if overtime_after_facts is not None:
        _overtime(clocks, *overtime_after_facts)
    if now is not None:
        clocks.fire_due(now)
    stored += clocks.collect_events()
    return clocks, stored


def _extend(clocks: ComplaintClocks, extension: Extension) -> None:
    key = next(k for k, c in clocks.clocks.items() if c["kind"] == extension.kind and c["stopped_at"] is None)
    clocks.fire_due(extension.at)
    clocks.request_extension(key, extension.until, "parts on order", "staff", "department-staff", extension.at)
    clocks.decide_extension(key, True, "approved", "manager", "manager", extension.at)


def _overtime(clocks: ComplaintClocks, at: datetime, more: timedelta) -> None:
    running = [k for k, c in clocks.clocks.items() if c["kind"] == "resolution" and c["stopped_at"] is None]
    for key in running[:1]:
        try:
            until = clocks.clocks[key]["deadline"] + more
            clocks.request_extension(key, until, "parts on order", "staff", "department-staff", at)
            clocks.decide_extension(key, True, "approved", "manager", "manager", at)
        except OutOfOrder:
            pass  # too late, or the clock already ended: no overtime


def sla_events(
    events: Iterable[IntegrationEvent],
    extensions: Sequence[Extension] = (),
    now: datetime | None = None,
) -> list[IntegrationEvent]:
    """The integration events the SLA service would publish for these facts (no notifications)."""
    _, stored = clocks_for(events, extensions, now)
    return published(stored)


def published(stored: Iterable[Any]) -> list[IntegrationEvent]:
    """Stored SLA events (from the aggregate's first) -> the clock events the relay publishes."""
    translate = Translator(None)  # type: ignore[arg-type]  # the first stored event names the owner
    out: list[IntegrationEvent] = []
    for event in stored:
        for publication in translate(event):
            if publication.message.type.startswith("complaints.sla."):
                out.append(publication.message)
    return out
