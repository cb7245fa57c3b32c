"""A relay that cannot publish one record quarantines it with a reason and goes on, durably: a
restart meets it no more and loses none of the others; a redrive publishes it once, when fixed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

from services.intake import bootstrap
from services.intake.adapters.outbound import translate as intake_translate
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.bus.quarantine import QuarantinedRecord, quarantined_in
from shared.bus.relay import OutboxRelay, Publication
from shared.contracts import DeadLetter, RegistrationForm
from shared.contracts.topics import DEAD_LETTERS, INTAKE_EVENTS
from tests.kafka_support import keyed_by, read_topic, run_until
from tests.support import T0, form

pytestmark = pytest.mark.kafka

CLERK = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))


class Faulty:
    """Intake's translator, broken for chosen complaints: one raises, one makes a 2 MB message."""

    def __init__(self, raises: str, too_large: str) -> None:
        self.raises, self.too_large, self.fixed = raises, too_large, False

    def __call__(self, domain_event: Any) -> Iterable[Publication]:
        for publication in intake_translate(domain_event):
            if not self.fixed and publication.key == self.raises:
                raise ValueError("no translation for this office's form")
            if not self.fixed and publication.key == self.too_large:
                yield Publication(huge_letter(publication.key), publication.key, str(uuid.uuid4()), None)
            yield publication


def huge_letter(key: str) -> DeadLetter:
    return DeadLetter(
        consumer="x", origin_topic="t", origin_partition=0, origin_offset=0, key=key, headers={},
        value="x" * 2_000_000, value_sha256="0" * 64, value_size=2_000_000, value_withheld=None,
        error="E", attempts=1, dead_lettered_at=T0,
    )  # fmt: skip


async def drain(relay: OutboxRelay) -> None:
    await relay.start()
    try:
        while await relay.publish_next_batch():
            pass
    finally:
        await relay.stop()


async def test_a_record_that_cannot_be_published_is_quarantined_once_and_the_others_go_on(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    app = bootstrap.application(settings)
    tag = uuid.uuid4().hex[:8]
    ids = [
        str(app.register("hk-central", CLERK, RegistrationForm(**form(f"{tag}-{n}")), T0).complaint_id)
        for n in range(5)
    ]
    faulty = Faulty(raises=ids[1], too_large=ids[3])
    for _ in range(2):  # the second relay restarts where the first committed: nothing again
        await drain(OutboxRelay.from_settings(settings, app, faulty))

    published = await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by(set(ids)), expect=4)
    assert sorted(r.key.decode() for r in published) == sorted(i for i in ids if i != ids[1])
    quarantined = {(q.stage, q.slot): q for q in quarantined_in(app)}
    assert set(quarantined) == {("translate", "*"), ("size", "0")}
    assert quarantined["translate", "*"].reason == "ValueError: no translation for this office's form"
    assert quarantined["size", "0"].topic == DEAD_LETTERS.name and quarantined["size", "0"].size > 2_000_000

    # The cause is fixed; an operator redrives both: each is published once, and never again.
    faulty.fixed = True
    for record in quarantined.values():
        record.request_redrive("ops/alice", "translator fixed in 1.4.2", T0)
        app.save(record)
    for _ in range(2):
        await drain(OutboxRelay.from_settings(settings, app, faulty))
    redriven = await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by({ids[1], ids[3]}), expect=3)
    assert sorted(r.key.decode() for r in redriven) == sorted([ids[1], ids[3], ids[3]])  # ids[3]'s once before
    outcomes = [app.repository.get(q.id).redrives[-1].outcome for q in quarantined.values()]
    assert outcomes == ["published", "published"]
    app.close()


def test_a_quarantine_is_keyed_by_its_place_in_the_log() -> None:
    assert QuarantinedRecord.create_id("intake", 7, "*") == QuarantinedRecord.create_id("intake", 7, "*")
    assert QuarantinedRecord.create_id("intake", 7, "*") != QuarantinedRecord.create_id("intake", 7, "0")


async def set_topic_config(servers: str, topic: str, configs: dict[str, str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs=configs)])
    finally:
        await admin.close()


async def test_a_record_the_broker_refuses_for_good_is_quarantined_and_the_others_go_on(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    app = bootstrap.application(settings)
    tag = uuid.uuid4().hex[:8]
    ids = [
        str(app.register("hk-central", CLERK, RegistrationForm(**form(f"{tag}-{n}")), T0).complaint_id)
        for n in range(4)
    ]

    def with_a_letter(domain_event: Any) -> Iterable[Publication]:
        for publication in intake_translate(domain_event):
            if publication.key == ids[2]:  # 20 KB: fine for us, too large for the topic below
                letter = huge_letter(ids[2]).model_copy(update={"value": "y" * 20_000})
                yield Publication(letter, ids[2], str(uuid.uuid5(uuid.NAMESPACE_OID, ids[2])), None)
            yield publication

    await set_topic_config(kafka_bootstrap, DEAD_LETTERS.name, DEAD_LETTERS.config() | {"max.message.bytes": "8000"})
    try:
        await drain(OutboxRelay.from_settings(settings, app, with_a_letter))
        await drain(OutboxRelay.from_settings(settings, app, with_a_letter))
    finally:
        await set_topic_config(kafka_bootstrap, DEAD_LETTERS.name, DEAD_LETTERS.config())

    published = await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by(set(ids)), expect=3)
    assert sorted(r.key.decode() for r in published) == sorted(i for i in ids if i != ids[2])
    [refused] = quarantined_in(app)
    assert refused.stage == "broker" and "MessageSizeTooLarge" in refused.reason
    app.close()


async def test_a_broker_that_is_away_is_waited_for_not_quarantined(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    app = bootstrap.application(settings)
    tag = uuid.uuid4().hex[:8]
    ids = {
        str(app.register("hk-central", CLERK, RegistrationForm(**form(f"{tag}-{n}")), T0).complaint_id)
        for n in range(3)
    }
    relay = OutboxRelay.from_settings(settings, app, intake_translate)
    publish = relay._publish
    outages = [KafkaConnectionError("broker away"), KafkaTimeoutError()]

    async def flaky(outgoing: Any, last_id: int) -> None:
        if outages:  # the first attempts meet a broker that is away, after the batch was prepared
            raise outages.pop(0)
        await publish(outgoing, last_id)

    monkeypatch.setattr(relay, "_publish", flaky)
    await run_until(lambda: relay.progress.position is not None and not outages, relay.run, timeout=60)

    published = await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, keep=keyed_by(ids), expect=3)
    assert sorted(r.key.decode() for r in published) == sorted(ids)
    assert quarantined_in(app) == []
    app.close()
