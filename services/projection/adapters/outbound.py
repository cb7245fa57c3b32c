"""Stored records -> the projection's compacted topics.

For each received event the relay publishes the complaint's whole history (keyed by complaint id),
as it stood after that event; and once per relay batch, each changed office's statistics (keyed by
office id) once per batch, from the read side's tables. A history is rebuilt from the complaint's
record as it stood at that event's version, so each message shows exactly the state after its
event; a restarted relay rebuilds nothing.
Checks on these topics are judged at the time of the last event; readers compare `due_at` to their
own clock to see a step become overdue.
"""

from __future__ import annotations

import asyncio
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from shared.bus.quarantine import WHOLE
from shared.bus.relay import OutboxRelay, Publication, translate_dead_letters
from shared.contracts import Actor, derived_id, stored_event_id
from shared.contracts.common import Explanation
from shared.contracts.projection import (
    ComplaintHistoryPayload,
    ComplaintHistoryUpdated,
    OfficeStatisticsPayload,
    OfficeStatisticsUpdated,
    ReportFile,
    ReportPublished,
    StepCheck,
    TimelineEntry,
)

from ..application import ProjectionApplication
from ..domain.policy import POLICY_VERSION
from ..domain.published_reports import PublishedReport
from ..domain.records import Record
from ..domain.view import ComplaintView, Received, summary_of
from .readside import HOTLINE_TYPE

ACTOR = Actor.system("projection")
# Complaints the translator keeps between events, least recently used out first (see `_history_at`).
RECORDS_KEPT = 256


@dataclass
class KeptHistory:
    """A complaint's view as of `version` and its timeline entries made so far (by event id: each is
    made and validated once, when its event is first published)."""

    version: int
    view: ComplaintView
    entries: dict[str, TimelineEntry] = field(default_factory=dict)

    def timeline(self) -> list[TimelineEntry]:
        """The timeline in business order, as `history_of` lists it (without payloads)."""
        return [self.entries.get(r.event_id) or self._entry(r) for r in self.view.events]

    def _entry(self, r: Received) -> TimelineEntry:
        made = self.entries[r.event_id] = TimelineEntry(
            event_id=r.event_id,
            type=r.type,
            occurred_at=r.occurred_at,
            actor=r.data["actor"],
            causation_id=r.data.get("causation_id"),
            topic=r.topic,
            summary=summary_of(r),
            digest=r.digest,
        )
        return made


class ProjectionTranslator:
    def __init__(self, app: ProjectionApplication) -> None:
        self.app = app
        # Office statistics are published once per office per relay batch, after its last event:
        # recomputing them for every event would cost O(complaints of the office) each time.
        self.batch_end: int | None = None
        self._changed_offices: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._kept: OrderedDict[UUID, KeptHistory] = OrderedDict()

    def begin_batch(self, last_notification_id: int | None) -> None:
        self.batch_end = last_notification_id
        self._changed_offices = {}

    def flush(self) -> Iterable[Publication]:
        """The statistics of every office the batch changed."""
        for _, make in self.pending_offices():
            yield from make()

    def pending_offices(self) -> list[tuple[str, Callable[[], list[Publication]]]]:
        """Each office the batch changed, with how to make its statistics (one failing office is
        quarantined alone by the relay)."""
        changed, self._changed_offices = self._changed_offices, {}
        return [
            (office_id, functools.partial(self._office_statistics_list, *changed[office_id]))
            for office_id in sorted(changed)
        ]

    def prime(self, position: int | None) -> None:
        """Nothing to rebuild: histories come from the store, statistics from the read side."""

    def __call__(self, domain_event: Any) -> Iterable[Publication]:
        if isinstance(domain_event, PublishedReport.Published):
            yield report_published(domain_event)
            return
        if not isinstance(domain_event, Record.Received):
            return
        entry = domain_event.entry
        if entry["type"] != HOTLINE_TYPE:
            yield self._history(domain_event, entry)
        if self.batch_end is None:
            yield self._office_statistics(domain_event, entry)
        else:
            self._changed_offices[entry["office_id"]] = (domain_event, entry)

    def _history_at(self, domain_event: Any) -> KeptHistory:
        """The complaint's view and timeline as they stood after `domain_event`: the copy kept from its
        previous event, brought forward by this one, else rebuilt from the record read from the store
        at that version. Bringing forward costs one event when it comes last in business order (the
        usual case): parsing and folding every earlier event again at each event made the relay's cost
        an event grow with the complaint's length. An event that belongs earlier (same instant, or
        late) refolds the parsed events kept, as `ComplaintView.of` would. A fresh translator (each
        relay start) keeps none."""
        complaint_id, version = domain_event.originator_id, domain_event.originator_version
        kept = self._kept.pop(complaint_id, None)
        if kept is not None and kept.version == version - 1:
            r = Received.of(domain_event.entry)
            view = kept.view.extended(r)
            if view is None:
                view = ComplaintView.of_received(kept.view.complaint_id, kept.view.office_id, [*kept.view.events, r])
            kept = KeptHistory(version, view, kept.entries)
        else:
            record: Record = self.app.repository.get(complaint_id, version=version)
            kept = KeptHistory(version, ComplaintView.of(record.id, record.office_id, record.entries), {})
        self._kept[complaint_id] = kept
        while len(self._kept) > RECORDS_KEPT:
            self._kept.popitem(last=False)
        return kept

    def _history(self, domain_event: Any, entry: dict[str, Any]) -> Publication:
        kept = self._history_at(domain_event)
        view = kept.view
        assert view.last_event_at is not None
        message = ComplaintHistoryUpdated(
            event_id=stored_event_id("projection", domain_event.originator_id, domain_event.originator_version),
            complaint_id=view.complaint_id,
            office_id=view.office_id,
            occurred_at=view.last_event_at,
            actor=ACTOR,
            causation_id=entry["event_id"],
            correlation_id=view.complaint_id,
            payload=ComplaintHistoryPayload(
                entries=len(view.events),
                state=view.state,
                complaint=view.facts(),  # what `history_of` gives without personal data
                checks=[
                    StepCheck.model_validate(c.as_dict()) for c in view.checks(view.last_event_at, self.app.policy)
                ],
                judged_at=view.last_event_at,
                timeline=kept.timeline(),
                explanation=Explanation(
                    reason=f"rebuilt from the {len(view.events)} events received for this complaint",
                    rule=f"projection.record-rule@policy-v{POLICY_VERSION}",
                    caused_by=[entry["event_id"]],
                ),
            ),
        )
        return Publication.of(message)

    def _office_statistics_list(self, domain_event: Any, entry: dict[str, Any]) -> list[Publication]:
        return [self._office_statistics(domain_event, entry)]

    def _office_statistics(self, domain_event: Any, entry: dict[str, Any]) -> Publication:
        office_id = entry["office_id"]
        self.app.read.catch_up()  # at least up to this batch (the read side may be further on)
        # Judged at the latest instant the office's complaints have reached (one indexed row).
        judged_at = self.app.last_event_at(office_id)
        occurred_at = datetime.fromisoformat(entry["occurred_at"])
        judged_at = max(judged_at, occurred_at) if judged_at else occurred_at
        message = OfficeStatisticsUpdated(
            office_id=office_id,
            occurred_at=occurred_at,
            actor=ACTOR,
            causation_id=entry["event_id"],
            payload=OfficeStatisticsPayload.model_validate(self.app.office_statistics(office_id, judged_at)),
        )
        event_id = derived_id("office-statistics", domain_event.originator_id, domain_event.originator_version)
        return Publication(message, office_id, str(event_id), occurred_at)


PERIOD_ROUTES = {"week": "weekly", "month": "monthly", "year": "yearly"}


def report_published(domain_event: Any) -> Publication:
    """A written report, for whoever sends it on: where the API serves it, judged at the same instant."""
    office = None if domain_event.scope == "group" else domain_event.scope
    query = {domain_event.period: domain_event.period_key, **({"office": office} if office else {})}
    path = f"/reports/{PERIOD_ROUTES[domain_event.period]}?{urlencode(query | {'at': domain_event.judged_at})}"
    message = ReportPublished(
        event_id=domain_event.originator_id,
        office_id=office,
        period=domain_event.period,
        period_key=domain_event.period_key,
        occurred_at=datetime.fromisoformat(domain_event.written_at),
        judged_at=datetime.fromisoformat(domain_event.judged_at),
        actor=ACTOR,
        complaints=domain_event.complaints,
        files=[ReportFile.model_validate(f) for f in domain_event.files],
        fetch_path=path,
    )
    return Publication(message, message.key, str(message.event_id), message.occurred_at)


class ProjectionRelay(OutboxRelay):
    """The outbox relay with the projection's translator, primed up to the committed position."""

    def __init__(self, *, app: ProjectionApplication, **kwargs: Any) -> None:
        self.translator = ProjectionTranslator(app)
        super().__init__(app=app, translate=self.translator, **kwargs)

    async def start(self) -> None:
        await super().start()
        # A fresh translator each start: a restart after a batch that did not commit forgets it.
        self.translator = self.translate = ProjectionTranslator(self.app)  # type: ignore[arg-type]
        await asyncio.to_thread(self.translator.prime, self.progress.position)

    async def publish_next_batch(self) -> int:
        # Read the batch ahead, so the translator knows its last notification, then let the shared
        # relay read exactly those notifications (ids only grow) and publish them in one transaction.
        start = (self.progress.position or 0) + 1
        ahead = await asyncio.to_thread(self.app.process_recorder.select_notifications, start, self.batch_size)
        if not ahead:
            return 0
        self.translator.begin_batch(ahead[-1].id)
        configured, self.batch_size = self.batch_size, len(ahead)
        try:
            return await super().publish_next_batch()
        finally:
            self.batch_size = configured

    def _batch_publications(self) -> Iterable[tuple[str, Callable[[], Iterable[Publication]]]]:
        for office_id, make in self.translator.pending_offices():
            yield f"office-stats/{office_id}", make

    def _retranslate(self, domain_event: Any, slot: str) -> list[Publication]:
        # A redrive publishes what the record showed at that event.
        if isinstance(domain_event, PublishedReport.Published):
            return [report_published(domain_event)]
        if not isinstance(domain_event, Record.Received):
            return list(translate_dead_letters(domain_event)) if slot == WHOLE else []
        if slot.startswith("office-stats/"):
            return [self.translator._office_statistics(domain_event, domain_event.entry)]
        complaint = domain_event.entry["type"] != HOTLINE_TYPE
        return [self.translator._history(domain_event, domain_event.entry)] if complaint else []
