"""Wires handling together from its settings. Nothing is built at import time."""

from __future__ import annotations

from shared.bus.consumer import TrackedConsumer
from shared.bus.relay import OutboxRelay
from shared.clock import Clock, utc_now
from shared.eventstore import store_environment

from .adapters.inbound import HandlingHandler
from .adapters.outbound import CaseTranslator
from .application import HandlingApplication
from .settings import HandlingSettings


def application(settings: HandlingSettings) -> HandlingApplication:
    return HandlingApplication(env=store_environment(settings))


def relay(settings: HandlingSettings, app: HandlingApplication) -> OutboxRelay:
    return OutboxRelay.from_settings(settings, app, CaseTranslator(app))


def consumer(settings: HandlingSettings, app: HandlingApplication, clock: Clock = utc_now) -> TrackedConsumer:
    return TrackedConsumer.from_settings(
        settings,
        app,
        group_id=settings.consumer_group,
        topics=HandlingHandler.topic_names(),
        handle=HandlingHandler(app),
        clock=clock,
    )
