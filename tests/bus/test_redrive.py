"""A dead letter, redriven by an operator once its cause is fixed, is handled exactly once; the CLI
lists and shows it with its reason and records who asked and why. Store only, no broker."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from typer.testing import CliRunner

from services.intake.settings import IntakeSettings
from shared.bus import operator
from shared.bus.consumer import Delivery, TrackedConsumer
from shared.bus.deadletters import DeadLetterRecord, letters_in
from shared.contracts import ComplaintRegistered, encode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.topics import INTAKE_EVENTS
from shared.eventstore import UnitOfWork, store_environment
from tests.kafka_support import TallyApplication, tally_handler


def event_record(offset: int) -> ConsumerRecord[bytes, bytes]:
    data = json.loads((GOLDEN_DIR / "complaints.intake.ComplaintRegistered.v2.json").read_text())
    event = ComplaintRegistered.model_validate(data | {"complaint_id": str(uuid.uuid4())})
    wire = encode(event, key=event.key, source="/t", event_id=str(event.event_id))
    return ConsumerRecord(INTAKE_EVENTS.name, 0, offset, 0, 0, wire.key, wire.value, None, 0, 0, wire.headers)


@pytest.fixture
def tally(store_settings: dict[str, Any]) -> TallyApplication:
    settings = IntakeSettings(**store_settings).model_copy(update={"service_name": "tally"})
    return TallyApplication(env=store_environment(settings))


def test_a_redriven_dead_letter_is_handled_once_and_the_outcome_is_recorded(tally: TallyApplication) -> None:
    broken = True

    def handler(uow: UnitOfWork, delivery: Delivery) -> None:
        if broken:
            raise RuntimeError("department table missing")
        tally_handler(uow, delivery)

    consumer = TrackedConsumer(group_id="tally", topics=[INTAKE_EVENTS.name], app=tally, handle=handler,
                               bootstrap_servers="unused:1", max_attempts=2)  # fmt: skip
    record = event_record(5)
    consumer._handle_alone(consumer.tracking_name(INTAKE_EVENTS.name, 0), record)
    [letter] = letters_in(tally)
    assert letter.error == "RuntimeError: department table missing" and letter.attempts == 2
    complaint_id = json.loads(record.value)["complaint_id"]

    broken = False
    letter.request_redrive("ops/alice", "table restored", letter.dead_lettered_at)
    tally.save(letter)
    assert consumer.redrive_requested() == 1
    assert consumer.redrive_requested() == 0  # taken once
    assert tally.count_of(complaint_id) == 1
    done = tally.repository.get(letter.id)
    assert done.redriven and done.redrives[-1].by == "ops/alice"


def test_a_redrive_that_fails_again_records_why(tally: TallyApplication) -> None:
    def handler(uow: UnitOfWork, delivery: Delivery) -> None:
        raise RuntimeError("still missing")

    consumer = TrackedConsumer(group_id="tally", topics=[INTAKE_EVENTS.name], app=tally, handle=handler,
                               bootstrap_servers="unused:1", max_attempts=1)  # fmt: skip
    consumer._handle_alone(consumer.tracking_name(INTAKE_EVENTS.name, 0), event_record(3))
    [letter] = letters_in(tally)
    letter.request_redrive("ops/bob", "try again", letter.dead_lettered_at)
    tally.save(letter)
    consumer.redrive_requested()
    again = tally.repository.get(letter.id)
    assert not again.redriven and again.redrives[-1].outcome == "RuntimeError: still missing"


def test_the_cli_lists_shows_and_redrives_a_services_dead_letters(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PROJECTION_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("PROJECTION_STORE", "sqlite")
    wiring = operator.SERVICES["projection"]
    app = wiring.make_application(wiring.make_settings())
    record = ConsumerRecord("complaints.notifications", 1, 9, 0, 0, b"k", b"\xff" * 10, None, 0, 0, [])
    letter = DeadLetterRecord.of("projection", record, ValueError("not a CloudEvent"), 1, operator.utc_now())
    app.save(letter)
    app.close()
    runner = CliRunner()

    listed = runner.invoke(operator.cli, ["--service", "projection", "list"])
    assert listed.exit_code == 0, listed.output
    assert str(letter.id) in listed.output and "ValueError: not a CloudEvent" in listed.output
    shown = runner.invoke(operator.cli, ["--service", "projection", "show", str(letter.id), "--value"])
    assert json.loads(shown.output)["value"] == f"base64:{letter.value_base64}"
    asked = runner.invoke(
        operator.cli, ["--service", "projection", "redrive", str(letter.id), "--by", "ops/alice", "--reason", "fixed"]
    )
    assert asked.exit_code == 0, asked.output
    listed = runner.invoke(operator.cli, ["--service", "projection", "list"])
    assert "redrive pending" in listed.output


def test_the_cli_lists_and_redrives_the_directory_relay_s_quarantined_records(tmp_path: Path, monkeypatch) -> None:
    """Found walking through `make up` as an operator: the directory runs a relay (it quarantines what it
    cannot publish, as every relay does), but `--service directory` was refused: 'one of: intake,
    triage, handling, sla, followup, projection', so its quarantine could be neither seen nor redriven."""
    from shared.bus.quarantine import QuarantinedRecord

    monkeypatch.setenv("DIRECTORY_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("DIRECTORY_STORE", "sqlite")
    wiring = operator.SERVICES["directory"]
    app = wiring.make_application(wiring.make_settings())
    record = QuarantinedRecord("directory", 7, "*", "translate", "ValueError: no translation", None, None, None,
                               operator.utc_now())  # fmt: skip
    app.save(record)
    app.close()
    runner = CliRunner()

    listed = runner.invoke(operator.cli, ["--service", "directory", "list"])
    assert listed.exit_code == 0, listed.output
    assert str(record.id) in listed.output and "ValueError: no translation" in listed.output
    asked = runner.invoke(
        operator.cli, ["--service", "directory", "redrive", str(record.id), "--by", "ops/alice", "--reason", "fixed"]
    )
    assert asked.exit_code == 0, asked.output
    assert "the relay takes it next" in asked.output
    assert "redrive pending" in runner.invoke(operator.cli, ["--service", "directory", "list"]).output


def _encrypted_store_with_one_letter(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The projection's store, encrypted at rest, holding one dead letter; its settings in the environment."""
    from eventsourcing.cryptography import AESCipher

    monkeypatch.setenv("PROJECTION_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("PROJECTION_STORE", "sqlite")
    monkeypatch.setenv("PROJECTION_CIPHER_KEY", AESCipher.create_key(32))
    wiring = operator.SERVICES["projection"]
    app = wiring.make_application(wiring.make_settings())
    record = ConsumerRecord("complaints.notifications", 1, 9, 0, 0, b"k", b"\xff" * 10, None, 0, 0, [])
    app.save(DeadLetterRecord.of("projection", record, ValueError("not a CloudEvent"), 1, operator.utc_now()))
    app.close()


def test_the_cli_without_the_store_s_key_says_which_setting_to_give_not_a_codec_traceback(
    tmp_path: Path, monkeypatch
) -> None:
    """Found on `make up`: every store is encrypted at rest, and `list` without the service's cipher key
    ended in a traceback ('utf-8' codec can't decode byte 0xe2). The auditors' CLI says what to give."""
    _encrypted_store_with_one_letter(tmp_path, monkeypatch)

    with_key = CliRunner().invoke(operator.cli, ["--service", "projection", "list"])
    assert with_key.exit_code == 0 and "ValueError: not a CloudEvent" in with_key.output
    monkeypatch.delenv("PROJECTION_CIPHER_KEY")
    without = CliRunner().invoke(operator.cli, ["--service", "projection", "list"])
    assert without.exit_code == 2, without.output
    assert "PROJECTION_CIPHER_KEY" in without.output and "Traceback" not in without.output


def test_the_cli_with_another_store_s_key_or_a_mistyped_folder_says_so_and_makes_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    """Found walking `make up`: with another service's cipher key `list` ended in a traceback (invalid
    cipher tag), and with a mistyped state folder it made an empty store there and answered that no dead
    letter needed attention, while the real store held one. Both now stop (exit 2) saying what to set."""
    from eventsourcing.cryptography import AESCipher

    _encrypted_store_with_one_letter(tmp_path, monkeypatch)

    monkeypatch.setenv("PROJECTION_CIPHER_KEY", AESCipher.create_key(32))  # another store's
    other_key = CliRunner().invoke(operator.cli, ["--service", "projection", "list"])
    assert other_key.exit_code == 2, other_key.output
    assert "PROJECTION_CIPHER_KEY given is not this store's" in other_key.output, other_key.output

    wrong = tmp_path / "not-the-state-dir"
    monkeypatch.setenv("PROJECTION_STATE_DIR", str(wrong))
    nowhere = CliRunner().invoke(operator.cli, ["--service", "projection", "list"])
    assert nowhere.exit_code == 2, nowhere.output
    said = " ".join(nowhere.output.split())
    assert f"no projection store at {wrong / 'stores' / 'projection.sqlite'}" in said, said
    assert "PROJECTION_STATE_DIR" in said and "need attention" not in said
    assert not wrong.exists()
