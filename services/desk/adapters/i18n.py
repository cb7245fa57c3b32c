"""The desk's words in English, Traditional Chinese and Simplified Chinese: gettext message catalogues
(`services/desk/locale/<locale>/LC_MESSAGES/messages.po`, English being the message ids) compiled in
memory by Babel when the desk starts, so no compiled `.mo` file is kept in the repository. Dates and
times are written per locale by Babel too.

The language is chosen by the person (a cookie remembers it), else from the browser's Accept-Language.
"""

from __future__ import annotations

import io
from datetime import datetime, tzinfo
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES = {"en": "en", "zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans"}  # the page's code -> Babel's locale
DEFAULT = "en"
COOKIE = "desk_lang"


def compile_catalogue(po_file: Path) -> Translations:
    """A .po file as gettext translations (read and compiled in memory)."""
    with po_file.open("rb") as source:
        catalogue = read_po(source, locale=po_file.parents[1].name)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(fp=buffer)


def load_translations() -> dict[str, NullTranslations]:
    found: dict[str, NullTranslations] = {"en": NullTranslations()}
    for code, locale in LANGUAGES.items():
        po_file = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
        if code != "en":
            found[code] = compile_catalogue(po_file)
    return found


def choose(explicit: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page's language: asked for, else remembered, else the browser's first we speak."""
    for candidate in (explicit, cookie):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            simplified = any(x in tag for x in ("hans", "-cn", "-sg"))
            return "zh-Hans" if simplified else "zh-Hant"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


def when(value: datetime | str | None, language: str, zone: tzinfo) -> str:
    """An instant as people of `language` write it, in the offices' time zone."""
    if not value:  # None, "" or a missing field
        return "—"
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(instant, "medium", tzinfo=zone, locale=Locale.parse(LANGUAGES[language]))
