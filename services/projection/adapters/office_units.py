"""Units served per office, as the directory service says (complaints per million units).

The units an office serves are office data, decided by the directory service (`OfficeChanged`), not a
setting: the projection follows `complaints.directory.events` from its start in a thread of its own
(no consumer group: each process needs every office) and keeps the latest figure of each office in
the application's `units`, which every statistic, report and signal reads at its query. A figure
changed through the directory shows in the next statistics, with no restart.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from shared.bus.authors import AuthorCheck
from shared.contracts.directory import DirectoryEvent, OfficeChanged
from shared.directory_keys import DirectoryFeed

OFFICE_EVENT = str(OfficeChanged.model_fields["type"].default)


def follow(bootstrap_servers: str, units: MutableMapping[str, int], authors: AuthorCheck | None) -> DirectoryFeed:
    """Start keeping `units` (office id -> units served) as the directory's events say."""

    def apply(event: DirectoryEvent) -> None:
        if isinstance(event, OfficeChanged):
            units[event.payload.office_id] = event.payload.units_served  # one assignment: safe across threads

    return DirectoryFeed(bootstrap_servers, apply, frozenset({OFFICE_EVENT}), authors).start()
