"""The complainant's mails on the real broker, the worker a process of its own: receipt, progress and
reply, each once with the private status link; an erased person's next update sends nothing; the
contacts survive a restart (restored from their changelog), which holds sealed data only; a complaint
closed then judged valid reaches its complainant again (reopened, progress, reply), an erased one
never; a closed case's entry is forgotten once the window after its close has passed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from uuid import uuid4

import pytest

from shared.clock import utc_now
from shared.contracts.topics import FOLLOWUP_EVENTS, HANDLING_EVENTS, INTAKE_EVENTS, NOTIFIER_CONTACTS
from shared.keyring import Keyring, KeyringSettings
from shared.status_link import status_link
from tests.kafka_support import keyed_by, read_topic

from .support import SmtpSink, directory, registered, write_directory
from .test_updates import _closed, _judged_valid, progress, reply
from .test_worker_kafka import WorkerProcess, publish

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.flaky(reruns=2, reruns_delay=2)]
SECRET = "a-status-link-secret-for-the-broker-test"
DESK = "https://desk.test"


@pytest.fixture(scope="module")
def keyring_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One keyring for the module: a rerun finds the earlier run's registrations (sealed with it) on
    the topics, which are emptied once per module, and a worker refuses a person its keyring lacks."""
    return tmp_path_factory.mktemp("keyring") / "keyring.sqlite"


def _to(smtp: SmtpSink, address: str) -> list:
    return [m for m in smtp.messages if address in str(m["To"])]


async def _wait(smtp: SmtpSink, address: str, count: int, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while len(_to(smtp, address)) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return _to(smtp, address)


def keyring_worker(servers: str, smtp: SmtpSink, tmp_path: Path, keyring_path: Path) -> WorkerProcess:
    """A worker (not started) that opens sealed contacts with the keyring at `keyring_path` and links
    to the desk's status page."""
    worker = WorkerProcess(
        servers,
        f"notifier-{uuid4().hex[:8]}",
        write_directory(tmp_path / "d.json", directory()),
        smtp,
        tmp_path / "w.log",
    )
    worker.env |= {
        "KEYRING_SQLITE_PATH": str(keyring_path),
        "NOTIFIER_STATUS_LINK_SECRET": SECRET,
        "NOTIFIER_DESK_URL": DESK,
    }
    return worker


async def test_receipt_progress_and_reply_reach_the_complainant_once_and_an_erased_person_gets_nothing(
    kafka_bootstrap: str, smtp: SmtpSink, tmp_path: Path, keyring_path: Path
) -> None:
    keyring = Keyring.from_settings(KeyringSettings(sqlite_path=keyring_path))
    worker = keyring_worker(kafka_bootstrap, smtp, tmp_path, keyring_path)
    worker.start()
    try:
        chan = registered("chan.tai.man@mail.test", keyring=keyring)
        lau = registered("lau.mei.ling@mail.test", keyring=keyring, name="Lau Mei Ling")  # another person
        await publish(kafka_bootstrap, [chan, lau], topic=INTAKE_EVENTS.name)  # type: ignore[list-item]
        receipts = await _wait(smtp, "chan.tai.man", 1, timeout=60)
        assert receipts, (tmp_path / "w.log").read_text()[-3000:]
        await publish(kafka_bootstrap, [progress(chan.complaint_id)], topic=HANDLING_EVENTS.name)  # type: ignore[list-item]
        assert len(await _wait(smtp, "chan.tai.man", 2, timeout=20)) == 2
        await publish(kafka_bootstrap, [reply(chan.complaint_id)], topic=FOLLOWUP_EVENTS.name)  # type: ignore[list-item]
        mails = await _wait(smtp, "chan.tai.man", 3, timeout=20)
        await asyncio.sleep(8)  # the reconciler (every 3 s) hands the messages again: the ledger skips them
        mails = _to(smtp, "chan.tai.man")
        assert [m["X-Complaint-Update"] for m in mails] == [None, "progress", "reply"]
        assert len({m["Message-ID"] for m in mails}) == 3
        link = status_link(DESK, chan.complaint_id, SECRET)
        assert all(link in m.get_payload(decode=True).decode() for m in mails)

        # Erased: the next progress sends nothing; lau's update, published after it, proves it was read.
        assert len(await _wait(smtp, "lau.mei.ling", 1, timeout=20)) == 1, [m["To"] for m in smtp.messages]
        keyring.erase(chan.payload.form.personal.person_id, "group/privacy", "DSR-7", utc_now())
        await publish(kafka_bootstrap, [progress(chan.complaint_id)], topic=HANDLING_EVENTS.name)  # type: ignore[list-item]
        await publish(kafka_bootstrap, [progress(lau.complaint_id)], topic=HANDLING_EVENTS.name)  # type: ignore[list-item]
        assert len(await _wait(smtp, "lau.mei.ling", 2, timeout=20)) == 2
        await asyncio.sleep(5)  # and a reconciler round
        assert len(_to(smtp, "chan.tai.man")) == 3
        log = (tmp_path / "w.log").read_text()
        assert "chan.tai.man" not in log and "lau.mei.ling" not in log

        # A restarted worker restores the contacts from their changelog: lau's next progress arrives.
        # (Its contacts kept 20 s after a close, swept every 2 s: the window shrunk for the test, and the
        # ledger's keep with it, which the window may not be shorter than.)
        worker.stop()
        worker.env["NOTIFIER_RECONCILE_SECONDS"] = "600"  # no re-reading of intake's topic: the table alone
        worker.env["NOTIFIER_CONTACT_KEEP_AFTER_CLOSE_DAYS"] = str(20 / 86400)
        worker.env["NOTIFIER_LEDGER_KEEP_DAYS"] = str(20 / 86400)
        worker.env["NOTIFIER_LEDGER_MARGIN_SECONDS"] = "5"
        worker.env["NOTIFIER_LEDGER_EXPIRE_SECONDS"] = "2"
        worker.start()
        await publish(kafka_bootstrap, [progress(lau.complaint_id)], topic=HANDLING_EVENTS.name)  # type: ignore[list-item]
        assert len(await _wait(smtp, "lau.mei.ling", 3, timeout=60)) == 3, (tmp_path / "w.log").read_text()[-3000:]

        # Closed, then judged valid after all (followup's ComplaintReopened): lau hears it is closed
        # (once, though the reconciler re-reads the close after the reopening), that it is handled
        # again, then its progress and its final reply; erased chan's close and reopening mail nobody.
        closings = [_closed(lau.complaint_id), _closed(chan.complaint_id)]
        reopened = [_judged_valid(c.complaint_id, c.occurred_at) for c in closings]
        await publish(kafka_bootstrap, [*closings, *reopened], topic=FOLLOWUP_EVENTS.name)  # type: ignore[list-item]
        steps = [progress(lau.complaint_id), progress(chan.complaint_id)]
        await publish(kafka_bootstrap, steps, topic=HANDLING_EVENTS.name)  # type: ignore[list-item]
        await publish(kafka_bootstrap, [reply(lau.complaint_id)], topic=FOLLOWUP_EVENTS.name)  # type: ignore[list-item]
        mails = await _wait(smtp, "lau.mei.ling", 7, timeout=30)
        told = [str(m["X-Complaint-Update"]) for m in mails[3:]]
        assert sorted(told) == ["closed", "progress", "reopened", "reply"]
        assert told.index("closed") < told.index("reopened")  # one agent, one partition: in order
        assert len(_to(smtp, "chan.tai.man")) == 3  # erased: nothing of the close or the reopening either

        # The contacts' changelog holds sealed data only; closed again, lau's entry is a tombstone once
        # the window has passed (chan's, reopened and never closed again, stays).
        await publish(kafka_bootstrap, [_closed(lau.complaint_id)], topic=FOLLOWUP_EVENTS.name)  # type: ignore[list-item]
        assert len(await _wait(smtp, "lau.mei.ling", 8, timeout=30)) == 8  # closed again: told again, once
        keys = {str(chan.complaint_id), str(lau.complaint_id)}
        # Written: two registrations, two replies heard, two closes, two reopenings, lau's close, its tombstone.
        records = await read_topic(kafka_bootstrap, NOTIFIER_CONTACTS.name, keep=keyed_by(keys), expect=10, timeout=120)
        for record in records:
            if record.value is not None:
                kept = record.value.decode()
                assert "mail.test" not in kept and "Chan Tai Man" not in kept and "Lau Mei Ling" not in kept
                assert chan.payload.form.personal.sealed in kept or lau.payload.form.personal.sealed in kept
        assert [r.value for r in records if r.key == str(lau.complaint_id).encode()][-1] is None  # forgotten
        assert [r.value for r in records if r.key == str(chan.complaint_id).encode()][-1] is not None
    finally:
        worker.stop()
