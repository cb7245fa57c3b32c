"""The people's languages, shared by the desk and the projection's dashboard: English, Traditional and
Simplified Chinese. A page's words are gettext catalogues (`<locale>/LC_MESSAGES/messages.po`, English
being the message ids) compiled in memory by Babel when the page's process starts, so no compiled `.mo`
file is kept; the language is the one asked for, else the one remembered, else the browser's.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

LANGUAGES = {"en": "en", "zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans"}  # the page's code -> Babel's locale
DEFAULT = "en"


def compile_catalogue(po_file: Path) -> Translations:
    """A .po file as gettext translations (read and compiled in memory)."""
    with po_file.open("rb") as source:
        catalogue = read_po(source, locale=po_file.parents[1].name)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(fp=buffer)


def load_translations(locale_dir: Path) -> dict[str, NullTranslations]:
    """Each language's translations from `locale_dir` (English: the message ids themselves)."""
    found: dict[str, NullTranslations] = {"en": NullTranslations()}
    for code, locale in LANGUAGES.items():
        if code != DEFAULT:
            found[code] = compile_catalogue(locale_dir / locale / "LC_MESSAGES" / "messages.po")
    return found


def environment(templates: Path, translations: NullTranslations) -> Environment:
    """A Jinja environment over `templates` that speaks through `translations` (`{% trans %}`, `_()`)."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return env


def choose(*asked_or_remembered: str | None, accept_language: str | None) -> str:
    """The page's language: the first asked for or remembered that we speak, else the browser's first."""
    for candidate in asked_or_remembered:
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
