"""The worker carries its offices' chain heads from its own last committed unit: at a steady flow its
units neither catch the read side up nor read heads, and the chains, the store and the read side come
out as they do when every unit reads its heads afresh; a second instance linking into the same office
moves the office's claim, and the first then reads the head again instead of carrying a stale one.

The tracked consumer handles real encoded records (`process_fetched`, as the worker does after a
fetch) into one SQLite store; two instances are two applications and consumers on that store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.projection import bootstrap
from services.projection.application import ProjectionApplication
from services.projection.settings import ProjectionSettings
from shared.bus.consumer import TrackedConsumer
from tests.projection.test_batch_round_trips import Feed, stories


def instance(settings: ProjectionSettings) -> tuple[ProjectionApplication, TrackedConsumer]:
    app = bootstrap.application(settings)
    consumer = bootstrap.consumer(settings, app)
    consumer.authors = None  # the records are the test's own, unsigned
    return app, consumer


@pytest.fixture
def settings(tmp_path: Path) -> ProjectionSettings:
    return ProjectionSettings(store="sqlite", state_dir=tmp_path / "live", reports_schedule=False)


@pytest.fixture
def catch_ups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many notifications each call of any read side's `catch_up` applied."""
    from services.projection.adapters.readside import ReadSide

    calls: list[int] = []
    original = ReadSide.catch_up

    def counted(self: Any, *args: Any, **kwargs: Any) -> int:
        applied = original(self, *args, **kwargs)
        calls.append(applied)
        return applied

    monkeypatch.setattr(ReadSide, "catch_up", counted)
    yield calls


def chains_are_whole(app: ProjectionApplication) -> None:
    app.refresh()
    assert app.verify() == []
    positions = {o: [link.position for link in app.read.links(o)] for o in app.read.offices()}
    assert positions and all(p == list(range(1, len(p) + 1)) for p in positions.values()), positions


def test_units_after_the_first_carry_their_heads_and_the_read_side_equals_one_read_afresh(
    settings: ProjectionSettings, tmp_path: Path, catch_ups: list[int]
) -> None:
    events = stories("carried", offices=3, per_office=4)
    app, consumer = instance(settings)
    fetches = Feed()
    chunks = [events[i : i + 9] for i in range(0, len(events), 9)]
    consumer.process_fetched(fetches.fetch(chunks[0]))
    offices_seen = {e.office_id for e in chunks[0]}
    for chunk in chunks[1:]:
        before = len(catch_ups)
        consumer.process_fetched(fetches.fetch(chunk))
        if {e.office_id for e in chunk} <= offices_seen:
            assert len(catch_ups) == before, "every office carried: no catch-up, no head read in the unit"
        offices_seen |= {e.office_id for e in chunk}
    assert consumer.progress.handled == len(events) and consumer.progress.dead_lettered == 0
    chains_are_whole(app)

    # The same records, each unit reading its heads from a caught-up read side (nothing carried).
    reference, again = instance(settings.model_copy(update={"state_dir": tmp_path / "reference"}))
    again.handle.committed = lambda uow: None  # type: ignore[attr-defined]
    fetches = Feed()
    for chunk in chunks:
        again.process_fetched(fetches.fetch(chunk))
    reference.refresh()
    assert app.read.dump() == reference.read.dump()
    assert [app.read.links(o) for o in app.read.offices()] == [reference.read.links(o) for o in app.read.offices()]
    app.close()
    reference.close()


def test_a_head_another_instance_moved_is_read_again_not_carried(
    settings: ProjectionSettings, catch_ups: list[int]
) -> None:
    one, first = instance(settings)
    two, second = instance(settings)
    events = stories("shared", offices=1, per_office=6)  # one office: every unit links into its chain
    thirds = [events[i : i + len(events) // 3 + 1] for i in range(0, len(events), len(events) // 3 + 1)]
    fetches = Feed()
    first.process_fetched(fetches.fetch(thirds[0]))
    second.process_fetched(fetches.fetch(thirds[1]))  # moves the office's claim past what `first` carries
    before = len(catch_ups)
    first.process_fetched(fetches.fetch(thirds[2]))
    assert len(catch_ups) > before, "the claim moved: the head is read from a caught-up read side"
    assert first.progress.handled + second.progress.handled == sum(map(len, thirds))
    chains_are_whole(one)
    chains_are_whole(two)
    one.close()
    two.close()
