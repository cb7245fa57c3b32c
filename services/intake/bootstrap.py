"""Wires intake together from its settings. Nothing is built at import time."""

from __future__ import annotations

from shared.auth import KeyRegistry
from shared.bus.consumer import TrackedConsumer
from shared.bus.relay import OutboxRelay
from shared.clock import Clock, utc_now
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.eventstore import store_environment

from .adapters.office_topic import OfficeTopicHandler
from .adapters.outbound import translate
from .application import IntakeApplication
from .settings import IntakeSettings


def application(settings: IntakeSettings) -> IntakeApplication:
    return IntakeApplication(env=store_environment(settings))


def relay(settings: IntakeSettings, app: IntakeApplication) -> OutboxRelay:
    return OutboxRelay(
        service=settings.service_name,
        app=app,
        translate=translate,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
    )


def office_topic_consumer(settings: IntakeSettings, app: IntakeApplication, clock: Clock = utc_now) -> TrackedConsumer:
    return TrackedConsumer(
        group_id="intake",
        topics=[OFFICE_REGISTRATIONS.name],
        app=app,
        handle=OfficeTopicHandler(KeyRegistry.load(settings.keys_file), clock),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.consumer_batch_size,
        max_attempts=settings.consumer_max_attempts,
        clock=clock,
    )
