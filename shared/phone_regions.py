"""The phone region of a time zone: where a number written without its country code is read.

An office's time zone is the directory's fact (`OfficeChanged.payload.time_zone`); the region it stands
for is the IANA time zone database's own (`zone.tab`: each zone's ISO 3166 country code, Asia/Hong_Kong
-> HK, Asia/Shanghai -> CN), read from the `tzdata` package, else from the system's zoneinfo. Intake
reads a complainant's number there when it checks the form (services/intake/domain/contact.py); the
notifier reads it there again to text them (E.164 for the SMS gateway): one rule, here.
"""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from collections.abc import Mapping
from pathlib import Path


def _zone_table() -> str:
    try:
        return importlib.resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        for directory in zoneinfo.TZPATH:
            table = Path(directory) / "zone.tab"
            if table.is_file():
                return table.read_text(encoding="utf-8")
    return ""


@functools.cache
def zone_regions() -> Mapping[str, str]:
    """IANA zone name -> ISO 3166 country code, from the database's zone.tab (read once)."""
    regions: dict[str, str] = {}
    for line in _zone_table().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            regions[fields[2]] = fields[0]
    return regions


def region_of_zone(time_zone: str | None) -> str | None:
    """The country of a time zone (Asia/Hong_Kong -> HK), or None for a zone of no country."""
    return zone_regions().get(time_zone) if time_zone else None
