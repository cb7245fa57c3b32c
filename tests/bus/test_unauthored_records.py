"""issue 13, item 4, on the real broker: an internal topic speaks only for its service.

A complaint whose return visit was never made violates the fourth record rule. Someone with broker
access then publishes a back-dated `ReturnVisitMade` for it on `complaints.followup.events`: unsigned,
signed with triage's key, and signed by followup but altered afterwards. The projection's consumer
refuses all three (dead letters with the reason, counted as `unauthored`), goes on past them, and the
complaint's four-rule verdict does not change; the auditors' replay skips them too. A `ReturnVisitMade`
signed by followup, with its second key (rotation: both are valid at once), still applies. And the
real relays sign what they publish."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from services.intake import bootstrap as intake_bootstrap
from services.intake.settings import IntakeSettings
from services.projection import bootstrap
from services.projection.adapters.replay import replay, targets, topic_events
from services.projection.settings import ProjectionSettings
from shared.auth import Principal
from shared.bus import kafka
from shared.bus.authors import AuthorCheck, signed
from shared.bus.deadletters import letters_in
from shared.contracts import IntegrationEvent, RegistrationForm, WireMessage, encode
from shared.contracts.followup import ReturnVisitMade
from shared.contracts.topics import FOLLOWUP_EVENTS, INTAKE_EVENTS, topic_for_event_type
from shared.signing import add_public_record, new_service_key
from tests.bus.relay_support import relayed_registration
from tests.fixtures.signing import SIGNERS
from tests.kafka_support import read_topic, run_until
from tests.projection.scenario import MISSING_VISIT, START, Story
from tests.support import T0, as_author, form

pytestmark = pytest.mark.kafka


def wire_of(event: IntegrationEvent) -> WireMessage:
    source = f"/{topic_for_event_type(event.type).authors[0]}"
    return encode(event, key=event.key, source=source, event_id=str(event.event_id), time=event.occurred_at)


async def send(servers: str, records: list[tuple[str, WireMessage]]) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for topic, wire in records:
            await producer.send_and_wait(topic, wire.value, key=wire.key, headers=wire.headers)
    finally:
        await producer.stop()


def tampered(wire: WireMessage) -> WireMessage:
    """The value changed after followup signed it (a better satisfaction), headers left as signed."""
    value = wire.value.replace(b'"satisfaction":3', b'"satisfaction":5').replace(
        b'"satisfaction": 3', b'"satisfaction": 5'
    )
    assert value != wire.value
    return WireMessage(wire.key, value, wire.headers)


async def test_a_back_dated_return_visit_not_signed_by_followup_is_refused_counted_and_changes_no_verdict(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    office = f"hk-{run}"
    story = Story(run=run, office_id=office, sequence_number=1, received_at=START, fault=MISSING_VISIT, satisfaction=3)
    events = story.tell()
    now = START + timedelta(days=30)

    # Followup's keys: the session's and a second one (rotation), both in the public file.
    rotated = new_service_key("followup")
    public = tmp_path / "event-signing-keys.json"
    public.write_text(Path(os.environ["COMPLAINTS_EVENT_SIGNING_KEYS_FILE"]).read_text())
    add_public_record(public, rotated.record)
    settings = ProjectionSettings(
        store="sqlite",
        state_dir=tmp_path / "live",
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"projection-{run}",
        keys_file=tmp_path / "keys.json",
        event_signing_keys_file=public,
    )
    live = bootstrap.application(settings)
    consumer = bootstrap.consumer(settings, live)

    def verdict() -> list[dict[str, object]]:
        live.refresh()
        view = live.read.view(story.complaint_id)
        assert view is not None
        return [check.as_dict() for check in view.checks(now, live.policy)]

    def known() -> bool:
        live.refresh()
        view = live.read.view(story.complaint_id)
        return view is not None and len(live.read.links(office)) == len(events)

    try:
        await send(
            kafka_bootstrap,
            [
                (topic_for_event_type(e.type).name, as_author(topic_for_event_type(e.type).name, wire_of(e)))
                for e in events
            ],
        )
        await run_until(known, consumer.run, timeout=90)
        before = verdict()
        assert [c["step"] for c in before if c["violation"]] == ["return-visit"]

        # The forgery: a return visit two hours after the reply, published by someone else.
        replied = max(e.occurred_at for e in events if e.type.endswith("CustomerReplied"))
        visit = story._visit(replied + timedelta(hours=2))
        forged = story.events[-1]
        assert isinstance(forged, ReturnVisitMade) and forged.occurred_at == visit
        topic = FOLLOWUP_EVENTS.name
        plain = wire_of(forged)
        await send(
            kafka_bootstrap,
            [
                (topic, plain),  # no signature at all
                (topic, signed(SIGNERS["triage"], topic, plain)),  # another service's key
                (topic, tampered(signed(SIGNERS["followup"], topic, plain))),  # followup's, altered after
            ],
        )
        await run_until(lambda: len(letters_in(live)) >= 3, consumer.run, timeout=60)
        letters = letters_in(live)
        reasons = [letter.error for letter in letters]
        assert len(letters) == 3 and all(letter.origin_topic == topic for letter in letters)
        assert reasons[0].startswith("Unauthored: unsigned record on complaints.followup.events")
        assert "signed by triage" in reasons[1] and "only followup may write" in reasons[1]
        assert "does not verify with followup's key" in reasons[2] and "altered" in reasons[2]
        counted = consumer.metrics.dead_letters.labels(topic, "unauthored")._value.get()
        assert counted == 3
        assert verdict() == before  # the four rules say what they said
        # Nothing blocks: the consumer's position is past the three refused records.
        last = max(letter.origin_offset for letter in letters)
        partition = letters[-1].origin_partition
        assert (live.position(consumer.tracking_name(topic, partition)) or -1) >= last

        # The auditors' replay refuses them too, and equals the live projection.
        topics = [t.name for t in bootstrap.CONSUMED_TOPICS]
        goal = await targets(kafka_bootstrap, topics, settings.consumer_group, live)
        fresh = bootstrap.application(settings.model_copy(update={"state_dir": tmp_path / "replay"}))
        try:
            _, skipped, _ = await replay(
                kafka_bootstrap, fresh, goal, settings.consumer_group, authors=AuthorCheck.from_settings(settings)
            )
            assert skipped >= 3
            view = fresh.read.view(story.complaint_id)
            assert view is not None and [c.as_dict() for c in view.checks(now, fresh.policy)] == before
        finally:
            fresh.close()
        logged = await topic_events(kafka_bootstrap, goal, AuthorCheck.from_settings(settings))
        assert forged.event_id not in {uuid.UUID(e.event_id) for e in logged}

        # The same visit signed by followup itself, with its rotated key: it applies (the visit is done;
        # the SLA's breach of its clock, which the SLA alone decides, still makes it late).
        await send(kafka_bootstrap, [(topic, signed(rotated, topic, plain))])

        def visit() -> dict[str, object]:
            return next(c for c in verdict() if c["step"] == "return-visit")

        assert visit()["done_at"] is None
        await run_until(lambda: visit()["done_at"] is not None, consumer.run, timeout=60)
        assert visit()["done_at"] == forged.occurred_at.isoformat()
        assert len(letters_in(live)) == 3
    finally:
        live.close()


async def test_the_real_relay_signs_every_record_with_its_services_key(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap)
    intake = intake_bootstrap.application(settings)
    clerk = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))
    tag = uuid.uuid4().hex[:8]
    ids = {
        str(intake.register("hk-central", clerk, RegistrationForm(**form(f"{tag}-{n}")), T0).complaint_id)
        for n in range(3)
    }
    relay = intake_bootstrap.relay(settings, intake)
    assert relay.signer is not None and relay.signer.service == "intake"
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    intake.close()
    records = await read_topic(
        kafka_bootstrap, INTAKE_EVENTS.name, keep=lambda r: (r.key or b"").decode() in ids, expect=3
    )
    check = AuthorCheck.from_settings(settings)
    for record in records:
        wire = WireMessage(record.key, record.value or b"", list(record.headers))
        assert check.check(INTAKE_EVENTS.name, wire) == "intake"


async def test_a_restarting_relay_passes_over_position_records_its_service_did_not_sign(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """A forged position ahead of the relay's would make it skip notifications it never published."""
    from shared.contracts.topics import RELAY_POSITIONS

    settings, intake, published, position_key = await relayed_registration(kafka_bootstrap, tmp_path)

    ahead = WireMessage(position_key, str(published + 1000).encode(), [])
    await send(
        kafka_bootstrap,
        [(RELAY_POSITIONS.name, ahead), (RELAY_POSITIONS.name, signed(SIGNERS["triage"], RELAY_POSITIONS.name, ahead))],
    )
    again = intake_bootstrap.relay(settings, intake)
    await again.start()
    try:
        assert again.progress.position == published
    finally:
        await again.stop()
        intake.close()
