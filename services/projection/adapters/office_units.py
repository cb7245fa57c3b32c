"""Office data, as the directory service says: units served (complaints per million) and names.

The units an office serves and what it is called are office data, decided by the directory service
(`OfficeChanged`), not settings: the projection follows `complaints.directory.events` from its start in
a thread of its own (no consumer group: each process needs every office). It keeps the latest figure of
each office in the application's `units`, which every statistic, report and signal reads at its query,
and the office's names in the read side's `projection_offices` (`office_names.py`: SQL, not memory;
the dashboard, the statistics and the reports read them there). A figure or a name changed through the
directory shows in the next answer, with no restart.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

from shared.bus.authors import AuthorCheck
from shared.contracts.directory import DirectoryEvent, OfficeChanged
from shared.directory_keys import DirectoryFeed

OFFICE_EVENT = str(OfficeChanged.model_fields["type"].default)


def follow(
    bootstrap_servers: str,
    units: MutableMapping[str, int],
    authors: AuthorCheck | None,
    named: Callable[[OfficeChanged], None] | None = None,
) -> DirectoryFeed:
    """Start keeping `units` (office id -> units served) as the directory's events say, and hand each
    office's event to `named` (the application's `office_changed`: its names into the read side)."""

    def apply(event: DirectoryEvent) -> None:
        if isinstance(event, OfficeChanged):
            units[event.payload.office_id] = event.payload.units_served  # one assignment: safe across threads
            if named is not None:
                named(event)

    return DirectoryFeed(bootstrap_servers, apply, frozenset({OFFICE_EVENT}), authors).start()
