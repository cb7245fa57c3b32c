"""On a real broker, the directory's readers: a staff member added through the directory receives the
next major complaint's e-mail (the notifier's staff are the directory's events), in the language the
directory records for them, and one deactivated receives nothing more."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.directory import bootstrap as directory_boot
from services.directory.entrypoints.http import create_app as directory_api
from services.directory.settings import DirectorySettings
from services.notifier import bootstrap as notifier_boot
from services.notifier.adapters.email import SmtpMailer
from services.notifier.adapters.ledger import MemoryLedger
from services.notifier.adapters.webhook import WebhookPoster
from services.notifier.application import Notifier, Origin
from services.notifier.settings import NotifierSettings
from shared.clock import utc_now
from shared.contracts.wire import encode
from tests.directory.test_keys_kafka import publish
from tests.notifier.support import SmtpSink, major
from tests.support import write_keys

pytestmark = pytest.mark.kafka


class Letters:
    def __init__(self) -> None:
        self.letters: list = []

    async def publish(self, letter, event_id) -> None:  # type: ignore[no-untyped-def]
        self.letters.append(letter)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


async def test_a_staff_member_added_through_the_directory_receives_the_next_major_complaint(
    kafka_bootstrap: str, tmp_path: Path, smtp: SmtpSink
) -> None:
    keys = write_keys(tmp_path / "keys.json")
    common = {"store": "sqlite", "keys_file": tmp_path / "keys.json", "kafka_bootstrap_servers": kafka_bootstrap}
    settings = DirectorySettings(**common, state_dir=tmp_path / "directory")
    directory = directory_boot.application(settings)
    office = f"o-{uuid.uuid4().hex[:8]}"
    admin = {"X-Office-Key": keys["group/admin"]}
    with TestClient(directory_api(settings, directory)) as api:
        body = {"office_id": office, "name": "Test office", "time_zone": "Asia/Hong_Kong", "units_served": 10,
                "names": {"zh-Hant": "測試管理處"}}  # fmt: skip
        assert api.post("/offices", headers=admin, json=body | {"reason": "opened"}).status_code == 201
        amy = {"staff_id": f"{office}/amy", "name": "Amy Wong", "office_id": office, "roles": ["leader"],
               "contacts": {"email": "amy@office.test"}, "language": "zh-Hant",
               "reason": "joined as leader"}  # fmt: skip
        assert api.post("/staff", headers=admin, json=amy).status_code == 201
    await publish(settings, directory)

    # the notifier's worker builds its staff directory so: the file lists endpoints only
    staff: Any = notifier_boot.staff_directory(NotifierSettings(kafka_bootstrap_servers=kafka_bootstrap))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not staff.resolve(major(office).payload.recipients).addressees:
        time.sleep(0.2)
    notifier = Notifier(
        directory=staff, mailer=SmtpMailer("127.0.0.1", smtp.port), poster=WebhookPoster(timeout=2),
        ledger=MemoryLedger(), dead_letters=Letters(), clock=utc_now, consumer="t", sender="C <c@n.test>",
        mail_domain="n.test",
    )  # fmt: skip
    event = major(office, roles=("leader",))
    await notifier.handle(encode(event, key=str(event.complaint_id), source="t", event_id=str(event.event_id)),
                          Origin("complaints.notifications", 0, 1))  # fmt: skip
    assert [m["To"] for m in smtp.messages] == ["Amy Wong <amy@office.test>"]
    # in her language as the directory says it, the office by its name in it, the time in its zone
    [mail] = smtp.messages
    text = mail.get_payload(decode=True).decode()
    assert mail["Content-Language"] == "zh-Hant" and "(UTC+08:00)" in text
    assert "管理處：測試管理處" in text  # noqa: RUF001

    with TestClient(directory_api(settings, directory)) as api:
        gone = api.patch(f"/staff/{office}/amy", headers=admin, json={"active": False, "reason": "left"})
        assert gone.status_code == 200
    await publish(settings, directory)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and staff.resolve(major(office).payload.recipients).addressees:
        time.sleep(0.2)
    assert not staff.resolve(major(office).payload.recipients).addressees
    staff.feed.close()
    directory.close()
