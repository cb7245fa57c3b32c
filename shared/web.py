"""HTTP building blocks every service's API uses: key authentication, body limits, error shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

from .auth import KeyRegistry, Principal
from .health import background_health
from .settings import ServiceSettings

KEY_HEADER = "X-Office-Key"
_key_header = APIKeyHeader(name=KEY_HEADER, auto_error=False, description="The caller's office key.")


class Problem(BaseModel):
    """An error answer: `detail` says what is wrong in words a caller can act on."""

    detail: Any


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing or unknown office key."},
    403: {"model": Problem, "description": "The key's roles do not allow this."},
    413: {"model": Problem, "description": "The body is larger than the service accepts."},
    422: {"description": "The body is not valid JSON, or a field is missing or wrong."},
}


def install_key_registry(app: FastAPI, registry: KeyRegistry) -> None:
    app.state.key_registry = registry


def current_principal(request: Request, raw_key: Annotated[str | None, Depends(_key_header)]) -> Principal:
    if not raw_key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"send your office key in the {KEY_HEADER} header",
            headers={"WWW-Authenticate": KEY_HEADER},
        )
    principal = request.app.state.key_registry.authenticate(raw_key)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown office key",
            headers={"WWW-Authenticate": KEY_HEADER},
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(principal: Principal, *roles: str) -> None:
    if not principal.roles & set(roles):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"this needs one of the roles {sorted(roles)}; your key has {sorted(principal.roles)}",
        )


def require_office(principal: Principal) -> str:
    if principal.office_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs an office's key")
    return principal.office_id


def limit_body_size(app: FastAPI, max_bytes: int) -> None:
    """Refuse oversized bodies with 413 before reading them (by Content-Length) or while reading."""

    @app.middleware("http")
    async def _limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        too_big = JSONResponse(
            {"detail": f"the body is larger than {max_bytes} bytes"},
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        )
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            return too_big
        if length is None and request.method in {"POST", "PUT", "PATCH"}:
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > max_bytes:
                    return too_big
            request._body = body  # starlette reads the cached body later
        return await call_next(request)


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

    api = FastAPI(title=title, version="1", description=description, lifespan=lifespan)
    install_key_registry(api, KeyRegistry.load(settings.keys_file))
    limit_body_size(api, max_body_bytes)

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
