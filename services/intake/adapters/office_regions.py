"""Each office's phone region, from its time zone as the directory service says it.

An office's time zone is the directory's fact (`OfficeChanged.payload.time_zone`); intake needs the
region it stands for to read a complainant's phone number written without a country code (a Hong Kong
office's "9123 4567", a Shenzhen office's "0755 8888 6666": domain/contact.py). The region of a zone is
the IANA time zone database's own (`shared/phone_regions.py`: Asia/Hong_Kong -> HK, Asia/Shanghai -> CN;
the notifier reads a complainant's number for an SMS by the same rule).

With `INTAKE_ZONES_FROM_DIRECTORY=true` (`make up`, compose, the chart) every intake process follows
`complaints.directory.events` from its start in a thread of its own (no consumer group: each process
needs every office), as the projection does for units served; an office the directory has not named
(yet), or a zone of no country ("UTC"), reads phones in `INTAKE_DEFAULT_PHONE_REGION` (HK).

The same feed says which offices exist: a hotline call about an office the directory never announced
is refused (`announced`); without the feed (tests, dev) every office id is taken on trust, as before.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.bus.authors import AuthorCheck
from shared.contracts.directory import DirectoryEvent, OfficeChanged
from shared.directory_keys import DirectoryFeed
from shared.phone_regions import region_of_zone

__all__ = ["OfficeRegions", "region_of_zone"]

OFFICE_EVENT = str(OfficeChanged.model_fields["type"].default)


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
