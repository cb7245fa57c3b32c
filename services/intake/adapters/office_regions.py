"""Each office's phone region, from its time zone as the directory service says it.

An office's time zone is the directory's fact (`OfficeChanged.payload.time_zone`); intake needs the
region it stands for to read a complainant's phone number written without a country code (a Hong Kong
office's "9123 4567", a Shenzhen office's "0755 8888 6666": domain/contact.py). The region of a zone is
the IANA time zone database's own (`zone.tab`: each zone's ISO 3166 country code, Asia/Hong_Kong -> HK,
Asia/Shanghai -> CN), read from the `tzdata` package, else from the system's zoneinfo.

With `INTAKE_ZONES_FROM_DIRECTORY=true` (`make up`, compose, the chart) every intake process follows
`complaints.directory.events` from its start in a thread of its own (no consumer group: each process
needs every office), as the projection does for units served; an office the directory has not named
(yet), or a zone of no country ("UTC"), reads phones in `INTAKE_DEFAULT_PHONE_REGION` (HK).

The same feed says which offices exist: a hotline call about an office the directory never announced
is refused (`announced`); without the feed (tests, dev) every office id is taken on trust, as before.
"""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from collections.abc import Mapping
from pathlib import Path

from shared.bus.authors import AuthorCheck
from shared.contracts.directory import DirectoryEvent, OfficeChanged
from shared.directory_keys import DirectoryFeed

OFFICE_EVENT = str(OfficeChanged.model_fields["type"].default)


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


class OfficeRegions:
    """The phone region of each office: its time zone's country, else the default.
    The feed's thread writes one entry at a time; requests read (a dict assignment is atomic)."""

    def __init__(self, default_region: str, zones: Mapping[str, str] | None = None) -> None:
        self.default_region = default_region
        self.zones: dict[str, str] = dict(zones or {})
        self.feed: DirectoryFeed | None = None  # what keeps it current, when it follows the directory
        self.offices: set[str] = set()  # every office the directory has announced (closed ones too)

    def region(self, office_id: str) -> str:
        return region_of_zone(self.zones.get(office_id)) or self.default_region

    def announced(self, office_id: str) -> bool:
        """Whether the directory has named this office (ever: a closed office's calls are still facts)."""
        return office_id in self.offices

    def apply(self, event: DirectoryEvent) -> None:
        if isinstance(event, OfficeChanged):
            self.zones[event.payload.office_id] = event.payload.time_zone
            self.offices.add(event.payload.office_id)

    def follow(self, bootstrap_servers: str, authors: AuthorCheck | None) -> DirectoryFeed:
        """Start keeping the zones as the directory's events say (in the feed's own thread)."""
        self.feed = DirectoryFeed(bootstrap_servers, self.apply, frozenset({OFFICE_EVENT}), authors).start()
        return self.feed
