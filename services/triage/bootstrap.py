"""Wires triage together from its settings. Nothing is built at import time."""

from __future__ import annotations

from shared.bus.consumer import TrackedConsumer
from shared.bus.relay import OutboxRelay
from shared.clock import Clock, utc_now
from shared.eventstore import store_environment
from shared.keyring import Keyring

from .adapters.inbound import TriageHandler
from .adapters.model_cache import cached_reading_model
from .adapters.outbound import translate
from .application import SYSTEM_ID, SYSTEM_ROLE, TriageApplication
from .domain.calibration import Calibration
from .domain.reading_model import ReadingModel, corpus_identity
from .domain.rules import load_rules_file
from .domain.vocabulary import check_vocabulary
from .score import training_examples
from .settings import TriageSettings


def application(settings: TriageSettings, clock: Clock = utc_now) -> TriageApplication:
    """The worker's application, the one that judges: with the reading model and the rules file adopted
    (a new version only if it changed). A rules file naming what no contract accepts stops the start
    (RulesVocabularyError), as `PUT /rules` refuses it."""
    # The reading model is trained from the bundled corpus (deterministic, seconds of CPU) once, then
    # read from the state folder at every start (adapters/model_cache.py).
    model = cached_reading_model(settings.state_dir) if settings.reading_model else None
    app = _opened(settings, model=model)
    _adopt_rules_file(settings, app, clock)
    return app


def deciding_application(settings: TriageSettings, clock: Clock = utc_now) -> TriageApplication:
    """The HTTP app's: it records people's decisions and new rules and judges no complaint, so it needs
    the model's name (every rules version it adopts carries it), not the model (260 MiB, and seconds to
    import scikit-learn)."""
    identity = corpus_identity(training_examples()) if settings.reading_model else None
    app = _opened(settings, model_identity=identity)
    _adopt_rules_file(settings, app, clock)
    return app


def publishing_application(settings: TriageSettings) -> TriageApplication:
    """The relay's: it publishes the store's notification log, so it neither judges nor adopts rules (a
    relay adopting rules without the model's name would record another rules version at every start)."""
    return _opened(settings)


def _opened(
    settings: TriageSettings, model: ReadingModel | None = None, model_identity: str | None = None
) -> TriageApplication:
    app = TriageApplication(
        env=store_environment(settings),
        complainant_salt=settings.complainant_salt.get_secret_value(),
        reading_model=model,
        model_identity=model_identity,
    )
    app.keyring = Keyring.from_settings(settings.keyring, settings.state_dir)
    return app


def _adopt_rules_file(settings: TriageSettings, app: TriageApplication, clock: Clock) -> None:
    rules = load_rules_file(settings.rules_file)
    check_vocabulary(rules)
    Calibration.from_rules(rules)  # a calibration table of the wrong shape stops the start too
    app.adopt_rules(rules, SYSTEM_ID, SYSTEM_ROLE, f"rules file {settings.rules_file.name}", clock())


def relay(settings: TriageSettings, app: TriageApplication) -> OutboxRelay:
    return OutboxRelay.from_settings(settings, app, translate)


def consumer(settings: TriageSettings, app: TriageApplication, clock: Clock = utc_now) -> TrackedConsumer:
    return TrackedConsumer.from_settings(
        settings,
        app,
        group_id=settings.consumer_group,
        topics=TriageHandler.topic_names(),
        handle=TriageHandler(app),
        clock=clock,
    )
