"""The desk (FastAPI + Jinja2): server-rendered pages for office staff, and complainants' status pages.

Every page works without JavaScript (forms post, the server answers with a redirect or a page); a small
script only counts the clocks down between reloads. Each call to a service carries the signed-in
person's own credential, so the services' roles and office tenancy hold on every page and link.

Run: `uvicorn services.desk.entrypoints.http:create_app --factory --port 8006`
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import tzinfo
from pathlib import Path
from random import SystemRandom
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from shared.clock import Clock, utc_now
from shared.contracts.handling import SolutionKind
from shared.contracts.intake import Channel, RegistrationForm
from shared.metrics import install_http_metrics
from shared.oidc import TokenRefused

from .. import bootstrap
from ..adapters import i18n
from ..adapters.identity import Identities
from ..adapters.office_zone import CURRENT as CURRENT_ZONE
from ..adapters.office_zone import OfficeZones, current_zone
from ..adapters.oidc_flow import IssuerFlow, Pending, SignInFailed
from ..adapters.problems import Gettext, explain, explain_form, no_case_when_invalid, not_heard_of_yet, sentence_of
from ..adapters.services import Credential, ServiceError, Services
from ..adapters.session import COOKIE, Session, SessionCodec, new_session
from ..application import QUEUE_STATES, ComplaintPage, DeskApplication, NotFound, QueuePage, QueueRow
from ..domain.after_close import aspects_offered, closed_at, still_offered
from ..domain.forms import TRIAGE_ASPECTS, FormProblem
from ..domain.queue import NEXT_STEP_ROLES, next_step
from ..domain.references import suggested_reference
from ..domain.roles import Action, Page, allowed, destination, landing, needed_roles, usable
from ..domain.steps import FOLLOWUP_FORMS, HANDLING_FORMS, handling_case, not_now
from ..settings import DeskSettings
from .admin import install_admin
from .pages import Pages
from .privacy import install_privacy

PENDING_COOKIE = "desk_sign_in"  # the state and PKCE verifier while the person is at the issuer
STATIC = Path(__file__).resolve().parents[1] / "static"
DRAW = SystemRandom()  # the suggested references' random part: from the system's randomness, not a seeded one
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class SignInNeeded(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def create_app(
    settings: DeskSettings | None = None,
    services: Services | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    settings = settings or DeskSettings()
    if clock is utc_now:  # a demo on accelerated time (DESK_TIME_FACTOR)
        clock = settings.clock()
    secure_cookies = settings.secure_cookies
    services = services or Services(settings)
    zone = ZoneInfo(settings.time_zone)
    desk: DeskApplication = bootstrap.application(settings, services)
    identities = Identities(settings)
    sessions = SessionCodec(settings.session_secret.get_secret_value(), settings.session_max_age_seconds)
    pages = Pages(zone)
    office_zones = OfficeZones(services)

    def here() -> tzinfo:
        """The zone of the signed-in person's office (the directory's, through the SLA), else DESK_TIME_ZONE."""
        return current_zone(zone)

    def suggest(office_id: str | None) -> str:
        """A fresh office reference for the registration form (domain/references.py), the office's date."""
        return suggested_reference(office_id, clock().astimezone(here()).date(), DRAW)

    translations = i18n.load_translations()

    def words(request: Request) -> Gettext:
        """The page's language, for what the desk writes itself (a service's refusal)."""
        return translations[request.state.lang].gettext

    issuer_client = httpx.AsyncClient(timeout=settings.request_timeout_seconds)  # sign-in at the issuer

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        yield
        await services.close()
        await issuer_client.aclose()

    api = FastAPI(title="Complaint desk", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_http_metrics(api, settings.service_name)  # `GET /metrics`, as every service's app

    class Language(BaseHTTPMiddleware):
        """The page's language for every request; asking for one (`?lang=`) remembers it in a cookie.
        Every answer also gets the security headers (no framing, no third-party anything)."""

        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            asked = request.query_params.get("lang")
            request.state.lang = i18n.choose(
                asked, request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
            )
            response = await call_next(request)
            if asked in i18n.LANGUAGES:
                response.set_cookie(i18n.COOKIE, asked, max_age=365 * 86400, samesite="lax",
                                    secure=secure_cookies)  # fmt: skip
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            return response

    api.add_middleware(Language)

    class OfficeTime(BaseHTTPMiddleware):
        """Times on the pages and in the forms are the signed-in person's office's (adapters/office_zone.py)."""

        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            session = sessions.decode(request.cookies.get(COOKIE))
            office = None
            if session is not None and session.office_id and not request.url.path.startswith(("/static", "/health")):
                office = await office_zones.of(session.office_id, session.forwarded)
            token = CURRENT_ZONE.set(office)
            try:
                return await call_next(request)
            finally:
                CURRENT_ZONE.reset(token)

    api.add_middleware(OfficeTime)

    @api.exception_handler(SignInNeeded)
    async def to_sign_in(request: Request, error: SignInNeeded) -> Response:
        return RedirectResponse(f"/sign-in?{urlencode({'next': error.next_url})}", status_code=303)

    @api.exception_handler(RequestValidationError)
    async def malformed(request: Request, error: RequestValidationError) -> Response:
        """A desk address with a malformed part (a complaint or person id mistyped in the address bar)
        is no such page, said in the page's language, not FastAPI's JSON; the queue's or the search's
        address with a part no list takes (`?page=x`) is no such page either, not "no such complaint"."""
        if request.url.path.startswith(("/complaints/", "/status/")):
            return render(request, "not_found.html", status_code=404)
        session = sessions.decode(request.cookies.get(COOKIE))
        home = landing(session.role_set, session.office_id) if session else "/sign-in"
        return render(request, "no_such_page.html", status_code=404, landing=home)

    @api.exception_handler(StarletteHTTPException)
    async def no_such_address(request: Request, error: StarletteHTTPException) -> Response:
        """An address the desk has no page at (typed, or an old bookmark): a page in the person's language
        with a way to their own page, not FastAPI's JSON. A form's address opened as a page (the language
        switch on the answer to an administration or privacy form, a bookmark of it) is the page the form
        is on."""
        if error.status_code == 405 and request.method == "GET":
            lang = request.query_params.get("lang")
            query = f"?{urlencode({'lang': lang})}" if lang in i18n.LANGUAGES else ""
            return RedirectResponse(f"{_form_page(request.url.path)}{query}", status_code=303)
        if error.status_code in (404, 405):
            session = sessions.decode(request.cookies.get(COOKIE))
            home = landing(session.role_set, session.office_id) if session else "/sign-in"
            return render(request, "no_such_page.html", status_code=error.status_code, landing=home)
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)

    @api.exception_handler(ServiceError)
    async def unhandled_refusal(request: Request, error: ServiceError) -> Response:
        """A page that let a service's answer through (the admin page's listing does, on 401): a credential
        no longer taken (an expired token, a revoked key) is a sign-in again, not a 500."""
        if error.status == 401:
            return RedirectResponse(f"/sign-in?{urlencode({'next': _local(request.url.path)})}", status_code=303)
        return render(request, "not_found.html", status_code=_status(error), problem=_problem(error, words(request)))

    def signed_in(request: Request) -> Session:
        session = sessions.decode(request.cookies.get(COOKIE))
        if session is None:
            raise SignInNeeded(_local(str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")))
        return session

    async def form_of(request: Request, session: Session) -> dict[str, str]:
        data = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not secrets.compare_digest(data.get("csrf", ""), session.csrf):
            raise FormProblem("csrf", "the form is stale: reload the page")
        return data

    def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        session = sessions.decode(request.cookies.get(COOKIE))
        html = pages.render(request.state.lang, template, request=request, session=session, **context)
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})

    def role_page(request: Request, session: Session, page: Page) -> HTMLResponse:
        """A page the person's roles cannot use: which roles it needs, and a way to their own page. Not
        a refusal of a service (nothing was asked of one): the navigation no longer offers it to them."""
        return render(request, "role_needed.html", page=page, needed=needed_roles(page),
                      landing=landing(session.role_set, session.office_id))  # fmt: skip

    # -- health -------------------------------------------------------------------------------

    @api.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "alive"}

    @api.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        """The desk keeps nothing of its own: it is healthy when it answers; each service's liveness
        is reported beside it (a service down makes its pages say so, not the desk fail)."""
        peers = {name: await services.alive(name) for name in ("intake", "triage", "handling", "sla",
                                                                  "followup", "projection", "directory")}  # fmt: skip
        return JSONResponse(
            {"status": "ok", "services": {k: "alive" if v else "unreachable" for k, v in peers.items()}}
        )

    # -- signing in and out -------------------------------------------------------------------

    @api.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        session = sessions.decode(request.cookies.get(COOKIE))
        return RedirectResponse(landing(session.role_set, session.office_id) if session else "/sign-in",
                                status_code=303)  # fmt: skip

    @api.get("/sign-in", response_class=HTMLResponse)
    async def sign_in_page(request: Request, next: str = "/queue", problem: str | None = None) -> HTMLResponse:
        return render(request, "sign_in.html", next=_local(next), problem=problem,
                      with_token=identities.verifier is not None)  # fmt: skip

    @api.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        data = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        next_url = _local(data.get("next", "/queue"))
        key, token = data.get("key", "").strip(), data.get("token", "").strip()
        principal = None
        credential: Credential | None = None
        problem = "unknown-key"
        if key:
            principal, credential = identities.by_key(key), Credential("key", key)
        elif token:
            try:
                principal, credential = identities.by_token(token), Credential("bearer", token)
            except TokenRefused:
                problem = "token-refused"
        if principal is None or credential is None:
            return RedirectResponse(f"/sign-in?{urlencode({'next': next_url, 'problem': problem})}", status_code=303)
        session = new_session(principal.actor_id, principal.office_id, principal.roles, credential)
        response = RedirectResponse(destination(next_url, session.role_set, session.office_id), status_code=303)
        response.set_cookie(COOKIE, sessions.encode(session), max_age=settings.session_max_age_seconds,
                            httponly=True, samesite="lax", secure=settings.secure_cookies)  # fmt: skip
        return response

    flow = (
        IssuerFlow(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_audience, issuer_client)
        if settings.oidc_issuer
        else None
    )
    pending_codec = SessionCodec(settings.session_secret.get_secret_value(), 600, purpose="sign-in")

    def callback_url(request: Request) -> str:
        base = settings.public_url or str(request.base_url)
        return f"{base.rstrip('/')}/sign-in/callback"

    @api.get("/sign-in/issuer")
    async def sign_in_at_issuer(request: Request, next: str = "/queue") -> Response:
        """Off to the issuer's login page; back at /sign-in/callback with a code."""
        if flow is None:
            return RedirectResponse("/sign-in", status_code=303)
        try:
            url, pending = await flow.start(callback_url(request), _local(next))
        except (httpx.HTTPError, SignInFailed, ValueError, KeyError):
            return RedirectResponse("/sign-in?problem=issuer-unreachable", status_code=303)
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(PENDING_COOKIE, pending_codec.dumps(asdict(pending)), max_age=600, httponly=True,
                            samesite="lax", secure=secure_cookies)  # fmt: skip
        return response

    @api.get("/sign-in/callback")
    async def sign_in_callback(request: Request, code: str = "", state: str = "") -> Response:
        kept = pending_codec.loads(request.cookies.get(PENDING_COOKIE))
        refused = RedirectResponse("/sign-in?problem=token-refused", status_code=303)
        refused.delete_cookie(PENDING_COOKIE)
        if flow is None or kept is None or not code or not secrets.compare_digest(str(kept.get("state")), state):
            return refused
        pending = Pending(str(kept["state"]), str(kept["verifier"]), _local(str(kept["next_url"])))
        try:
            token = await flow.finish(code, pending, callback_url(request))
            principal = identities.by_token(token)
        except (httpx.HTTPError, SignInFailed, TokenRefused, ValueError):
            return refused
        session = new_session(principal.actor_id, principal.office_id, principal.roles, Credential("bearer", token))
        response = RedirectResponse(destination(pending.next_url, session.role_set, session.office_id),
                                    status_code=303)  # fmt: skip
        response.delete_cookie(PENDING_COOKIE)
        response.set_cookie(COOKIE, sessions.encode(session), max_age=settings.session_max_age_seconds,
                            httponly=True, samesite="lax", secure=secure_cookies)  # fmt: skip
        return response

    @api.post("/sign-out")
    async def sign_out() -> Response:
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # -- reception ----------------------------------------------------------------------------

    @api.get("/register", response_class=HTMLResponse)
    async def register_page(request: Request) -> HTMLResponse:
        session = signed_in(request)
        if not usable(Page.REGISTER, session.role_set, session.office_id):
            return role_page(request, session, Page.REGISTER)
        now = clock().astimezone(here()).strftime("%Y-%m-%dT%H:%M")
        may = Action.REGISTER in allowed(session.role_set, session.office_id)
        return render(request, "register.html", channels=[c.value for c in Channel], now=now, may=may, values={},
                      problem=None, limits=REGISTRATION_LIMITS, suggested=suggest(session.office_id))  # fmt: skip

    @api.post("/register", response_class=HTMLResponse)
    async def register(request: Request) -> Response:
        session = signed_in(request)
        data: dict[str, str] = {}
        try:
            data = await form_of(request, session)
            registered = await desk.register(session.forwarded, data)
        except (FormProblem, ServiceError) as error:
            _sign_in_again_if_refused(request, error)
            return render(request, "register.html", status_code=_status(error), channels=[c.value for c in Channel],
                          now=data.get("received_at", ""), may=True, values=data, limits=REGISTRATION_LIMITS,
                          problem=_problem(error, words(request), "register"),
                          contact_refused=_contact_refused(error), suggested=suggest(session.office_id))  # fmt: skip
        query = urlencode({"registered": data.get("office_reference", ""), "id": registered["complaint_id"]}
                          | ({"already": "true", "number": registered.get("sequence_number", "")}
                             if registered["already"] else {}))  # fmt: skip
        return RedirectResponse(f"/queue?{query}", status_code=303)

    # -- the group hotline's call record -------------------------------------------------------

    @api.get("/hotline", response_class=HTMLResponse)
    async def hotline_form(request: Request) -> HTMLResponse:
        session = signed_in(request)
        if not usable(Page.HOTLINE, session.role_set, session.office_id):
            return role_page(request, session, Page.HOTLINE)
        now = clock().astimezone(here()).strftime("%Y-%m-%dT%H:%M")
        may = Action.HOTLINE in allowed(session.role_set, session.office_id)
        return render(request, "hotline.html", now=now, may=may, values={}, problem=None, recorded=None)

    @api.post("/hotline", response_class=HTMLResponse)
    async def hotline(request: Request) -> Response:
        session = signed_in(request)
        data: dict[str, str] = {}
        try:
            data = await form_of(request, session)
            await desk.hotline_call(session.forwarded, data)
        except (FormProblem, ServiceError) as error:
            _sign_in_again_if_refused(request, error)
            return render(request, "hotline.html", status_code=_status(error), now=data.get("reported_at", ""),
                          may=True, values=data, problem=_problem(error, words(request), "hotline"),
                          recorded=None, contact_refused=_contact_refused(error))  # fmt: skip
        now = clock().astimezone(here()).strftime("%Y-%m-%dT%H:%M")
        return render(request, "hotline.html", now=now, may=True, values={}, problem=None,
                      recorded=data.get("hotline_reference", ""))  # fmt: skip

    # -- the queue and search -----------------------------------------------------------------

    @api.get("/queue", response_class=HTMLResponse)
    async def queue(
        request: Request,
        state: str = "open",
        mine: bool = False,
        department: str = "",
        review: bool = False,
        overdue: bool = False,
        page: int = 1,
        registered: str | None = None,
        id: str | None = None,
        already: bool = False,
        number: str = "",
    ) -> HTMLResponse:
        session = signed_in(request)
        if not usable(Page.QUEUE, session.role_set, session.office_id):
            return role_page(request, session, Page.QUEUE)
        state = state if state in QUEUE_STATES else "open"
        rows, problem, listed = [], None, QueuePage([], 0, 1, 1)
        try:
            listed = await desk.queue(session.forwarded, clock(), state, review=review, overdue=overdue, page=page)
            rows = listed.rows
        except ServiceError as error:
            _sign_in_again_if_refused(request, error)
            problem = _problem(error, words(request))
        for row in rows:
            row.summary["next_step"] = next_step(row.history) if row.history else None
            row.summary["department"] = ((row.history or {}).get("complaint") or {}).get("department")
        departments = sorted({str(r.summary["department"]) for r in rows if r.summary["department"]})
        if department:
            rows = [r for r in rows if r.summary["department"] == department]
        if mine:
            rows = [r for r in rows if session.role_set & NEXT_STEP_ROLES.get(r.summary["next_step"] or "", set())]
        id = id if id and _is_uuid(id) else None  # only a complaint's id makes the banner's link
        just_registered = id if id and any(r.summary["complaint_id"] == id for r in rows) else None
        # the same filters on the page before and after this one
        kept = {"state": state, "department": department, "mine": "true" if mine else "",
                "review": "true" if review else "", "overdue": "true" if overdue else ""}  # fmt: skip
        kept = {k: v for k, v in kept.items() if v}
        paging = {n: f"/queue?{urlencode(kept | {'page': n})}" for n in (listed.page - 1, listed.page + 1)
                  if 1 <= n <= listed.pages}  # fmt: skip
        return render(request, "queue.html", rows=rows, state=state, states=QUEUE_STATES, mine=mine, review=review,
                      overdue=overdue, listed=listed, paging=paging,
                      department=department, departments=departments, registered=registered,
                      registered_id=id, registered_shown=just_registered, already=already, number=number[:20],
                      problem=problem, now=clock())  # fmt: skip

    @api.get("/search", response_class=HTMLResponse)
    async def search(request: Request, q: str = "") -> HTMLResponse:
        session = signed_in(request)
        if not usable(Page.SEARCH, session.role_set, session.office_id):
            return role_page(request, session, Page.SEARCH)
        rows: list[QueueRow] = []
        total, problem = 0, None
        try:
            rows, total = await desk.search(session.forwarded, q[:200], clock()) if q.strip() else ([], 0)
        except ServiceError as error:
            _sign_in_again_if_refused(request, error)
            problem = _problem(error, words(request))
        for row in rows:
            row.summary["next_step"] = next_step(row.history) if row.history else None
        return render(request, "search.html", q=q, rows=rows, total=total, problem=problem, now=clock())

    # -- one complaint ------------------------------------------------------------------------

    @api.get("/complaints/{complaint_id}", response_class=HTMLResponse)
    async def complaint(
        request: Request, complaint_id: UUID, done: str | None = None, problem: str | None = None,
        form: str | None = None,
    ) -> HTMLResponse:  # fmt: skip
        session = signed_in(request)
        try:
            page = await desk.complaint(session.forwarded, complaint_id, clock())
        except NotFound:
            # Recorded (intake knows it, for this office) but not listed yet: the list is behind, and the
            # receptionist who just recorded it is told so, not "no such complaint".
            recorded = await desk.registration(session.forwarded, complaint_id)
            if recorded is not None:
                return render(request, "not_listed_yet.html", recorded=recorded)
            return render(request, "not_found.html", status_code=404)
        except ServiceError as error:
            _sign_in_again_if_refused(request, error)
            return render(
                request, "not_found.html", status_code=_status(error), problem=_problem(error, words(request))
            )
        return render(request, "complaint.html", **complaint_page(request, page, session), done=done, problem=problem,
                      failed_form=form)  # fmt: skip

    @api.post("/complaints/{complaint_id}/{name}")
    async def act(request: Request, complaint_id: UUID, name: str) -> Response:
        session = signed_in(request)
        base = f"/complaints/{complaint_id}"
        typed: dict[str, str] = {}
        try:
            typed = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            data = await form_of(request, session)
            await desk.act(session.forwarded, complaint_id, name, data)
        except (FormProblem, ServiceError) as error:
            _sign_in_again_if_refused(request, error)
            if isinstance(error, ServiceError) and error.status == 404:
                # The page was there: the complaint is the person's. The service the form goes to has not
                # heard of it yet (its worker behind or stopped): said on the page, not "no such complaint".
                summary = await desk.visible(session.forwarded, complaint_id)
                if summary is None:
                    return render(request, "not_found.html", status_code=404)
                if error.service == "handling" and summary.get("validity") == "invalid":
                    # judged invalid: handling opens no case for it, now or later; "try again" would mislead
                    said = no_case_when_invalid(error.detail, words(request))
                else:
                    said = not_heard_of_yet(error.service, error.detail, words(request))
                return RedirectResponse(f"{base}?{urlencode({'problem': said, 'form': name})}#form-{quote(name)}",
                                        status_code=303)  # fmt: skip
            said = _problem(error, words(request), name)
            return await refused(request, session, complaint_id, name, said, _status(error), typed)
        return RedirectResponse(f"{base}?{urlencode({'done': name})}", status_code=303)

    @api.get("/complaints/{complaint_id}/{name}", include_in_schema=False)
    async def form_address(complaint_id: UUID, name: str, lang: str | None = None) -> Response:
        """A form's address opened (the language switch on a page that answered a refused form, a reload
        of it as a link): the complaint's page, not a 405 in JSON."""
        query = f"?{urlencode({'lang': lang})}" if lang in i18n.LANGUAGES else ""
        return RedirectResponse(f"/complaints/{complaint_id}{query}", status_code=303)

    async def refused(
        request: Request, session: Session, complaint_id: UUID, name: str, said: str, status: int,
        typed: dict[str, str],
    ) -> Response:  # fmt: skip
        """A form its service refused: the complaint's page again, the refusal said above the form, the
        form open with what the person typed in it (a reason of three lines is not typed twice). Not a
        redirect: what was typed (a complainant's words, a cause) stays out of addresses and logs. Where
        the page cannot be gathered now, the page with the refusal alone, as before."""
        try:
            page = await desk.complaint(session.forwarded, complaint_id, clock())
        except (NotFound, ServiceError):
            query = urlencode({"problem": said, "form": name})
            return RedirectResponse(f"/complaints/{complaint_id}?{query}#form-{quote(name)}", status_code=303)
        kept = {k: v for k, v in typed.items() if k != "csrf"}
        return render(request, "complaint.html", status_code=status, **complaint_page(request, page, session),
                      done=None, problem=said, failed_form=name, typed=kept)  # fmt: skip

    def complaint_page(request: Request, page: ComplaintPage, session: Session) -> dict[str, Any]:
        """What the complaint's page is drawn from: the person's actions that can still be taken on it (a
        closed complaint's few: domain/after_close.py, from the projection's `closed_at`), the forms not
        at this step with why not (domain/steps.py: the refusal their service says it gives), its facts."""
        _ = words(request)
        validity = (page.history.get("complaint") or {}).get("validity")
        case = handling_case(page.case, validity, "handling" not in page.unavailable)
        held = {form: sentence_of(*refusal, _) for form in (*HANDLING_FORMS, *FOLLOWUP_FORMS)
                if (refusal := not_now(form, case, page.followup))}  # fmt: skip
        return {
            "page": page, "Action": Action, "next_step": next_step(page.history), "now": clock(),
            "not_now": held, "held": [],
            "actions": still_offered(allowed(session.role_set, session.office_id), page.history),
            "aspects": aspects_offered(TRIAGE_ASPECTS, page.history), "closed_at": closed_at(page.history),
            "solution_kinds": [k.value for k in SolutionKind], "channels": [c.value for c in Channel],
        }  # fmt: skip

    def problem_of(request: Request, error: Exception, form: str | None = None) -> str:
        return _problem(error, words(request), form)

    install_admin(api, services, signed_in, form_of, render, role_page, problem_of)  # entrypoints/admin.py
    install_privacy(api, desk, clock, signed_in, form_of, render, role_page, problem_of)  # entrypoints/privacy.py

    # -- the complainant's status page (no sign-in: the signed link is the permission) ---------

    @api.get("/status/{token}", response_class=HTMLResponse)
    async def status_page(request: Request, token: str) -> HTMLResponse:
        try:
            page = await desk.status(token[:200])
        except NotFound:
            return render(request, "status_unknown.html", status_code=404, public=True)
        except ServiceError:
            return render(request, "status_unknown.html", status_code=503, public=True, unavailable=True)
        return render(request, "status.html", status=page, public=True, token=token)

    return api


def _sign_in_again_if_refused(request: Request, error: Exception) -> None:
    """A service no longer takes the person's credential (a token expired, a key revoked): sign in again."""
    if isinstance(error, ServiceError) and error.status == 401:
        path = str(request.url.path)
        if request.method == "POST" and path.startswith("/complaints/"):
            path = path.rsplit("/", 1)[0]  # back to the complaint's page, not to the form's address
        raise SignInNeeded(_local(path))


def _registration_limits() -> dict[str, dict[str, Any]]:
    """Each registration field's length and pattern as intake's contract has them, for the form's
    `maxlength` and `pattern`: the browser stops an over-long text before it is sent."""
    schema = RegistrationForm.model_json_schema()
    fields = {**schema["properties"], **schema["$defs"]["Complainant"]["properties"]}
    # an optional field (the contact) has its bounds on the text branch of its `anyOf`
    texts = {name: next((b for b in spec.get("anyOf", []) if "maxLength" in b), spec) for name, spec in fields.items()}
    return {
        name: {"maxlength": spec.get("maxLength"), "pattern": _html_pattern(spec.get("pattern"))}
        for name, spec in texts.items()
        if "maxLength" in spec
    }


def _html_pattern(pattern: str | None) -> str | None:
    """A contract's pattern as an HTML `pattern` (anchored already; browsers compile it with the `v` flag,
    where a class's `/` and trailing `-` must be escaped)."""
    return pattern.strip("^$").replace("/", "\\/").replace("-]", "\\-]") if pattern else None


REGISTRATION_LIMITS = _registration_limits()


def _local(url: str) -> str:
    """Only a path on the desk itself may be a redirect target (never another site)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/queue"


def _form_page(path: str) -> str:
    """The page a form-only address (POST) belongs to: /admin/staff → /admin, /privacy/lookup →
    /privacy, /sign-out → the sign-in page."""
    first = "/" + path.strip("/").split("/", 1)[0]
    return {"/admin": "/admin", "/privacy": "/privacy"}.get(first, "/")


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _status(error: Exception) -> int:
    if isinstance(error, ServiceError):
        return error.status if error.status in (403, 404, 409, 413, 422) else 502
    return 422


def _contact_refused(error: Exception) -> bool:
    """Intake refused the complainant's contact (no valid phone number, no e-mail address): the form
    then says so beside the field, in the page's language, besides intake's own reason."""
    codes = ("intake.contact_invalid", "intake.contact_not_email")
    return isinstance(error, ServiceError) and any(
        p.get("code") in codes or p.get("type") == "contact_invalid" for p in error.problems or []
    )


def _problem(error: Exception, words: Gettext, form: str | None = None) -> str:
    """What the page says of a refusal, in its language (adapters/problems.py)."""
    if isinstance(error, ServiceError):
        return explain(
            error.service, error.status, error.detail, error.problems, words, form, error.code, error.params
        )[:1000]
    if isinstance(error, FormProblem):
        return explain_form(error.field, str(error).removeprefix(f"{error.field}: "), words, form)[:1000]
    return str(error)[:1000]
