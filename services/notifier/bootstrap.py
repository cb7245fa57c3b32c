"""Wires the notifier together from its settings: a faust app, its agent, its table. Nothing at import time.

faust settings chosen for this job: tables in memory (`memory://`) restored from the changelog topic
at start; no leader topic and no topic declaration (every topic comes from the registry, created up
front: the broker runs with auto-creation off); the web server off unless a port is given.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn
from uuid import UUID

import faust

from shared.bus.authors import AuthorCheck, signer_from_settings
from shared.contracts.directory import OfficeChanged, StaffMemberChanged
from shared.contracts.topics import (
    DEAD_LETTERS,
    FOLLOWUP_EVENTS,
    HANDLING_EVENTS,
    INTAKE_EVENTS,
    NOTIFICATIONS,
    NOTIFIER_CONTACTS,
    NOTIFIER_DELIVERIES,
    NOTIFIER_OPERATOR,
    PROJECTION_REPORTS,
    Topic,
)
from shared.contracts.wire import WireMessage
from shared.directory_keys import DirectoryFeed
from shared.health import Endpoint, Status, serving
from shared.keyring import Keyring
from shared.metrics import render
from shared.status_link import status_link

from .adapters import directory_file, reconciler
from .adapters.contacts import TableContacts
from .adapters.deadletters import DeadLetterPublisher
from .adapters.directory_events import LiveDirectory
from .adapters.email import SmtpMailer
from .adapters.ledger import TableLedger
from .adapters.metrics import notifier_registry
from .adapters.operator_log import RetryDesk, fetch_record, signed_record
from .adapters.report_files import ProjectionReports
from .adapters.webhook import WebhookPoster
from .application import Notifier, Origin
from .domain.directory import Directory, StaffDirectory
from .domain.failures import OperatorRecord
from .domain.reports import ReportRoles
from .settings import NotifierSettings

log = logging.getLogger(__name__)


def _headers(raw: Any) -> list[tuple[str, bytes]]:
    items = raw.items() if isinstance(raw, Mapping) else (raw or [])
    return [(str(name), bytes(value or b"")) for name, value in items]


def _exit_unacked(what: str) -> NoReturn:
    """Stop at once, like a SIGKILL (which the tests show loses nothing): faust's agent would restart
    and go on past the failed message, and its offset could be committed with the message undone.
    Reached only when the notifier's own state fails (`Unrecoverable`): a record it cannot process is
    a dead letter (`Notifier._guarded`) and the worker goes on.
    The supervisor (make up's, or compose's `restart`) starts the worker again; it redelivers."""
    log.critical("notifier: unexpected failure handling %s; exiting to have it redelivered", what, exc_info=True)
    logging.shutdown()
    os._exit(70)


def _read(event: Any) -> tuple[WireMessage, Origin]:
    message = event.message
    wire = WireMessage(key=message.key, value=message.value or b"", headers=_headers(message.headers))
    # the broker's append time (every topic is LogAppendTime), in seconds: the age rule's clock (none
    # known, -1 in Kafka's oldest record format: acted on, as before the rule)
    stamp = message.timestamp
    appended = datetime.fromtimestamp(stamp, UTC) if stamp is not None and stamp > 0 else None
    return wire, Origin(message.topic, message.partition, message.offset, appended)


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
    table = _changelogged_table(app, "deliveries", NOTIFIER_DELIVERIES)
    dead_letters = app.topic(DEAD_LETTERS.name, key_serializer="raw", value_serializer="raw")
    # The complainants' sealed contacts by complaint id (adapters/contacts.py).
    contacts = _changelogged_table(app, "contacts", NOTIFIER_CONTACTS) if settings.receipts else None

    async def send(wire: WireMessage) -> None:
        delivered = await dead_letters.send(key=wire.key, value=wire.value, headers=wire.headers)
        await delivered  # resolves when the broker has acknowledged it

    return Notifier(
        directory=staff_directory(settings),
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
        status_link=_status_links(settings),
        desk_url=settings.desk_url,
        report_files=_report_files(settings),
        report_roles=ReportRoles(office=tuple(settings.report_office_roles), group=tuple(settings.report_group_roles)),
        report_formats=tuple(settings.report_formats),
        report_langs=tuple(settings.report_langs),
        authors=AuthorCheck.from_settings(settings),
        keyring=Keyring.from_settings(settings.keyring, settings.state_dir) if settings.receipts else None,
        contacts=TableContacts(contacts) if contacts is not None else None,
        sms_gateway=settings.sms_gateway(),
        phone_region=settings.sms_default_region,
        sms_max_segments=settings.sms_max_segments,
        age_rule=settings.age_rule(),
        keep_after_close=settings.keep_after_close(),
    )


def _changelogged_table(app: faust.App, name: str, changelog: Topic) -> Any:
    """A faust table whose compacted changelog is the registry's topic (created up front), not one
    named after the app id: a fresh consumer group restores the same table."""
    topic = app.topic(
        changelog.name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=changelog.partitions,
        compacting=True,
        acks=False,
        internal=True,
        allow_empty=True,
    )
    return app.Table(name, partitions=changelog.partitions, changelog_topic=topic, key_type=str, value_type=str)


def _report_files(settings: NotifierSettings) -> ProjectionReports | None:
    """Published reports are fetched from the projection with a group key; without one they are not mailed."""
    if settings.projection_key is None:
        return None
    return ProjectionReports(settings.projection_url, settings.projection_key.get_secret_value())


def staff_directory(settings: NotifierSettings) -> StaffDirectory:
    """Who holds which role: the file's staff if it lists any, else the directory service's events
    (followed from the topic's start in a thread of its own; the endpoints from the file either way)."""
    data = directory_file.read(settings.directory_file)
    if directory_file.lists_staff(data):
        return Directory.model_validate(data)
    live = LiveDirectory(directory_file.endpoints(data))
    wanted = frozenset(
        {str(OfficeChanged.model_fields["type"].default), str(StaffMemberChanged.model_fields["type"].default)}
    )
    live.feed = DirectoryFeed(
        settings.kafka_bootstrap_servers, live.apply, wanted, AuthorCheck.from_settings(settings)
    ).start()
    return live


def _status_links(settings: NotifierSettings) -> Callable[[UUID, str | None], str] | None:
    """Receipts link to the desk's status page, signed with the desk's secret (shared/status_link.py),
    opened in the complainant's language when it is known."""
    if settings.status_link_secret is None:
        return None
    secret = settings.status_link_secret.get_secret_value()
    return lambda complaint_id, lang: status_link(settings.desk_url, complaint_id, secret, lang=lang)


Handle = Callable[[WireMessage, Origin], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """One agent: the topics it reads (as many partitions each as the tables' changelogs, so a
    message's ledger entry or kept contact lives in its own partition, on the worker that owns it),
    the application's command for each record, and what a record is called in a log line."""

    name: str
    topics: tuple[Topic, ...]
    handle: Handle
    what: str


def _subscriptions(settings: NotifierSettings, service: Notifier) -> list[Subscription]:
    """What the worker reads, declared once: its agents and the reconciler's pairs both come from it."""
    subscriptions = [Subscription("deliver", (NOTIFICATIONS,), service.handle, "a notification")]
    if settings.receipts:
        subscriptions.append(Subscription("receipts", (INTAKE_EVENTS,), service.receipt, "a registration"))
        # The complainant's progress, reply and return-visit invitation: keyed by complaint id with as
        # many partitions as intake's, so the contact kept from a registration lives in the partition
        # (and the worker) its complaint's later events reach.
        subscriptions.append(
            Subscription("updates", (HANDLING_EVENTS, FOLLOWUP_EVENTS), service.update, "a handling or followup event")
        )
    if service.report_files is not None:
        subscriptions.append(Subscription("reports", (PROJECTION_REPORTS,), service.report, "a published report"))
    return subscriptions


def retry_desk(
    settings: NotifierSettings, app: faust.App, service: Notifier, subscriptions: list[Subscription]
) -> RetryDesk:
    """The operators' retries of failed deliveries (adapters/operator_log.py): each record handed again
    to its own subscription's command, the outcome written beside the request, in its partition."""
    log_topic = app.topic(NOTIFIER_OPERATOR.name, key_serializer="raw", value_serializer="raw")
    signer = signer_from_settings(settings)  # every outcome signed: the CLI and the worker refuse the unsigned

    async def publish(record: OperatorRecord, partition: int) -> None:
        if signer is None:  # development only (production refuses to start without it): shown as refused
            log.error("no NOTIFIER_EVENT_SIGNING_KEY: the outcome of %s is written unsigned", record.letter_id)
        wire = signed_record(signer, record)
        sent = await log_topic.send(key=wire.key, value=wire.value, partition=partition, headers=wire.headers)
        await sent  # resolves when the broker has acknowledged it

    async def fetch(topic: str, partition: int, offset: int) -> WireMessage | None:
        return await fetch_record(settings.kafka_bootstrap_servers, topic, partition, offset)

    handlers = {topic.name: each.handle for each in subscriptions for topic in each.topics}
    return RetryDesk(service, handlers, fetch, publish, settings.clock(), AuthorCheck.from_settings(settings))


def _agent(app: faust.App, subscription: Subscription) -> None:
    """A faust agent taking one record at a time to the application (see `worker`). A record it
    cannot process is the application's dead letter; what still escapes is the notifier's own state
    failing: the worker stops (`_exit_unacked`)."""
    source = app.topic(
        *(topic.name for topic in subscription.topics),
        key_serializer="raw",
        value_serializer="raw",
        partitions=subscription.topics[0].partitions,
    )

    async def consume(stream: Any) -> None:
        async for event in stream.events():
            try:
                await subscription.handle(*_read(event))
            except Exception:
                _exit_unacked(subscription.what)

    app.agent(source, name=subscription.name)(consume)


def worker(settings: NotifierSettings) -> tuple[faust.App, Notifier]:
    """The faust app with its agents, one message at a time each (a notification's recipients are
    served concurrently), so faust acks in offset order and commits only what is done.

    Not `concurrency=N` copies of the agent, nor batches: copies ack out of order, and faust-streaming
    0.15.3's commit (`Consumer._new_offset`) then commits past a message still in flight when the gap
    before the first acked offset is a single message, or while the group has no committed offset yet
    (it checks `if committed_offset:` and `min(acked) - committed_offset > 1`, committed_offset being
    the next offset to read): a SIGKILL then lost it (our SIGKILL test caught it). `take_events`
    batches acked in order, but a worker stalled on them now and then in the same test.
    The price: a recipient being retried holds back the messages behind it (at most the back-off
    schedule, 15 s by default), never the other recipients of its own notification.
    """
    app = faust_app(settings)
    service = notifier(settings, app)
    subscriptions = _subscriptions(settings, service)
    subscriptions.append(
        Subscription(
            "operator",
            (NOTIFIER_OPERATOR,),
            retry_desk(settings, app, service, subscriptions).take,
            "an operator's request",
        )
    )
    for subscription in subscriptions:
        _agent(app, subscription)
    if service.report_files is None:
        log.warning("notifier: no NOTIFIER_PROJECTION_KEY, so published reports are not mailed")

    @app.timer(interval=settings.reconcile_seconds)
    async def reconcile() -> None:
        """The safety net behind faust's commits (see adapters/reconciler.py)."""
        owned = app.assignor.assigned_actives()
        pairs = [(topic.name, each.handle) for each in subscriptions for topic in each.topics]
        for topic, handle in pairs:
            partitions = sorted(tp.partition for tp in owned if tp.topic == topic)
            if not partitions:
                continue
            sent_before = service.counts.sent
            try:
                handed = await reconciler.reconcile(
                    settings.kafka_bootstrap_servers,
                    settings.app_id,
                    topic,
                    partitions,
                    handle,
                    settings.reconcile_lookback,
                    settings.reconcile_grace_seconds,
                )
            except Exception:
                log.exception("reconciling %s failed; the next round tries again", topic)
                continue
            missed = service.counts.sent - sent_before  # (may include the agent's sends meanwhile)
            say = log.warning if missed else log.info
            say("reconciled %d messages of %s: %d deliveries were missing", handed, topic, missed)

    @app.timer(interval=settings.ledger_expire_seconds)
    async def forget() -> None:
        """The ledger's age rule (domain/ledger_age.py): this worker's partitions' entries past it are
        tombstoned, so the compacted changelog and every later restore hold only what it keeps; and the
        contacts of complaints closed longer than the window (domain/kept.py)."""
        await forget_expired(app, service)
        await forget_closed(app, service)

    @app.timer(interval=10.0)
    async def report() -> None:
        log.info("notifier: %s", service.counts.as_dict())

    health = health_endpoint(settings, app, service)

    @app.task
    async def serve_health() -> None:
        # The same /health, /health/live and /health/ready every worker serves (shared/health.py), from
        # faust's own loop: an answer proves the loop turns; ready once it owns partitions.
        async with serving(health):
            await asyncio.Event().wait()  # until faust stops the worker and cancels its tasks

    return app, service


async def forget_expired(app: faust.App, service: Notifier) -> None:
    """One sweep of the ledger over the changelog partitions this worker owns (each worker forgets
    only its own; a sweep run twice, or by two workers in turn, forgets nothing more). Not while the
    tables are being restored: a half-restored table is no picture of what the changelog holds."""
    if not tables_restored(app) or not isinstance(service.ledger, TableLedger):
        return
    owned = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == NOTIFIER_DELIVERIES.name}
    if not owned:
        return
    started = time.monotonic()
    swept = await service.ledger.forget_expired(owned, service.age_rule, service.wall())
    service.counts.ledger_forgotten += swept.forgotten
    (log.info if swept.forgotten or swept.dated else log.debug)(
        "ledger: %d entries past the age rule forgotten, %d undated ones dated now, in partitions %s (%.2f s); "
        "%d entries kept",
        swept.forgotten,
        swept.dated,
        sorted(owned),
        time.monotonic() - started,
        len(service.ledger),
    )


async def forget_closed(app: faust.App, service: Notifier) -> None:
    """One sweep of the kept contacts over the changelog partitions this worker owns: a complaint closed
    longer than `NOTIFIER_CONTACT_KEEP_AFTER_CLOSE_DAYS` ago (and not reopened) has its entry tombstoned.
    Not while the tables are being restored."""
    if not tables_restored(app) or service.contacts is None:
        return
    owned = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == NOTIFIER_CONTACTS.name}
    if owned:
        forgotten = await service.forget_closed(owned)
        (log.info if forgotten else log.debug)(
            "contacts: %d of complaints closed longer than %s ago forgotten, in partitions %s",
            forgotten,
            service.keep_after_close,
            sorted(owned),
        )


def tables_restored(app: faust.App) -> bool:
    """Whether the tables are restored from their changelogs: owning partitions is not enough, the
    agents wait for the restore (which reads every ledger entry kept, so it takes longer as history
    grows) and a worker is not ready before it ends."""
    recovery = app.tables.recovery  # type: ignore[attr-defined]  # faust's TableManager, typed as its protocol
    return bool(recovery.completed.is_set()) and not recovery.in_recovery


def health_endpoint(settings: NotifierSettings, app: faust.App, service: Notifier) -> Endpoint:
    """The faust worker's health endpoint, where its settings place it (as `shared.health` does for the
    tracked consumers): alive, its assigned partitions, and what it has delivered."""

    async def probe() -> Status:
        assigned = sorted(f"{tp.topic}/{tp.partition}" for tp in app.consumer.assignment()) if app.consumer else []
        restored = tables_restored(app)
        details = {
            "assigned": assigned,
            "tables_restored": restored,
            "ledger_entries": len(ledger)
            if isinstance(ledger := getattr(service, "ledger", None), TableLedger)
            else None,
            **service.counts.as_dict(),
        }
        return Status(alive=True, ready=bool(assigned) and restored, details=details)

    registry = notifier_registry(lambda: service.counts)

    async def scrape() -> bytes:
        return render(registry)

    port = settings.health_port("worker")
    return Endpoint("worker", settings.health_bind_host, port, probe, settings.health_exit_after_seconds, scrape)
