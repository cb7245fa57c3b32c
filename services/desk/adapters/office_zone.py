"""Which time zone the signed-in person's pages and forms speak: their office's, as the directory says it.

The desk wrote every time in one zone (`DESK_TIME_ZONE`, Hong Kong) for every office. A walk-through's
London receptionist was offered 21:43 as "now" at 13:43 London time, and a time typed from their own clock
would have been read eight hours early, starting the complaint's clocks already breached. The office's zone
is the directory's fact; the SLA service reads it and tells an office's key what its clocks run in
(`GET /office/calendar`: `time_zone`), so the desk asks there with the person's own key, remembers the
answer a while, and falls back to `DESK_TIME_ZONE` for group users or when the SLA does not answer.
The zone of the request being served is kept in a context variable, read where times are written or read.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .services import Credential, ServiceError, Services

CURRENT: ContextVar[tzinfo | None] = ContextVar("desk_office_zone", default=None)


def current_zone(default: tzinfo) -> tzinfo:
    """The signed-in person's office's zone for this request, else `default` (DESK_TIME_ZONE)."""
    return CURRENT.get() or default


class OfficeZones:
    """Each office's zone as the SLA last told it, remembered for `ttl_seconds` (no answer: for
    `retry_seconds`, so a page is never kept waiting on a service that does not answer)."""

    def __init__(self, services: Services, ttl_seconds: float = 300, retry_seconds: float = 30) -> None:
        self.services = services
        self.ttl_seconds = ttl_seconds
        self.retry_seconds = retry_seconds
        self._known: dict[str, tuple[tzinfo | None, float]] = {}

    async def of(self, office_id: str, credential: Credential) -> tzinfo | None:
        known = self._known.get(office_id)
        if known is not None and time.monotonic() < known[1]:
            return known[0]
        try:
            answer = await self.services.get("sla", "/office/calendar", credential)
            zone: tzinfo | None = ZoneInfo(str(answer.get("time_zone")))
        except (ServiceError, ZoneInfoNotFoundError, ValueError, AttributeError):
            zone = None  # not answered: the desk's own zone for now
        self._known[office_id] = (zone, time.monotonic() + (self.ttl_seconds if zone else self.retry_seconds))
        return zone
