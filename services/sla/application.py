"""SLA's commands, queries and the scheduler's tick. Every command takes `now`, so tests decide the time."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError, ProcessRecorder, Recording, Tracking

from shared.auth import Principal
from shared.contracts.bounds import check_horizon
from shared.eventstore import ServiceApplication, UnitOfWork

from .adapters.due_clocks import BACKFILL_TRACKING, DUE_CLOCKS, DueClocks, DueRow, due_clocks_recorder
from .domain.calendar import OfficeCalendar
from .domain.clocks import ComplaintClocks
from .domain.errors import ClocksNotFound, Inadmissible
from .domain.office_time import HeardZone, OfficeTime, office_time
from .domain.policy import DEFAULT_POLICY, SlaPolicy
from .domain.registers import CalendarRegister, OfficeZone, PolicyBook

log = logging.getLogger(__name__)
_CLOCKS_TOPIC_PREFIX = f"{ComplaintClocks.__module__}:{ComplaintClocks.__qualname__}."


@dataclass(frozen=True)
class ClockView:
    key: str
    kind: str
    started_at: datetime
    deadline: datetime
    deadline_in_force: datetime
    policy_version: int
    calendar: str
    warnings_issued: list[float]
    breach_levels_issued: list[int]
    extension: dict[str, Any] | None
    stopped_at: datetime | None
    outcome: str | None


@dataclass(frozen=True)
class ClocksView:
    complaint_id: UUID
    office_id: str
    severity: str | None
    clocks: list[ClockView]
    regrade_requested: bool


class SlaApplication(ServiceApplication):
    name = "sla"

    def __init__(self, *args: Any, lease_seconds: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # This scheduler's name on its leases; a claimed-then-crashed instance's leases expire.
        self.scheduler_id = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
        self.lease_seconds = lease_seconds
        self.ensure_due_clocks()

    # -- versioned data ---------------------------------------------------------------------------

    def policy_in(self, uow: UnitOfWork) -> SlaPolicy:
        book: PolicyBook | None = uow.find(PolicyBook.create_id())
        return book.current if book is not None else DEFAULT_POLICY

    def calendar_in(self, uow: UnitOfWork, office_id: str) -> OfficeCalendar | None:
        """The calendar as the office's manager set it (its zone a fallback: `office_time_in`)."""
        register: CalendarRegister | None = uow.find(CalendarRegister.create_id(office_id))
        return register.current if register is not None else None

    def office_time_in(self, uow: UnitOfWork, office_id: str) -> OfficeTime:
        """What the office's clocks run under: its calendar in the directory's zone for the office
        (the calendar's or the policy's zone only until the directory has spoken)."""
        zone: OfficeZone | None = uow.find(OfficeZone.create_id(office_id))
        return office_time(self.calendar_in(uow, office_id), zone.heard if zone else None, self.policy_in(uow))

    def office_time_of(self, office_id: str) -> OfficeTime:
        return self.office_time_in(self.unit_of_work(), office_id)

    def office_zone_heard(self, office_id: str) -> HeardZone | None:
        """What the directory last said of the office's zone (None: it has not spoken)."""
        zone: OfficeZone | None = self.unit_of_work().find(OfficeZone.create_id(office_id))
        return zone.heard if zone else None

    def hear_office_zone(self, uow: UnitOfWork, office_id: str, heard: HeardZone, actor_id: str) -> bool:
        """The directory said the office's time zone (`OfficeChanged`): kept if it is its latest word.
        Clocks started from then on run in it; running clocks keep the zone they started under."""
        zone: OfficeZone = uow.find(OfficeZone.create_id(office_id)) or OfficeZone(office_id)
        uow.add(zone)
        return zone.hear(heard, actor_id)

    def current_policy(self) -> SlaPolicy:
        return self.policy_in(self.unit_of_work())

    def adopt_policy(self, policy: SlaPolicy, actor: Principal, now: datetime) -> SlaPolicy:
        """Record a new policy version; clocks started from now on run under it. Outside the limits
        (SlaPolicy.admission_problems): Inadmissible, nothing recorded."""
        if problems := policy.admission_problems():
            raise Inadmissible(problems)
        uow = self.unit_of_work()
        book: PolicyBook = uow.find(PolicyBook.create_id()) or PolicyBook.with_default(now)
        uow.add(book)
        adopted = book.adopt(policy, actor.actor_id, now)
        self.commit(uow)
        return adopted

    def office_calendar(self, office_id: str) -> OfficeCalendar | None:
        return self.calendar_in(self.unit_of_work(), office_id)

    def set_calendar(
        self, office_id: str, calendar: OfficeCalendar | None, actor: Principal, now: datetime
    ) -> OfficeCalendar | None:
        if calendar is not None and (problems := calendar.admission_problems()):
            raise Inadmissible(problems)  # a calendar without real working time: nothing recorded
        uow = self.unit_of_work()
        register: CalendarRegister = uow.find(CalendarRegister.create_id(office_id)) or CalendarRegister(office_id)
        uow.add(register)
        adopted = register.set(calendar, actor.actor_id, now)
        self.commit(uow)
        return adopted

    # -- facts from other services (the inbound handlers call this) ---------------------------------

    def note_fact(
        self,
        uow: UnitOfWork,
        complaint_id: UUID,
        office_id: str,
        fact: str,
        at: datetime,
        cause_id: str | None,
        **data: Any,
    ) -> ComplaintClocks:
        clocks: ComplaintClocks = uow.find(ComplaintClocks.create_id(complaint_id)) or ComplaintClocks(
            complaint_id, office_id
        )
        uow.add(clocks)
        office = self.office_time_in(uow, office_id)
        clocks.note(fact, at, cause_id, office.policy(self.policy_in(uow)), office.calendar, **data)
        return clocks

    # -- commands of people -----------------------------------------------------------------------

    def _clocks_for(self, uow: UnitOfWork, office_id: str | None, complaint_id: UUID) -> ComplaintClocks:
        clocks: ComplaintClocks | None = uow.find(ComplaintClocks.create_id(complaint_id))
        if clocks is None or (office_id is not None and clocks.office_id != office_id):
            raise ClocksNotFound(complaint_id)  # another office's complaint: not even its existence
        return clocks

    def _retrying(self, change: Any) -> Any:
        for attempt in range(20):
            uow = self.unit_of_work()
            result = change(uow)
            try:
                self.commit(uow)
                return result
            except IntegrityError:  # the worker recorded something meanwhile: try on the new state
                time.sleep(0.01 * (attempt + 1))
        raise RuntimeError("the complaint's clocks are too contended")

    def request_extension(
        self, office_id: str, complaint_id: UUID, clock: str, until: datetime, reason: str,
        actor: Principal, now: datetime,
    ) -> None:  # fmt: skip
        # Within the policy's horizon, or OutOfBounds (422) and nothing recorded.
        check_horizon("until", until, now, timedelta(days=self.current_policy().extension_horizon_days))

        def change(uow: UnitOfWork) -> None:
            clocks = self._clocks_for(uow, office_id, complaint_id)
            clocks.request_extension(clock, until, reason, actor.actor_id, actor.role, now)

        self._retrying(change)

    def decide_extension(
        self, office_id: str, complaint_id: UUID, clock: str, approved: bool, reason: str,
        actor: Principal, now: datetime,
    ) -> None:  # fmt: skip
        def change(uow: UnitOfWork) -> None:
            clocks = self._clocks_for(uow, office_id, complaint_id)
            clocks.decide_extension(clock, approved, reason, actor.actor_id, actor.role, now)

        self._retrying(change)

    # -- queries ------------------------------------------------------------------------------------

    def clocks(self, office_id: str | None, complaint_id: UUID) -> ClocksView:
        clocks = self._clocks_for(self.unit_of_work(), office_id, complaint_id)
        views = []
        for c in clocks.clocks.values():
            extension = c["extension"]
            views.append(
                ClockView(
                    key=c["key"],
                    kind=c["kind"],
                    started_at=c["started_at"],
                    deadline=c["deadline"],
                    deadline_in_force=ComplaintClocks._deadline_in_force(c),
                    policy_version=c["policy_version"],
                    calendar=c["calendar_name"],
                    warnings_issued=list(c["warned"]),
                    breach_levels_issued=list(c["breached"]),
                    extension={k: v for k, v in extension.items() if k != "requested_event_id"} if extension else None,
                    stopped_at=c["stopped_at"],
                    outcome=c["outcome"],
                )
            )
        return ClocksView(
            complaint_id=clocks.complaint_id,
            office_id=clocks.office_id,
            severity=clocks.severity.value if clocks.severity else None,
            clocks=views,
            regrade_requested=bool(clocks.regrade and clocks.regrade["requested"]),
        )

    # -- the due table and the scheduler -------------------------------------------------------------

    def construct_recorder(self) -> ProcessRecorder:
        # The store's recorder, extended with the due table it writes in each insert transaction.
        return due_clocks_recorder(self.factory)

    @property
    def due_clocks(self) -> DueClocks:
        assert isinstance(self.recorder, DueClocks)
        return self.recorder

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Every save of clocks writes each changed complaint's next due instant with its events."""
        changed = {e.originator_id for e in processing_event.events}
        processing_event.saved_kwargs[DUE_CLOCKS] = [
            DueRow(a.id, a.next_due(), a.version)
            for a in processing_event.aggregates.values()
            if isinstance(a, ComplaintClocks) and a.id in changed
        ]
        return super()._record(processing_event)

    def tick(self, now: datetime, limit: int = 200) -> int:
        """Record the warnings, breaches and re-grades due by `now` (of at most `limit` complaints,
        the most overdue first, leased from the due table), each exactly once; return how many."""
        claimed = self.due_clocks.claim(now, limit, self.scheduler_id, self.lease_seconds)
        fired = 0
        for done, clocks_id in enumerate(claimed):
            try:
                fired += self._fire_one(clocks_id, now)
            except Exception:  # a bad moment of the store: hand back what is left for the next tick
                for left in claimed[done:]:
                    with contextlib.suppress(Exception):
                        self.due_clocks.release(left, self.scheduler_id)
                raise
        return fired

    def has_due(self, now: datetime) -> bool:
        return self.due_clocks.has_due(now)

    def _fire_one(self, aggregate_id: UUID, now: datetime) -> int:
        for attempt in range(5):
            uow = self.unit_of_work()
            try:
                clocks: ComplaintClocks = uow.get(aggregate_id)
            except AggregateNotFoundError:  # pragma: no cover - a row is written only with its events
                self.due_clocks.release(aggregate_id, self.scheduler_id)
                return 0
            fired = clocks.fire_due(now)
            if not fired:  # the row was behind its clocks (an upgrade, a changed rule): put it right
                self.due_clocks.settle(DueRow(aggregate_id, clocks.next_due(), clocks.version), self.scheduler_id)
                return 0
            try:
                self.commit(uow)  # the recorder writes the next due instant and frees the lease
                return fired
            except IntegrityError:  # someone else changed it (or fired it) first: look again
                time.sleep(0.005 * (attempt + 1))
        log.warning("clocks %s stayed contended; trying again next tick", aggregate_id)
        self.due_clocks.release(aggregate_id, self.scheduler_id)
        return 0

    # -- the upgrade from a store without a due table -------------------------------------------------

    def ensure_due_clocks(self, page: int = 1000) -> int:
        """Fill the due table from the store's history, once per store (a tracking record marks it
        done): a store written before the table existed. Every later start reads nothing of history.
        Rows are written only where newer than a row written meanwhile. Returns the rows written."""
        if self.process_recorder.max_tracking_id(BACKFILL_TRACKING) is not None:
            return 0
        position, written = 0, 0
        while True:
            notifications = self.process_recorder.select_notifications(position + 1, page)
            changed = {cast(UUID, n.originator_id) for n in notifications if n.topic.startswith(_CLOCKS_TOPIC_PREFIX)}
            rows = []
            for aggregate_id in changed:
                clocks: ComplaintClocks = self.repository.get(aggregate_id)
                rows.append(DueRow(aggregate_id, clocks.next_due(), clocks.version))
            if rows:
                self.due_clocks.upsert_if_newer(rows)
                written += len(rows)
            if notifications:
                position = notifications[-1].id
            if len(notifications) < page:
                break
        with contextlib.suppress(IntegrityError):  # another process marked it first
            self.process_recorder.insert_tracking(Tracking(BACKFILL_TRACKING, position))
        return written
