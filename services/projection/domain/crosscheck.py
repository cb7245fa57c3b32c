"""The stored chain against a fresh reading of the topics: what the store holds and the log does not,
and the other way round, event by event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from .chain import Finding, Link


class LoggedEvent(Protocol):
    event_id: str
    office_id: str
    digest: str
    topic: str
    partition: int
    offset: int


def crosscheck(links: Iterable[Link], logged: Iterable[LoggedEvent]) -> list[Finding]:
    stored = {link.event_id: link for link in links}
    seen: dict[str, LoggedEvent] = {}
    findings = []
    for event in logged:
        if event.event_id in seen:
            continue  # a re-publication of the same event: one entry in the store
        seen[event.event_id] = event
        link = stored.get(event.event_id)
        where = f"{event.topic}/{event.partition}@{event.offset}"
        if link is None:
            findings.append(
                Finding(
                    "inserted",
                    event.office_id,
                    0,
                    event.event_id,
                    f"on the topic at {where} but not in the store's chain",
                )
            )
        elif link.digest != event.digest:
            findings.append(
                Finding(
                    "altered",
                    link.office_id,
                    link.position,
                    event.event_id,
                    f"the topic's copy at {where} differs from the chained one",
                )
            )
    findings += _reordered(stored, list(seen.values()))
    for event_id, link in stored.items():
        if event_id not in seen:
            findings.append(
                Finding(
                    "removed",
                    link.office_id,
                    link.position,
                    event_id,
                    "chained in the store but no longer on the topics",
                )
            )
    return sorted(findings, key=lambda f: (f.office_id, f.position, f.event_id))


def _reordered(stored: dict[str, Link], logged: list[LoggedEvent]) -> list[Finding]:
    """One partition's events are consumed in offset order, so an office's chain positions grow with
    the offsets of each partition: an event whose position is below its predecessor's was moved."""
    findings = []
    by_partition: dict[tuple[str, int], list[LoggedEvent]] = {}
    for event in logged:
        by_partition.setdefault((event.topic, event.partition), []).append(event)
    for (topic, partition), events in sorted(by_partition.items()):
        last: dict[str, int] = {}
        for event in sorted(events, key=lambda e: e.offset):
            link = stored.get(event.event_id)
            if link is None:
                continue
            if link.position < last.get(link.office_id, 0):
                findings.append(
                    Finding(
                        "reordered",
                        link.office_id,
                        link.position,
                        event.event_id,
                        f"at {topic}/{partition}@{event.offset} it comes after an event chained later",
                    )
                )
            last[link.office_id] = max(last.get(link.office_id, 0), link.position)
    return findings
