"""The replay's COPY of the read side's plain inserts (PostgreSQL) writes the rows a pipelined
executemany writes, byte for byte, whatever the text holds; statements COPY cannot do alike (ON
CONFLICT) keep executemany; and a duplicate is refused with the same error either way."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.projection import bootstrap
from services.projection.adapters.sql import PLAIN_INSERT
from services.projection.settings import ProjectionSettings

TABLE = "replay_copy_scratch"
INSERT = f"INSERT INTO {TABLE} (id, name, n, note) VALUES (?, ?, ?, ?)"

texts = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)
rows = st.lists(st.tuples(texts, st.none() | st.integers(-(2**62), 2**62), st.none() | texts), max_size=30)


@pytest.fixture
def db(store_settings: dict[str, Any]):  # type: ignore[no-untyped-def]
    app = bootstrap.application(ProjectionSettings(**store_settings))
    database = app.read.db
    with database.transaction(write=True) as cursor:
        cursor.execute(
            f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, name {database.text()} NOT NULL, n BIGINT, note TEXT)"
        )
    yield database
    app.close()


def _written(db: Any, copy: bool, found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    db.copy_inserts = copy
    try:
        with db.transaction(write=True) as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.executemany(INSERT, [(i, *row) for i, row in enumerate(found)])
            back = cursor.all(f"SELECT id, name, n, note FROM {TABLE} ORDER BY id")
    finally:
        db.copy_inserts = False
    return [(r["id"], r["name"], r["n"], r["note"]) for r in back]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(found=rows)
def test_copy_writes_what_executemany_writes(db: Any, found: list[tuple[Any, ...]]) -> None:
    assert _written(db, True, found) == _written(db, False, found) == [(i, *r) for i, r in enumerate(found)]


def test_only_plain_inserts_are_copied(db: Any) -> None:
    assert PLAIN_INSERT.fullmatch(INSERT)
    assert not PLAIN_INSERT.fullmatch(INSERT + " ON CONFLICT DO NOTHING")
    db.copy_inserts = True
    with db.transaction(write=True) as cursor:
        cursor.executemany(INSERT, [(1, "a", 1, None)])
        cursor.executemany(INSERT + " ON CONFLICT DO NOTHING", [(1, "b", 2, None), (2, "c", 3, None)])
        assert [r["name"] for r in cursor.all(f"SELECT name FROM {TABLE} ORDER BY id")] == ["a", "c"]


def test_a_duplicate_is_refused_alike(db: Any) -> None:
    errors = []
    for copy in (False, True):
        db.copy_inserts = copy
        # Any error: the same class either way is the point.
        with pytest.raises(Exception) as refused, db.transaction(write=True) as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.executemany(INSERT, [(1, "a", 1, None), (1, "b", 2, None)])
        errors.append(type(refused.value))
    db.copy_inserts = False
    assert errors[0] is errors[1]
