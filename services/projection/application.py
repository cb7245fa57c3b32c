"""The projection's application: records what it consumes, and answers every query of the read model.

Queries take `now` explicitly (the record rule is judged at an instant), so tests decide the time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from shared.contracts import SealedPersonal
from shared.contracts.directory import OfficeChanged
from shared.eventstore import ServiceApplication
from shared.keyring import Keyring
from shared.personal import open_personal, searched_facts, typed_name_or_unit, typed_unit_parts

from .adapters import office_names
from .adapters.readside import Filters, ReadSide, Unreadable
from .adapters.statistics_tables import Scope, assemble
from .adapters.stored_chain import stored_links
from .domain.chain import Finding, Link, verify_chain
from .domain.errors import ComplaintNotFound, UnknownOffice, UnknownPeriod
from .domain.office_names import OfficeName
from .domain.policy import Policy
from .domain.published_reports import PublishedReport, published_report_id
from .domain.search import Query, person_term, query_terms
from .domain.signals import (
    Signal,
    by_report_order,
    gap_signal,
    hotline_signal,
    late_registrations,
    outliers_of_counts,
    quotes,
)
from .domain.view import ComplaintView, summary_of


class ProjectionApplication(ServiceApplication):
    name = "projection"

    def __init__(
        self, *args: Any, policy: Policy | None = None, units: dict[str, int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy or Policy()
        self.units = dict(units or {})
        self.followers: list[Any] = []  # what keeps `units` current (the directory's events), closed with it
        self.read = ReadSide(self, self.policy)
        # Opens complainants' sealed data for who may see it (bootstrap sets it; shared/keyring.py).
        self.keyring: Keyring | None = None

    def refresh(self, *, wait: bool = True) -> int:
        """Bring the read side's tables up to date with the store (other processes write it); return
        how many stored events were applied. `wait=False`: not while another writer is at it (see
        `ReadSide.catch_up`)."""
        return self.read.catch_up(wait=wait)

    def refresh_if_left(self, behind_at: int | None) -> int | None:
        """One turn of a follower that writes the read side only when nobody else does (the worker's
        safety net): it applies what is new when the read side was already behind the store at
        `behind_at`, the last turn, and has not moved since; otherwise it only looks. Returns what to
        pass next turn: the read side's position while it is behind, else None. Writing at every
        turn, the net took the process's one writer connection as often as the stream and the relay
        did, and the consumer's next commit queued behind it (docs/performance.md)."""
        position = self.read.position
        if position >= (self.process_recorder.max_notification_id() or 0):
            return None
        if position != behind_at:
            return position  # behind since the last turn at most: another writer may be at it
        self.read.catch_up(wait=False)
        position = self.read.position
        return position if position < (self.process_recorder.max_notification_id() or 0) else None

    def close(self) -> None:
        for follower in self.followers:
            follower.close()
        self.read.close()
        super().close()

    # -- one complaint -------------------------------------------------------------------------

    def complaint(self, complaint_id: UUID, office_id: str | None) -> ComplaintView:
        """A complaint; `office_id=None` (group and auditor keys) sees every office."""
        view = self.read.view(complaint_id)
        if view is None or (office_id is not None and view.office_id != office_id):
            raise ComplaintNotFound(complaint_id)
        return view

    def history(
        self, complaint_id: UUID, office_id: str | None, now: datetime, with_personal_data: bool = False
    ) -> dict[str, Any]:
        view = self.complaint(complaint_id, office_id)
        return history_of(view, now, self.policy, with_personal_data, self.keyring)

    # -- many complaints -----------------------------------------------------------------------

    def complaints(
        self,
        office_id: str | None,
        now: datetime,
        *,
        state: str | None = None,
        severity: str | None = None,
        category: str | None = None,
        validity: str | None = None,
        violating: bool | None = None,
        needs_review: bool | None = None,
        week: str | None = None,
        month: str | None = None,
        search: str | None = None,
        personal: bool = False,
        limit: int | None = None,
        offset: int = 0,
        states: tuple[str, ...] = (),
        open: bool | None = None,
        order: str = "office",
    ) -> list[ComplaintView]:
        """The complaints that pass the filters (each a typed, indexed column of the read side), by
        office, sequence number and id (or in `order`); one page of them when `limit` is given. `search`: words that
        must all be found (reference, id, what it is about, and — with `personal`, for those who may
        see personal data — the complainant's name, phone or e-mail and unit: `domain/search.py`)."""
        filters = Filters(
            office_id,
            state,
            severity,
            category,
            validity,
            week,
            month,
            violating=violating,
            needs_review=needs_review,
            search=self._query(search, personal) if search is not None else None,
            personal=personal,
            states=states,
            open=open,
        )
        if filters.search is not None and not filters.search:
            return []  # nothing searchable was typed
        return list(self.read.summaries(filters, now, limit=limit, offset=offset, order=order))

    def complaints_page(
        self,
        office_id: str | None,
        now: datetime,
        *,
        order: str,
        limit: int,
        after: str | None = None,
        offset: int = 0,
        search: str | None = None,
        personal: bool = False,
        category: str | None = None,
        **filters: Any,
    ) -> tuple[list[ComplaintView], str | None]:
        """One page of `complaints` in `order` (`readside_queries.ORDERS`: office, newest, oldest,
        overdue) from the cursor `after` (or `offset` rows in), and the next page's cursor (None: the
        last page). Keyset paging: the pages stay right while complaints arrive between them. Also
        `states` (any of them) and `open` (every state but closed)."""
        terms = self._query(search, personal) if search is not None else None
        if terms is not None and not terms:
            return [], None
        chosen = Filters(office_id, business_area=category, search=terms, personal=personal, **filters)
        views, token = self.read.page(chosen, now, order, limit, after, offset)
        return list(views), token

    def complaints_of_person(self, person_id: UUID, limit: int = 500) -> tuple[list[ComplaintView], int]:
        """Every office's complaints whose registration named this person (the opaque id intake's
        keyring gave them, a term of the search index), by office and sequence number, up to `limit`;
        and how many in all. What an erasure of the person will touch, for the privacy officer: no
        personal data is opened (an erased person's complaints are still found by the id)."""
        filters = Filters(None, search=Query((), persons=(person_term(str(person_id)),)), personal=True)
        return list(self.read.summaries(filters, limit=limit)), self.read.count(filters, None)

    def _query(self, search: str, personal: bool) -> Query:
        """The typed search's terms; for who may see personal data, also the sealed complainants the
        keyring's blind index names for it (an exact phone, e-mail, or name with unit)."""
        query = query_terms(search)
        if not personal or self.keyring is None:
            return query
        typed = searched_facts(search)
        found = {self.keyring.find_person([fact]) for fact in typed}
        found |= self.keyring.people_found_by(typed_name_or_unit(search))
        found |= self._found_by_unit_parts(search)
        persons = tuple(sorted(person_term(str(p)) for p in found if p is not None))
        return replace(query, persons=persons)

    def _found_by_unit_parts(self, search: str) -> set[UUID]:
        """The people whose unit has every typed word as one of its parts ("18" of 18A, "a室" of
        18A室: `shared.personal.unit_parts`, each part a keyed digest in the keyring's search index)."""
        assert self.keyring is not None
        people: set[UUID] | None = None
        for facts in typed_unit_parts(search):
            with_it = self.keyring.people_found_by(facts)
            people = with_it if people is None else people & with_it
            if not people:
                return set()
        return people or set()

    def count(self, office_id: str | None, now: datetime, **filters: Any) -> int:
        """How many complaints pass the filters of `complaints` (a page's total)."""
        category = filters.pop("category", None)
        search = filters.pop("search", None)
        terms = self._query(search, bool(filters.get("personal"))) if search is not None else None
        if terms is not None and not terms:
            return 0
        return self.read.count(Filters(office_id, business_area=category, search=terms, **filters), now)

    def every_complaint(
        self, office_id: str | None, now: datetime, page: int = 500, **filters: Any
    ) -> Iterator[ComplaintView]:
        """Every complaint that passes the filters of `complaints`, in its order, read a page at a
        time: memory bounded by the page, whatever the history."""
        offset = 0
        while True:
            views = self.complaints(office_id, now, limit=page, offset=offset, **filters)
            yield from views
            if len(views) < page:
                return
            offset += page

    def violations(
        self, office_id: str | None, now: datetime, *, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Every violated step of the complaints violating at `now` (an indexed comparison of the
        instant each starts to violate), by office and sequence number; a page of complaints when
        `limit` is given."""
        views = (
            self.complaints(office_id, now, violating=True, limit=limit, offset=offset)
            if limit is not None
            else self.every_complaint(office_id, now, violating=True)
        )
        return [step for view in views for step in self._violated_steps(view, now)]

    def violations_page(
        self, office_id: str | None, now: datetime, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many steps are violated at `now`, and the page of them from `offset` (at most `limit`),
        in the order of `violations`: the violating complaints read a page at a time, only the page's
        steps kept."""
        total, page = 0, []
        for view in self.every_complaint(office_id, now, violating=True):
            for step in self._violated_steps(view, now):
                if offset <= total < offset + limit:
                    page.append(step)
                total += 1
        return total, page

    def _violated_steps(self, view: ComplaintView, now: datetime) -> list[dict[str, Any]]:
        return [
            {
                "complaint_id": str(view.complaint_id),
                "office_id": view.office_id,
                "office_reference": view.office_reference,
                "severity": view.severity,
                **check.as_dict(),
            }
            for check in view.violations(now, self.policy)
        ]

    def statistics(
        self, office_id: str | None, now: datetime, *, week: str | None = None, month: str | None = None
    ) -> dict[str, Any]:
        """The statistics of an office (None: the group), all time or one week or month, judged at
        `now`: grouped sums of the statistics table (`adapters/statistics_tables.py`), no complaint
        read into memory; equal to `domain.statistics.statistics` over the same complaints."""
        for key, kind in ((week, "week"), (month, "month")):
            if key is not None and not _valid_period(key, kind):
                raise UnknownPeriod(key)
        scope = Scope(office_id, week=week, month=month)
        return self.read.stats.statistics(scope, now, units=lambda _: self._units(office_id))[""]

    def period_figures(self, office_id: str | None, now: datetime, period: str, key: str) -> dict[str, Any]:
        """The figures of one week, month or year (`period` = week | month | year) for a report: the
        statistics as `statistics()` computes them (a year is its months together), and three tallies
        the statistics do not hold, over the same complaints: validity per business area, each
        record-rule step's status judged at `now`, and each SLA clock kind's outcomes as the SLA
        recorded them. All are grouped sums in SQL over the period's rows (an indexed column)."""
        scope = _period_scope(office_id, period, key)
        stats = self.read.stats.statistics(scope, now, units=lambda _: self._units(office_id))[""]
        return {"statistics": stats, **self.read.stats.tallies(scope, now)}

    def period_statistics_by_office(self, now: datetime, period: str, key: str) -> dict[str, dict[str, Any]]:
        """Every office's statistics of one week, month or year (a group report's table): one grouped
        query; an office with no complaint in the period shows zeros."""
        found = self.read.stats.statistics(_period_scope(None, period, key), now, group="office", units=self.units.get)
        return {o: found.get(o) or assemble([], (0, 0), self.units.get(o)) for o in self.offices()}

    # -- the reports it publishes ---------------------------------------------------------------

    def publish_report(
        self,
        scope: str,
        period: str,
        period_key: str,
        *,
        judged_at: datetime,
        now: datetime,
        complaints: int,
        files: list[dict[str, str]],
    ) -> bool:
        """Record that a scheduled report was written (its relay publishes `ReportPublished`); once per
        scope and period: False when it already was (also when another process just recorded it)."""
        if published_report_id(scope, period_key) in self.repository:
            return False
        report = PublishedReport(
            scope=scope,
            period=period,
            period_key=period_key,
            judged_at=judged_at.isoformat(),
            written_at=now.isoformat(),
            complaints=complaints,
            files=files,
        )
        try:
            self.save(report)
        except IntegrityError:
            return False
        return True

    def published_report_judged_at(self, scope: str, period_key: str) -> datetime | None:
        """The instant a published report was judged at (None: not published)."""
        report_id = published_report_id(scope, period_key)
        if report_id not in self.repository:
            return None
        report: PublishedReport = self.repository.get(report_id)
        return datetime.fromisoformat(report.judged_at)

    def office_statistics(self, office_id: str, now: datetime) -> dict[str, Any]:
        """All time, and per week and month (by the office's receipt time), as
        `domain.statistics.office_statistics`: three grouped queries."""
        scope, stats = Scope(office_id), self.read.stats
        return {
            "all_time": stats.statistics(scope, now, units=lambda _: self.units.get(office_id))[""],
            "by_week": stats.statistics(scope, now, group="week"),
            "by_month": stats.statistics(scope, now, group="month"),
            "judged_at": now.isoformat(),
        }

    def statistics_by_office(self, now: datetime) -> dict[str, dict[str, Any]]:
        """Every office's statistics (one grouped query); an office with no complaint shows zeros."""
        found = self.read.stats.statistics(Scope(), now, group="office", units=self.units.get)
        return {o: found.get(o) or assemble([], (0, 0), self.units.get(o)) for o in self.offices()}

    def last_event_at(self, office_id: str) -> datetime | None:
        """The latest business instant of the office's complaint events (a statistics message's `judged_at`)."""
        return self.read.stats.last_event_at(office_id)

    def _units(self, office_id: str | None) -> int | None:
        return self.units.get(office_id) if office_id else (sum(self.units.values()) or None)

    def offices(self) -> list[str]:
        return sorted(set(self.read.offices()) | set(self.units))

    # -- the offices' names (the directory's) ------------------------------------------------------

    def office_changed(self, event: OfficeChanged) -> None:
        """The directory announced an office or changed it: keep its names in the read side."""
        office_names.record(self.read.db, event)

    def office_names(self) -> dict[str, OfficeName]:
        """Every office the directory named, with its names (`OfficeName.called(lang)`)."""
        return office_names.names(self.read.db)

    def known_office(self, office_id: str) -> None:
        """Raise `UnknownOffice` unless the office is known: the directory named it, it serves units
        (the directory's figure or the setting's), or anything of it was recorded. A known office with no
        complaint yet has statistics (zeros); a mistyped one has none."""
        if office_id in self.units or office_names.named(self.read.db, office_id) or self.read.holds(office_id):
            return
        raise UnknownOffice(office_id)

    def first_week(self) -> str | None:
        """The earliest week anything recorded falls in (the weekly job writes no week before it)."""
        return self.read.first_week()

    def signals(self, office_id: str | None, now: datetime) -> list[Signal]:
        """The concealment signals of an office (None: every office), as `domain.signals.all_signals`
        finds them over every registered complaint, but each from SQL: the gaps in the numbers (window
        functions), the complaints flagged late, each hotline call's candidate registrations (indexed
        terms), the offices' registered counts (grouped). Memory grows with the signals, not with
        the history."""
        read, policy = self.read, self.policy
        gaps = [gap_signal(office, first, after, now, policy) for office, first, after in read.sequence_gaps(office_id)]
        hotline = []
        for report in by_report_order(read.hotline_reports(office_id)):
            candidates = read.quoting_candidates(report.office_id, report.hotline_reference)
            matches = [v for v in candidates if quotes(v, report.hotline_reference)]
            hotline.append(hotline_signal(report, matches, now, policy))
        late = late_registrations(read.late_registered(office_id), policy)
        outliers = outliers_of_counts(read.registered_counts(), self.units, self.offices(), policy)
        found = [s for s in [*gaps, *hotline] if s is not None] + late + outliers
        return [s for s in found if office_id is None or s.office_id == office_id]

    # -- audit ---------------------------------------------------------------------------------

    def verify(self, office_id: str | None = None) -> list[Finding]:
        """Every break of the offices' hash chains, and every stored event that cannot be read,
        judged on the store itself (the truth, where tampering would happen), read page by page."""
        links, unreadable = stored_links(self, office_id)
        return findings_of(links, unreadable, office_id)


def findings_of(links: list[Link], unreadable: list[tuple[Unreadable, str]], office_id: str | None) -> list[Finding]:
    findings = [
        Finding(
            "altered",
            office,
            0,
            f"{bad.originator_id}/v{bad.originator_version}",
            f"stored event (notification {bad.notification_id}) cannot be read: {bad.error}",
        )
        for bad, office in unreadable
        if office_id is None or office == office_id
    ]
    return findings + verify_chain(links)


def history_of(
    view: ComplaintView,
    now: datetime,
    policy: Policy,
    with_personal_data: bool = False,
    keyring: Keyring | None = None,
) -> dict[str, Any]:
    """A complaint's facts, checks judged at `now`, and its timeline (business-time order). With
    personal data, the complainant is opened through `keyring` now (erased: the marker), and so are
    the free texts as the office typed them (the redacted ones otherwise, and once erased)."""
    opened = opened_personal(view, keyring) if with_personal_data else None
    typed: dict[str, str] = (opened or {}).get("originals") or {}
    facts = view.facts(with_personal_data, opened)
    if typed.get("object"):
        facts["object"] = typed["object"]
    return {
        "complaint": facts,
        "state": view.state,
        "judged_at": now.isoformat(),
        "checks": [c.as_dict() for c in view.checks(now, policy)],
        "timeline": [
            {
                "event_id": r.event_id,
                "type": r.type,
                "occurred_at": r.occurred_at.isoformat(),
                "actor": r.data["actor"],
                "causation_id": r.data.get("causation_id"),
                "topic": r.topic,
                "summary": summary_of(r),
                "digest": r.digest,
                "explanation": _why(r),
                "payload": as_typed(r.short_type, r.payload, typed) if with_personal_data else redacted(r.payload),
            }
            for r in view.events
        ],
    }


PERSONAL_FIELDS = ("complainant", "unit_address", "contact", "personal")


def opened_personal(view: ComplaintView, keyring: Keyring | None) -> dict[str, Any] | None:
    """The complainant's name, contact and unit in clear, read through the keyring at this moment
    (the erased marker once they are erased), with `originals`: the free texts as typed that
    redaction changed; None for a view of an old event that had them in clear."""
    if not view.personal:
        return None
    return open_personal(SealedPersonal.model_validate(view.personal), keyring).model_dump(exclude_none=True)


def as_typed(kind: str, payload: dict[str, Any], typed: dict[str, str]) -> dict[str, Any]:
    """A registration's payload with its form's free texts as the office typed them (opened)."""
    if kind != "ComplaintRegistered" or not typed or "form" not in payload:
        return payload
    return payload | {"form": payload["form"] | {k: v for k, v in typed.items() if k in payload["form"]}}


def redacted(data: Any) -> Any:
    """The payload without personal data (complainant, contact, address), for group dashboards."""
    if isinstance(data, dict):
        return {k: ("[personal data]" if k in PERSONAL_FIELDS else redacted(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [redacted(v) for v in data]
    return data


def _why(r: Any) -> Any:
    p = r.payload
    return p.get("explanation") or p.get("explanations") or p.get("reason")


def _period_scope(office_id: str | None, period: str, key: str) -> Scope:
    """The complaints of one week, month or year (`period`) of an office (None: the group)."""
    if period == "year":
        if not (len(key) == 4 and key.isdigit()):
            raise UnknownPeriod(key)
        return Scope(office_id, year=key)
    if period in ("week", "month"):
        if not _valid_period(key, period):
            raise UnknownPeriod(key)
        return Scope(office_id, week=key) if period == "week" else Scope(office_id, month=key)
    raise UnknownPeriod(period)


def _valid_period(key: str, kind: str) -> bool:
    try:
        if kind == "week":
            year, week = key.split("-W")
            return len(year) == 4 and 1 <= int(week) <= 53
        datetime.strptime(key, "%Y-%m")
        return True
    except ValueError:
        return False
