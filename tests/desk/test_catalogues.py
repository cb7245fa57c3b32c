"""Every word of the desk's pages is in both Chinese catalogues, and the template of the catalogues is
what the pages say now (run `pybabel extract` as services/desk/locale/babel.cfg says after a change)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.support import NullTranslations

from services.desk.adapters.i18n import LOCALE_DIR, compile_catalogue
from shared.i18n import environment

DESK = LOCALE_DIR.parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}


def said_on_the_pages() -> set[str]:
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(DESK, METHODS, OPTIONS)
    }


def catalogue(locale: str) -> dict[str, str]:
    """Each message by its (singular) id; a plural message's translation is its one Chinese form."""
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {_first(m.id): _first(m.string) for m in read_po(source) if m.id}


def _first(text: str | tuple[str, ...] | list[str]) -> str:
    return text if isinstance(text, str) else text[0]


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_every_word_on_the_pages_is_translated(locale: str) -> None:
    words = said_on_the_pages()
    assert len(words) > 150
    translated = catalogue(locale)
    missing = sorted(w for w in words if not translated.get(w))
    assert not missing, f"{locale} lacks {missing}"
    assert all("%(" not in w or set(_placeholders(w)) == set(_placeholders(translated[w])) for w in words)


def _placeholders(text: str) -> list[str]:
    return [part.split(")", 1)[0] for part in text.split("%(")[1:]]


def test_the_template_of_the_catalogues_is_current() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as source:
        template = {_first(m.id) for m in read_po(source) if m.id}
    assert template == said_on_the_pages()


def test_the_catalogues_compile_and_the_two_scripts_differ() -> None:
    hant = compile_catalogue(LOCALE_DIR / "zh_Hant" / "LC_MESSAGES" / "messages.po")
    hans = compile_catalogue(LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po")
    assert hant.gettext("Record a complaint") == "登記投訴"
    assert hans.gettext("Record a complaint") == "登记投诉"
    assert hans.gettext("Search") == "搜索"  # Shenzhen's word, not only its characters
    assert hant.ngettext("%(num)s complaint", "%(num)s complaints", 1) == "%(num)s 宗投訴"


def test_english_counts_say_one_complaint_and_two_complaints() -> None:
    page = environment(DESK / "templates", NullTranslations()).from_string(
        '{{ ngettext("%(num)s complaint", "%(num)s complaints", n) }}'
    )
    assert [page.render(n=n) for n in (1, 2)] == ["1 complaint", "2 complaints"]


def test_no_compiled_catalogue_is_kept() -> None:
    assert not list(Path(LOCALE_DIR).rglob("*.mo"))
