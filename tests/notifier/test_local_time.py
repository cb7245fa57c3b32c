"""The times a complainant reads are their office's, saying so: a walk-through mailed a Hong Kong
complainant 'registered at 13:19' for a call at 21:19 their time, and 'we will contact you by
2026-12-01 13:20 UTC'. The office's time zone is the directory's fact (`OfficeChanged`); without it the
mail says UTC, as before."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from services.notifier.adapters.directory_events import LiveDirectory
from services.notifier.application import Origin
from services.notifier.domain import receipts, updates
from services.notifier.domain.wording import local_time
from shared.clock import utc_now
from shared.contracts.directory import OfficeChanged, OfficeRecord
from shared.contracts.envelope import Actor
from shared.contracts.followup import ReturnVisitScheduled, ReturnVisitScheduledPayload
from shared.personal import open_form

from .support import HookReceiver, SmtpSink, registered
from .test_updates import _envelope, complainants_notifier, reply, wire


def test_a_time_reads_in_the_office_zone_with_its_offset_or_in_utc_said_so() -> None:
    at = datetime(2026, 11, 30, 13, 19, tzinfo=UTC)
    assert local_time(at, "Asia/Hong_Kong") == "2026-11-30 21:19 (UTC+08:00)"
    assert local_time(at, "America/St_Johns") == "2026-11-30 09:49 (UTC-03:30)"
    assert local_time(at, None) == "2026-11-30 13:19 UTC"
    assert local_time(at, "UTC") == "2026-11-30 13:19 UTC"


def test_the_receipt_reads_the_office_s_time_not_utc() -> None:
    event = registered("chan@mail.test", registered_at=datetime(2026, 11, 30, 13, 19, tzinfo=UTC), language="zh-Hant")
    form = open_form(event.payload.form, None)
    mail = receipts.receipt_email(event, form, sender="s", domain="n.test", time_zone="Asia/Hong_Kong")
    assert "您於 2026-11-30 21:19 (UTC+08:00) 提出的投訴已經登記" in mail.get_content()
    assert "2026-11-30 13:19 UTC" in receipts.receipt_email(event, form, sender="s", domain="n.test").get_content()


def office(office_id: str, zone: str) -> OfficeChanged:
    return OfficeChanged(
        event_id=uuid4(), entity=f"office:{office_id}", change="created", occurred_at=utc_now(),
        actor=Actor(id="group/admin", role="admin"), reason="opened",
        payload=OfficeRecord(office_id=office_id, name="Office A", time_zone=zone, units_served=100),
    )  # fmt: skip


async def test_the_directory_s_zone_times_the_receipt_and_the_invitation(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    live = LiveDirectory(service.directory.endpoints)
    live.apply(office("office-a", "Asia/Hong_Kong"))
    service.directory = live
    origin = Origin("complaints.intake.events", 0, 1)
    at = utc_now().replace(second=0, microsecond=0)
    event = registered("chan.tai.man@mail.test", registered_at=at, keyring=keyring, language="en")
    await service.receipt(wire(event), origin)
    due = datetime(2026, 12, 1, 13, 20, tzinfo=UTC)
    visit = ReturnVisitScheduled(**_envelope(event.complaint_id), payload=ReturnVisitScheduledPayload(due_at=due))
    await service.update(wire(visit), origin)
    await service.update(wire(reply(event.complaint_id)), origin)  # the invitation follows the reply
    receipt, _, invitation = (m.get_payload(decode=True).decode() for m in smtp.messages)
    assert local_time(at, "Asia/Hong_Kong") in receipt and "(UTC+08:00)" in receipt
    assert "We will contact you by 2026-12-01 21:20 (UTC+08:00)." in invitation
    assert updates.update(visit) is not None  # the builder without a zone: UTC, as before
