"""The services' HTTP APIs, called with the signed-in person's own credential (their office key or
their bearer token), so every service judges their roles and office itself: the desk adds no power.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx

from ..settings import DeskSettings

Service = Literal["intake", "triage", "handling", "sla", "followup", "projection", "directory"]


@dataclass(frozen=True)
class Credential:
    """What the person signed in with: an office key (`X-Office-Key`) or an access token (Bearer)."""

    kind: Literal["key", "bearer"]
    value: str

    def headers(self) -> dict[str, str]:
        if self.kind == "key":
            return {"X-Office-Key": self.value}
        return {"Authorization": f"Bearer {self.value}"}


class ServiceError(Exception):
    """A service refused or failed: its status, what it said (a 422's field problems as text) and the
    refusal's code and parameters (shared/refusals.py; None from an answer without them)."""

    def __init__(
        self,
        service: str,
        status: int,
        detail: str,
        problems: list[dict[str, Any]] | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{service} answered {status}: {detail}")
        self.service = service
        self.status = status
        self.detail = detail
        self.problems = problems  # a 422's `detail` list as the service sent it (the page words each one)
        self.code = code
        self.params = params or {}


def _problems(answer: httpx.Response) -> list[dict[str, Any]] | None:
    try:
        detail = answer.json().get("detail")
    except (ValueError, AttributeError):
        return None
    return [item for item in detail if isinstance(item, dict)] if isinstance(detail, list) else None


def _code(answer: httpx.Response) -> tuple[str | None, dict[str, Any]]:
    """The refusal's code and parameters, as the service named them."""
    try:
        body = answer.json()
    except ValueError:
        return None, {}
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return None, {}
    params = body.get("params")
    return body["code"], params if isinstance(params, dict) else {}


def _detail(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:500]
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):  # FastAPI's validation problems: field and reason
        return "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:])}: {item.get('msg')}"
            if isinstance(item, dict)
            else str(item)
            for item in detail
        )
    return str(detail)


class Services:
    """One pooled HTTP client for every service; `close()` when the app stops."""

    def __init__(self, settings: DeskSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.client = httpx.AsyncClient(timeout=settings.request_timeout_seconds, transport=transport)

    async def close(self) -> None:
        await self.client.aclose()

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        credential: Credential,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        answer = await self._send(service, method, path, credential, params=params, body=body)
        return answer.json() if answer.content else {}

    async def _send(
        self,
        service: Service,
        method: str,
        path: str,
        credential: Credential,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        url = f"{self.settings.service_url(service)}{path}"
        try:
            answer = await self.client.request(
                method,
                url,
                params={k: v for k, v in (params or {}).items() if v not in (None, "")},
                json=body,
                headers=credential.headers(),
            )
        except httpx.HTTPError as error:
            raise ServiceError(service, 503, f"{service} cannot be reached ({type(error).__name__})") from error
        if answer.status_code >= 400:
            raise ServiceError(service, answer.status_code, _detail(answer), _problems(answer), *_code(answer))
        return answer

    async def get(self, service: Service, path: str, credential: Credential, **params: Any) -> Any:
        return await self.call(service, "GET", path, credential, params=params)

    async def post(self, service: Service, path: str, credential: Credential, body: dict[str, Any]) -> Any:
        return await self.call(service, "POST", path, credential, body=body)

    async def post_answer(
        self, service: Service, path: str, credential: Credential, body: dict[str, Any]
    ) -> tuple[int, Any]:
        """A post's status with its answer, where the status itself says something (intake's 200: the
        complaint was already recorded under that reference; 201: recorded now)."""
        answer = await self._send(service, "POST", path, credential, body=body)
        return answer.status_code, answer.json() if answer.content else {}

    async def alive(self, service: Service) -> bool:
        try:
            answer = await self.client.get(f"{self.settings.service_url(service)}/health/live", timeout=2)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200
