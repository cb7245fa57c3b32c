"""Wires the SLA service together from its settings. Nothing is built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from shared.bus.consumer import TrackedConsumer
from shared.bus.relay import OutboxRelay
from shared.clock import Clock, utc_now
from shared.eventstore import store_environment

from .adapters.inbound import ClockFacts
from .adapters.outbound import Translator
from .application import SlaApplication
from .settings import SlaSettings

log = logging.getLogger(__name__)


def application(settings: SlaSettings) -> SlaApplication:
    return SlaApplication(env=store_environment(settings), lease_seconds=settings.scheduler_lease_seconds)


def relay(settings: SlaSettings, app: SlaApplication) -> OutboxRelay:
    return OutboxRelay.from_settings(settings, app, Translator(app))


def consumer(settings: SlaSettings, app: SlaApplication, clock: Clock = utc_now) -> TrackedConsumer:
    return TrackedConsumer.from_settings(
        settings,
        app,
        group_id=settings.consumer_group,
        topics=ClockFacts.topic_names(),
        handle=ClockFacts(app),
        clock=clock,
    )


class Scheduler:
    """Asks the application to `tick(now)` every `tick_seconds`: due warnings and breaches get recorded."""

    def __init__(self, app: SlaApplication, clock: Clock, tick_seconds: float) -> None:
        self.app = app
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.fired = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                fired = await asyncio.to_thread(self.app.tick, self.clock())
                self.fired += fired
                if fired and await asyncio.to_thread(self.app.has_due, self.clock()):
                    continue  # a backlog: go on at once, in bounded steps that let a stop through
            except Exception:  # a bad moment of the store: the next tick tries again
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tick_seconds)
