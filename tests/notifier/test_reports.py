# ruff: noqa: RUF001  (the mails' Chinese sentences, full-width punctuation and all)
"""The weekly report, mailed (the application against a real SMTP server; no broker): each manager of the
report's office, or the group's recipients for the group's report, receives it once with its XLSX and
PDF attached, under a Message-ID derived from the report's event; a redelivery sends and fetches
nothing; a failing fetch is retried, a refused one dead-lettered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import Message
from uuid import UUID

from services.notifier.adapters.email import SmtpMailer
from services.notifier.adapters.ledger import MemoryLedger
from services.notifier.adapters.webhook import WebhookPoster
from services.notifier.application import Notifier, Origin
from services.notifier.domain import messages
from services.notifier.domain.directory import Directory
from services.notifier.domain.errors import DeliveryFailed, PermanentlyRefused
from services.notifier.domain.retry import RetryPolicy
from shared.clock import utc_now
from shared.contracts import Actor, DeadLetter, derived_id
from shared.contracts.projection import ReportFile, ReportPublished
from shared.contracts.wire import WireMessage, encode

from .support import SmtpSink, directory, shown_subject

ORIGIN = Origin("complaints.projection.reports", 2, 11)
WHEN = datetime(2026, 11, 9, 1, 0, tzinfo=UTC)


def published(office: str | None, week: str = "2026-W45") -> ReportPublished:
    scope = office or "group"
    files = [
        ReportFile(format=fmt, lang=lang, file=f"complaints-weekly-{scope}-{week}-{lang}.{fmt}", sha256="0" * 64)
        for fmt in ("csv", "xlsx", "pdf")
        for lang in ("en", "zh-Hant", "zh-Hans")
    ]
    return ReportPublished(
        event_id=derived_id("report-published", scope, week),
        office_id=office,
        period="week",
        period_key=week,
        occurred_at=WHEN,
        judged_at=WHEN,
        actor=Actor.system("projection"),
        complaints=12,
        files=files,
        fetch_path=f"/reports/weekly?week={week}" + (f"&office={office}" if office else ""),
    )


def wire(event: ReportPublished) -> WireMessage:
    return encode(event, key=event.key, source="test", event_id=str(event.event_id))


class Files:
    """The projection's files as the notifier fetches them; fails `failures` times first."""

    def __init__(self, failures: int = 0, refuse: bool = False) -> None:
        self.failures, self.refuse = failures, refuse
        self.asked: list[str] = []

    async def fetch(self, event: ReportPublished, file: ReportFile) -> bytes:
        self.asked.append(file.file)
        if self.refuse:
            raise PermanentlyRefused("HTTP 403 from the projection")
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("HTTP 503 from the projection")
        return f"{file.file} of {event.complaints}".encode()


class Letters:
    def __init__(self) -> None:
        self.letters: list[tuple[DeadLetter, UUID]] = []

    async def publish(self, letter: DeadLetter, event_id: UUID) -> None:
        self.letters.append((letter, event_id))


def notifier(smtp: SmtpSink, files: Files, letters: Letters, languages: dict[str, str] | None = None) -> Notifier:
    """`languages`: staff id -> the language the directory records for them (none: not said)."""
    data = directory()
    data["staff"].append(
        {"id": "office-a/manager-2", "name": "Mandy", "office_id": "office-a", "roles": ["manager", "leader"],
         "email": "manager2@office-a.test"}
    )  # fmt: skip
    data["offices"][0] |= {"names": {"zh-Hans": "甲管理处"}, "time_zone": "Asia/Shanghai"}
    for person in data["staff"]:
        if person["id"] in (languages or {}):
            person["language"] = (languages or {})[person["id"]]
    return Notifier(
        directory=Directory.model_validate(data),
        mailer=SmtpMailer("127.0.0.1", smtp.port),
        poster=WebhookPoster(timeout=2),
        ledger=MemoryLedger(),
        dead_letters=letters,
        clock=utc_now,
        consumer="notifier-test",
        sender="Complaints <complaints@n.test>",
        mail_domain="n.test",
        policy=RetryPolicy(attempts=3, first_delay=0.05, max_delay=0.2),
        report_files=files,
    )


async def test_each_manager_of_the_office_receives_the_report_once_with_xlsx_and_pdf(smtp: SmtpSink) -> None:
    files, letters = Files(), Letters()
    service = notifier(smtp, files, letters)
    event = published("office-a")
    await service.report(wire(event), ORIGIN)
    mails = smtp.wait_for(2)
    assert sorted(m["To"] for m in mails) == ["Man <manager@office-a.test>", "Mandy <manager2@office-a.test>"]
    for mail in mails:
        staff = "office-a/manager" if "manager@" in mail["To"] else "office-a/manager-2"
        assert mail["Message-ID"] == messages.message_id(event.event_id, staff, "n.test")
        assert "2026-W45" in mail["Subject"] and "office-a" in mail["Subject"]
        attached = {part.get_filename(): part.get_content_type() for part in mail.walk() if part.get_filename()}
        assert attached == {
            f"complaints-weekly-office-a-2026-W45-{lang}.{fmt}": media
            for lang in ("en", "zh-Hant")
            for fmt, media in (
                ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                ("pdf", "application/pdf"),
            )
        }
        xlsx = next(p for p in mail.walk() if p.get_filename() == "complaints-weekly-office-a-2026-W45-en.xlsx")
        assert xlsx.get_payload(decode=True) == b"complaints-weekly-office-a-2026-W45-en.xlsx of 12"
    assert len(files.asked) == 4, "fetched once for everyone"
    assert letters.letters == []

    files.asked.clear()
    await service.report(wire(event), ORIGIN)  # redelivered
    assert len(smtp.messages) == 2 and files.asked == [], "nothing sent or fetched again"
    assert service.counts.repeats_skipped == 2


async def test_a_report_handed_again_while_it_is_being_mailed_is_mailed_once(smtp: SmtpSink) -> None:
    """The reconciler may hand the agent's message again while its files are still being fetched."""
    service = notifier(smtp, Files(), Letters())
    event = published("office-a")
    await asyncio.gather(service.report(wire(event), ORIGIN), service.report(wire(event), ORIGIN))
    assert sorted(m["To"] for m in smtp.wait_for(2)) == [
        "Man <manager@office-a.test>",
        "Mandy <manager2@office-a.test>",
    ]
    await asyncio.sleep(0.3)
    assert len(smtp.messages) == 2 and service.in_flight == set()


async def test_the_group_report_reaches_the_group_and_no_office(smtp: SmtpSink) -> None:
    service = notifier(smtp, Files(), Letters())
    await service.report(wire(published(None)), ORIGIN)
    assert [m["To"] for m in smtp.wait_for(1)] == ["Chief <ceo@group.test>"]


async def test_a_failing_fetch_is_retried_and_a_refused_one_dead_lettered(smtp: SmtpSink) -> None:
    files, letters = Files(failures=2), Letters()
    await notifier(smtp, files, letters).report(wire(published("office-b")), ORIGIN)
    assert [m["To"] for m in smtp.wait_for(1)] == ["Man <manager@office-b.test>"]
    assert letters.letters == []

    refused, letters = Files(refuse=True), Letters()
    await notifier(smtp, refused, letters).report(wire(published("office-b", "2026-W46")), ORIGIN)
    assert len(smtp.messages) == 1
    [(letter, _)] = letters.letters
    assert letter.error.startswith("DeliveryFailed: report office-b/2026-W46 to staff 'office-b/manager'")
    assert (letter.origin_topic, letter.origin_partition, letter.origin_offset) == (ORIGIN.topic, 2, 11)


async def test_a_person_reading_one_language_gets_the_report_in_it_and_the_others_as_before(smtp: SmtpSink) -> None:
    """The directory says the manager reads Simplified Chinese: their email is in it, names the office
    by its Simplified name, and attaches the Simplified files (fetched once with the configured ones);
    Mandy, whose language is not said, gets the English and Traditional files, as before."""
    files, letters = Files(), Letters()
    service = notifier(smtp, files, letters, languages={"office-a/manager": "zh-Hans", "group/ceo": "zh-Hant"})
    await service.report(wire(published("office-a")), ORIGIN)
    mails = {m["To"]: m for m in smtp.wait_for(2)}
    simplified = mails["Man <manager@office-a.test>"]
    subject = shown_subject(simplified)
    text = _text(simplified)
    assert subject == "每周投诉报告: 甲管理处 2026-W45" and simplified["Content-Language"] == "zh-Hans"
    assert (
        "甲管理处每周投诉报告，2026-W45。" in text
        and "期内投诉：12 宗。数字计至 2026-11-09 09:00 (UTC+08:00)。" in text
    )
    assert "您以甲管理处经理的身份收到此报告。" in text
    assert _attached(simplified) == {f"complaints-weekly-office-a-2026-W45-zh-Hans.{fmt}" for fmt in ("xlsx", "pdf")}
    unsaid = mails["Mandy <manager2@office-a.test>"]
    assert unsaid["Subject"].startswith("Weekly complaint report / ") and unsaid["Content-Language"] is None
    assert _attached(unsaid) == {
        f"complaints-weekly-office-a-2026-W45-{lang}.{fmt}" for lang in ("en", "zh-Hant") for fmt in ("xlsx", "pdf")
    }
    assert len(files.asked) == 6, "fetched once for everyone: the configured languages and the manager's"
    await service.report(wire(published(None)), ORIGIN)  # the group's report to the company leader
    group = smtp.wait_for(3)[-1]
    assert shown_subject(group) == "每週投訴報告: 集團 2026-W45"
    assert "您以集團公司領導的身份收到此報告。" in _text(group)


def _text(mail: Message) -> str:
    plain = next(part for part in mail.walk() if part.get_content_type() == "text/plain")
    return plain.get_payload(decode=True).decode()  # type: ignore[union-attr]


def _attached(mail: Message) -> set[str]:
    return {part.get_filename() for part in mail.walk() if part.get_filename()}
