"""The projection's query API (FastAPI) on 127.0.0.1:8000: complaints with their timelines and
record-rule checks, violations, statistics, concealment signals, and a Server-Sent Events stream.

Tenancy: an office's key sees only its office (another office's complaint answers 404); group and
auditor keys see every office. Everything here is a read: auditors are read-only by construction.
Complainants' personal data is shown to their own office only (docs/privacy.md): never to group
dashboards or auditors, who need none of it.

Run: `uvicorn services.projection.entrypoints.http:create_app --factory --port 8000`
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio
from fastapi import FastAPI, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from shared import tracing
from shared.auth import Principal
from shared.bus.wakeup import StoreChanges
from shared.clock import Clock, utc_now
from shared.contracts.projection import Statistics, StepCheck
from shared.contracts.review import ReviewFlag
from shared.directory_keys import service_keys
from shared.web import (
    PROBLEM_RESPONSES,
    CurrentPrincipal,
    Problem,
    Refused,
    install_health,
    install_key_registry,
    install_sign_in,
    install_validation_answers,
    reading_office,
)

from .. import bootstrap, dashboard
from ..adapters.readside_queries import BadCursor
from ..application import ProjectionApplication
from ..domain.errors import ComplaintNotFound, UnknownOffice, UnknownPeriod
from ..domain.office_names import name_of
from ..domain.view import STATES
from ..settings import ProjectionSettings
from .reports_http import install_reports

STREAM_CHUNK = 100  # changes per write of the SSE stream; the loop looks for a gone client between writes


class ClosingStream(StreamingResponse):
    """A stream whose generator is closed when the response ends, however it ends. When the client goes
    away, Starlette cancels the sending task while the generator waits at a `yield`, and leaves the
    generator to the garbage collector: its `finally` (the open-stream count, the store watch and its
    PostgreSQL LISTEN connection) ran only whenever a collection came."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            closing = getattr(self.body_iterator, "aclose", None)
            if closing is not None:
                with anyio.CancelScope(shield=True):  # the close itself must not be cancelled
                    await closing()


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "No such complaint for your key."}}
FORBIDDEN_OFFICE = "an office's key sees only its own office"


class ComplaintSummary(BaseModel):
    complaint_id: UUID
    office_id: str
    sequence_number: int | None
    office_reference: str | None
    state: str
    severity: str | None
    validity: str | None
    business_area: str | None
    received_at: str | None
    violations: list[str] = Field(description="Steps in violation now.")
    needs_review: bool = Field(False, description="Triage asks a person to look, and no override has settled it.")
    review: list[str] = Field(
        default_factory=list, description="Triage's reasons for it as sentences (`review_flags`' texts)."
    )
    review_flags: list[ReviewFlag] = Field(
        default_factory=list,
        description="Triage's reasons for it, typed (the one to read): the label doubted, the kind of doubt, "
        "its numbers, the complaint's words relied on, and the sentence. An older event's sentences are read "
        "into flags (kind `unknown` where their shape is not known).",
    )


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ComplaintSummary]
    order: str = Field("office", description="The order the page is in.")
    next: str | None = Field(
        None,
        description="The next page's cursor (`after=`); null on the last page. Stays right while complaints arrive.",
    )


# The states a complaint is in (`ComplaintView.state`), and the orders a list is read in.
StateName = Literal[STATES]  # type: ignore[valid-type]
Order = Literal["office", "newest", "oldest", "overdue"]


class PersonsComplaint(BaseModel):
    complaint_id: UUID
    office_id: str
    office_reference: str | None
    sequence_number: int | None
    received_at: str | None = Field(description="When the office received it.")
    registered_at: str | None = Field(description="When intake recorded it.")
    state: str


class PersonsComplaints(BaseModel):
    """A data subject's complaints in every office: what erasing them will touch (no personal data)."""

    person_id: UUID
    total: int = Field(description="How many complaints name the person (items: the first 500).")
    items: list[PersonsComplaint]


def require_group_privacy(principal: Principal) -> None:
    """A data subject's complaints across every office, for a group-wide `privacy` key or user only
    (as intake's look-up and erasure): an office's key with the role is refused."""
    if "privacy" not in principal.roles or principal.office_id is not None:
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            "auth.group_privacy_key_needed",
            "a data subject's complaints need a group-wide privacy key",
        )


class ComplaintHistory(BaseModel):
    complaint: dict[str, Any]
    state: str
    judged_at: str
    checks: list[StepCheck]
    timeline: list[dict[str, Any]]


class Violation(StepCheck):
    complaint_id: UUID
    office_id: str
    office_reference: str | None
    severity: str | None


class Violations(BaseModel):
    judged_at: str
    total: int
    items: list[Violation]


Language = Literal["en", "zh-Hant", "zh-Hans"]  # the languages the dashboard, the desk and the reports speak


class StatisticsOut(BaseModel):
    scope: str = Field(description="The office, or 'group'.")
    office_name: str | None = Field(
        None,
        description="The office's name in `lang`, as the directory names it (its id where the directory "
        "named none); null for the group.",
    )
    period: str = Field(description="'all', an ISO week or a month.")
    judged_at: str
    statistics: Statistics


class OfficeOut(BaseModel):
    office_id: str
    name: str = Field(description="The name in `lang` as the directory says it; the office id where it named none.")
    names: dict[str, str] = Field(
        default_factory=dict, description="The directory's names by language ('en', 'zh-Hant', 'zh-Hans')."
    )


class SignalOut(BaseModel):
    kind: str
    office_id: str
    detail: str
    since: str | None
    complaint_id: str | None
    reference: str | None
    evidence: list[str]
    age_hours: float | None = None
    values: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="The detail's figures by name, for a reader that writes it in its own language (the "
        "dashboard): sequence-gap `span`, `number`; hotline-unregistered `reported_at`, `days`, `hours`; "
        "hotline-registered-late `registered_at`, `days`, `hours`; late-registration `days`; "
        "registered-late `days`, or `hours` and `minutes`; outlier-office `rate`, `measure` "
        "(per-million-units | complaints), `direction` (above | below), `z`.",
    )


class Signals(BaseModel):
    judged_at: str
    items: list[SignalOut]
    total: int | None = None  # every signal; `items` is the page from `offset`, at most `limit`
    limit: int | None = None
    offset: int | None = None


def scope_of(principal: Principal, office: str | None) -> str | None:
    """The office a query may cover: an office key's own (asking for another is refused); any office for
    the group's readers; nothing for a key of no office and no reading role (hotline, admin, privacy)."""
    own = reading_office(principal)
    if own is not None:
        if office not in (None, own):
            raise Refused(status.HTTP_403_FORBIDDEN, "auth.other_office", FORBIDDEN_OFFICE)
        return own
    return office


def known_scope(projection: ProjectionApplication, principal: Principal, scope: str | None) -> None:
    """Refuse an office nobody knows (a mistyped id) with 404, naming it; the key's own office and an
    office with no complaint yet (the directory named it, or units serve it) are known."""
    if scope is None or scope == principal.office_id:
        return
    try:
        projection.known_office(scope)
    except UnknownOffice as unknown:
        raise Refused(
            status.HTTP_404_NOT_FOUND, "projection.unknown_office", f"no office {unknown.office_id!r} is known",
            {"office_id": unknown.office_id},
        ) from None  # fmt: skip


UNKNOWN_OFFICE: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No office is known by this id (`projection.unknown_office`)."}
}


class ReadThreads:
    """The threads the app's own tasks (the store follower, the SSE streams) read the projection in.
    Cancelling an `asyncio.to_thread` leaves its thread running: the store closed under a follower's
    refresh crashed the test process (SQLite, a segfault in a later test's set-up). The app waits for
    these threads before the projection closes."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="projection-read")

    async def run(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        call = functools.partial(function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def create_app(
    settings: ProjectionSettings | None = None,
    app_instance: ProjectionApplication | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    settings = settings or ProjectionSettings()
    if clock is utc_now:  # a demo on accelerated time (<SERVICE>_TIME_FACTOR)
        clock = settings.clock()

    async def follow_store(projection: ProjectionApplication, threads: ReadThreads) -> None:
        # The worker writes the store; the read side's tables follow its notification log.
        while True:
            await threads.run(projection.refresh, wait=False)  # never queued behind the worker
            await asyncio.sleep(settings.index_poll_seconds)

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> Any:
        projection = app_instance or bootstrap.application(settings)
        api.state.projection = projection
        api.state.read_threads = threads = ReadThreads()
        follower = asyncio.create_task(follow_store(projection, threads))
        yield
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
        threads.close()  # a refresh already under way ends before the store closes
        if app_instance is None:
            projection.close()

    api = FastAPI(
        title="Complaint projection",
        version="1",
        description=(
            "Every complaint's history and record-rule checks, violations, statistics and concealment "
            "signals, for dashboards and auditors. Authenticate with your key (X-Office-Key)."
        ),
        lifespan=lifespan,
    )
    install_key_registry(api, service_keys(settings))
    install_sign_in(api, settings)
    install_validation_answers(api)  # a 422 can always be answered, whatever the query held

    def projection_of(request: Request) -> ProjectionApplication:
        projection: ProjectionApplication = request.app.state.projection
        projection.refresh()
        return projection

    api.state.open_streams = 0  # SSE streams being served (reported by /health)

    def health_details(request: Request) -> dict[str, Any]:
        return {"position": request.app.state.projection.read.position, "open_streams": api.state.open_streams}

    install_health(api, settings, health_details)

    @api.get("/complaints", response_model=Page, responses={**PROBLEM_RESPONSES, **UNKNOWN_OFFICE})
    def complaints(
        principal: CurrentPrincipal,
        request: Request,
        office: str | None = None,
        state: list[StateName] | None = Query(None, description="Any of these states (repeat: state=a&state=b)."),
        open: bool | None = Query(None, description="Every state but closed (true), or only closed (false)."),
        severity: Literal["minor", "important", "major"] | None = None,
        category: str | None = Query(None, description="Business area, e.g. 'sanitation'."),
        validity: Literal["valid", "assisted", "invalid"] | None = None,
        violating: bool | None = None,
        needs_review: bool | None = Query(
            None, description="Only those triage flagged for a person's review (true) or not (false)."
        ),
        week: str | None = Query(None, pattern=r"^\d{4}-W\d{2}$"),
        month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
        q: str | None = Query(
            None,
            max_length=200,
            description="Words that must all be found: reference, id, object, description, request; and the "
            "complainant's name, phone or e-mail and unit for the complaint's own office and auditors.",
        ),
        order: Order = Query(
            "office",
            description="office: by office, number and id; newest / oldest: by when the office received it; "
            "overdue: the longest overdue first, then the soonest due, then the rest newest first.",
        ),
        after: str | None = Query(None, max_length=1000, description="The `next` cursor of the page before."),
        limit: Annotated[int, Query(ge=1, le=500, description="Page size (complaints).")] = 50,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="Complaints to skip, in the list's order.")] = 0,
    ) -> Page:
        """Complaints, filtered, one page at a time, in `order` (by office, sequence number and id unless
        asked otherwise): `limit` (1-500, default 50), and either `offset` or, better, `after` (the page
        before's `next`: keyset paging, a page costs the same however deep, and complaints arriving
        between pages neither repeat nor hide one); `total` counts every complaint the filters pass.
        Each filter is an indexed column of the read side; `violating` compares `now` with the
        instant each complaint starts to violate the record rule."""
        after = after or None  # `after=` (empty): the first page
        if after is not None and offset:
            raise Refused(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "projection.offset_and_after",
                "give either offset or after, not both",
            )
        projection = projection_of(request)
        now = clock()
        filters: dict[str, Any] = {
            "states": tuple(state or ()),
            "open": open,
            "severity": severity,
            "category": category,
            "validity": validity,
            "violating": violating,
            "needs_review": needs_review,
            "week": week,
            "month": month,
        }
        scope = scope_of(principal, office)
        known_scope(projection, principal, scope)  # a mistyped office is 404, not an empty list
        if q is not None:
            # personal fields are searched where they may be seen: the complaint's own office alone
            own = scope is not None and scope == principal.office_id
            filters |= {"search": q, "personal": own}
        total = projection.count(scope, now, **filters)
        try:
            views, token = projection.complaints_page(
                scope, now, **filters, order=order, limit=limit, after=after, offset=offset
            )
        except BadCursor as error:
            raise Refused(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "projection.bad_cursor",
                f"after: {error}",
                {"reason": str(error)},
            ) from None
        items = [
            ComplaintSummary(
                complaint_id=v.complaint_id,
                office_id=v.office_id,
                sequence_number=v.sequence_number,
                office_reference=v.office_reference,
                state=v.state,
                severity=v.severity,
                validity=v.validity,
                business_area=v.business_area,
                received_at=v.received_at.isoformat() if v.received_at else None,
                violations=[c.step for c in v.violations(now, projection.policy)],
                needs_review=bool(flags := v.to_review),
                review=[f.text for f in flags],
                review_flags=flags,
            )
            for v in views
        ]
        return Page(total=total, limit=limit, offset=offset, items=items, order=order, next=token)

    @api.get("/privacy/persons/{person_id}/complaints", response_model=PersonsComplaints, responses=PROBLEM_RESPONSES)
    def persons_complaints(person_id: UUID, principal: CurrentPrincipal, request: Request) -> PersonsComplaints:
        """Which complaints, in every office, name this data subject (the person id intake's look-up
        found): id, office, reference, number, when received and registered, state. For the privacy
        officer before an erasure (a group-wide `privacy` key); nothing personal is opened."""
        require_group_privacy(principal)
        views, total = projection_of(request).complaints_of_person(person_id)
        items = [
            PersonsComplaint(
                complaint_id=v.complaint_id,
                office_id=v.office_id,
                office_reference=v.office_reference,
                sequence_number=v.sequence_number,
                received_at=v.received_at.isoformat() if v.received_at else None,
                registered_at=v.registered_at.isoformat() if v.registered_at else None,
                state=v.state,
            )
            for v in views
        ]
        return PersonsComplaints(person_id=person_id, total=total, items=items)

    @api.get(
        "/complaints/{complaint_id}",
        response_model=ComplaintHistory,
        responses={**NOT_FOUND, **PROBLEM_RESPONSES},
    )
    def complaint(complaint_id: UUID, principal: CurrentPrincipal, request: Request) -> ComplaintHistory:
        """One complaint: current facts, the record-rule checks judged now, and its whole timeline:
        who did what, when, why (explanations) and what caused it (causation ids)."""
        projection = projection_of(request)
        reading_office(principal)  # a key of no office reads only with a group reading role
        try:
            view = projection.complaint(complaint_id, principal.office_id)
        except ComplaintNotFound:
            raise Refused(status.HTTP_404_NOT_FOUND, "complaint.not_found", "no such complaint") from None
        # Personal data only for the complaint's own office (opened through the keyring now); group
        # roles, dashboards and auditors alike, see it masked (docs/privacy.md).
        personal = principal.office_id == view.office_id
        history = projection.history(complaint_id, principal.office_id, clock(), with_personal_data=personal)
        return ComplaintHistory.model_validate(history)

    @api.get("/violations", response_model=Violations, responses={**PROBLEM_RESPONSES, **UNKNOWN_OFFICE})
    def violations(
        principal: CurrentPrincipal,
        request: Request,
        office: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="Page size (violated steps).")] = 200,
        offset: Annotated[int, Query(ge=0, description="Violated steps to skip, in the list's order.")] = 0,
    ) -> Violations:
        """Every step of the record rule overdue or done late, now: for the key's office, or the group.
        Ordered by office and sequence number; one page at a time."""
        projection = projection_of(request)
        now = clock()
        scope = scope_of(principal, office)
        known_scope(projection, principal, scope)
        total, items = projection.violations_page(scope, now, limit, offset)
        return Violations(judged_at=now.isoformat(), total=total, items=items)

    @api.get(
        "/statistics",
        response_model=StatisticsOut,
        responses={422: {"model": Problem, "description": "Unknown period."}, **UNKNOWN_OFFICE, **PROBLEM_RESPONSES},
    )
    def statistics(
        principal: CurrentPrincipal,
        request: Request,
        office: str | None = None,
        week: str | None = Query(None, pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W45."),
        month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$", description="Month, e.g. 2026-11."),
        lang: Language = Query("en", description="The language of `office_name`."),
    ) -> StatisticsOut:
        """Counts (valid, assisted, invalid), category shares and Pareto, time-limit compliance,
        return-visit rate, satisfaction, repeat complainants and complaints per million units. An office
        nobody knows (a mistyped id) is 404 `projection.unknown_office`; a known office with no
        complaint yet has zeros."""
        projection = projection_of(request)
        scope = scope_of(principal, office)
        known_scope(projection, principal, scope)
        now = clock()
        try:
            stats = projection.statistics(scope, now, week=week, month=month)
        except UnknownPeriod as error:
            raise Refused(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "projection.unknown_period", f"unknown period {error}",
                {"period": str(error)},
            ) from None  # fmt: skip
        name = name_of(projection.office_names(), scope, lang) if scope is not None else None
        return StatisticsOut(
            scope=scope or "group",
            office_name=name,
            period=week or month or "all",
            judged_at=now.isoformat(),
            statistics=stats,
        )

    @api.get("/offices", response_model=list[OfficeOut], responses={**PROBLEM_RESPONSES})
    def offices(
        principal: CurrentPrincipal,
        request: Request,
        lang: Language = Query("en", description="The language of each `name`."),
    ) -> list[OfficeOut]:
        """The offices the key may read (an office key: its own; group and auditor keys: every office
        the projection knows of or the directory named), each with its name in `lang` as the directory
        names it (the id where it named none) and all the directory's names."""
        projection = projection_of(request)
        own = reading_office(principal)
        names = projection.office_names()
        chosen = [own] if own is not None else sorted(set(projection.offices()) | set(names))
        return [
            OfficeOut(
                office_id=o,
                name=name_of(names, o, lang),
                names=dict(names[o].names) if o in names else {},
            )
            for o in chosen
        ]

    @api.get("/statistics/offices", response_model=dict[str, Statistics], responses={**PROBLEM_RESPONSES})
    def statistics_by_office(principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
        """Every office's statistics side by side (group and auditor keys; an office key sees its own)."""
        projection = projection_of(request)
        now = clock()
        own = reading_office(principal)
        if own is not None:
            return {own: projection.statistics(own, now)}
        return projection.statistics_by_office(now)

    @api.get("/signals", response_model=Signals, responses={**PROBLEM_RESPONSES, **UNKNOWN_OFFICE})
    def signals(
        principal: CurrentPrincipal,
        request: Request,
        office: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="Page size (signals).")] = 1000,
        offset: Annotated[int, Query(ge=0, description="Signals to skip, in the list's order.")] = 0,
    ) -> Signals:
        """Concealment signals: sequence gaps, hotline complaints not registered in time, late
        registrations, outlier offices. One page at a time (`limit`, `offset`; `total` counts all)."""
        projection = projection_of(request)
        now = clock()
        scope = scope_of(principal, office)
        known_scope(projection, principal, scope)
        items = [s.as_dict() for s in projection.signals(scope, now)]
        page = items[offset : offset + limit]
        return Signals(judged_at=now.isoformat(), items=page, total=len(items), limit=limit, offset=offset)

    @api.get(
        "/stream",
        responses={
            200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events."},
            **PROBLEM_RESPONSES,
        },
    )
    async def stream(
        principal: CurrentPrincipal,
        request: Request,
        after: Annotated[int | None, Query(ge=0, description="Resume after this position.")] = None,
        once: Annotated[bool, Query(description="Send what is there and end (for tests and curl).")] = False,
    ) -> StreamingResponse:
        """Changes as Server-Sent Events: `complaint` (id, office, event type) whenever a complaint's
        history changes, `office` whenever an office's statistics do. Each event's id is the store
        position, so a client resumes with `?after=` (or the Last-Event-ID header)."""
        reading_office(principal)  # refused before the stream starts: a 403, not an empty stream
        projection: ProjectionApplication = request.app.state.projection
        threads: ReadThreads = request.app.state.read_threads
        last_event_id = request.headers.get("last-event-id")
        position = after if after is not None else int(last_event_id) if last_event_id else None
        if position is None:
            position = await threads.run(lambda: projection.read.position)

        def sse(change: Any) -> str:
            data = {
                "subject_id": change.subject_id,
                "kind": change.kind,
                "office_id": change.office_id,
                "event_type": change.event_type,
            }
            name = "complaint" if change.kind == "complaint" else "hotline"
            office = json.dumps({"office_id": change.office_id})
            return (
                f"id: {change.position}\nevent: {name}\ndata: {json.dumps(data)}\n\n"
                f"id: {change.position}\nevent: office\ndata: {office}\n\n"
            )

        async def push_traced(positions: list[int], pushed: int) -> None:
            # The push is a span in each pushed event's trace (off unless tracing is on).
            if tracing.enabled():
                traces = await threads.run(projection.read.traces_at, positions)
                tracing.within_recorded("projection SSE push", traces, start_time=pushed, changes=len(positions))

        never = asyncio.Event()  # a stream ends when its client goes (checked after each wake)

        async def events() -> AsyncIterator[str]:
            # A write into a connection the client has closed does not fail here: the event loop
            # notices the closed socket only when it gets to run. So the history is sent in chunks,
            # and after each one the loop runs and a gone client ends the stream at once (before,
            # `?after=0` wrote the whole backlog into the dead socket, one log line a write).
            nonlocal position
            request.app.state.open_streams += 1
            # Woken when the store changes (SQLite: within ~10 ms), at the latest every poll interval.
            # Ticking, not inotify: a stream each would spend the user's inotify instances (128 by default).
            store = StoreChanges.of(
                projection, settings.index_poll_seconds, idle_seconds=settings.index_poll_seconds, file_writes=False
            )
            try:
                await store.open()
                yield ": projection changes\n\n"
                while True:
                    # Not behind another writer (the worker applies what it commits): that writer's
                    # commit wakes the stream again, and its rows are read then. A stream that ends
                    # after one pass (`once`) has no "again": it waits.
                    await threads.run(projection.refresh, wait=once)
                    changes = await threads.run(projection.read.changes_since, position or 0, 5000)
                    for start in range(0, len(changes), STREAM_CHUNK):
                        chunk = changes[start : start + STREAM_CHUNK]
                        position = chunk[-1].position
                        text = "".join(sse(c) for c in chunk if principal.can_see_office(c.office_id))
                        if text:
                            pushed = time.time_ns()
                            yield text
                            await push_traced(
                                [c.position for c in chunk if principal.can_see_office(c.office_id)], pushed
                            )
                        await asyncio.sleep(0)
                        if await request.is_disconnected():
                            return
                    if once or await request.is_disconnected():
                        return
                    await store.wait(never)
            finally:
                await store.aclose()
                request.app.state.open_streams -= 1

        return ClosingStream(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    install_reports(api, projection_of, scope_of, known_scope, clock, settings.report_font)  # GET /reports/{period}
    dashboard.mount(api)  # the web dashboard page at /dashboard, on this same API
    return api
