"""In which language the complainant is written to, and the words every mail to them shares.

The registration form records the complainant's language (`form.language`: en, zh-Hant, zh-Hans,
the desk's languages); their receipt and updates are written in that language alone, with the status
page's link opening in it. A complaint registered without one (an office system that does not send
it, or one registered before the field existed) is written to in the script its words are written in
(`written.py`), and in English and Traditional Chinese together where they say neither.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

EN, ZH_HANT, ZH_HANS = "en", "zh-Hant", "zh-Hans"
LANGUAGES = (EN, ZH_HANT, ZH_HANS)
UNKNOWN = (EN, ZH_HANT)  # the complainant's language not recorded: both, as before the form said it

GREETING = {EN: "Dear {name},", ZH_HANT: "{name} 您好：", ZH_HANS: "{name} 您好："}  # noqa: RUF001
REFERENCE = {EN: "Reference: {ref}", ZH_HANT: "編號：{ref}", ZH_HANS: "编号：{ref}"}  # noqa: RUF001
FOLLOW = {EN: "Follow it here", ZH_HANT: "查看進度", ZH_HANS: "查看进度"}


def local_time(at: datetime, time_zone: str | None) -> str:
    """An instant as the complainant reads it: in their office's time zone (the directory's) with its
    offset said, e.g. '2026-12-01 21:20 (UTC+08:00)'; in UTC, said so, when the zone is not known. A
    customer in Hong Kong was told '13:20' for a visit at 21:20 their time."""
    local = at.astimezone(ZoneInfo(time_zone)) if time_zone else at.astimezone(UTC)
    offset = local.strftime("%z")
    if offset in ("+0000", ""):
        return f"{local:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def languages(language: str | None) -> tuple[str, ...]:
    """The languages of a mail to a complainant whose form says `language` (None: not recorded)."""
    return (language,) if language in LANGUAGES else UNKNOWN


def link_language(language: str | None) -> str | None:
    """The status page's language: the complainant's when known; else the page chooses (as before)."""
    return language if language in LANGUAGES else None


def colon(langs: tuple[str, ...]) -> str:
    """After words in Chinese alone, the full-width colon (as 編號：); after English, or both, ': '."""  # noqa: RUF002
    return "：" if EN not in langs else ": "  # noqa: RUF001 (Chinese punctuation)


def subject(subjects: dict[str, str], langs: tuple[str, ...], reference: str) -> str:
    return f"{' / '.join(subjects[lang] for lang in langs)}{colon(langs)}{reference}"


def body(name: str, sections: dict[str, tuple[str, ...]], langs: tuple[str, ...], status_url: str | None) -> str:
    """The greeting in the first language, each language's lines, the status link: one text."""
    lines = [GREETING[langs[0]].format(name=name)]
    for lang in langs:
        lines += ["", *sections[lang]]
    if status_url:
        lines += ["", follow_line(langs, status_url)]
    return "\n".join(lines) + "\n"


def follow_line(langs: tuple[str, ...], status_url: str) -> str:
    """Where the complainant follows their complaint, in the mail's (or the text's) languages."""
    return f"{' / '.join(FOLLOW[lang] for lang in langs)}{colon(langs)}{status_url}"
