"""Test helpers: development keys and realistic registration forms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.auth import DEV_OFFICES, make_dev_keys
from shared.bus.authors import signed
from shared.contracts import WireMessage
from shared.signing import OfficeSigner, add_public_record, new_signing_key

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def write_keys(path: Path) -> dict[str, str]:
    """Write a hashed key file; return the plain keys by actor id (e.g. 'hk-central/reception')."""
    records, plain = make_dev_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.model_dump() for r in records]))
    return plain


def write_signing_keys(path: Path) -> dict[str, OfficeSigner]:
    """Write intake's public signing-key file; return each development office's private signer by office
    id, and `hk-central/leader`: a key of hk-central whose registrations carry the leader role only."""
    signers: dict[str, OfficeSigner] = {}
    for office in DEV_OFFICES:
        signers[office], record = new_signing_key(office)
        add_public_record(path, record)
    signers["hk-central/leader"], record = new_signing_key("hk-central", "hk-central/leader", ["leader"])
    add_public_record(path, record)
    return signers


def form(reference: str = "HK-2026-0001", **overrides: Any) -> dict[str, Any]:
    """A registration form as an office system would send it (JSON-ready)."""
    base: dict[str, Any] = {
        "office_reference": reference,
        "complainant": {"name": "Chan Tai Man", "contact": "+852 9123 4567"},
        "unit_address": "Block 3, 12/F, Flat B, Harbour View Gardens",
        "channel": "phone",
        "occurred_at": (T0 - timedelta(hours=2)).isoformat(),
        "received_at": T0.isoformat(),
        "object": "Lift 2, Block 3",
        "description": "The lift stopped between floors with two residents inside for 20 minutes.",
        "customer_request": "Repair the lift and explain why the alarm went unanswered.",
        "received_by": "Amy Wong (reception)",
    }
    return base | overrides


def as_author(topic: str, wire: WireMessage, service: str | None = None) -> WireMessage:
    """`wire` signed as its topic's (first) author service signs it (the session's development keys,
    tests/fixtures/signing.py), or as `service`: what a test publishes by hand reads as the service's."""
    from shared.contracts.topics import topic_named
    from tests.fixtures.signing import SIGNERS

    registered = topic_named(topic)
    author = service or (registered.authors[0] if registered is not None and registered.authors else None)
    return signed(SIGNERS[author], topic, wire) if author else wire
