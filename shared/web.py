"""HTTP building blocks every service's API uses: authentication, body limits, error shapes.

A caller is an office system with its key (`X-Office-Key`) or a person signed in at the OpenID Connect
issuer (`Authorization: Bearer <access token>`, shared/oidc.py); both become the same `Principal`, so
every route's role and office rules hold alike.

Every body is checked before a route sees it (`guard_bodies`): larger than the service accepts is 413;
not JSON (a syntax error, bytes that are not UTF-8, nested deeper than 32 levels) is 422 `json_invalid`; a `NaN` or
`Infinity` literal (not JSON numbers) or a lone surrogate such as `\\ud800` (not Unicode) anywhere is 422
naming the field. Validation errors are answered in FastAPI's shape with the input echoed only as far as
JSON can carry it, so no client input can turn a 422 into a 500.

Every refusal (any 4xx) is `{"detail", "code", "params"}`: `detail` the English words (a 422's list of
field problems, as FastAPI words them), `code` one of shared/refusals.py's and `params` its values, for
programs (the staff desk translates by them). A route raises `Refused` (or `refused(status, error)` for a
domain's `Refusal`); a 422 of a route's own checks is `unprocessable` / `invalid`, each problem with its code.

A text a person must fill in (a decision's reason, a cause, a result ...) is a `FilledIn`: one of only
spaces is refused like an empty one (422 `string_blank` naming it), so no decision is recorded with a blank why.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .auth import GROUP_ROLES, KeyRegistry, Principal
from .directory_keys import service_keys
from .health import background_health
from .logs import install_request_context, set_identity
from .metrics import install_http_metrics
from .oidc import BearerVerifier, TokenRefused
from .refusals import Param, Refusal, RefusalCode
from .settings import ServiceSettings
from .tracing import configure_tracing, instrument_app


def _filled_in(text: str) -> str:
    """Refuse a text of only white space: as unfilled as an empty one (intake's rule for its form, held by
    every command a person types a text into). Kept as typed otherwise."""
    if text and not text.strip():
        raise PydanticCustomError("string_blank", "holds only spaces: fill it in")
    return text


# A text a person must type (a reason, a cause, a result, a name): give its bounds with `Field(min_length=1, ...)`.
FilledIn = Annotated[str, AfterValidator(_filled_in)]

KEY_HEADER = "X-Office-Key"
_key_header = APIKeyHeader(name=KEY_HEADER, auto_error=False, description="The caller's office key.")
_bearer = HTTPBearer(auto_error=False, description="An access token from the OpenID Connect issuer.")


class Problem(BaseModel):
    """An error answer: `detail` says what is wrong in words a caller can act on (English; for a 422, the
    list of field problems); `code` names the refusal and `params` its values, stable for programs
    (shared/refusals.py, docs/refusals.md)."""

    detail: Any
    code: RefusalCode
    params: dict[str, Any] = Field(default_factory=dict)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing or unknown office key, or a bearer token refused (why)."},
    403: {"model": Problem, "description": "The key's roles do not allow this."},
    413: {"model": Problem, "description": "The body is larger than the service accepts."},
    422: {
        "model": Problem,
        "description": "The body is not valid JSON (`json_invalid`), or a field is missing, wrong or out of "
        "bounds (`loc` names it, `msg` says why; a service's own check adds `code` and `params`); nothing was "
        "recorded.",
    },
}


class Refused(HTTPException):
    """A refusal answered as `{"detail", "code", "params"}` (see `install_refusal_answers`)."""

    def __init__(
        self,
        status_code: int,
        code: RefusalCode,
        detail: Any,
        params: dict[str, Param] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, detail, headers=headers)
        self.code: RefusalCode = code
        self.params = params or {}


def refused(status_code: int, refusal: Refusal) -> Refused:
    """A domain's refusal as the HTTP answer of `status_code`: its sentence, code and parameters."""
    return Refused(status_code, refusal.code, str(refusal), refusal.params)


def field_problem(field: str | list[str | int], reason: str, code: RefusalCode, kind: str = "value_error", /,
                  **params: Param) -> dict[str, Any]:  # fmt: skip
    """One problem of a 422's list, as FastAPI words it (`loc`, `msg`, `type`), with its `code` and `params`."""
    loc = ["body", *(field if isinstance(field, list) else [field])]
    return {"loc": loc, "msg": reason, "type": kind, "code": code, "params": params}


def invalid(problems: list[dict[str, Any]]) -> Refused:
    """A 422 listing field problems (`field_problem`): code `request.invalid`, each problem its own."""
    return Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, "request.invalid", problems)


def unprocessable(
    field: str | list[str | int], reason: str, code: RefusalCode, kind: str = "value_error", /, **params: Param
) -> Refused:
    """A 422 in FastAPI's validation shape for a check a route or application makes itself."""
    return invalid([field_problem(field, reason, code, kind, **params)])


def install_key_registry(app: FastAPI, registry: KeyRegistry) -> None:
    app.state.key_registry = registry


def bearer_verifier(settings: ServiceSettings) -> BearerVerifier | None:
    """The verifier of the settings' OpenID Connect issuer's tokens; None when none is configured."""
    if not settings.oidc_issuer:
        return None
    return BearerVerifier(
        settings.oidc_issuer,
        settings.oidc_audience,
        jwks_url=settings.oidc_jwks_url,
        cache_seconds=settings.oidc_jwks_cache_seconds,
        leeway_seconds=settings.oidc_leeway_seconds,
        office_claim=settings.oidc_office_claim,
        roles_claim=settings.oidc_roles_claim,
    )


def install_sign_in(app: FastAPI, settings: ServiceSettings) -> None:
    """Accept bearer tokens from the settings' OpenID Connect issuer (none configured: keys only)."""
    app.state.bearer_verifier = bearer_verifier(settings)


def _unauthorized(request: Request, code: RefusalCode, detail: str, **params: Param) -> Refused:
    signs_in = getattr(request.app.state, "bearer_verifier", None) is not None
    challenge = f'{KEY_HEADER}, Bearer realm="complaints"' if signs_in else KEY_HEADER
    return Refused(status.HTTP_401_UNAUTHORIZED, code, detail, params, headers={"WWW-Authenticate": challenge})


def current_principal(
    request: Request,
    raw_key: Annotated[str | None, Depends(_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if bearer is not None and not raw_key:
        verifier: BearerVerifier | None = getattr(request.app.state, "bearer_verifier", None)
        if verifier is None:
            raise _unauthorized(
                request,
                "auth.bearer_not_configured",
                "sign-in with bearer tokens is not configured here: send an office key",
            )
        try:
            return verifier.verify(bearer.credentials)
        except TokenRefused as refusal:
            raise _unauthorized(
                request, "auth.bearer_refused", f"bearer token refused: {refusal}", reason=str(refusal)
            ) from refusal
    if not raw_key:
        raise _unauthorized(
            request,
            "auth.key_missing",
            f"send your office key in the {KEY_HEADER} header, or sign in (Authorization: Bearer)",
        )
    principal = request.app.state.key_registry.authenticate(raw_key)
    if principal is None:
        raise _unauthorized(request, "auth.key_unknown", "unknown office key")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(principal: Principal, *roles: str) -> None:
    if not principal.roles & set(roles):
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            "auth.role_needed",
            f"this needs one of the roles {sorted(roles)}; your key has {sorted(principal.roles)}",
            {"needed": sorted(roles), "held": sorted(principal.roles)},
        )


def require_office(principal: Principal) -> str:
    if principal.office_id is None:
        raise Refused(status.HTTP_403_FORBIDDEN, "auth.office_key_needed", "this needs an office's key")
    return principal.office_id


def reading_office(principal: Principal) -> str | None:
    """The office whose data the caller reads: an office key's own; None (every office) for the group's
    readers (`group`, `auditor`). A key of no office and no reading role (`hotline`, `admin`, `privacy`:
    each does one job) reads no office's complaints: 403."""
    if principal.office_id is not None:
        return principal.office_id
    if principal.roles & GROUP_ROLES:
        return None
    raise Refused(
        status.HTTP_403_FORBIDDEN,
        "auth.reading_role_needed",
        f"reading complaints needs an office's key or a group reading role {sorted(GROUP_ROLES)}; "
        f"your key has {sorted(principal.roles)}",
        {"needed": sorted(GROUP_ROLES), "held": sorted(principal.roles)},
    )


def guard_bodies(app: FastAPI, max_bytes: int) -> None:
    """Refuse oversized bodies with 413 before reading them (by Content-Length) or while reading; refuse
    a JSON body that is not strict JSON or not Unicode with 422 before any route or store sees it."""

    @app.middleware("http")
    async def _guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        too_big = JSONResponse(
            {
                "detail": f"the body is larger than {max_bytes} bytes",
                "code": "request.body_too_large",
                "params": {"max_bytes": max_bytes},
            },
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        )
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            return too_big
        if request.method not in {"POST", "PUT", "PATCH"}:
            return await call_next(request)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_bytes:
                return too_big
        request._body = body  # starlette hands the cached body to the route
        if body and _is_json(request.headers.get("content-type")):
            errors = strict_json_errors(body)
            if errors:
                return JSONResponse(
                    _answer(errors, "request.invalid"), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
                )
        return await call_next(request)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


# No body of ours nests deeper; deeper ones are refused before anything recurses into them.
MAX_JSON_DEPTH = 32


class _NonFinite:
    def __init__(self, literal: str) -> None:
        self.literal = literal


def _finite_float(literal: str) -> float | _NonFinite:
    value = float(literal)  # `1e999` parses to infinity: as unanswerable as an `Infinity` literal
    return value if math.isfinite(value) else _NonFinite(literal)


def strict_json_errors(body: bytes) -> list[dict[str, Any]]:
    """What makes `body` unacceptable as strict JSON of valid Unicode text, in FastAPI's error shape
    (empty when it is fine). Python's parser accepts `NaN`, `Infinity` and lone surrogates; JSON
    answers and stores cannot carry them, so they are refused here, at the field that holds them."""
    try:
        text = body.decode("utf-8")
        data = json.loads(text, parse_constant=_NonFinite, parse_float=_finite_float)
    except UnicodeDecodeError as error:
        return [_json_invalid(error.start, f"the body is not UTF-8 text (byte {error.start})")]
    except json.JSONDecodeError as error:
        return [_json_invalid(error.pos, error.msg)]
    except RecursionError:
        return [_json_invalid(0, "the body is nested too deeply")]
    problems: list[dict[str, Any]] = []
    _find_unsafe(data, problems)
    return sorted(problems, key=lambda p: [str(part) for part in p["loc"]])[:20]


def _json_invalid(position: int, reason: str) -> dict[str, Any]:
    return {"type": "json_invalid", "loc": ["body", position], "msg": "JSON decode error", "input": {},
            "ctx": {"error": reason}}  # fmt: skip


def _problem(kind: str, loc: list[str | int], reason: str) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": reason}


def _find_unsafe(data: Any, problems: list[dict[str, Any]]) -> None:
    """Walk the parsed body (without recursion: its depth is the client's choice)."""
    pending: list[tuple[Any, list[str | int]]] = [(data, ["body"])]
    while pending:
        value, loc = pending.pop()
        if len(loc) > MAX_JSON_DEPTH:
            problems.append(_problem("json_invalid", loc[:3], f"nested deeper than {MAX_JSON_DEPTH} levels"))
            return
        if isinstance(value, _NonFinite):
            problems.append(
                _problem("finite_number", loc, f"{value.literal} is not a JSON number: send a finite number")
            )
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                reason = f"not valid Unicode text: a lone surrogate at character {error.start}"
                problems.append(_problem("string_unicode", loc, reason))
        elif isinstance(value, dict):
            for key, item in value.items():
                safe_key = key.encode("utf-8", "backslashreplace").decode("utf-8")
                if safe_key != key:
                    reason = "not valid Unicode text: a lone surrogate in this name"
                    problems.append(_problem("string_unicode", [*loc, safe_key], reason))
                pending.append((item, [*loc, safe_key]))
        elif isinstance(value, list):
            pending.extend((item, [*loc, index]) for index, item in enumerate(value))


def _json_safe(value: Any) -> Any:
    """`value` with what JSON cannot carry made printable (an echoed input must not break the answer)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {_json_safe(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


# A 422 echoes the offending `input` back, except where it is a person's (a complainant, their unit or
# address, a staff member's contacts) or a long text: an answer, a log of answers or a proxy must not
# carry a complainant's name or their 4,000-character account back out. The field is named either way.
PERSONAL_FIELDS = frozenset({"complainant", "unit_address", "contacts"})
ECHO_LIMIT = 200  # characters of a string input echoed back


def _without_personal_input(errors: list[Any]) -> list[Any]:
    """Each error without its `input` where that is personal data or a long text (see above)."""
    return [{k: v for k, v in e.items() if k != "input"} if isinstance(e, dict) and _withheld(e) else e for e in errors]


def _withheld(error: dict[str, Any]) -> bool:
    if any(part in PERSONAL_FIELDS for part in error.get("loc", ())):
        return True
    return _personal_or_long(error.get("input"))


def _personal_or_long(value: Any) -> bool:
    """A long string, or an object (the whole body, say) holding a personal field or a long string."""
    if isinstance(value, str | bytes):
        return len(value) > ECHO_LIMIT
    if isinstance(value, dict):
        return any(key in PERSONAL_FIELDS or _personal_or_long(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_personal_or_long(item) for item in value)
    return False


def _answer(detail: Any, code: RefusalCode, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"detail": detail, "code": code, "params": params or {}}


# The framework's own refusals (no route, a method the route does not take), coded like ours.
FRAMEWORK_CODES: dict[int, RefusalCode] = {404: "request.not_found", 405: "request.method_not_allowed"}


def install_validation_answers(app: FastAPI) -> None:
    """422 in FastAPI's shape, whatever the input held (see `_json_safe`), without echoing a person's
    data or a long text back (`_without_personal_input`), coded `request.invalid`; and every other
    refusal with its code (`install_refusal_answers`)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        safe = _without_personal_input(list(error.errors()))
        errors = jsonable_encoder(_json_safe(safe), custom_encoder={bytes: _json_safe})
        return JSONResponse(_answer(_json_safe(errors), "request.invalid"),
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)  # fmt: skip

    install_refusal_answers(app)


def install_refusal_answers(app: FastAPI) -> None:
    """Every HTTP refusal answered `{"detail", "code", "params"}`: a `Refused` with its own code, the
    framework's (an unknown path, a method not taken) with `request.*`."""

    @app.exception_handler(StarletteHTTPException)
    async def _refused(request: Request, error: StarletteHTTPException) -> Response:
        if isinstance(error, Refused):
            body = _answer(error.detail, error.code, error.params)
        else:
            code = FRAMEWORK_CODES.get(error.status_code, "request.refused")
            body = _answer(error.detail, code, {"status": error.status_code} if code == "request.refused" else {})
        return JSONResponse(jsonable_encoder(body), status_code=error.status_code, headers=error.headers)


def service_api(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    state_name: str,
    open_app: Callable[[], Any],
    app_instance: Any | None,
    max_body_bytes: int = 64 * 1024,
) -> FastAPI:
    """A service's FastAPI app with what every one has: its application, open while the app runs (at
    `app.state.<state_name>`; closed afterwards unless the caller passed it in), office keys, a body
    limit and `GET /health`."""

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        application = app_instance or open_app()
        setattr(api.state, state_name, application)
        yield
        if app_instance is None:
            application.close()
        feed = getattr(api.state.key_registry, "feed", None)  # the directory's keys (shared/directory_keys.py)
        if feed is not None:
            feed.close()

    api = FastAPI(title=title, version="1", description=description, lifespan=lifespan)
    install_key_registry(api, service_keys(settings))
    install_sign_in(api, settings)
    guard_bodies(api, max_body_bytes)
    install_validation_answers(api)

    install_health(api, settings)
    return api


HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"description": "A background process of the service (relay, worker) is unreachable, stale or not ready."}
}


def install_health(
    api: FastAPI, settings: ServiceSettings, details: Callable[[Request], dict[str, Any]] | None = None
) -> None:
    """`GET /health/live`: this process answers (liveness). `GET /health`: the service is ready: this
    process and its relay and worker (asked over their health endpoints, see shared/health.py); 503
    with each one's answer when one is not."""
    background = background_health(settings)
    install_http_metrics(api, settings.service_name)  # every app with a health has its `GET /metrics`
    install_request_context(api)  # and its log lines carry each request's ids (shared/logs.py)
    set_identity(settings.service_name, "http")
    configure_tracing(settings.service_name, "http")  # only with OTEL_EXPORTER_OTLP_ENDPOINT
    instrument_app(api)  # a server span per request, when tracing is on

    @api.get("/health/live")
    def live() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @api.get("/health", responses=HEALTH_RESPONSES)
    async def health(request: Request) -> JSONResponse:
        processes = await background()
        ok = all(answer["ok"] for answer in processes.values())
        body = {
            "status": "ok" if ok else "degraded",
            "service": settings.service_name,
            **(details(request) if details else {}),
            "processes": processes,
        }
        return JSONResponse(body, status_code=200 if ok else 503)
