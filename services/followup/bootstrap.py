"""Wires follow-up together from its settings. Nothing is built at import time."""

from __future__ import annotations

from shared.bus.consumer import TrackedConsumer
from shared.bus.relay import OutboxRelay
from shared.clock import Clock, utc_now
from shared.eventstore import store_environment

from .adapters.inbound import TOPICS, CaseFacts
from .adapters.outbound import Translator
from .application import FollowupApplication
from .settings import FollowupSettings


def application(settings: FollowupSettings) -> FollowupApplication:
    return FollowupApplication(env=store_environment(settings))


def relay(settings: FollowupSettings, app: FollowupApplication) -> OutboxRelay:
    return OutboxRelay(
        service=settings.service_name,
        app=app,
        translate=Translator(app),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
    )


def consumer(settings: FollowupSettings, app: FollowupApplication, clock: Clock = utc_now) -> TrackedConsumer:
    return TrackedConsumer(
        group_id=settings.consumer_group,
        topics=list(TOPICS),
        app=app,
        handle=CaseFacts(app),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.consumer_batch_size,
        max_attempts=settings.consumer_max_attempts,
        clock=clock,
    )
