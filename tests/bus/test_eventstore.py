"""The store guarantees the bus relies on, on SQLite and PostgreSQL: effects and position commit together."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import IntegrityError, Tracking

from services.intake import bootstrap
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.contracts import RegistrationForm
from shared.eventstore import store_environment
from shared.settings import ServiceSettings
from tests.kafka_support import Tally, TallyApplication
from tests.support import T0, form


@pytest.fixture
def tally(store_settings: dict[str, Any]):
    app = TallyApplication(env=store_environment(ServiceSettings(service_name="tally", **store_settings)))
    yield app
    app.close()


def test_effects_and_tracking_commit_together(tally: TallyApplication) -> None:
    complaint = uuid.uuid4()
    uow = tally.unit_of_work()
    counter = Tally(complaint)
    counter.count_one(uuid.uuid4())
    uow.add(counter)

    tally.commit(uow, Tracking("group/topic/0", 41))

    assert tally.position("group/topic/0") == 41
    assert tally.count_of(complaint) == 1


def test_a_position_already_recorded_is_refused_with_its_effects(tally: TallyApplication) -> None:
    tally.commit(tally.unit_of_work(), Tracking("group/topic/0", 7))
    complaint = uuid.uuid4()
    uow = tally.unit_of_work()
    counter = Tally(complaint)
    counter.count_one(uuid.uuid4())
    uow.add(counter)

    with pytest.raises(IntegrityError):
        tally.commit(uow, Tracking("group/topic/0", 7))

    assert tally.count_of(complaint) == 0  # nothing of the refused batch was written
    assert tally.position("group/topic/0") == 7


def test_the_store_identity_is_made_once_and_kept(tally: TallyApplication) -> None:
    assert tally.store_instance() == tally.store_instance()


def test_with_a_cipher_key_stored_events_are_encrypted_at_rest(tmp_path) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, cipher_key=AESCipher.create_key(32))
    intake = bootstrap.application(settings)
    clerk = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))
    registered = intake.register("hk-central", clerk, RegistrationForm(**form()), T0)
    intake.close()

    # The complainant is sealed with their own key before storing (docs/privacy.md): the at-rest cipher
    # is seen on what remains, the complaint's own words.
    words = b"lift stopped between floors"
    assert words not in settings.sqlite_path.read_bytes()
    assert b"Chan Tai Man" not in settings.sqlite_path.read_bytes()
    reopened = bootstrap.application(settings)
    assert reopened.registration("hk-central", registered.complaint_id).form.complainant.name == "Chan Tai Man"
    reopened.close()

    plain = IntakeSettings(store="sqlite", state_dir=tmp_path / "plain")
    unencrypted = bootstrap.application(plain)
    unencrypted.register("hk-central", clerk, RegistrationForm(**form()), T0)
    unencrypted.close()
    assert words in plain.sqlite_path.read_bytes()  # the check above can fail
    assert b"Chan Tai Man" not in plain.sqlite_path.read_bytes()  # sealed even without the store's cipher


class SnapshottingTally(TallyApplication):
    snapshotting_intervals = {Tally: 3}


def _counted(app: TallyApplication, complaint: uuid.UUID, times: int) -> None:
    uow = app.unit_of_work()
    counter = uow.find(Tally.create_id(complaint)) or Tally(complaint)
    for _ in range(times):
        counter.count_one(uuid.uuid4())
    uow.add(counter)
    app.commit(uow)


def test_a_batch_prefetch_gives_what_one_by_one_reads_give(store_settings: dict[str, Any]) -> None:
    """`UnitOfWork.prefetch` (two queries on PostgreSQL, nothing on SQLite): the same state and version
    as `repository.get`, from snapshots, from the cache brought forward past another process's writes,
    and an absent aggregate absent until the unit adds it."""
    env = store_environment(ServiceSettings(service_name="tally", **store_settings))
    writer, reader = SnapshottingTally(env=env), SnapshottingTally(env=env)
    try:
        plain, snapshotted, absent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        _counted(writer, plain, 2)
        _counted(writer, snapshotted, 4)  # a snapshot at version 3, then more events
        _counted(writer, snapshotted, 2)
        ids = [Tally.create_id(c) for c in (plain, snapshotted, absent)]

        uow = reader.unit_of_work()
        uow.prefetch(ids)
        for complaint in (plain, snapshotted):
            mine, stored = uow.get(Tally.create_id(complaint)), reader.repository.get(Tally.create_id(complaint))
            assert (mine.count, mine.version) == (stored.count, stored.version)
        assert uow.find(ids[2]) is None
        uow.add(Tally(absent))
        assert uow.get(ids[2]).complaint_id == absent

        _counted(writer, plain, 3)  # another process writes; the reader's cached copy is now behind
        uow = reader.unit_of_work()
        uow.prefetch(ids[:1])
        assert (uow.get(ids[0]).count, uow.get(ids[0]).version) == (5, 6)
        _counted(reader, plain, 1)  # and the reader can write after it without a conflict
        assert reader.count_of(plain) == 6
    finally:
        writer.close()
        reader.close()


def test_an_absent_aggregate_is_read_once_a_unit_and_again_in_the_next(
    store_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit of work remembers what the store did not hold when first asked (a batch's every message
    asks for its office's policy, calendar and zone): asked again, it is not read again. A new unit
    reads again and sees what another process wrote meanwhile; the unit's own `add` makes it found."""
    env = store_environment(ServiceSettings(service_name="tally", **store_settings))
    writer, reader = TallyApplication(env=env), TallyApplication(env=env)
    reads: list[uuid.UUID] = []
    get = reader.repository.get

    def counted_get(aggregate_id: uuid.UUID, **kwargs: Any) -> Any:
        reads.append(aggregate_id)
        return get(aggregate_id, **kwargs)

    monkeypatch.setattr(reader.repository, "get", counted_get)
    try:
        complaint = uuid.uuid4()
        tally_id = Tally.create_id(complaint)
        uow = reader.unit_of_work()
        assert uow.find(tally_id) is None
        assert uow.find(tally_id) is None
        assert reads == [tally_id]

        _counted(writer, complaint, 2)  # another process writes it: the next unit sees it
        assert uow.find(tally_id) is None  # this unit keeps its view
        assert reader.unit_of_work().get(tally_id).count == 2
        assert reads == [tally_id, tally_id]

        mine = Tally(complaint)
        uow.add(mine)
        assert uow.get(tally_id) is mine
    finally:
        writer.close()
        reader.close()
