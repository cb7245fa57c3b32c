"""The privacy officer's page: find a data subject's person id by what they typed (name, contact, unit),
see which complaints in every office name them (the projection's list: id, office, reference, dates,
state; what an erasure will touch), and erase them, through intake's API with the officer's own
credential (intake alone decides: a group-wide `privacy` key or user; it records who, when and why and
publishes the erasure). Erasing asks for the reason and for the person id typed again; the answer says
what was done, and that repeating it is harmless. Nothing is kept on the desk, and the page shows no
personal data beyond what was typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.clock import Clock

from ..adapters.services import ServiceError
from ..adapters.session import Session
from ..application import DeskApplication
from ..domain.forms import FormProblem
from ..domain.roles import Page, usable

Render = Callable[..., HTMLResponse]
FormOf = Callable[[Request, Session], Awaitable[dict[str, str]]]
FIELDS = ("name", "contact", "unit_address")


def install_privacy(
    api: FastAPI,
    desk: DeskApplication,
    clock: Clock,
    signed_in: Callable[[Request], Session],
    form_of: FormOf,
    render: Render,
    role_page: Callable[[Request, Session, Page], HTMLResponse],
    problem_of: Callable[..., str],
) -> None:
    """`problem_of(request, error)`: a refusal in the page's language (adapters/problems.py)."""

    def page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("values", {})
        context.setdefault("looked_up", False)
        context.setdefault("person_id", None)
        context.setdefault("problem", None)
        context.setdefault("erased", None)
        context.setdefault("complaints", None)
        return render(request, "privacy.html", status_code=status_code, **context)

    def refused(request: Request, error: FormProblem | ServiceError) -> Response | None:
        """A credential no longer taken is a sign-in again; anything else is shown on the page."""
        if isinstance(error, ServiceError) and error.status == 401:
            return RedirectResponse("/sign-in?next=/privacy", status_code=303)
        return None

    def status_of(request: Request, error: FormProblem | ServiceError) -> tuple[int, str]:
        if isinstance(error, ServiceError):
            code = error.status if error.status in (403, 404, 409, 422) else 502
            return code, problem_of(request, error)
        return 422, problem_of(request, error)

    @api.get("/privacy", response_class=HTMLResponse)
    async def privacy(request: Request) -> HTMLResponse:
        """The look-up form; for anyone else than a group-wide privacy officer, which role it needs."""
        session = signed_in(request)
        if not usable(Page.PRIVACY, session.role_set, session.office_id):
            return role_page(request, session, Page.PRIVACY)
        return page(request)

    @api.post("/privacy/lookup", response_class=HTMLResponse)
    async def lookup(request: Request) -> Response:
        """Intake's look-up by name, contact and unit: a person id, or nobody known by these."""
        session = signed_in(request)
        data: dict[str, str] = {}
        try:
            data = await form_of(request, session)
            person_id = await desk.find_person(session.forwarded, data)
            complaints = await desk.persons_complaints(session.forwarded, person_id) if person_id else None
        except (FormProblem, ServiceError) as error:
            again = refused(request, error)
            if again is not None:
                return again
            code, problem = status_of(request, error)
            return page(request, status_code=code, values={f: data.get(f, "") for f in FIELDS}, problem=problem)
        return page(request, values={f: data.get(f, "") for f in FIELDS}, looked_up=True, person_id=person_id,
                    complaints=complaints)  # fmt: skip

    @api.post("/privacy/persons/{person_id}/erasure", response_class=HTMLResponse)
    async def erase(request: Request, person_id: UUID) -> Response:
        """Intake's erasure, once confirmed (the person id typed again) and with a reason."""
        session = signed_in(request)
        data: dict[str, str] = {}
        try:
            data = await form_of(request, session)
            done = await desk.erase_person(session.forwarded, person_id, data)
        except (FormProblem, ServiceError) as error:
            again = refused(request, error)
            if again is not None:
                return again
            code, problem = status_of(request, error)
            return page(request, status_code=code, looked_up=True, person_id=str(person_id), problem=problem,
                        reason=data.get("reason", ""))  # fmt: skip
        erased = {"person_id": done.get("person_id", str(person_id)), "erased_at": done.get("erased_at"),
                  "by": session.actor_id, "reason": data.get("reason", "").strip(),
                  "keys_destroyed": done.get("keys_destroyed"),
                  "index_entries_deleted": done.get("index_entries_deleted")}  # fmt: skip
        return page(request, erased=erased, now=clock())
