"""A message whose handling keeps failing is dead-lettered after bounded retries; the rest go on."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest

from services.intake import bootstrap
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.bus.consumer import Delivery, TrackedConsumer
from shared.bus.deadletters import DeadLetterRecord
from shared.bus.relay import OutboxRelay
from shared.contracts import IntegrationEvent, RegistrationForm
from shared.contracts.topics import DEAD_LETTERS, INTAKE_EVENTS
from shared.eventstore import UnitOfWork, store_environment
from tests.kafka_support import TallyApplication, read_topic, run_until, tally_handler
from tests.support import T0, form

pytestmark = pytest.mark.kafka

CLERK = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))


async def test_a_failing_message_is_retried_then_dead_lettered_and_the_next_ones_are_handled(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    intake = bootstrap.application(settings)
    tag = uuid.uuid4().hex[:8]
    ids = [
        intake.register("hk-central", CLERK, RegistrationForm(**form(f"{tag}-{n}")), T0).complaint_id for n in range(6)
    ]
    relay = bootstrap.relay(settings, intake)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    intake.close()

    poison = ids[2]
    attempts: list[uuid.UUID] = []
    fixed: list[bool] = []

    def handler(uow: UnitOfWork, delivery: Delivery) -> None:
        message = delivery.message
        assert isinstance(message, IntegrationEvent)
        if message.complaint_id == poison and not fixed:
            attempts.append(poison)
            raise RuntimeError("the department table has no row for this office")
        tally_handler(uow, delivery)

    tally = TallyApplication(env=store_environment(settings.model_copy(update={"service_name": "tally"})))
    consumer = TrackedConsumer(
        group_id=f"tally-{tag}",
        topics=[INTAKE_EVENTS.name],
        app=tally,
        handle=handler,
        bootstrap_servers=kafka_bootstrap,
        max_attempts=3,
    )
    others = [i for i in ids if i != poison]
    await run_until(
        lambda: consumer.progress.dead_lettered >= 1 and all(tally.count_of(i) for i in others), consumer.run
    )

    assert [tally.count_of(i) for i in others] == [1] * 5
    # Once in its batch, then three attempts alone; once more first when its fetch held other
    # partitions' records too (tried together in one transaction: TrackedConsumer.process_fetched).
    assert len(attempts) in (3 + 1, 3 + 2)

    tally_relay = OutboxRelay(
        service=f"tally-{tag}", app=tally, translate=lambda _: (), bootstrap_servers=kafka_bootstrap
    )
    await tally_relay.start()
    while await tally_relay.publish_next_batch():
        pass
    await tally_relay.stop()
    letters = await read_topic(
        kafka_bootstrap, DEAD_LETTERS.name, keep=lambda r: r.key == str(poison).encode(), expect=1
    )

    assert len(letters) == 1
    letter = json.loads(letters[0].value)
    assert letter["consumer"] == f"tally-{tag}"
    assert letter["origin_topic"] == INTAKE_EVENTS.name
    assert letter["attempts"] == 3
    assert letter["error"] == "RuntimeError: the department table has no row for this office"
    # The origin carries personal data: the value stays in the consumer's own (encrypted) store; the
    # published letter carries its hash, which matches the original message.
    assert letter["value"] is None and letter["value_withheld"] == "personal-data"
    stored = tally.repository.get(DeadLetterRecord.create_id(**letter)).letter.value
    assert json.loads(stored)["complaint_id"] == str(poison)
    assert letter["value_sha256"] == hashlib.sha256(stored.encode()).hexdigest()

    # The department table is fixed; an operator redrives the letter: the running worker handles the
    # original message once, and a restarted worker does not handle it again.
    fixed.append(True)
    record = tally.repository.get(DeadLetterRecord.create_id(**letter))
    record.request_redrive("ops/alice", "department table restored", T0)
    tally.save(record)
    for _ in range(2):
        consumer.redrive_poll_seconds = 0.2
        await run_until(lambda: tally.repository.get(record.id).redriven, consumer.run)
    assert tally.count_of(poison) == 1
    tally.close()
