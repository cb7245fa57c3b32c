"""The notifier's words to staff in English, Traditional and Simplified Chinese: gettext catalogues
(`services/notifier/locale/<locale>/LC_MESSAGES/messages.po`, English being the message ids) compiled in
memory when the worker starts (`shared.i18n`, as the desk and the dashboard do), so no `.mo` file is kept.
After changing a message, extract the template as `locale/babel.cfg` says (a test keeps it current) and
translate what is new in both catalogues (a test finds any word left untranslated).
"""

from __future__ import annotations

from pathlib import Path

from shared import i18n

from ..domain.staff_wording import Gettext

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


def staff_words() -> dict[str, Gettext]:
    """Each language's gettext (English: the message ids themselves)."""
    return {language: translations.gettext for language, translations in i18n.load_translations(LOCALE_DIR).items()}
