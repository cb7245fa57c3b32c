"""The desk's pages: one Jinja2 environment per language, each with that language's gettext catalogue
installed (Babel), and filters that write times and countdowns the way that language does."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_timedelta
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..adapters import i18n
from ..adapters.office_zone import current_zone
from ..domain.forms import extendable
from ..domain.roles import landing, pages

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class Pages:
    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.environments: dict[str, Environment] = {}
        for language, translations in i18n.load_translations().items():
            env = Environment(
                loader=FileSystemLoader(TEMPLATES),
                autoescape=select_autoescape(["html"]),
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            locale = Locale.parse(i18n.LANGUAGES[language])
            env.filters["when"] = lambda value, language=language: i18n.when(value, language, current_zone(zone))
            env.filters["left"] = lambda seconds, locale=locale: _left(seconds, locale)
            env.globals["extendable"] = extendable
            env.globals["lang"] = language
            env.globals["offered"] = lambda session: pages(session.role_set, session.office_id)
            env.globals["landing_of"] = lambda session: landing(session.role_set, session.office_id)
            env.globals["languages"] = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
            self.environments[language] = env

    def render(self, language: str, template: str, **context: Any) -> str:
        return self.environments[language].get_template(template).render(**context)


def _left(seconds: int | None, locale: Locale) -> str:
    """Time left (or past due) in words of the locale: "in 3 hours", "2 days ago"."""
    if seconds is None:
        return "—"
    return format_timedelta(timedelta(seconds=seconds), add_direction=True, threshold=1.5, locale=locale)


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
