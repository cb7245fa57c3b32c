"""Wires the directory together from its settings. Nothing is built at import time."""

from __future__ import annotations

from shared.bus.relay import OutboxRelay
from shared.eventstore import store_environment

from .adapters.outbound import Translator
from .application import DirectoryApplication
from .settings import DirectorySettings


def application(settings: DirectorySettings) -> DirectoryApplication:
    return DirectoryApplication(env=store_environment(settings))


def relay(settings: DirectorySettings, app: DirectoryApplication) -> OutboxRelay:
    return OutboxRelay.from_settings(settings, app, Translator(app))
