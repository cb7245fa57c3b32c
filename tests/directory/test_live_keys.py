"""The table of live keys every service keeps from the directory's events: issued keys are added,
revoked ones removed, expired ones refused and dropped (the table holds live keys only), and a key
the file lists but the directory revoked is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from shared.auth import KeyRecord, KeyRegistry, hash_key
from shared.contracts.directory import ApiKeyRecord
from shared.directory_keys import LiveKeys

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)


def record(raw: str, *, revoked: bool = False, expires_at: datetime | None = None) -> ApiKeyRecord:
    return ApiKeyRecord(key_id=uuid4(), key_sha256=hash_key(raw), actor_id="hk-central/amy", office_id="hk-central",
                        roles=["leader"], expires_at=expires_at, revoked=revoked)  # fmt: skip


def test_issued_then_revoked() -> None:
    table = LiveKeys(clock=lambda: T0)
    registry = KeyRegistry([], live=table)
    table.apply(record("k1"))
    assert registry.authenticate("k1") is not None and registry.authenticate("k1").office_id == "hk-central"
    table.apply(record("k1", revoked=True))
    assert registry.authenticate("k1") is None and len(table) == 0


def test_an_expired_key_is_refused_and_dropped() -> None:
    now = [T0]
    table = LiveKeys(clock=lambda: now[0])
    registry = KeyRegistry([], live=table)
    table.apply(record("k1", expires_at=T0 + timedelta(hours=1)))
    assert registry.authenticate("k1") is not None
    now[0] = T0 + timedelta(hours=1)
    assert registry.authenticate("k1") is None and len(table) == 0


def test_the_directory_revokes_a_key_the_file_lists() -> None:
    file_record = KeyRecord(key_sha256=hash_key("dev"), actor_id="hk-central/reception", office_id="hk-central",
                            roles=["receptionist"])  # fmt: skip
    registry = KeyRegistry([file_record])
    table = LiveKeys(watched=registry.hashes, clock=lambda: T0)
    registry.live = table
    assert registry.authenticate("dev") is not None
    table.apply(record("dev", revoked=True))
    assert registry.authenticate("dev") is None


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), max_size=30))
def test_the_table_holds_exactly_the_keys_whose_latest_event_is_not_a_revocation(
    events: list[tuple[str, bool]],
) -> None:
    table = LiveKeys(clock=lambda: T0)
    for raw, revoked in events:
        table.apply(record(raw, revoked=revoked))
    latest = dict(events)
    assert {raw for raw in "abc" if table.principal(hash_key(raw)) is not None} == {
        raw for raw, revoked in latest.items() if not revoked
    }
    assert len(table) == sum(not revoked for revoked in latest.values())
