"""Signed webhooks over HTTP (httpx). A 2xx answer is a delivery; anything else is tried again."""

from __future__ import annotations

import httpx

from ..domain.directory import Endpoint
from ..domain.errors import DeliveryFailed, PermanentlyRefused, http_status_is_permanent


class WebhookPoster:
    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def post(self, endpoint: Endpoint, body: bytes, headers: dict[str, str]) -> None:
        if self._client is None:  # made in the running loop, on first use
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        try:
            response = await self._client.post(str(endpoint.url), content=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"HTTP {type(error).__name__}: {error}") from error
        if not response.is_success:
            kind = PermanentlyRefused if http_status_is_permanent(response.status_code) else DeliveryFailed
            raise kind(f"HTTP {response.status_code} from the endpoint")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
