"""Wires the projection together from its settings. Nothing is built at import time."""

from __future__ import annotations

from datetime import timedelta

from shared.bus.authors import AuthorCheck
from shared.bus.consumer import TrackedConsumer
from shared.clock import Clock, utc_now
from shared.eventstore import store_environment
from shared.keyring import Keyring

from .adapters import office_units
from .adapters.inbound import ProjectionHandler
from .adapters.outbound import ProjectionRelay
from .application import ProjectionApplication
from .reports.schedule import WeeklyReports
from .settings import ProjectionSettings

CONSUMED_TOPICS = ProjectionHandler.TOPICS  # also read from offset 0 by the auditors' replay


def application(settings: ProjectionSettings, env: dict[str, str] | None = None) -> ProjectionApplication:
    app = ProjectionApplication(
        env=store_environment(settings) | (env or {}), policy=settings.policy(), units=settings.office_units
    )
    if settings.units_from_directory:  # the directory's figures and names, as they arrive
        authors = AuthorCheck.from_settings(settings)
        app.followers.append(
            office_units.follow(settings.kafka_bootstrap_servers, app.units, authors, named=app.office_changed)
        )
    app.keyring = Keyring.from_settings(settings.keyring, settings.state_dir)
    app.refresh()
    return app


def consumer(
    settings: ProjectionSettings,
    app: ProjectionApplication,
    clock: Clock = utc_now,
    group_id: str | None = None,
) -> TrackedConsumer:
    return TrackedConsumer.from_settings(
        settings,
        app,
        group_id=group_id or settings.consumer_group,
        topics=ProjectionHandler.topic_names(),
        handle=ProjectionHandler(app.read, apply_after_commit=settings.apply_after_commit),
        clock=clock,
    )


def relay(settings: ProjectionSettings, app: ProjectionApplication) -> ProjectionRelay:
    return ProjectionRelay(
        service=settings.service_name,
        app=app,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
        **ProjectionRelay.signing(settings),
    )


def weekly_reports(settings: ProjectionSettings) -> WeeklyReports:
    """The weekly report job. It reads through its own application (made on first need, then only
    refreshed), never the consumer's: the consumer changes its index from another thread."""
    made: list[ProjectionApplication] = []

    def source() -> ProjectionApplication:
        if not made:
            made.append(application(settings))
        made[0].refresh()
        return made[0]

    def own() -> ProjectionApplication:
        if not made:
            made.append(application(settings))
        return made[0]

    return WeeklyReports(
        source=source,
        folder=settings.reports_folder(),
        policy=settings.policy(),
        langs=tuple(settings.reports_langs),
        formats=tuple(settings.reports_formats),
        grace=timedelta(hours=settings.reports_grace_hours),
        catch_up_weeks=settings.reports_catch_up_weeks,
        font_file=settings.report_font,
        publish=lambda *args, **kwargs: own().publish_report(*args, **kwargs),
        published_judged_at=lambda scope, key: own().published_report_judged_at(scope, key),
    )
