"""The desk's use cases: each page's data gathered from the services' APIs with the person's own
credential, and each form sent to the service that owns the fact. The desk keeps nothing and decides
nothing; every call that changes something takes effect in (or is refused by) its service.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote
from uuid import UUID

from shared.status_link import read_status_token

from .adapters.office_zone import current_zone
from .adapters.services import Credential, ServiceError, Services
from .domain import public_status
from .domain.forms import (
    CLOCK_KEY,
    COMMITMENT_NUMBER,
    FORMS,
    TRIAGE_ASPECTS,
    FormProblem,
    HotlineForm,
    local_instant,
)
from .domain.queue import Countdown, Level, countdowns, settled, worst
from .domain.reasons import flags_of, outstanding

QUEUE_LIMIT = 100  # rows on one page of the queue
QUEUE_STATES = ("open", "registered", "triaged", "routed", "in-handling", "reopened", "resulted", "replied",
                "visited", "declined", "explained", "closed", "all")  # fmt: skip
# "open" is every state but closed (the projection's `open=true`: a complaint not registered yet is open too)
CONCURRENCY = 8  # histories read at once for a queue or a search
RULES_TTL = 60.0  # seconds the desk keeps routing's departments (the hand-over form's suggestions)
EARLIER_SHOWN = 10  # the complainant's earlier complaints named by reference on a complaint's page
INCIDENT_SHOWN = 50  # the other complaints of its mass incident named by reference (the rest by office and time)


class NotFound(LookupError):
    """No such complaint for this person (another office's complaint looks exactly the same)."""


@dataclass
class QueueRow:
    summary: dict[str, Any]
    history: dict[str, Any] | None
    clocks: list[Countdown]
    level: Level


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int  # complaints the filters pass, in the projection
    page: int
    pages: int


@dataclass
class ComplaintPage:
    history: dict[str, Any]
    triage: dict[str, Any] | None = None
    case: dict[str, Any] | None = None
    followup: dict[str, Any] | None = None
    sla: dict[str, Any] | None = None  # the SLA's clocks (their keys, extensions asked and decided)
    clocks: list[Countdown] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)  # services that could not answer now
    # The complainant's earlier complaints that triage recognised, as the person may see them (the
    # projection's facts: reference, received, state), by complaint id; one they may not see is absent.
    earlier: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The other complaints of its mass incident (triage's `incident`), as the person may see them (the
    # projection's facts), by complaint id; another office's is absent (named by its office alone).
    incident: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The departments routing names, for the hand-over form's suggestions (triage's rules in force).
    departments: list[str] = field(default_factory=list)


@dataclass
class StatusPage:
    reference: str | None
    stage: str
    milestones: list[public_status.Milestone]
    received_at: str | None


class DeskApplication:
    def __init__(self, services: Services, zone: tzinfo, status_secret: str, status_reader: Credential | None,
                 search_limit: int = 100) -> None:  # fmt: skip
        self.services = services
        self.zone = zone
        self.status_secret = status_secret
        self.status_reader = status_reader
        self.search_limit = search_limit
        # routing's departments per office (triage's), read at most every RULES_TTL
        self._departments_of: dict[str | None, tuple[float, list[str]]] = {}

    # -- reception ----------------------------------------------------------------------------

    async def register(self, who: Credential, data: dict[str, str]) -> dict[str, Any]:
        """The registration form (the seeds' fields) to intake's `POST /complaints`."""
        form = {
            "office_reference": data.get("office_reference", "").strip(),
            "complainant": {"name": data.get("name", "").strip(), "contact": data.get("contact", "").strip() or None},
            "unit_address": data.get("unit_address", "").strip(),
            "channel": data.get("channel", "").strip(),
            "occurred_at": local_instant(
                data.get("occurred_at", ""), current_zone(self.zone), "occurred_at"
            ).isoformat(),
            "received_at": local_instant(
                data.get("received_at", ""), current_zone(self.zone), "received_at"
            ).isoformat(),
            "object": data.get("object", "").strip(),
            "description": data.get("description", "").strip(),
            "customer_request": data.get("customer_request", "").strip(),
            "received_by": data.get("received_by", "").strip(),
        }
        if language := data.get("language", "").strip():  # the complainant's, for what is written to them
            form["language"] = language
        status, result = await self.services.post_answer("intake", "/complaints", who, form)
        # 200, not 201: intake had this reference with these very details already (a second click, the
        # same call recorded twice): the one complaint it is, not a new one
        return dict(result) | {"already": status == 200}

    # -- queue and search ---------------------------------------------------------------------

    async def _histories(self, who: Credential, ids: list[str]) -> dict[str, dict[str, Any] | None]:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(cid: str) -> tuple[str, dict[str, Any] | None]:
            async with gate:
                try:
                    return cid, await self.services.get("projection", f"/complaints/{cid}", who)
                except ServiceError:
                    return cid, None

        return dict(await asyncio.gather(*(one(cid) for cid in ids)))

    async def _settle_reviews(self, who: Credential, items: list[dict[str, Any]]) -> None:
        """The projection flags what triage asked a person to review and no override settled; a
        confirmation (the same value, with why) is triage's alone, so for each flagged row triage's own
        account drops the aspects a person confirmed (`needs_review`, `review_flags` and `review`
        updated in place; the flags typed, from the sentences only of an older projection's row)."""
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(item: dict[str, Any]) -> None:
            async with gate:
                try:
                    triage = await self.services.get("triage", f"/complaints/{item['complaint_id']}/triage", who)
                except ServiceError:
                    return  # triage cannot say now: the projection's flag stands
            judged = [
                j.get("aspect", "") for j in (triage.get("confirmations") or []) + (triage.get("overrides") or [])
            ]
            flags = outstanding(flags_of(item), judged)
            item["review_flags"] = flags
            item["review"] = [f.text for f in flags]
            item["needs_review"] = bool(flags)

        await asyncio.gather(*(one(i) for i in items if i.get("needs_review")))

    async def queue(
        self, who: Credential, now: datetime, state: str = "open", review: bool = False, overdue: bool = False,
        page: int = 1,
    ) -> QueuePage:  # fmt: skip
        """One page of the complaints for the person's office (the projection scopes it), each with its
        clocks: one list from the projection in its `overdue` order (those in violation of the record
        rule first, the longest overdue first, then the soonest due, then those with nothing due, the
        newest first), a page of it a call; with `review`, only those triage flagged for a person's
        review that nobody has settled yet; with `overdue`, only those in violation now (the
        projection's `violating`)."""
        filters: dict[str, Any] = {"order": "overdue", "limit": QUEUE_LIMIT}
        if state == "open":
            filters["open"] = "true"
        elif state != "all":
            filters["state"] = state
        if review:
            filters["needs_review"] = "true"
        if overdue:
            filters["violating"] = "true"
        page = max(page, 1)
        answer = await self.services.get("projection", "/complaints", who, offset=(page - 1) * QUEUE_LIMIT, **filters)
        total = int(answer.get("total", len(answer["items"])))
        pages = max(1, -(-total // QUEUE_LIMIT))
        if page > pages:  # past the end (the list got shorter): its last page
            page = pages
            answer = await self.services.get("projection", "/complaints", who, offset=(page - 1) * QUEUE_LIMIT,
                                             **filters)  # fmt: skip
        items = list(answer["items"])
        await self._settle_reviews(who, items)
        items = [i for i in items if i.get("needs_review") or not review]
        histories = await self._histories(who, [i["complaint_id"] for i in items])
        rows = []
        for item in items:
            history = histories.get(item["complaint_id"])
            clocks = countdowns(history, now) if history else []
            rows.append(QueueRow(item, history, clocks, worst(clocks)))
        order = [Level.BREACHED, Level.WARNING, Level.OK]
        rows.sort(key=lambda r: (order.index(r.level), r.clocks[0].due_at is None if r.clocks else True,
                                 r.clocks[0].due_at or now if r.clocks else now))  # fmt: skip
        return QueuePage(rows, total, page, pages)

    async def search(self, who: Credential, text: str, now: datetime) -> tuple[list[QueueRow], int]:
        """Reference, name, phone, unit or any words of the complaint: the projection's search
        (`GET /complaints?q=`, indexed, scoped to the person's office like every list; it matches the
        complainant's fields only where the person may see them), the newest first, up to the limit,
        each read with its history for its clocks; and how many the projection found in all."""
        words = " ".join(text.split())
        if not words:
            return [], 0
        page = await self.services.get("projection", "/complaints", who, q=words, order="newest",
                                       limit=self.search_limit)  # fmt: skip
        total = int(page.get("total", len(page["items"])))
        items = list(page["items"])
        await self._settle_reviews(who, items)
        histories = await self._histories(who, [i["complaint_id"] for i in items])
        found = []
        for item in items:
            history = histories.get(item["complaint_id"])
            clocks = countdowns(history, now) if history else []
            found.append(QueueRow(item, history, clocks, worst(clocks)))
        return found, max(total, len(found))

    # -- one complaint ------------------------------------------------------------------------

    async def complaint(self, who: Credential, complaint_id: UUID, now: datetime) -> ComplaintPage:
        try:
            history = await self.services.get("projection", f"/complaints/{complaint_id}", who)
        except ServiceError as error:
            if error.status in (403, 404):
                raise NotFound(str(complaint_id)) from None
            raise
        page = ComplaintPage(history=history, clocks=countdowns(history, now))

        async def optional(service: Any, path: str) -> dict[str, Any] | None:
            try:
                answer: dict[str, Any] = await self.services.get(service, path, who)
                return answer
            except ServiceError as error:
                if error.status not in (403, 404):
                    page.unavailable.append(service)
                return None

        page.triage, page.case, page.followup, page.sla = await asyncio.gather(
            optional("triage", f"/complaints/{complaint_id}/triage"),
            optional("handling", f"/cases/{complaint_id}"),
            optional("followup", f"/complaints/{complaint_id}"),
            optional("sla", f"/complaints/{complaint_id}/clocks"),
        )
        # the SLA is the clocks' author: a clock it stopped is a step done (late, by how much), not a countdown
        page.clocks = settled(page.clocks, list((page.sla or {}).get("clocks") or []))
        past = ((page.triage or {}).get("decision") or {}).get("history") or {}
        ids = [m["complaint_id"] for m in [*past.get("matches", []), *past.get("possible_matches", [])]]
        found = await asyncio.gather(*(optional("projection", f"/complaints/{i}") for i in ids[:EARLIER_SHOWN]))
        page.earlier = {i: h["complaint"] | {"state": h.get("state")} for i, h in zip(ids, found, strict=False) if h}
        members = [
            str(m["complaint_id"])
            for m in ((page.triage or {}).get("incident") or {}).get("members") or []
            if str(m["complaint_id"]) != str(complaint_id)
        ]
        found = await asyncio.gather(*(optional("projection", f"/complaints/{i}") for i in members[:INCIDENT_SHOWN]))
        page.incident = {
            i: h["complaint"] | {"state": h.get("state")} for i, h in zip(members, found, strict=False) if h
        }
        page.departments = await self._departments(who, history["complaint"].get("office_id"))
        return page

    async def _departments(self, who: Credential, office_id: str | None) -> list[str]:
        """The departments routing knows for the office (triage's `GET /departments`, the one vocabulary
        of departments; they change when the group adopts new rules): kept RULES_TTL seconds per office.
        None answered (a role that may not read them, triage away): no suggestions, no error."""
        kept = self._departments_of.get(office_id)
        if kept is not None and time.monotonic() - kept[0] < RULES_TTL:
            return kept[1]
        try:
            answer = await self.services.get("triage", "/departments", who)
        except ServiceError:
            return []
        found = answer.get("departments") if isinstance(answer, dict) else None
        if not isinstance(found, list):
            return []
        departments = [str(d) for d in found]
        self._departments_of[office_id] = (time.monotonic(), departments)
        return departments

    async def registration(self, who: Credential, complaint_id: UUID) -> dict[str, Any] | None:
        """The complaint as intake recorded it, for its own office (intake's `GET /complaints/{id}`), or
        None: for a complaint the projection does not list yet (its worker behind or stopped)."""
        try:
            found: dict[str, Any] = await self.services.get("intake", f"/complaints/{complaint_id}", who)
        except ServiceError as error:
            if error.status in (403, 404) or error.status >= 500:
                return None
            raise
        return found

    async def visible(self, who: Credential, complaint_id: UUID) -> dict[str, Any] | None:
        """The complaint's summary in the projection when the person may see it (the projection answers
        them for it), else None."""
        try:
            history = await self.services.get("projection", f"/complaints/{complaint_id}", who)
        except ServiceError as error:
            if error.status in (403, 404):
                return None
            raise
        summary = history.get("complaint") if isinstance(history, dict) else None
        return summary if isinstance(summary, dict) else {}

    async def act(self, who: Credential, complaint_id: UUID, name: str, data: dict[str, str]) -> Any:
        """Send one of the complaint page's forms to the service that owns the fact."""
        form = FORMS.get(name)
        if form is None:
            raise FormProblem("form", f"no form {name!r}")
        path = form.path.replace("{id}", str(complaint_id))
        if "{aspect}" in path:
            aspect = data.get("aspect", "")
            if aspect not in TRIAGE_ASPECTS:
                raise FormProblem("aspect", "is not one of the choices")
            path = path.replace("{aspect}", aspect)
        if "{clock}" in path:
            key = data.get("clock", "")
            if not CLOCK_KEY.match(key):
                raise FormProblem("clock", "is not one of the choices")
            path = path.replace("{clock}", quote(key, safe=""))
        if "{commitment}" in path:
            number = data.get("commitment", "")
            if not COMMITMENT_NUMBER.match(number):
                raise FormProblem("commitment", "is not one of the choices")
            path = path.replace("{commitment}", number)
        return await self.services.post(form.service, path, who, form.body(data, current_zone(self.zone)))  # type: ignore[arg-type]

    async def hotline_call(self, who: Credential, data: dict[str, str]) -> dict[str, Any]:
        """The group hotline's call record to intake's `POST /hotline/calls`."""
        result: dict[str, Any] = await self.services.post(
            "intake", "/hotline/calls", who, HotlineForm().body(data, current_zone(self.zone))
        )
        return result

    # -- the privacy officer's page -----------------------------------------------------------

    async def find_person(self, who: Credential, data: dict[str, str]) -> str | None:
        """A data subject's person id by name, contact and unit, from intake's `POST /privacy/persons/lookup`
        (its blind index; the facts typed are not stored); None when intake knows nobody by them."""
        facts = {name: data.get(name, "").strip() for name in ("name", "contact", "unit_address")}
        missing = [name for name, value in facts.items() if not value]
        if missing:
            raise FormProblem(missing[0], "name, contact and unit are all needed")
        try:
            found: dict[str, Any] = await self.services.post("intake", "/privacy/persons/lookup", who, facts)
        except ServiceError as error:
            if error.status == 404:
                return None
            raise
        return str(found["person_id"])

    async def persons_complaints(self, who: Credential, person_id: str) -> dict[str, Any] | None:
        """Which complaints, in every office, name the person: the projection's
        `GET /privacy/persons/{id}/complaints` (what an erasure will touch); None when it cannot say now
        (the look-up still stands: intake found the person)."""
        try:
            found: dict[str, Any] = await self.services.get(
                "projection", f"/privacy/persons/{person_id}/complaints", who
            )
        except ServiceError as error:
            if error.status == 401:
                raise
            return None
        if not isinstance(found, dict) or not isinstance(found.get("items"), list):
            return None  # not the list this page shows: said as "cannot be listed now"
        return found

    async def erase_person(self, who: Credential, person_id: UUID, data: dict[str, str]) -> dict[str, Any]:
        """Erase a data subject through intake's `POST /privacy/persons/{id}/erasure`, once the officer has
        typed the person id again to confirm and said why (intake records who, when and why)."""
        reason = data.get("reason", "").strip()
        if not reason:
            raise FormProblem("reason", "say why (e.g. the data subject's request number)")
        if data.get("confirm", "").strip().lower() != str(person_id):
            raise FormProblem("confirm", "type the person id again to confirm the erasure")
        done: dict[str, Any] = await self.services.post(
            "intake", f"/privacy/persons/{person_id}/erasure", who, {"reason": reason}
        )
        return done

    # -- the complainant's status page --------------------------------------------------------

    async def status(self, token: str) -> StatusPage:
        """The complaint a status link was signed for, as the complainant may see it."""
        complaint_id = read_status_token(token, self.status_secret)
        if complaint_id is None or self.status_reader is None:
            raise NotFound(token)
        try:
            history = await self.services.get("projection", f"/complaints/{complaint_id}", self.status_reader)
        except ServiceError as error:
            if error.status in (403, 404):
                raise NotFound(str(complaint_id)) from None
            raise
        facts = history.get("complaint") or {}
        return StatusPage(
            reference=facts.get("office_reference"),
            stage=public_status.stage(history),
            milestones=public_status.milestones(history),
            received_at=facts.get("received_at"),
        )
