"""Wires intake together from its settings. Nothing is built at import time."""

from __future__ import annotations

from shared.bus.authors import AuthorCheck
from shared.bus.consumer import TrackedConsumer
from shared.bus.relay import OutboxRelay
from shared.clock import Clock, utc_now
from shared.eventstore import store_environment
from shared.keyring import Keyring
from shared.signing import OfficeSigningKeys

from .adapters.dead_letters import OfficeLetterSealer
from .adapters.office_regions import OfficeRegions
from .adapters.office_topic import OfficeTopicHandler
from .adapters.office_topic_prune import OFFICE_TOPIC_GROUP
from .adapters.outbound import translate
from .application import IntakeApplication
from .settings import IntakeSettings


def application(settings: IntakeSettings) -> IntakeApplication:
    app = IntakeApplication(env=store_environment(settings))
    app.registration_window = settings.registration_window()
    app.keyring = Keyring.from_settings(settings.keyring, settings.state_dir)
    regions = OfficeRegions(settings.default_phone_region, settings.office_time_zones)
    if settings.zones_from_directory:  # the directory's zones replace the setting's as they arrive
        app.followers.append(regions.follow(settings.kafka_bootstrap_servers, AuthorCheck.from_settings(settings)))
        app.office_known = regions.announced  # and a hotline call must name an office it announced
    app.phone_region = regions.region
    return app


def relay(settings: IntakeSettings, app: IntakeApplication) -> OutboxRelay:
    return OutboxRelay.from_settings(settings, app, translate)


def office_topic_consumer(settings: IntakeSettings, app: IntakeApplication, clock: Clock = utc_now) -> TrackedConsumer:
    return TrackedConsumer.from_settings(
        settings,
        app,
        group_id=OFFICE_TOPIC_GROUP,
        topics=OfficeTopicHandler.topic_names(),
        handle=OfficeTopicHandler(
            OfficeSigningKeys.load(settings.office_signing_keys_file),
            clock,
            settings.registration_window(),
            keyring=app.sealing_keyring(),
            phone_region=app.phone_region,
        ),
        clock=clock,
        # A refused registration is kept sealed under its complainant's key (adapters/dead_letters.py).
        sealer=OfficeLetterSealer(app.sealing_keyring()),
    )
