"""The complainant is written to in their language (the form's `language`), alone; in English and
Traditional Chinese together when it is not recorded; the status link opens in it."""

from __future__ import annotations

from email.header import decode_header, make_header
from pathlib import Path

import pytest

from services.notifier.application import Origin
from services.notifier.domain import receipts, updates, wording
from shared.personal import open_form
from shared.status_link import status_link

from .support import HookReceiver, SmtpSink, registered
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
    subject = str(make_header(decode_header(mail["Subject"])))  # as a mail client shows it
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
