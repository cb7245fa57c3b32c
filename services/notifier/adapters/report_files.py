"""The report's files, fetched from the projection's API with a service credential (a group key): the
projection serves them judged at the report's own instant (`at=` in the event's `fetch_path`), so the
mailed figures are the ones it wrote and published."""

from __future__ import annotations

import hashlib

import httpx

from shared.contracts.projection import ReportFile, ReportPublished

from ..domain.errors import DeliveryFailed, PermanentlyRefused, http_status_is_permanent


class ProjectionReports:
    def __init__(self, base_url: str, key: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def fetch(self, event: ReportPublished, file: ReportFile) -> bytes:
        if self._client is None:  # made in the running loop, on first use
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        url = f"{self.base_url}{event.fetch_path}&format={file.format}&lang={file.lang}"
        try:
            answer = await self._client.get(url, headers={"X-Office-Key": self.key})
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"report {file.file}: HTTP {type(error).__name__}: {error}") from error
        if not answer.is_success:
            kind = PermanentlyRefused if http_status_is_permanent(answer.status_code) else DeliveryFailed
            raise kind(f"report {file.file}: HTTP {answer.status_code} from the projection")
        if file.format == "csv" and hashlib.sha256(answer.content).hexdigest() != file.sha256:
            # a CSV is the same bytes when judged at the same instant (XLSX and PDF carry their own
            # creation times): a different one means the projection's events changed since
            raise PermanentlyRefused(f"report {file.file}: not the file the projection published")
        return answer.content

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
