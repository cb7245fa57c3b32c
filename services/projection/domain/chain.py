"""The per-office hash chain over every event the projection received.

Each received event is kept as its canonical JSON; its digest is the SHA-256 of that text; its link
hash is SHA-256("<previous hash>:<digest>"). A link also records its office and its position in the
office's chain (1, 2, 3, ...). Changing, removing, inserting or reordering any stored event breaks
the chain where it happened, and `verify_chain` says where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_hash(previous: str, digest: str) -> str:
    return hashlib.sha256(f"{previous}:{digest}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    position: int = 0
    hash: str = GENESIS

    def next(self, digest: str) -> ChainHead:
        return ChainHead(self.position + 1, link_hash(self.hash, digest))


@dataclass(frozen=True)
class Link:
    """One stored event as the chain sees it."""

    office_id: str
    position: int
    previous: str
    hash: str
    digest: str
    event_id: str
    event_json: str


@dataclass(frozen=True)
class Finding:
    """A break in an office's chain: what kind, where, and which event."""

    kind: str  # altered | removed | inserted | reordered
    office_id: str
    position: int
    event_id: str
    detail: str


def verify_chain(links: Iterable[Link]) -> list[Finding]:
    """Every break of every office's chain, first break of each kind per position, in order."""
    by_office: dict[str, list[Link]] = {}
    for link in links:
        by_office.setdefault(link.office_id, []).append(link)
    findings: list[Finding] = []
    for office_id in sorted(by_office):
        findings.extend(_verify_office(office_id, sorted(by_office[office_id], key=lambda k: k.position)))
    return findings


def _verify_office(office_id: str, links: list[Link]) -> list[Finding]:
    findings: list[Finding] = []
    by_hash = {link.hash: link for link in links}
    expected_position = 1
    previous_hash = GENESIS
    for index, link in enumerate(links):
        content_digest = digest_of(link.event_json)
        if content_digest != link.digest or link_hash(link.previous, link.digest) != link.hash:
            findings.append(
                Finding("altered", office_id, link.position, link.event_id, "content does not match its hash")
            )
        if index > 0 and link.position == links[index - 1].position:
            findings.append(
                Finding("inserted", office_id, link.position, link.event_id, "a second event at this position")
            )
            continue
        if link.position > expected_position:
            findings.append(
                Finding(
                    "removed",
                    office_id,
                    expected_position,
                    link.event_id,
                    f"positions {expected_position}..{link.position - 1} are missing before this event",
                )
            )
        elif link.previous != previous_hash:
            later = by_hash.get(link.previous)
            if later is not None and later.position > link.position:
                kind, detail = "reordered", f"it follows the event now at position {later.position}"
            elif link.previous not in by_hash and link.previous != GENESIS:
                kind, detail = "inserted", "it links to no event of the chain"
            else:
                kind, detail = "reordered", "it does not follow the event before it"
            findings.append(Finding(kind, office_id, link.position, link.event_id, detail))
        expected_position = link.position + 1
        previous_hash = link.hash
    return findings
