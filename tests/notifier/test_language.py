"""The complainant is written to in their language (the form's `language`), alone; in English and
Traditional Chinese together when it is not recorded; the status link opens in it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from services.notifier.adapters.directory_events import LiveDirectory
from services.notifier.application import Origin
from services.notifier.domain import receipts, updates, wording
from shared.contracts import Actor
from shared.contracts.directory import OfficeChanged, OfficeRecord
from shared.personal import open_form
from shared.status_link import status_link

from .support import HookReceiver, SmtpSink, registered, shown_subject
from .test_application import wire
from .test_updates import SECRET, complainants_notifier, progress

ORIGIN = Origin("complaints.intake.events", 0, 1)
TRADITIONAL_ONLY = ("投訴", "編號", "進度", "聯絡", "登記")  # written otherwise in Simplified Chinese
SIMPLIFIED_ONLY = ("投诉", "编号", "进度", "联系", "登记")


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [("en", ("en",)), ("zh-Hant", ("zh-Hant",)), ("zh-Hans", ("zh-Hans",)), (None, ("en", "zh-Hant"))],
)
def test_the_mail_is_in_the_complainants_language_alone_or_both_as_before_when_unknown(
    recorded: str | None, expected: tuple[str, ...]
) -> None:
    assert wording.languages(recorded) == expected
    assert wording.link_language(recorded) == recorded


def test_every_update_and_the_receipt_say_their_words_in_each_language() -> None:
    for subjects in [receipts.SUBJECT, *updates.SUBJECTS.values()]:
        assert set(subjects) == set(wording.LANGUAGES)


def _text(mail) -> str:  # type: ignore[no-untyped-def]
    subject = shown_subject(mail)  # as a mail client shows it
    return f"{subject}\n{mail.get_payload(decode=True).decode()}"


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant", "en"])
def test_a_receipt_is_in_one_language(language: str) -> None:
    event = registered("chan@mail.test", language=language)
    mail = receipts.receipt_email(
        event, open_form(event.payload.form, None), sender="s@n.test", domain="n.test", status_url="https://desk/s"
    )
    text = _text(mail)
    assert mail["Content-Language"] == language
    assert ("Your complaint" in text) == (language == "en")
    assert any(w in text for w in SIMPLIFIED_ONLY) == (language == "zh-Hans")
    assert any(w in text for w in TRADITIONAL_ONLY) == (language == "zh-Hant")


async def test_a_zh_hans_complainant_gets_receipt_and_progress_in_simplified_chinese_with_the_page_in_it(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path
) -> None:
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    event = registered("chan@mail.test", keyring=keyring, language="zh-Hans")
    assert '"language": "zh-Hans"' in wire(event).value.decode()  # in clear, beside the sealed part
    await service.receipt(wire(event), ORIGIN)
    await service.update(wire(progress(event.complaint_id)), Origin("complaints.handling.events", 0, 1))
    receipt, update = smtp.messages
    for mail in (receipt, update):
        text = _text(mail)
        assert "Dear" not in text and "Your complaint" not in text and "progress" not in text.lower()
        assert not any(w in text for w in TRADITIONAL_ONLY), text
        assert status_link("https://desk.test", event.complaint_id, SECRET, "zh-Hans") in text
    assert "您的投诉已登记" in _text(receipt) and "投诉已经登记" in _text(receipt)
    assert "投诉处理进度" in _text(update) and "投诉有新进展" in _text(update)


def _office_named(names: dict[str, str]) -> LiveDirectory:
    """The directory service's word about office-a (its events, as the worker reads them)."""
    directory = LiveDirectory({})
    directory.apply(OfficeChanged(
        event_id=uuid4(), entity="office:office-a", change="created", occurred_at=datetime(2026, 11, 30, tzinfo=UTC),
        actor=Actor(id="group/admin", role="admin"), reason="opened",
        payload=OfficeRecord(office_id="office-a", name="Office A", names=names, time_zone="Asia/Hong_Kong",
                             units_served=100),
    ))  # fmt: skip
    return directory


@pytest.mark.parametrize(
    ("language", "named", "elsewhere"),
    [
        ("zh-Hant", "（甲區管理處第 42 號）", ("甲区", "Office A", "office-a")),  # noqa: RUF001
        ("zh-Hans", "（甲区管理处第 42 号）", ("甲區", "Office A", "office-a")),  # noqa: RUF001
        ("en", "(Office A no. 42)", ("甲", "office-a")),
    ],
)
async def test_the_receipt_and_the_updates_name_the_office_in_the_mail_s_language(
    smtp: SmtpSink, hooks: HookReceiver, tmp_path: Path, language: str, named: str, elsewhere: tuple[str, ...]
) -> None:
    """Before, a Chinese mail said 'hk-central no. 42' where the office's name belongs: now its name in
    the mail's language, as the directory says it (OfficeChanged's `names`)."""
    service, keyring = complainants_notifier(smtp, hooks, tmp_path)
    service.directory = _office_named({"zh-Hant": "甲區管理處", "zh-Hans": "甲区管理处"})
    event = registered("chan@mail.test", keyring=keyring, language=language)
    await service.receipt(wire(event), ORIGIN)
    await service.update(wire(progress(event.complaint_id)), Origin("complaints.handling.events", 0, 1))
    assert len(smtp.messages) == 2
    for mail in smtp.messages:
        text = _text(mail)
        assert named in text, text
        assert not any(word in text for word in elsewhere), text


def test_a_chinese_mail_without_the_office_s_chinese_name_falls_back_to_its_id() -> None:
    event = registered("chan@mail.test", language="zh-Hant")
    directory = _office_named({"zh-Hans": "甲区管理处"})
    mail = receipts.receipt_email(
        event, open_form(event.payload.form, None), sender="s@n.test", domain="n.test",
        office_name=lambda language: directory.office_name("office-a", language),
    )  # fmt: skip
    text = _text(mail)
    assert "（office-a 第 42 號）" in text and "Office A" not in text and "甲" not in text  # noqa: RUF001
    assert directory.office_name("office-z", "zh-Hant") == "office-z"  # an office the directory never named
