"""Wires the notifier together from its settings: a faust app, its agent, its table. Nothing at import time.

faust settings chosen for this job: tables in memory (`memory://`) restored from the changelog topic
at start; no leader topic and no topic declaration (every topic comes from the registry, created up
front: the broker runs with auto-creation off); the web server off unless a port is given.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import faust

from shared.contracts.topics import DEAD_LETTERS, INTAKE_EVENTS, NOTIFICATIONS, NOTIFIER_DELIVERIES
from shared.contracts.wire import WireMessage

from .adapters.deadletters import DeadLetterPublisher
from .adapters.directory_file import load_directory
from .adapters.email import SmtpMailer
from .adapters.ledger import TableLedger
from .adapters.webhook import WebhookPoster
from .application import Notifier, Origin
from .settings import NotifierSettings

log = logging.getLogger(__name__)


def _headers(raw: Any) -> list[tuple[str, bytes]]:
    items = raw.items() if isinstance(raw, Mapping) else (raw or [])
    return [(str(name), bytes(value or b"")) for name, value in items]


def _read(event: Any) -> tuple[WireMessage, Origin]:
    message = event.message
    wire = WireMessage(key=message.key, value=message.value or b"", headers=_headers(message.headers))
    return wire, Origin(message.topic, message.partition, message.offset)


def faust_app(settings: NotifierSettings) -> faust.App:
    servers = [f"kafka://{server.strip()}" for server in settings.kafka_bootstrap_servers.split(",")]
    datadir = settings.state_dir / "notifier" / f"{settings.app_id}-data"
    datadir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        settings.app_id,
        broker=servers,
        store=settings.table_store,
        datadir=str(datadir),
        autodiscover=False,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        broker_commit_interval=settings.commit_interval_seconds,
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=settings.session_timeout_seconds / 10,
        table_standby_replicas=0,
        topic_disable_leader=True,
        topic_allow_declare=False,
        web_enabled=settings.web_port is not None,
        web_port=settings.web_port or 6066,
        web_host=settings.http_host,
    )


def notifier(settings: NotifierSettings, app: faust.App) -> Notifier:
    """The application, its ledger a faust table and its dead letters sent with faust's producer."""
    deliveries = app.topic(
        NOTIFIER_DELIVERIES.name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=NOTIFIER_DELIVERIES.partitions,
        compacting=True,
        acks=False,
        internal=True,
        allow_empty=True,
    )
    table = app.Table(
        "deliveries",
        partitions=NOTIFIER_DELIVERIES.partitions,
        changelog_topic=deliveries,
        key_type=str,
        value_type=str,
    )
    dead_letters = app.topic(DEAD_LETTERS.name, key_serializer="raw", value_serializer="raw")

    async def send(wire: WireMessage) -> None:
        delivered = await dead_letters.send(key=wire.key, value=wire.value, headers=wire.headers)
        await delivered  # resolves when the broker has acknowledged it

    return Notifier(
        directory=load_directory(settings.directory_file),
        mailer=SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            username=settings.smtp_username or None,
            password=(settings.smtp_password.get_secret_value() or None) if settings.smtp_password else None,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_seconds,
        ),
        poster=WebhookPoster(settings.webhook_timeout_seconds),
        ledger=TableLedger(table),
        dead_letters=DeadLetterPublisher(send, source=settings.app_id),
        clock=settings.clock(),
        consumer=settings.app_id,
        sender=settings.mail_from,
        mail_domain=settings.mail_domain,
        policy=settings.retry_policy(),
        receipt_max_age=timedelta(hours=settings.receipt_max_age_hours),
    )


def worker(settings: NotifierSettings) -> tuple[faust.App, Notifier]:
    """The faust app with its agent: each notification is handled by one of `concurrency` copies, so a
    recipient being retried holds back only its own notification; faust commits an offset only once
    every message before it is done (acked), so a crash redelivers, never skips."""
    app = faust_app(settings)
    service = notifier(settings, app)
    source = app.topic(
        NOTIFICATIONS.name, key_serializer="raw", value_serializer="raw", partitions=NOTIFICATIONS.partitions
    )

    @app.agent(source, concurrency=settings.concurrency, name="deliver")
    async def deliver(stream: Any) -> None:
        async for event in stream.events():
            await service.handle(*_read(event))

    if settings.receipts:
        # Same partition count as the table's changelog: a receipt's ledger entry lives in the
        # partition of its complaint's registration, owned by the worker that owns that partition.
        registrations = app.topic(
            INTAKE_EVENTS.name, key_serializer="raw", value_serializer="raw", partitions=INTAKE_EVENTS.partitions
        )

        @app.agent(registrations, concurrency=settings.concurrency, name="receipts")
        async def receipt(stream: Any) -> None:
            async for event in stream.events():
                await service.receipt(*_read(event))

    @app.timer(interval=10.0)
    async def report() -> None:
        log.info("notifier: %s", service.counts.as_dict())

    return app, service
