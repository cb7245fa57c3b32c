"""Wires follow-up together from its settings. Nothing is built at import time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from shared.bus.consumer import TrackedConsumer
from shared.bus.relay import OutboxRelay
from shared.clock import Clock, utc_now
from shared.eventstore import store_environment

from .adapters.inbound import CaseFacts
from .adapters.outbound import Translator
from .application import FollowupApplication
from .settings import FollowupSettings


def application(settings: FollowupSettings) -> FollowupApplication:
    app = FollowupApplication(env=store_environment(settings))
    app.policy = replace(app.policy, visit_retry_interval=timedelta(hours=settings.visit_retry_hours))
    return app


def relay(settings: FollowupSettings, app: FollowupApplication) -> OutboxRelay:
    return OutboxRelay.from_settings(settings, app, Translator(app))


def consumer(settings: FollowupSettings, app: FollowupApplication, clock: Clock = utc_now) -> TrackedConsumer:
    return TrackedConsumer.from_settings(
        settings,
        app,
        group_id=settings.consumer_group,
        topics=CaseFacts.topic_names(),
        handle=CaseFacts(app),
        clock=clock,
    )
