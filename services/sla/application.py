"""SLA's commands, queries and the scheduler's tick. Every command takes `now`, so tests decide the time."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from shared.auth import Principal
from shared.contracts.bounds import check_horizon
from shared.eventstore import ServiceApplication, UnitOfWork

from .domain.calendar import OfficeCalendar
from .domain.clocks import ComplaintClocks
from .domain.errors import ClocksNotFound, Inadmissible
from .domain.policy import DEFAULT_POLICY, SlaPolicy
from .domain.registers import CalendarRegister, PolicyBook

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.due_index = DueIndex(self)

    # -- versioned data ---------------------------------------------------------------------------

    def policy_in(self, uow: UnitOfWork) -> SlaPolicy:
        book: PolicyBook | None = uow.find(PolicyBook.create_id())
        return book.current if book is not None else DEFAULT_POLICY

    def calendar_in(self, uow: UnitOfWork, office_id: str) -> OfficeCalendar | None:
        register: CalendarRegister | None = uow.find(CalendarRegister.create_id(office_id))
        return register.current if register is not None else None

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
        clocks.note(fact, at, cause_id, self.policy_in(uow), self.calendar_in(uow, office_id), **data)
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
                    extension=dict(extension) if extension else None,
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

    # -- the scheduler ------------------------------------------------------------------------------

    def tick(self, now: datetime, limit: int = 200) -> int:
        """Record the warnings, breaches and re-grades due by `now` (of at most `limit` complaints,
        the most overdue first), each exactly once; return how many."""
        return self.due_index.fire(now, limit)

    def has_due(self, now: datetime) -> bool:
        return self.due_index.has_due(now)


class DueIndex:
    """In memory: each complaint's next due instant. Rebuilt at start by reading the store's own
    notification log from the beginning (so after a crash nothing due is forgotten), then kept up to
    date by reading only what is new: changes made by other processes (HTTP) are seen too."""

    def __init__(self, app: SlaApplication, page: int = 1000) -> None:
        self.app = app
        self.page = page
        self.position = 0
        self.next_due: dict[UUID, datetime] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        changed: set[UUID] = set()
        while True:
            notifications = self.app.process_recorder.select_notifications(self.position + 1, self.page)
            for notification in notifications:
                if notification.topic.startswith(_CLOCKS_TOPIC_PREFIX):
                    changed.add(cast(UUID, notification.originator_id))
            if notifications:
                self.position = notifications[-1].id
            if len(notifications) < self.page:
                break
        for aggregate_id in changed:
            clocks: ComplaintClocks = self.app.repository.get(aggregate_id)
            self._set(aggregate_id, clocks.next_due())

    def _set(self, aggregate_id: UUID, due: datetime | None) -> None:
        if due is None:
            self.next_due.pop(aggregate_id, None)
        else:
            self.next_due[aggregate_id] = due

    def has_due(self, now: datetime) -> bool:
        return any(at <= now for at in self.next_due.values())

    def fire(self, now: datetime, limit: int = 200) -> int:
        # Bounded per call, so a backlog (after an outage) never keeps a stopping worker waiting.
        with self._lock:  # one tick at a time in this process; other processes collide optimistically
            self.refresh()
            due = sorted((at, aggregate_id) for aggregate_id, at in self.next_due.items() if at <= now)[:limit]
            fired = 0
            for _, aggregate_id in due:
                fired += self._fire_one(aggregate_id, now)
            self.refresh()
            return fired

    def _fire_one(self, aggregate_id: UUID, now: datetime) -> int:
        for attempt in range(5):
            uow = self.app.unit_of_work()
            try:
                clocks: ComplaintClocks = uow.get(aggregate_id)
            except AggregateNotFoundError:
                self.next_due.pop(aggregate_id, None)
                return 0
            fired = clocks.fire_due(now)
            try:
                self.app.commit(uow)
            except IntegrityError:  # someone else changed it (or fired it) first: look again
                time.sleep(0.005 * (attempt + 1))
                continue
            self._set(aggregate_id, clocks.next_due())
            return fired
        log.warning("clocks %s stayed contended; trying again next tick", aggregate_id)
        return 0
