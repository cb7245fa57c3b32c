"""The keyring (shared/keyring.py) and sealing (shared/personal.py): pure crypto and the keyring's store,
no broker. Erasure makes sealed data unreadable; rotation re-wraps keys without touching sealed data."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contracts import PersonalData, RegistrationForm
from shared.keyring import (
    DEVELOPMENT_MASTER_KEY,
    Keyring,
    KeyringError,
    KeyringSettings,
    MasterKey,
    SealBroken,
    UnknownPerson,
    seal,
    unseal,
)
from shared.personal import (
    ERASED_DATA,
    MASKED_DATA,
    identifying_facts,
    open_form,
    open_personal,
    seal_form,
    typed_name_or_unit,
)
from tests.support import form

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"))


# -- pure sealing -----------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["name", "contact", "unit_address"]), st.text(max_size=80)))
def test_what_is_sealed_opens_with_the_same_key_and_person_only(data: dict[str, str]) -> None:
    key, other = bytes(range(32)), bytes(32)
    sealed = seal(key, "p1", data)
    assert unseal(key, "p1", sealed) == data
    for text in data.values():
        if len(text) >= 4:
            assert text not in sealed  # no clear text in the ciphertext
    with pytest.raises(SealBroken):
        unseal(other, "p1", sealed)
    with pytest.raises(SealBroken):
        unseal(key, "p2", sealed)  # bound to the person: cannot be moved to another's record


# "§" marks them: no other field of the form holds one, so a hit can only be the personal data itself.
_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=3, max_size=60).map(
    lambda text: "§" + text
)


@settings(max_examples=30, deadline=None)
@given(name=_words, contact=_words, unit=_words)
def test_any_form_seals_to_no_clear_byte_and_opens_to_itself(name: str, contact: str, unit: str) -> None:
    keyring = Keyring.from_settings(KeyringSettings(store="memory"))
    original = RegistrationForm.model_validate(
        form("H-1", complainant={"name": name, "contact": contact}, unit_address=unit)
    )
    sealed = seal_form(original, keyring, NOW)
    wire = sealed.model_dump_json()
    for text in (name, contact, unit):
        assert json.dumps(text, ensure_ascii=False)[1:-1] not in wire.replace(sealed.personal.sealed, "")
    assert open_form(sealed, keyring, original_text=True) == original
    keyring.erase(sealed.personal.person_id, "privacy", "test", NOW)
    assert open_personal(sealed.personal, keyring) == ERASED_DATA


def test_sealing_twice_gives_different_ciphertexts() -> None:
    key = bytes(range(32))
    assert seal(key, "p", {"name": "Chan"}) != seal(key, "p", {"name": "Chan"})


def test_an_altered_ciphertext_does_not_open() -> None:
    key = bytes(range(32))
    sealed = seal(key, "p", {"name": "Chan"})
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(SealBroken):
        unseal(key, "p", flipped)


def test_a_master_key_must_be_32_bytes_of_base64() -> None:
    with pytest.raises(KeyringError):
        MasterKey.from_base64("c2hvcnQ=")
    with pytest.raises(KeyringError):
        MasterKey.from_base64("not base64!")
    assert MasterKey.from_base64(DEVELOPMENT_MASTER_KEY).key_id == MasterKey.from_base64(DEVELOPMENT_MASTER_KEY).key_id


# -- the person and the blind index -----------------------------------------------------------------


def test_the_same_phone_or_name_and_unit_is_the_same_person(keyring: Keyring) -> None:
    chan = PersonalData(name="Chan Tai Man", contact="+852 9123 4567", unit_address="Flat 12B, Block 3")
    same_phone = PersonalData(name="T M Chan", contact="91234567", unit_address="Flat 1A")
    same_name_unit = PersonalData(name="chan  tai man", contact="chan@example.com", unit_address="flat 12b, block 3")
    other = PersonalData(name="Wong Siu Ming", contact="+852 9876 5432", unit_address="Flat 3C")
    first = keyring.person(identifying_facts(chan), NOW)
    assert keyring.person(identifying_facts(same_phone), NOW) == first
    assert keyring.person(identifying_facts(same_name_unit), NOW) == first
    assert keyring.person(identifying_facts(other), NOW) != first


def test_tokens_are_stable_and_opaque_and_forgotten_at_erasure(keyring: Keyring) -> None:
    person = keyring.person([("phone", "91234567")], NOW)
    token = keyring.token(person, "phone", "hmac-of-the-phone")
    assert keyring.token(person, "phone", "hmac-of-the-phone") == token
    assert "hmac" not in token
    keyring.erase(person, "privacy/officer", "asked to be forgotten", NOW)
    assert keyring.token(person, "phone", "hmac-of-the-phone") != token  # nothing links to the old token


def _write_transactions(keyring: Keyring, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every transaction the keyring opens from now on: True for a write (a commit, a disk sync)."""
    database = keyring._db
    opened: list[bool] = []
    transaction = database.transaction

    def counted(write: bool = True):  # type: ignore[no-untyped-def]
        opened.append(write)
        return transaction(write)

    monkeypatch.setattr(database, "transaction", counted)
    return opened


def test_a_complaint_s_tokens_are_asked_together_in_one_commit_and_equal_one_by_one(
    keyring: Keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = keyring.person([("phone", "91234567")], NOW)
    facts = [("phone", "hmac-phone"), ("name_unit", "hmac-name-unit"), ("phone", "hmac-phone")]
    opened = _write_transactions(keyring, monkeypatch)
    tokens = keyring.tokens(person, facts)
    assert opened.count(True) == 1  # the unknown ones written in one transaction
    assert tokens[0] == tokens[2] != tokens[1]
    assert [keyring.token(person, kind, value) for kind, value in facts] == tokens  # the same, asked one by one
    opened.clear()
    assert keyring.tokens(person, facts) == tokens
    assert opened == [False]  # all known: one read, nothing written
    other = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "keyring.sqlite"))
    assert other.tokens(person, list(reversed(facts))) == list(reversed(tokens))  # stored, not remembered


def test_a_person_and_their_search_index_are_written_in_one_commit(
    keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = PersonalData(name="Chan Tai Man", contact="+852 9123 4567", unit_address="Flat 12B, Block 3")
    opened = _write_transactions(keyring, monkeypatch)
    typed = form(complainant={"name": data.name, "contact": data.contact}, unit_address=data.unit_address)
    sealed = seal_form(RegistrationForm.model_validate(typed), keyring, NOW)
    assert opened.count(True) == 1
    person = sealed.personal.person_id
    assert keyring.people_found_by(typed_name_or_unit("chan tai man")) == {person}
    assert keyring.people_found_by(typed_name_or_unit("Flat 12B, Block 3")) == {person}
    assert keyring.person(identifying_facts(data), NOW, search=[("name", "other")]) == person


def test_the_store_holds_no_clear_fact_and_no_clear_key(keyring: Keyring, tmp_path: Path) -> None:
    data = PersonalData(name="Chan Tai Man", contact="+852 9123 4567", unit_address="Flat 12B, Block 3")
    person = keyring.person(identifying_facts(data), NOW)
    keyring.seal(person, data.model_dump())
    keyring.close()
    raw = (tmp_path / "keyring.sqlite").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("keyring.sqlite-*")
    )
    for text in ("Chan", "9123", "91234567", "12B", "chan tai man"):
        assert text.encode() not in raw


# -- erasure ----------------------------------------------------------------------------------------


def test_erasure_makes_every_sealed_copy_read_as_erased_and_is_recorded(keyring: Keyring, tmp_path: Path) -> None:
    sealed = seal_form(RegistrationForm.model_validate(form("E-1")), keyring, NOW)
    again = seal_form(RegistrationForm.model_validate(form("E-2")), keyring, NOW)
    assert sealed.personal.person_id == again.personal.person_id
    assert open_form(sealed, keyring).complainant.name == form("E-1")["complainant"]["name"]
    by_name = typed_name_or_unit(form("E-1")["complainant"]["name"].upper())
    assert keyring.people_found_by(by_name) == {sealed.personal.person_id}  # staff find them by name
    erasure = keyring.erase(sealed.personal.person_id, "privacy/officer", "request 17", NOW)
    assert (erasure.keys_destroyed, erasure.index_entries_deleted) == (1, 2)
    assert open_personal(sealed.personal, keyring) == ERASED_DATA
    assert open_personal(again.personal, keyring) == ERASED_DATA
    assert keyring.is_erased(sealed.personal.person_id)
    assert keyring.people_found_by(by_name) == set()  # and never again
    with pytest.raises(KeyringError):
        keyring.seal(sealed.personal.person_id, {"name": "x"})
    # the same person registering again is a new person with a new key: the old data stays shut
    later = seal_form(RegistrationForm.model_validate(form("E-3")), keyring, NOW)
    assert later.personal.person_id != sealed.personal.person_id
    assert open_personal(sealed.personal, keyring) == ERASED_DATA
    rows = sqlite3.connect(tmp_path / "keyring.sqlite").execute("SELECT erased_by, reason FROM keyring_erasures")
    assert rows.fetchall() == [("privacy/officer", "request 17")]


def test_a_keyring_that_never_knew_the_person_says_so_and_never_shows_it_as_erased(
    keyring: Keyring, tmp_path: Path
) -> None:
    sealed = seal_form(RegistrationForm.model_validate(form("U-1")), keyring, NOW)
    another = Keyring.from_settings(KeyringSettings(sqlite_path=tmp_path / "another.sqlite"))
    with pytest.raises(UnknownPerson):
        open_personal(sealed.personal, another)


def test_without_a_keyring_sealed_data_reads_masked(keyring: Keyring) -> None:
    sealed = seal_form(RegistrationForm.model_validate(form("M-1")), keyring, NOW)
    assert open_personal(sealed.personal, None) == MASKED_DATA


# -- rotation ---------------------------------------------------------------------------------------


def test_rotation_rewraps_keys_and_old_sealed_data_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "keyring.sqlite"
    old = Keyring.from_settings(KeyringSettings(sqlite_path=path))
    sealed = seal_form(RegistrationForm.model_validate(form("R-1")), old, NOW)
    new_master = MasterKey.generate()
    assert old.rotate(new_master) == 2  # one data key and the blind index's key
    assert list(old.master_key_ids()) == [new_master.key_id]
    rotated = Keyring.from_settings(KeyringSettings(sqlite_path=path, master_key=new_master.to_base64()))
    assert open_form(sealed, rotated).complainant.name == form("R-1")["complainant"]["name"]
    # the same person is still recognised under the new master key
    assert seal_form(RegistrationForm.model_validate(form("R-2")), rotated, NOW).personal.person_id == (
        sealed.personal.person_id
    )
    with pytest.raises(KeyringError, match="which this process lacks"):
        Keyring.from_settings(KeyringSettings(sqlite_path=path))  # the old master alone opens nothing now


def test_the_rotation_cli_rewraps_under_the_new_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from shared.keyring import _cli

    path = tmp_path / "keyring.sqlite"
    old = Keyring.from_settings(KeyringSettings(sqlite_path=path))
    sealed = seal_form(RegistrationForm.model_validate(form("C-1")), old, NOW)
    old.close()
    new_master = MasterKey.generate()
    monkeypatch.setenv("KEYRING_SQLITE_PATH", str(path))
    monkeypatch.setenv("KEYRING_NEW_MASTER_KEY", new_master.to_base64())
    rotated = CliRunner().invoke(_cli(), ["rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert f"re-wrapped 2 keys under master key {new_master.key_id}" in rotated.output
    monkeypatch.setenv("KEYRING_MASTER_KEY", new_master.to_base64())
    status = CliRunner().invoke(_cli(), ["status"])
    assert json.loads(status.output) == {new_master.key_id: 2}
    reopened = Keyring.from_settings(KeyringSettings(sqlite_path=path))
    assert open_form(sealed, reopened).complainant.name == form("C-1")["complainant"]["name"]
