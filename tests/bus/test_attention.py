"""What needs an operator, and what an operator may still do (shared/bus/attention.py): pure rules,
then the stored letter and the CLI's `dismiss` and `list --all`, and the worker's count of open
dead letters, on each production store (no broker)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from services.intake.settings import IntakeSettings
from shared import attention
from shared.attention import Dismissal, Refused
from shared.bus import operator
from shared.bus.consumer import Delivery, TrackedConsumer
from shared.bus.deadletters import DeadLetterRecord, OpenLetters, Redrive, letters_in
from shared.bus.quarantine import QuarantinedRecord
from shared.contracts.topics import INTAKE_EVENTS
from shared.eventstore import UnitOfWork, store_environment
from shared.health import consumer_probe, consumer_scrape
from tests.bus.test_redrive import event_record
from tests.kafka_support import TallyApplication

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass
class Record:
    """A letter as the rules see it."""

    redrives: list[Redrive] = field(default_factory=list)
    dismissal: Dismissal | None = None

    @property
    def redriven(self) -> bool:
        return any(r.outcome == "handled" for r in self.redrives)


outcomes = st.sampled_from([None, "handled", "RuntimeError: still broken"])
records = st.builds(
    Record,
    redrives=st.lists(outcomes.map(lambda o: Redrive("ops/a", "why", NOW, o)), max_size=3),
    dismissal=st.one_of(st.none(), st.just(Dismissal("ops/b", "test traffic", NOW))),
)


@given(records)
def test_a_record_needs_attention_exactly_while_it_is_neither_redriven_nor_dismissed(record: Record) -> None:
    assert attention.needs_attention(record) == (record.dismissal is None and not record.redriven)
    assert (attention.status(record) in {"dismissed", "redriven"}) == (not attention.needs_attention(record))


@given(records)
def test_dismissing_is_allowed_only_for_what_needs_attention_and_has_no_redrive_in_flight(record: Record) -> None:
    try:
        attention.dismiss_refusal(record, "ops/alice", "read it: test traffic")
        allowed = True
    except Refused:
        allowed = False
    assert allowed == (attention.needs_attention(record) and not attention.pending(record))


def test_the_refusals_say_why() -> None:
    dismissed = Record(dismissal=Dismissal("ops/bob", "duplicate of the 09:00 one", NOW))
    with pytest.raises(Refused, match="already dismissed by ops/bob at 2026-11-30T12:00:00\\+00:00: duplicate"):
        attention.dismiss_refusal(dismissed, "ops/alice", "again")
    with pytest.raises(Refused, match="a dismissal is final"):
        attention.redrive_refusal(dismissed, "ops/alice", "fixed")
    with pytest.raises(Refused, match="successfully already"):
        attention.dismiss_refusal(Record([Redrive("a", "b", NOW, "handled")]), "ops/alice", "x")
    with pytest.raises(Refused, match="pending"):
        attention.dismiss_refusal(Record([Redrive("a", "b", NOW)]), "ops/alice", "x")
    with pytest.raises(Refused, match="who"):
        attention.dismiss_refusal(Record(), " ", "x")
    with pytest.raises(Refused, match="why"):
        attention.dismiss_refusal(Record(), "ops/alice", "")
    assert attention.status(Record([Redrive("a", "b", NOW, "KeyError: x")])) == "redrive failed: KeyError: x"


# -- the stored letter, the worker's count and the CLI, on each store --------------------------------


@pytest.fixture
def tally(store_settings: dict[str, Any]) -> TallyApplication:
    settings = IntakeSettings(**store_settings).model_copy(update={"service_name": "tally"})
    return TallyApplication(env=store_environment(settings))


def _failing_consumer(app: TallyApplication) -> TrackedConsumer:
    def handler(uow: UnitOfWork, delivery: Delivery) -> None:
        raise RuntimeError("department table missing")

    return TrackedConsumer(group_id="tally", topics=[INTAKE_EVENTS.name], app=app, handle=handler,
                           bootstrap_servers="unused:1", max_attempts=1)  # fmt: skip


def test_a_dismissed_letter_is_no_longer_open_for_the_worker_and_keeps_who_and_why(tally: TallyApplication) -> None:
    consumer = _failing_consumer(tally)
    for offset in (3, 4, 5):
        consumer._handle_alone(consumer.tracking_name(INTAKE_EVENTS.name, 0), event_record(offset))
    assert consumer.open_letters.count() == 3
    first, second, _ = letters_in(tally)

    first.dismiss("ops/alice", "test traffic from the office's staging system", NOW)
    tally.save(first)
    assert consumer.open_letters.count() == 2
    again = tally.repository.get(first.id)
    assert again.dismissal == Dismissal("ops/alice", "test traffic from the office's staging system", NOW)
    with pytest.raises(Refused, match="already dismissed by ops/alice"):
        again.dismiss("ops/bob", "me too", NOW)
    # Another consumer's letters in the same store are not this worker's to count.
    assert OpenLetters(tally, "another-group").count() == 0
    # A fresh count (a restarted worker) reads the whole history and agrees.
    assert OpenLetters(tally, "tally").count() == 2
    second.request_redrive("ops/carol", "fixed", NOW)
    tally.save(second)
    with pytest.raises(Refused, match="pending"):
        tally.repository.get(second.id).dismiss("ops/carol", "never mind", NOW)
    assert consumer.open_letters.count() == 2  # a pending redrive still needs watching


async def test_the_worker_s_metrics_and_health_count_its_open_dead_letters(tally: TallyApplication) -> None:
    consumer = _failing_consumer(tally)
    for offset in (3, 4):
        consumer._handle_alone(consumer.tracking_name(INTAKE_EVENTS.name, 0), event_record(offset))
    scrape, probe = consumer_scrape(consumer), consumer_probe(consumer, stale_after=60)
    assert "consumer_dead_letters_open 2.0" in (await scrape()).decode()
    letter = letters_in(tally)[0]
    letter.dismiss("ops/alice", "replayed by hand already", NOW)
    tally.save(letter)
    assert "consumer_dead_letters_open 1.0" in (await scrape()).decode()
    assert (await probe()).details["open_dead_letters"] == 1
    tally.close()  # a store that cannot answer: the probe says None, it does not fail
    assert (await probe()).details["open_dead_letters"] is None


def test_the_cli_dismisses_with_who_and_why_and_lists_the_dismissed_only_in_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROJECTION_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("PROJECTION_STORE", "sqlite")
    wiring = operator.SERVICES["projection"]
    app = wiring.make_application(wiring.make_settings())

    def record(offset: int) -> ConsumerRecord[bytes, bytes]:
        return ConsumerRecord("complaints.notifications", 1, offset, 0, 0, b"k", b"\xff" * 10, None, 0, 0, [])

    letter = DeadLetterRecord.of("projection", record(9), ValueError("not a CloudEvent"), 1, NOW)
    kept = DeadLetterRecord.of("projection", record(10), ValueError("nor this"), 1, NOW)
    quarantined = QuarantinedRecord("projection", 7, "*", "translate", "ValueError: no translation", None, None,
                                    None, NOW)  # fmt: skip
    app.save(letter, kept, quarantined)
    app.close()
    runner = CliRunner()

    def cli(*args: str) -> Any:
        return runner.invoke(operator.cli, ["--service", "projection", *args])

    done = cli("dismiss", str(letter.id), "--by", "ops/alice", "--reason", "garbage from a load test")
    assert done.exit_code == 0, done.output
    assert f"{letter.id} dismissed by ops/alice" in done.output
    assert cli("dismiss", str(quarantined.id), "--by", "ops/alice", "--reason", "superseded").exit_code == 0

    attention_list = cli("list").output
    assert str(kept.id) in attention_list
    assert str(letter.id) not in attention_list and str(quarantined.id) not in attention_list
    history = cli("list", "--all").output
    line = next(line for line in history.splitlines() if line.startswith(str(letter.id)))
    assert "\tdismissed\t" in line and "dismissed by ops/alice" in line and "garbage from a load test" in line
    assert str(quarantined.id) in history
    shown = json.loads(cli("show", str(letter.id)).output)
    assert shown["status"] == "dismissed"
    assert shown["dismissal"]["by"] == "ops/alice" and shown["dismissal"]["reason"] == "garbage from a load test"
    assert cli("list", "--open").output == attention_list  # the old flag still works

    again = cli("dismiss", str(letter.id), "--by", "ops/bob", "--reason", "again")
    assert again.exit_code == 2 and "already dismissed by ops/alice" in again.output
    redrive = cli("redrive", str(letter.id), "--by", "ops/bob", "--reason", "fixed")
    assert redrive.exit_code == 2 and "a dismissal is final" in redrive.output
    unknown = cli("dismiss", "00000000-0000-0000-0000-000000000000", "--by", "ops/bob", "--reason", "x")
    assert unknown.exit_code == 2 and "no dead letter or quarantined record" in unknown.output
    not_an_id = cli("dismiss", "letter-7", "--by", "ops/bob", "--reason", "x")
    assert not_an_id.exit_code == 2 and "no dead letter or quarantined record letter-7" in not_an_id.output
    no_reason = cli("dismiss", str(kept.id), "--by", "ops/bob", "--reason", " ")
    assert no_reason.exit_code == 2 and "say why" in no_reason.output
    assert str(kept.id) in cli("list").output  # nothing recorded by the refused requests


def test_the_notifier_is_pointed_to_its_own_cli() -> None:
    answer = CliRunner().invoke(operator.cli, ["--service", "notifier", "list"])
    assert answer.exit_code == 2 and "services.notifier.entrypoints.operator" in answer.output
