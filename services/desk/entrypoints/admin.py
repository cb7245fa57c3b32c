"""The desk's administration page: offices, departments, staff and keys, through the directory's API
with the signed-in person's own credential (the directory decides who may change what: the group's
administrators everything, an office's manager their own office). Every form asks why: the reason is
recorded with the change. A new key is shown once, on the page that issued it, never in a link.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..adapters.services import ServiceError, Services
from ..adapters.session import Session
from ..domain.forms import FormProblem
from ..domain.roles import Page, usable

Render = Callable[..., HTMLResponse]
FormOf = Callable[[Request, Session], Awaitable[dict[str, str]]]
ROLE_NAMES = ("receptionist", "department-staff", "supervisor", "leader", "manager", "company-leader", "group",
              "auditor", "hotline", "admin")  # fmt: skip


def _words(text: str) -> list[str]:
    return [w for w in text.replace(",", " ").split() if w]


def _optional(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _contacts(data: dict[str, str]) -> dict[str, str | None]:
    return {name: _optional(data.get(name)) for name in ("email", "phone", "webhook_endpoint", "webhook_to")}


def _flag(data: dict[str, str], name: str) -> bool | None:
    return {"yes": True, "no": False}.get(data.get(name, ""))


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _int(data: dict[str, str], name: str) -> int | None:
    value = (data.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise FormProblem(name, "a whole number")
    return int(value)


def _office(data: dict[str, str]) -> str | None:
    return _optional(data.get("office_id"))


# The office's Chinese names on the forms (its English name is `name`): form field -> the language.
NAME_FIELDS = {"names_zh_hant": "zh-Hant", "names_zh_hans": "zh-Hans"}
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # the directory refuses a name without one
MAIL_LANGUAGES = ("en", "zh-Hant", "zh-Hans")


def _names(data: dict[str, str]) -> dict[str, str]:
    """The Chinese names typed on the form, by language; an empty box says nothing. Checked here so the
    administrator hears it in the page's language, at the box (the directory checks the same)."""
    names: dict[str, str] = {}
    for field, language in NAME_FIELDS.items():
        name = (data.get(field) or "").strip()
        if not name:
            continue
        if len(name) > 200:
            raise FormProblem(field, "at most 200 characters")
        if not HAN.search(name):
            raise FormProblem(field, "must be written in Chinese characters")
        names[language] = name
    return names


def _names_removed(data: dict[str, str]) -> list[str]:
    """The Chinese names the administrator asked to remove ('zh-Hant', 'zh-Hans' or 'both')."""
    chosen = (data.get("names_remove") or "").strip()
    if chosen and chosen not in ("zh-Hant", "zh-Hans", "both"):
        raise FormProblem("names_remove", "is not one of the choices")
    return ["zh-Hant", "zh-Hans"] if chosen == "both" else [chosen] if chosen else []


def _office_change(data: dict[str, str]) -> dict[str, Any]:
    """What changes; `names` holds the boxes filled (and `null` for a name to remove): the desk merges
    them with the office's names (`_names_kept`), since the directory replaces names as a whole."""
    names: dict[str, str | None] = {**_names(data)}
    for language in _names_removed(data):
        if language in names:
            raise FormProblem(f"names_{language.lower().replace('-', '_')}", "filled in and removed at once")
        names[language] = None
    return _given(name=_optional(data.get("name")), names=names or None, time_zone=_optional(data.get("time_zone")),
                  units_served=_int(data, "units_served"), active=_flag(data, "active"))  # fmt: skip


def _language(data: dict[str, str]) -> str | None:
    """The language of the person's mails from the form's choice ('none': not said, English)."""
    chosen = (data.get("language") or "").strip()
    if chosen in ("", "none"):
        return None
    if chosen not in MAIL_LANGUAGES:
        raise FormProblem("language", "is not one of the choices")
    return chosen


def _staff_change(data: dict[str, str]) -> dict[str, Any]:
    contacts = {k: v for k, v in _contacts(data).items() if v} or None
    body = _given(name=_optional(data.get("name")), roles=_words(data.get("roles", "")) or None, contacts=contacts,
                  active=_flag(data, "active"))  # fmt: skip
    if (data.get("language") or "").strip():  # '' leaves it; 'none' clears it
        body["language"] = _language(data)
    return body


# What each form sends to the directory: (method, path, body) from the form's fields.
ACTIONS: dict[str, Callable[[dict[str, str]], tuple[str, str, dict[str, Any]]]] = {
    "office": lambda d: ("POST", "/offices", {
        "office_id": d.get("office_id", "").strip(), "name": d.get("name", "").strip(), "names": _names(d),
        "time_zone": d.get("time_zone", "").strip(), "units_served": _int(d, "units_served") or 0}),
    "office-change": lambda d: ("PATCH", f"/offices/{d.get('office_id', '').strip()}", _office_change(d)),
    "department": lambda d: ("POST", f"/offices/{d.get('office_id', '').strip()}/departments", {
        "code": d.get("code", "").strip(), "name": d.get("name", "").strip()}),
    "staff": lambda d: ("POST", "/staff", {
        "staff_id": d.get("staff_id", "").strip(), "name": d.get("name", "").strip(), "office_id": _office(d),
        "department": _optional(d.get("department")), "roles": _words(d.get("roles", "")),
        "contacts": _contacts(d), "language": _language(d)}),
    "staff-change": lambda d: ("PATCH", f"/staff/{d.get('staff_id', '').strip()}", _staff_change(d)),
    "key": lambda d: ("POST", "/keys", {
        "actor_id": d.get("actor_id", "").strip(), "office_id": _office(d), "roles": _words(d.get("roles", "")),
        "expires_at": _optional(d.get("expires_at"))}),
    "key-rotate": lambda d: ("POST", f"/keys/{d.get('key_id', '').strip()}/rotation", {}),
    "key-revoke": lambda d: ("POST", f"/keys/{d.get('key_id', '').strip()}/revocation", {}),
}  # fmt: skip


def calendar_body(data: dict[str, str]) -> dict[str, Any]:
    """The SLA's calendar from the form: working days (0 = Monday) with one span of hours, holidays."""
    days = _words(data.get("days", ""))
    if not days or not all(d.isdigit() and 0 <= int(d) <= 6 for d in days):
        raise FormProblem("days", "weekdays as numbers, 0 (Monday) to 6 (Sunday)")
    hours = {"start": data.get("start", "").strip(), "end": data.get("end", "").strip()}
    return {
        "name": data.get("name", "").strip() or "office calendar",
        "timezone": data.get("time_zone", "").strip() or "Asia/Hong_Kong",
        "hours": {day: hours for day in days},
        "holidays": _words(data.get("holidays", "")),
    }


def install_admin(
    api: FastAPI,
    services: Services,
    signed_in: Callable[[Request], Session],
    form_of: FormOf,
    render: Render,
    role_page: Callable[[Request, Session, Page], HTMLResponse],
    problem_of: Callable[..., str],
) -> None:
    """`problem_of(request, error, form)`: a refusal in the page's language (adapters/problems.py)."""

    async def listing(request: Request, session: Session) -> tuple[dict[str, Any], str | None]:
        found: dict[str, Any] = {"offices": [], "departments": {}, "staff": [], "keys": []}
        try:
            found["offices"] = await services.get("directory", "/offices", session.forwarded)
            for office in found["offices"]:
                path = f"/offices/{office['office_id']}/departments"
                found["departments"][office["office_id"]] = await services.get("directory", path, session.forwarded)
            found["staff"] = await services.get("directory", "/staff", session.forwarded)
            found["keys"] = await services.get("directory", "/keys", session.forwarded)
        except ServiceError as error:
            if error.status == 401:
                raise
            return found, problem_of(request, error)
        return found, None

    async def _names_kept(path: str, given: dict[str, str | None], session: Session) -> dict[str, str]:
        """The office's names as they are, with the boxes filled replacing theirs and the removed gone."""
        current = await services.get("directory", path, session.forwarded)
        merged = dict(current.get("names") or {}) | given
        return {language: name for language, name in merged.items() if name is not None}

    async def page(request: Request, session: Session, status_code: int = 200, **context: Any) -> HTMLResponse:
        found, problem = await listing(request, session)
        context.setdefault("problem", problem)
        return render(request, "admin.html", status_code=status_code, directory=found, role_names=ROLE_NAMES,
                      **context)  # fmt: skip

    @api.get("/admin", response_class=HTMLResponse)
    async def admin(request: Request, done: str | None = None) -> HTMLResponse:
        """Offices, departments, staff and keys the person may see; the forms they may use."""
        session = signed_in(request)
        if not usable(Page.ADMIN, session.role_set, session.office_id):
            return role_page(request, session, Page.ADMIN)
        return await page(request, session, done=done)

    @api.post("/admin/calendar", response_class=HTMLResponse)
    async def calendar(request: Request) -> Response:
        """An office manager sets their office's working calendar: the SLA service's fact (its
        `PUT /office/calendar`), which times every later clock of the office."""
        session = signed_in(request)
        try:
            data = await form_of(request, session)
            await services.call("sla", "PUT", "/office/calendar", session.forwarded, body=calendar_body(data))
        except FormProblem as refused:
            problem = problem_of(request, refused, "calendar")
            return await page(request, session, status_code=422, problem=problem, failed_form="calendar")
        except ServiceError as error:
            if error.status == 401:
                return RedirectResponse(f"/sign-in?{urlencode({'next': '/admin'})}", status_code=303)
            status = error.status if error.status in (403, 404, 409, 422) else 502
            problem = problem_of(request, error, "calendar")
            return await page(request, session, status_code=status, problem=problem, failed_form="calendar")
        return RedirectResponse(f"/admin?{urlencode({'done': 'calendar'})}", status_code=303)

    @api.post("/admin/{action}", response_class=HTMLResponse)
    async def change(request: Request, action: str) -> Response:
        session = signed_in(request)
        if action not in ACTIONS:
            return await page(request, session, status_code=404, problem=action)
        try:
            data = await form_of(request, session)
            method, path, body = ACTIONS[action](data)
            if action == "office-change" and "names" in body:  # the directory replaces names as a whole:
                body["names"] = await _names_kept(path, body["names"], session)  # the boxes left empty keep theirs
            answer = await services.call("directory", method, path, session.forwarded,
                                         body=body | {"reason": data.get("reason", "").strip()})  # fmt: skip
        except FormProblem as refused:
            problem = problem_of(request, refused, action)
            return await page(request, session, status_code=422, problem=problem, failed_form=action)
        except ServiceError as error:
            if error.status == 401:
                return RedirectResponse(f"/sign-in?{urlencode({'next': '/admin'})}", status_code=303)
            status = error.status if error.status in (403, 404, 409, 422) else 502
            problem = problem_of(request, error, action)
            return await page(request, session, status_code=status, problem=problem, failed_form=action)
        if isinstance(answer, dict) and "key" in answer:  # a new key: shown this once, never redirected with
            return await page(request, session, status_code=201, issued=answer, done=action)
        return RedirectResponse(f"/admin?{urlencode({'done': action})}", status_code=303)
