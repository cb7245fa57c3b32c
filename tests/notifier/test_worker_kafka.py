"""The faust worker on the real broker, as a process of its own (`python -m
services.notifier.entrypoints.worker`), delivering to a real SMTP server and a real HTTP receiver."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.notifier.adapters.email import SmtpMailer
from services.notifier.adapters.ledger import MemoryLedger
from services.notifier.adapters.reconciler import reconcile
from services.notifier.adapters.webhook import WebhookPoster
from services.notifier.application import Notifier
from services.notifier.domain import messages
from services.notifier.domain.directory import Directory
from shared.bus import kafka
from shared.clock import utc_now
from shared.contracts import DeadLetter
from shared.contracts.notifications import NotificationRequested
from shared.contracts.topics import DEAD_LETTERS, INTAKE_EVENTS, NOTIFICATIONS
from shared.contracts.wire import encode
from tests.kafka_support import keyed_by, read_topic
from tests.support import as_author

from .support import HookReceiver, SmtpSink, directory, major, registered, shown_subject, write_directory

# faust-streaming 0.15.3 under load commits past and stalls now and then (services/notifier/README.md);
# the reconciler makes delivery whole, on a timer: a run that the timing beat is run again, at most twice.
pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.flaky(reruns=2, reruns_delay=2)]
ROOT = Path(__file__).resolve().parents[2]
MAIL_DOMAIN = "notifier.complaints.invalid"


class WorkerProcess:
    """One notifier worker process; `kill()` is SIGKILL, `stop()` is SIGTERM (faust stops cleanly)."""

    def __init__(self, servers: str, app_id: str, directory_file: Path, smtp: SmtpSink, logs: Path) -> None:
        self.env = os.environ | {
            "KAFKA_BOOTSTRAP_SERVERS": servers,
            "NOTIFIER_APP_ID": app_id,
            "NOTIFIER_DIRECTORY_FILE": str(directory_file),
            "NOTIFIER_SMTP_PORT": str(smtp.port),
            "NOTIFIER_STATE_DIR": str(logs.parent / "state"),
            "NOTIFIER_RETRY_ATTEMPTS": "3",
            "NOTIFIER_RETRY_FIRST_DELAY_SECONDS": "0.2",
            "NOTIFIER_COMMIT_INTERVAL_SECONDS": "0.5",
            "NOTIFIER_SESSION_TIMEOUT_SECONDS": "6",
            "NOTIFIER_RECONCILE_SECONDS": "3",
            "NOTIFIER_RECONCILE_GRACE_SECONDS": "5",
        }
        self.logs = logs
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        with self.logs.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.notifier.entrypoints.worker"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


async def publish(servers: str, events: list[NotificationRequested], topic: str = NOTIFICATIONS.name) -> None:
    producer = kafka.producer(servers)
    await producer.start()
    try:
        for event in events:
            wire = as_author(
                topic, encode(event, key=str(event.complaint_id), source="test", event_id=str(event.event_id))
            )
            await producer.send(topic, wire.value, key=wire.key, headers=wire.headers)
        await producer.flush()
    finally:
        await producer.stop()


async def wait_for_mail(smtp: SmtpSink, count: int, timeout: float, notification: str | None = None) -> list:
    """The mailbox's emails (of one notification, if given), once `count` arrived or `timeout` ran out."""

    def mails() -> list:
        return [m for m in smtp.messages if notification in (None, m["X-Notification-Id"])]

    deadline = time.monotonic() + timeout
    while len(mails()) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return mails()


async def topic_size(servers: str) -> int:
    reader = kafka.consumer(servers, group_id=None)
    await reader.start()
    try:
        partitions = [TopicPartition(NOTIFICATIONS.name, p) for p in range(NOTIFICATIONS.partitions)]
        ends, starts = await reader.end_offsets(partitions), await reader.beginning_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await reader.stop()


async def group_caught_up(servers: str, group: str, timeout: float) -> bool:
    """Has the consumer group committed the end of every partition of the notifications topic?"""
    reader = kafka.consumer(servers, group_id=None)
    await reader.start()
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        partitions = [TopicPartition(NOTIFICATIONS.name, p) for p in range(NOTIFICATIONS.partitions)]
        ends = await reader.end_offsets(partitions)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            committed = await admin.list_consumer_group_offsets(group)
            if all(committed.get(tp) is not None and committed[tp].offset >= end for tp, end in ends.items()):
                return True
            await asyncio.sleep(0.2)
        return False
    finally:
        await admin.close()
        await reader.stop()


async def test_a_major_complaint_emails_each_leader_in_seconds_and_a_failing_webhook_is_dead_lettered(
    kafka_bootstrap: str, smtp: SmtpSink, hooks: HookReceiver, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    hooks.failing.add("/sms")  # leader-1's SMS gateway answers 500
    directory_file = write_directory(tmp_path / "directory.json", directory(hooks))
    worker = WorkerProcess(kafka_bootstrap, f"notifier-{uuid4().hex[:8]}", directory_file, smtp, tmp_path / "w.log")
    workers.append(worker.start())
    await publish(kafka_bootstrap, [major("office-b", roles=("supervisor",))])  # warm-up: the worker is ready
    assert len(await wait_for_mail(smtp, 2, timeout=30)) >= 2, (tmp_path / "w.log").read_text()[-3000:]

    event = major("office-a", roles=("leader",))
    published = time.monotonic()
    await publish(kafka_bootstrap, [event])
    leaders = await wait_for_mail(smtp, 2, timeout=10, notification=str(event.event_id))
    took = time.monotonic() - published
    assert {m["Message-ID"] for m in leaders} == {
        messages.message_id(event.event_id, f"office-a/leader-{n}", MAIL_DOMAIN) for n in (1, 2)
    }
    assert len(leaders) == 2 and took < 5, f"the leaders' emails took {took:.2f}s"

    letters = await read_topic(kafka_bootstrap, DEAD_LETTERS.name, keep=keyed_by({str(event.complaint_id)}), expect=1)
    [letter] = [DeadLetter.model_validate_json(record.value) for record in letters]
    assert letter.error.startswith("DeliveryFailed: webhook to staff 'office-a/leader-1' (leader): HTTP 500")
    assert letter.origin_topic == NOTIFICATIONS.name and letter.attempts == 3
    tried = [r for r in hooks.to("/sms") if str(event.event_id).encode() in r[2]]
    assert len(tried) == 3  # tried, twice more with back-off, then given up
    assert len([m for m in smtp.messages if m["X-Notification-Id"] == str(event.event_id)]) == 2  # no more

    # The complainant's receipt, from intake's registration: reference in it, nothing of it in a log.
    registration = registered("chan.tai.man@mail.test")
    await publish(kafka_bootstrap, [registration], topic=INTAKE_EVENTS.name)  # type: ignore[list-item]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _receipts(smtp):
        await asyncio.sleep(0.05)
    [receipt] = _receipts(smtp)
    assert receipt["To"] == "Chan Tai Man <chan.tai.man@mail.test>"
    assert registration.payload.form.office_reference in receipt["Subject"]
    assert "chan.tai.man" not in (tmp_path / "w.log").read_text()

    # Staff mails name the complaint as staff know it: intake's reference, read from that registration.
    named = major("office-a", roles=("supervisor",), complaint_id=registration.complaint_id)
    await publish(kafka_bootstrap, [named])
    mails = await wait_for_mail(smtp, 2, timeout=10, notification=str(named.event_id))
    reference = registration.payload.form.office_reference
    assert len(mails) == 2 and all(m["X-Complaint-Reference"] == reference for m in mails)
    for mail in mails:  # the office by the directory's name for it
        subject = shown_subject(mail)
        assert subject.endswith(f" · {reference} (Office-A no. 42)"), subject
        body = mail.get_payload(decode=True).decode()
        assert f"Complaint: {reference} (Office-A no. 42)" in body and str(named.complaint_id) in body


def _receipts(smtp: SmtpSink) -> list:
    return [m for m in smtp.messages if m["X-Notification-Id"] is None]


async def test_a_sigkilled_worker_loses_nothing_and_a_replay_sends_nothing_twice(
    kafka_bootstrap: str, smtp: SmtpSink, hooks: HookReceiver, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    directory_file = write_directory(tmp_path / "directory.json", directory(hooks))
    app_id = f"notifier-{uuid4().hex[:8]}"
    logs = tmp_path / "w.log"
    events = [major("office-a" if n % 2 else "office-b", roles=("leader",)) for n in range(120)]
    expected = {(str(e.event_id), f"{e.office_id}/leader-{n}") for e in events for n in (1, 2)}
    await publish(kafka_bootstrap, events)

    first = WorkerProcess(kafka_bootstrap, app_id, directory_file, smtp, logs).start()
    workers.append(first)
    assert len(await wait_for_mail(smtp, 30, timeout=30)) >= 30, logs.read_text()[-3000:]
    first.kill()  # mid-stream: some sent and not yet recorded, some recorded and not yet committed
    at_kill = len(smtp.messages)
    assert at_kill < len(expected), "the kill came too late to test anything"

    workers.append(WorkerProcess(kafka_bootstrap, app_id, directory_file, smtp, logs).start())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ids_by_delivery = _message_ids(smtp)
        hooked = {headers[messages.DELIVERY_HEADER] for _, headers, _ in hooks.to("/sms")}
        if set(ids_by_delivery) >= expected and len(hooked) >= len(events):
            break
        await asyncio.sleep(0.1)
    ids_by_delivery = _message_ids(smtp)
    lost = expected - set(ids_by_delivery)
    assert not lost, f"lost: {sorted(lost)[:5]}...\n" + logs.read_text()[-4000:]  # none lost
    for (notification_id, staff_id), ids in ids_by_delivery.items():  # a repeat carries the same Message-ID
        assert ids == {messages.message_id(notification_id, staff_id, MAIL_DOMAIN)}  # type: ignore[arg-type]
    repeats = len(smtp.messages) - len(expected)
    bodies: dict[str, set[bytes]] = defaultdict(set)  # the webhooks: one signed body per delivery id
    for _, headers, body in hooks.to("/sms"):
        bodies[headers[messages.DELIVERY_HEADER]].add(body)
    missing = {str(messages.delivery_id(e.event_id, f"{e.office_id}/leader-1", "webhook")): e.event_id for e in events}
    missing = {k: v for k, v in missing.items() if k not in bodies}
    assert not missing, f"webhooks missing for {missing}"
    assert all(len(b) == 1 for b in bodies.values())
    print(f"\nSIGKILL after {at_kill} emails; {repeats} repeated, each with its first Message-ID")

    # Replay the topic from its start with a fresh consumer group: the table (restored from its
    # changelog) remembers every delivery, so not one email more is sent.
    workers[-1].stop()
    before = len(smtp.messages)
    delivered = _message_ids(smtp)
    replay_group = f"notifier-{uuid4().hex[:8]}"
    replay_logs = tmp_path / "replay.log"
    workers.append(WorkerProcess(kafka_bootstrap, replay_group, directory_file, smtp, replay_logs).start())
    # Every message went through the application: the group committed the end, or the reconciler
    # handed the whole topic over (faust's own commits were seen to stall).
    total = await topic_size(kafka_bootstrap)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        handed = [
            int(n) for n in re.findall(rf"reconciled (\d+) messages of {NOTIFICATIONS.name}", replay_logs.read_text())
        ]
        if (handed and max(handed) >= total) or await group_caught_up(kafka_bootstrap, replay_group, timeout=0.5):
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError("the replay did not get through the topic\n" + replay_logs.read_text()[-3000:])
    # At least once, never twice differently: the replay sends nothing new. A delivery whose record the
    # stopped worker had not yet written may go once more, as the same message (its first Message-ID),
    # which mail systems de-duplicate; it was seen once in a loaded run, hence no exact count here.
    assert _message_ids(smtp) == delivered
    assert len(smtp.messages) - before <= 2, f"{len(smtp.messages) - before} messages repeated by the replay"


async def test_notifications_committed_but_never_handled_are_delivered_by_the_reconciler(
    kafka_bootstrap: str, smtp: SmtpSink, hooks: HookReceiver, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    """What faust 0.15.3 does now and then (skip a message and commit past it), done on purpose: the
    group's offsets are moved past notifications nobody handled; the worker must still deliver them."""
    app_id = f"notifier-{uuid4().hex[:8]}"
    events = [major("office-a", roles=("supervisor",)) for _ in range(3)]
    await publish(kafka_bootstrap, events)
    await _commit_to_end(kafka_bootstrap, app_id)
    directory_file = write_directory(tmp_path / "directory.json", directory(hooks))
    workers.append(WorkerProcess(kafka_bootstrap, app_id, directory_file, smtp, tmp_path / "w.log").start())
    ids = {str(e.event_id) for e in events}

    def deliveries() -> dict[tuple[str, str], set[str]]:
        """(notification, recipient) -> the Message-IDs it arrived with."""
        found: dict[tuple[str, str], set[str]] = defaultdict(set)
        for mail in smtp.messages:
            if mail["X-Notification-Id"] in ids:
                found[(mail["X-Notification-Id"], mail["To"])].add(mail["Message-ID"])
        return found

    deadline = time.monotonic() + 90  # the reconciler's round comes on a loaded machine too
    while time.monotonic() < deadline and len(deliveries()) < 6:
        await asyncio.sleep(0.1)
    # sup and leader-2 of each; by the reconciler (its log says "deliveries were missing"), or by
    # faust itself when it happens to read from before the committed offset (seen once: harmless);
    # a delivery made by both arrives twice as the same message (one Message-ID)
    found = deliveries()
    assert len(found) == 6, (tmp_path / "w.log").read_text()[-3000:]
    assert all(len(message_ids) == 1 for message_ids in found.values()), found


async def test_the_reconciler_delivers_what_the_group_committed_and_nobody_handled(
    kafka_bootstrap: str, smtp: SmtpSink, hooks: HookReceiver
) -> None:
    group = f"notifier-{uuid4().hex[:8]}"
    events = [major("office-b", roles=("leader",)) for _ in range(4)]
    await publish(kafka_bootstrap, events)
    await _commit_to_end(kafka_bootstrap, group)
    service = Notifier(
        directory=Directory.model_validate(directory(hooks)),
        mailer=SmtpMailer("127.0.0.1", smtp.port),
        poster=WebhookPoster(),
        ledger=MemoryLedger(),
        dead_letters=_NoLetters(),
        clock=utc_now,
        consumer=group,
        sender="n@n.test",
        mail_domain=MAIL_DOMAIN,
    )
    partitions = list(range(NOTIFICATIONS.partitions))
    await reconcile(kafka_bootstrap, group, NOTIFICATIONS.name, partitions, service.handle, lookback=1000)
    ids = {str(e.event_id) for e in events}
    assert len([m for m in smtp.messages if m["X-Notification-Id"] in ids]) == 8  # two leaders each
    await reconcile(kafka_bootstrap, group, NOTIFICATIONS.name, partitions, service.handle, lookback=1000)
    assert len([m for m in smtp.messages if m["X-Notification-Id"] in ids]) == 8  # the ledger knew them


class _NoLetters:
    async def publish(self, letter: DeadLetter, event_id: object) -> None:
        raise AssertionError(f"no dead letter expected: {letter.error}")


async def _commit_to_end(servers: str, group: str) -> None:
    """Move the group's offsets past everything on the notifications topic, as if it had handled it."""
    committer = kafka.consumer(servers, group_id=group)
    await committer.start()
    try:
        partitions = [TopicPartition(NOTIFICATIONS.name, p) for p in range(NOTIFICATIONS.partitions)]
        committer.assign(partitions)
        await committer.commit(await committer.end_offsets(partitions))
    finally:
        await committer.stop()


def _message_ids(smtp: SmtpSink) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mail in smtp.messages:
        staff = "leader-1" if mail["To"].startswith("Lee One") else "leader-2"
        office = mail["To"].split("@")[1].split(".")[0]
        found[(mail["X-Notification-Id"], f"{office}/{staff}")].add(mail["Message-ID"])
    return found
