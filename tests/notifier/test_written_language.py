"""A complainant whose form records no language is written to in the script their complaint was written
in; a recorded language always wins, and a text that says neither stays in both languages."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.notifier.domain import kept
from services.notifier.domain.written import complainant_language, written_language
from shared.contracts.intake import ComplaintRegistered, Language

from .support import HookReceiver, SmtpSink, registered
from .test_application import ORIGIN, Letters, notifier, wire


def written(event: ComplaintRegistered, **texts: str) -> ComplaintRegistered:
    form = event.payload.form.model_copy(update=texts)
    return event.model_copy(update={"payload": event.payload.model_copy(update={"form": form})})


SIMPLIFIED = {
    "object": "地下停车场道闸",
    "description": "道闸突然落下砸到我车头，引擎盖凹了",  # noqa: RUF001
    "customer_request": "要求赔偿",
}
TRADITIONAL = {"object": "升降機", "description": "3座升降機壞咗三日，冇人嚟整", "customer_request": "盡快維修"}  # noqa: RUF001


def test_the_script_of_the_complaint_s_words_says_the_language() -> None:
    assert written_language(SIMPLIFIED.values()) == "zh-Hans"
    assert written_language(TRADITIONAL.values()) == "zh-Hant"
    assert written_language(["The lift has stopped again", "Fix it"]) == "en"
    # English with a Chinese word or two in it, as Hong Kong owners write
    assert written_language(["Corridor light", "the 燈 outside 7D has been flickering for 3 days"]) == "en"
    # characters common to both scripts say neither: both languages, as before
    assert written_language(["平台條渠塞咗", "通渠"]) is None
    assert written_language(["", "12/F"]) is None


@given(language=st.sampled_from(list(Language)), texts=st.sampled_from([SIMPLIFIED, TRADITIONAL]))
def test_a_recorded_language_always_wins(language: Language, texts: dict[str, Any]) -> None:
    event = written(registered("+852 9123 4567", language=language.value), **texts)
    assert complainant_language(event.payload.form) == language.value
    assert kept.kept_contact(event).language == language.value


async def test_a_simplified_complaint_without_a_language_is_written_to_in_simplified(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    """Seen under `make up`: a Shenzhen owner's complaint, written in Simplified Chinese and registered
    without `language`, got its receipt and updates in English and Traditional Chinese."""
    event = written(registered("li@mail.test"), **SIMPLIFIED)
    assert event.payload.form.language is None
    service = notifier(smtp, hooks, Letters())
    await service.receipt(wire(event), ORIGIN)
    [mail] = smtp.messages
    assert mail["Content-Language"] == "zh-Hans"
    body = mail.get_payload(decode=True).decode()
    assert "投诉已经登记" in body and "投訴" not in body
    assert kept.kept_contact(event).language == "zh-Hans"  # and so are its updates
