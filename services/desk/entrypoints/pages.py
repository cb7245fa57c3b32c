"""The desk's pages: one Jinja2 environment per language, each with that language's gettext catalogue
installed (Babel), filters that write times and countdowns the way that language does, and the
services' reasons said again in the page's language (`domain/reasons.py`) where it is not English, and
on English pages where the service's words hold a UTC instant (said again in the office's time). The
vocabularies' codes (areas, departments, severities, clocks...) are said in the words of
`shared/contracts/labels.py`, the reports' words too."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_timedelta
from babel.numbers import format_percent
from jinja2 import Environment

from shared import i18n as shared_i18n
from shared.contracts import labels as vocabulary_labels

from ..adapters import i18n
from ..adapters.office_zone import current_zone
from ..domain import reasons
from ..domain.cycles import reopenings_before
from ..domain.forms import extendable
from ..domain.reasons import Said
from ..domain.roles import landing, pages

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class Pages:
    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.environments: dict[str, Environment] = {}
        for language, translations in i18n.load_translations().items():
            env = shared_i18n.environment(TEMPLATES, translations)
            locale = Locale.parse(i18n.LANGUAGES[language])
            env.filters["when"] = lambda value, language=language: i18n.when(value, language, current_zone(zone))
            env.filters["left"] = lambda seconds, locale=locale: _left(seconds, locale)
            env.filters["duration"] = lambda seconds, locale=locale: _duration(seconds, locale)
            env.filters["percent"] = lambda share, locale=locale: format_percent(share, "#,##0%", locale=locale)
            env.globals["zone_name"] = lambda: str(current_zone(zone))
            env.globals["extendable"] = extendable
            env.globals["reopenings_before"] = reopenings_before
            env.globals["lang"] = language
            # the vocabularies' words (areas, departments, severities...): one author, shared with the reports
            env.globals["vocabulary"] = lambda name, language=language: vocabulary_labels.words(name, language)
            # routing's "<department> <role>" in the page's words; other wording is free text, kept
            env.globals["first_responsible"] = lambda text, language=language: (
                vocabulary_labels.first_responsible(text, language) if text else "—"
            )
            env.globals["offered"] = lambda session: pages(session.role_set, session.office_id)
            env.globals["landing_of"] = lambda session: landing(session.role_set, session.office_id)
            env.globals["languages"] = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
            env.globals.update(_reason_globals(language, translations.gettext, env.filters["when"]))
            self.environments[language] = env

    def render(self, language: str, template: str, **context: Any) -> str:
        return self.environments[language].get_template(template).render(**context)


# An instant as the services write it in a reason ('deadline 2026-11-30T16:35+00:00'): UTC, where every
# other time on a page is the office's; an English page says such a reason again with the page's times.
UTC_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _reason_globals(language: str, gettext: Callable[[str], str], when: Callable[[Any], str]) -> dict[str, Any]:
    """`triage_reason(aspect, explanation, decision)`, `event_reason(event)`, `review_flag(flag)`: the
    reason in the page's words, or None (English pages, or a rule not known here: the service's text);
    `review_flags(holder)`: triage's flags typed, of its decision or a projection's row."""

    def said(found: Said | None) -> str | None:
        if found is None or (language == i18n.DEFAULT and not UTC_INSTANT.search(found.original)):
            return None  # an English page keeps the service's words, unless they hold a UTC instant
        return say(found, gettext, when, language)

    def of_event(event: Mapping[str, Any]) -> str | None:
        explanation = event.get("explanation")
        if not isinstance(explanation, Mapping) or not isinstance(explanation.get("reason"), str):
            return None
        kind = str(event.get("type") or "").rsplit(".", 1)[-1]
        return said(reasons.event_reason(kind, event.get("payload") or {}, explanation))

    return {
        "triage_reason": lambda aspect, why, decision: said(reasons.triage_reason(aspect, why or {}, decision or {})),
        "event_reason": of_event,
        "review_flag": lambda flag: said(reasons.review_flag(flag)),
        "review_flags": reasons.flags_of,
    }


# a reason's names that are vocabulary codes: said in the page's words, their code after them
NAMED_CODES: Mapping[str, vocabulary_labels.Vocabulary] = {"area": "area", "department": "department"}


def say(found: Said, gettext: Callable[[str], str], when: Callable[[Any], str], language: str = i18n.DEFAULT) -> str:
    """A `Said` in the catalogue's words: its values translated or written per locale, the quoted
    words kept exactly as the service quoted them."""
    join = gettext(", ")
    values: dict[str, str] = {}
    for name, word in found.words.items():
        values[name] = join.join(gettext(w) for w in word) if isinstance(word, tuple) else gettext(word)
    values.update({name: _named(name, code, language) for name, code in found.names.items()})
    values.update({name: vocabulary_labels.word(v, code, language) for name, (v, code) in found.codes.items()})
    values.update({name: when(instant) for name, instant in found.times.items()})
    text = gettext(found.text) % values
    if found.quoted:
        words = join.join(gettext("“%(words)s”") % {"words": q} for q in found.quoted)
        text = gettext("%(reason)s (%(words)s)") % {"reason": text, "words": words}
    return text


def _named(name: str, code: str, language: str) -> str:
    """An area or department code in the page's words with the code after it; routing's first responsible
    in the page's words where they are the vocabulary's (as the case panel says them); other names as they are."""
    if name == "person":
        return vocabulary_labels.first_responsible(code, language)
    vocabulary = NAMED_CODES.get(name)
    said = vocabulary_labels.word(vocabulary, code, language) if vocabulary else code
    return f"{said} ({code})" if said != code else code


def _left(seconds: int | None, locale: Locale) -> str:
    """Time left (or past due) in words of the locale: "in 3 hours", "2 days ago"."""
    if seconds is None:
        return "—"
    return format_timedelta(timedelta(seconds=seconds), add_direction=True, threshold=1.5, locale=locale)


def _duration(seconds: int, locale: Locale) -> str:
    """A length of time in words of the locale, without a direction: "30 minutes", "2 days"."""
    return format_timedelta(timedelta(seconds=seconds), threshold=1.5, locale=locale)


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
