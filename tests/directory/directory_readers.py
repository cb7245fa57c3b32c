"""Every kind of reader of `complaints.directory.events`, side by side: an HTTP app's table of live
keys, the notifier's staff and offices, intake's offices and regions, the projection's units served and
the SLA's rule for an office's zone (the directory's latest word). The compaction tests feed one the full
history and another what compaction leaves, and compare."""

from __future__ import annotations

from typing import Any

from bench.directory_catchup import T0, key_hash
from services.intake.adapters.office_regions import OfficeRegions
from services.notifier.adapters.directory_events import LiveDirectory
from services.sla.domain.office_time import HeardZone, supersedes
from shared.contracts.directory import ApiKeyChanged, DirectoryEvent, OfficeChanged
from shared.directory_keys import LiveKeys


class Readers:
    """Every kind of reader of the directory topic, fed the same events."""

    def __init__(self, watched: frozenset[str], entities: int) -> None:
        self.entities = entities
        self.keys = LiveKeys(watched=watched, clock=lambda: T0)
        self.notifier = LiveDirectory({})
        self.intake = OfficeRegions("HK")
        self.units: dict[str, int] = {}
        self.zones: dict[str, HeardZone] = {}  # the SLA's rule: the directory's latest word per office

    def apply(self, event: DirectoryEvent) -> None:
        if isinstance(event, ApiKeyChanged):
            self.keys.apply(event.payload)
        self.notifier.apply(event)
        self.intake.apply(event)
        if isinstance(event, OfficeChanged):
            self.units[event.payload.office_id] = event.payload.units_served
            heard = HeardZone(event.payload.time_zone, event.occurred_at, str(event.event_id))
            if supersedes(heard, self.zones.get(event.payload.office_id)):
                self.zones[event.payload.office_id] = heard

    def state(self) -> dict[str, Any]:
        hashes = [key_hash(i) for i in range(self.entities)]
        directory = self.notifier.directory()
        return {
            "keys": {h: self.keys.principal(h) for h in hashes},
            "withdrawn": {h for h in hashes if self.keys.withdrawn(h)},
            "staff": sorted(directory.staff, key=lambda s: s.id),
            "offices": directory.offices,
            "regions": dict(self.intake.zones),
            "announced": set(self.intake.offices),
            "units": dict(self.units),
            "zones": {o: z.time_zone for o, z in self.zones.items()},
        }
