"""The replay writes each stored batch's read-side rows from the events it has just recorded
(`ReadSide.apply_recorded`), never reading them back: the rows are exactly those `catch_up` writes
from the store, notification ids included, and a batch that does not follow the read side's
position is left to `catch_up`, with nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Tracking

from services.projection import bootstrap
from services.projection.adapters.inbound import ProjectionHandler, arrival_of
from services.projection.application import ProjectionApplication
from services.projection.settings import ProjectionSettings
from shared.contracts.topics import topic_for_event_type
from shared.eventstore import UnitOfWork
from tests.projection.scenario import build

TABLES = ("projection_subjects", "projection_timeline", "projection_chain", "projection_changes")


def _rows(app: ProjectionApplication) -> dict[str, list[tuple[Any, ...]]]:
    with app.read.db.transaction(write=False) as cursor:
        return {
            table: sorted(tuple(r[k] for k in r.keys()) for r in cursor.all(f"SELECT * FROM {table}"))  # noqa: SIM118
            for table in (*TABLES, "projection_position")
        }


def _replay(app: ProjectionApplication, batch: int, apply: bool, skip_first: bool = False) -> list[bool]:
    """The events, stored as the replay stores them (its sole writer's handler), a batch a unit of
    work; each batch's rows written from its recordings when `apply` (not the first's: `skip_first`)."""
    events = build("rows", offices=("hk-central", "kowloon-east"), per_office=4).events()
    handler = ProjectionHandler(app.read, sole_writer=True)
    applied = []
    for n, start in enumerate(range(0, len(events), batch)):
        uow = UnitOfWork(app, copy_from_cache=False)
        for offset, event in enumerate(events[start : start + batch], start):
            topic = topic_for_event_type(event.type).name
            handler.take(uow, arrival_of(event), topic=topic, partition=0, offset=offset)
        recorded = app.commit_recorded(uow, Tracking("t", start + batch))
        if apply and not (skip_first and n == 0):
            applied.append(app.read.apply_recorded(recorded))
    app.refresh()
    return applied


def _app(path: Path, cipher_key: str | None = None) -> ProjectionApplication:
    return bootstrap.application(ProjectionSettings(store="sqlite", state_dir=path, cipher_key=cipher_key))


def test_the_rows_of_recorded_events_are_those_catch_up_writes_from_the_store(tmp_path: Path) -> None:
    direct, read_back = _app(tmp_path / "direct"), _app(tmp_path / "read-back")
    try:
        assert all(_replay(direct, batch=13, apply=True))
        assert direct.read.applied > 0
        _replay(read_back, batch=13, apply=False)
        assert _rows(direct) == _rows(read_back)
        assert direct.read.dump() == read_back.read.dump()
        assert direct.verify() == []
    finally:
        direct.close()
        read_back.close()


def test_under_a_cipher_the_rows_read_the_same(tmp_path: Path) -> None:
    """Encrypted at rest (every `make up` store is): sealed anew, so compared opened (`dump`)."""
    key = AESCipher.create_key(32)
    direct, read_back = _app(tmp_path / "direct", key), _app(tmp_path / "read-back", key)
    try:
        assert all(_replay(direct, batch=17, apply=True))
        _replay(read_back, batch=17, apply=False)
        assert direct.read.dump() == read_back.read.dump()
        assert direct.verify() == []
    finally:
        direct.close()
        read_back.close()


def test_a_batch_that_does_not_follow_the_read_side_is_left_to_catch_up(tmp_path: Path) -> None:
    gap, read_back = _app(tmp_path / "gap"), _app(tmp_path / "read-back")
    try:
        _replay(read_back, batch=13, apply=False)
        applied = _replay(gap, batch=13, apply=True, skip_first=True)
        assert applied and not any(applied)  # the first batch's rows missing: none written out of order
        assert _rows(gap) == _rows(read_back)  # `refresh` (catch_up) wrote them all, in order
    finally:
        gap.close()
        read_back.close()
