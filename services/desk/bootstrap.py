"""Wires the desk: its settings, the services' HTTP clients, and the application."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from .adapters.services import Credential, Services
from .application import DeskApplication
from .settings import DeskSettings


def application(settings: DeskSettings, services: Services | None = None) -> DeskApplication:
    reader = settings.status_reader_key
    return DeskApplication(
        services or Services(settings),
        ZoneInfo(settings.time_zone),
        settings.status_link_secret.get_secret_value(),
        Credential("key", reader.get_secret_value()) if reader else None,
        settings.search_limit,
    )
