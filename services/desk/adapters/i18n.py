"""The desk's words in English, Traditional Chinese and Simplified Chinese: gettext message catalogues
(`services/desk/locale/<locale>/LC_MESSAGES/messages.po`, English being the message ids) compiled in
memory by Babel when the desk starts, so no compiled `.mo` file is kept in the repository. Dates and
times are written per locale by Babel too.

The language is chosen by the person (a cookie remembers it), else from the browser's Accept-Language.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.support import NullTranslations

from shared import i18n as shared_i18n
from shared.i18n import DEFAULT, LANGUAGES, compile_catalogue

__all__ = ["COOKIE", "DEFAULT", "LANGUAGES", "LOCALE_DIR", "choose", "compile_catalogue", "load_translations", "when"]

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
COOKIE = "desk_lang"


def load_translations() -> dict[str, NullTranslations]:
    return shared_i18n.load_translations(LOCALE_DIR)


def choose(explicit: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page's language: asked for, else remembered, else the browser's first we speak."""
    return shared_i18n.choose(explicit, cookie, accept_language=accept_language)


def when(value: datetime | str | None, language: str, zone: tzinfo) -> str:
    """An instant as people of `language` write it, in the offices' time zone."""
    if not value:  # None, "" or a missing field
        return "—"
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(instant, "medium", tzinfo=zone, locale=Locale.parse(LANGUAGES[language]))
