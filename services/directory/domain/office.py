"""Offices and their departments.

An office's name, time zone and the units it serves (flats, shops: the denominator of complaints per
million units) are decided here. Its calendar of working days is the SLA's (one author per fact).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

from .errors import Invalid

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def check_slug(kind: str, value: str) -> str:
    if not SLUG.match(value):
        raise Invalid(
            "directory.bad_identifier",
            f"{kind} {value!r}: lower-case letters, digits and '-' only, starting with a letter or digit",
            kind=kind, value=value,
        )  # fmt: skip
    return value


def check_zone(time_zone: str) -> str:
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            "directory.unknown_time_zone", f"unknown time zone {time_zone!r}: an IANA name such as 'Asia/Hong_Kong'",
            time_zone=time_zone,
        ) from None  # fmt: skip
    return time_zone


def check_units(units_served: int) -> int:
    if units_served < 0:
        raise Invalid("directory.negative_units", "units served cannot be negative")
    return units_served


NAME_LANGUAGES = ("en", "zh-Hant", "zh-Hans")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # a Chinese character


def check_names(names: dict[str, str]) -> dict[str, str]:
    """An office's names per language, trimmed: a language we write in, at most 200 characters, and a
    Chinese name holding Chinese characters (an id or the English name typed into the wrong box would
    otherwise stand in every Chinese mail)."""
    checked: dict[str, str] = {}
    for language, raw in names.items():
        name = raw.strip()
        if language not in NAME_LANGUAGES:
            raise Invalid(
                "directory.name_language", f"names: {language!r} is not one of {', '.join(NAME_LANGUAGES)}",
                language=language, languages=list(NAME_LANGUAGES),
            )  # fmt: skip
        if not name or len(name) > 200:
            raise Invalid(
                "directory.name_length", f"names: the name in {language} must have 1 to 200 characters",
                language=language,
            )  # fmt: skip
        if language != "en" and not HAN.search(name):
            raise Invalid(
                "directory.name_not_chinese", f"names: the name in {language} {name!r} has no Chinese character",
                language=language, name=name,
            )  # fmt: skip
        checked[language] = name
    return checked


class Office(Aggregate):
    @staticmethod
    def create_id(office_id: str, **_: Any) -> UUID:
        return derived_id("directory-office", office_id)

    @event("Created")
    def __init__(
        self, office_id: str, name: str, time_zone: str, units_served: int, by: str, role: str, reason: str,
        at: datetime, names: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.office_id = office_id
        self.name = name
        self.names: dict[str, str] = dict(names or {})  # per language (stored before names: none)
        self.time_zone = time_zone
        self.units_served = units_served
        self.active = True
        self.changed_by, self.changed_at = by, at

    def change(
        self, name: str | None, time_zone: str | None, units_served: int | None, active: bool | None,
        by: str, role: str, reason: str, at: datetime, names: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        """Record what differs from now; nothing when nothing differs (a repeated request changes nothing).
        `names` (per language) replaces the office's names as a whole; None leaves them."""
        new_name = self.name if name is None else name
        new_zone = self.time_zone if time_zone is None else check_zone(time_zone)
        new_units = self.units_served if units_served is None else check_units(units_served)
        new_active = self.active if active is None else active
        new_names = self.names if names is None else check_names(names)
        now = (self.name, self.time_zone, self.units_served, self.active, self.names)
        if (new_name, new_zone, new_units, new_active, new_names) != now:
            self._changed(
                name=new_name, time_zone=new_zone, units_served=new_units, active=new_active,
                by=by, role=role, reason=reason, at=at, names=new_names,
            )  # fmt: skip

    @event("Changed")
    def _changed(
        self, name: str, time_zone: str, units_served: int, active: bool, by: str, role: str, reason: str,
        at: datetime, names: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.name, self.time_zone, self.units_served, self.active = name, time_zone, units_served, active
        if names is not None:  # a change stored before names travelled leaves them
            self.names = dict(names)
        self.changed_by, self.changed_at = by, at


class Department(Aggregate):
    @staticmethod
    def create_id(office_id: str, code: str, **_: Any) -> UUID:
        return derived_id("directory-department", office_id, code)

    @event("Created")
    def __init__(self, office_id: str, code: str, name: str, by: str, role: str, reason: str, at: datetime) -> None:
        self.office_id = office_id
        self.code = code
        self.name = name
        self.active = True
        self.changed_by, self.changed_at = by, at

    def change(self, name: str | None, active: bool | None, by: str, role: str, reason: str, at: datetime) -> None:
        new_name = self.name if name is None else name
        new_active = self.active if active is None else active
        if (new_name, new_active) != (self.name, self.active):
            self._changed(name=new_name, active=new_active, by=by, role=role, reason=reason, at=at)

    @event("Changed")
    def _changed(self, name: str, active: bool, by: str, role: str, reason: str, at: datetime) -> None:
        self.name, self.active = name, active
        self.changed_by, self.changed_at = by, at
