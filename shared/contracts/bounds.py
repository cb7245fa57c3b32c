"""Sane windows for the times clients send, so that no claimed time can stop the system (text and
numbers: `shared/web.py` and the contracts' `allow_inf_nan=False`).

A time a client supplies is a claim. Two kinds of check keep a wrong claim out:

- **Absolute** (in the contract, independent of the clock): an `Instant` lies between 1900 and 2200
  UTC, so every service can add years to it or convert it to any zone without overflowing (a
  `received_at` of `9999-12-31T23:59Z`, or `0001-01-01T01:00+14:00`, once stopped every process that
  added an hour to it). `TimeZoneName` is a known IANA zone.
- **Relative to now** (in each service's application layer, where commands take `now`): a registration
  received at most a small skew after now and not absurdly long before; a promise or an extension in
  the future but within a horizon. The windows are settings; the checks are the functions below, used by
  every path that accepts such a time (intake's HTTP API and its office-facing topic alike).

A refusal is an `OutOfBounds` naming the field and the reason, with its code (`bounds.*`,
shared/refusals.py) and parameters: 422 over HTTP, a dead letter (`Rejected`) on a topic; nothing is
recorded.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

from ..refusals import Param, Refusal, RefusalCode

EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2200, 1, 1, tzinfo=UTC)


class OutOfBounds(Refusal, ValueError):
    """A value outside its sane window. `field` names it as the caller sent it, e.g. 'received_at';
    `code` and `params` say which window, for programs (the English `reason` may be reworded)."""

    def __init__(self, field: str, reason: str, code: RefusalCode, **params: Param) -> None:
        super().__init__(code, f"{field}: {reason}", field=field, **params)
        self.field = field
        self.reason = reason


def _representable(value: datetime) -> datetime:
    """An aware instant every service can convert to UTC and move by years either way."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "instant_out_of_range", "{value} is not a representable instant", {"value": value.isoformat()}
        ) from None
    if not EARLIEST_INSTANT <= utc < LATEST_INSTANT:
        raise PydanticCustomError(
            "instant_out_of_range",  # a type of its own (a 422's `type`, with `ctx`): what programs read
            "{value} lies outside the years {first}-{last} (UTC)",
            {"value": value.isoformat(), "first": EARLIEST_INSTANT.year, "last": LATEST_INSTANT.year - 1},
        )
    return value


# An aware datetime that arithmetic cannot overflow. Same JSON Schema as AwareDatetime (date-time).
Instant = Annotated[AwareDatetime, AfterValidator(_representable)]


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]{1,30}(/[A-Za-z0-9_+-]{1,30}){0,2}")


def _known_zone(name: str) -> str:
    # Looked up in the IANA list, not on the file system: a hostile name opens no file. Where the
    # system lists no zones (a minimal image with only the `tzdata` wheel), a well-formed name is
    # tried with ZoneInfo itself.
    known = name in _known_zones()
    if not known and not _known_zones() and _ZONE_NAME.fullmatch(name):
        try:
            zoneinfo.ZoneInfo(name)
            known = True
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            known = False
    if not known:
        raise PydanticCustomError(
            "time_zone_unknown",
            "{name} is not a known IANA time zone (e.g. 'Asia/Hong_Kong', 'UTC')",
            {"name": repr(name[:60])},
        )
    return name


# An IANA time zone name (`Asia/Hong_Kong`); an unknown one is a 422, not a failure later.
TimeZoneName = Annotated[str, AfterValidator(_known_zone)]


@dataclass(frozen=True)
class RegistrationWindow:
    """When a complaint can have been received and have happened, relative to now.

    `future_skew`: how far after now an office's clock may put `received_at` (clocks drift).
    `max_age`: how long before now `received_at` may lie (older records are not registrations but
    archaeology; an office importing older paper records raises the setting for the import).
    `max_incident_age`: how long before `received_at` the incident (`occurred_at`) may lie.
    """

    future_skew: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=3653)
    max_incident_age: timedelta = timedelta(days=3653)


def check_registration_times(
    occurred_at: datetime, received_at: datetime, now: datetime, window: RegistrationWindow
) -> None:
    """Raise OutOfBounds unless received_at lies in [now - max_age, now + future_skew] and occurred_at
    in [received_at - max_incident_age, received_at]."""
    check_between("received_at", received_at, now - window.max_age, now + window.future_skew, now=now)
    if occurred_at > received_at:
        raise OutOfBounds("occurred_at", "occurred_at must not be after received_at", "bounds.occurred_after_received")
    if occurred_at < received_at - window.max_incident_age:
        raise OutOfBounds(
            "occurred_at",
            f"{occurred_at.isoformat()} is more than {_span(window.max_incident_age)} before received_at",
            "bounds.occurred_too_long_before_received",
            value=occurred_at.isoformat(),
            span=_span(window.max_incident_age),
        )


def check_horizon(field: str, value: datetime, now: datetime, horizon: timedelta) -> None:
    """Raise OutOfBounds unless `value` is after now and at most `horizon` after it (a promise, a new
    deadline asked for)."""
    if value <= now:
        raise OutOfBounds(
            field, f"{value.isoformat()} is not in the future (now is {now.isoformat()})", "bounds.not_in_future",
            value=value.isoformat(), now=now.isoformat(),
        )  # fmt: skip
    if value > now + horizon:
        raise OutOfBounds(
            field, f"{value.isoformat()} is more than {_span(horizon)} ahead (the horizon)", "bounds.beyond_horizon",
            value=value.isoformat(), span=_span(horizon),
        )  # fmt: skip


def check_between(field: str, value: datetime, earliest: datetime, latest: datetime, *, now: datetime) -> None:
    if value > latest:
        raise OutOfBounds(
            field,
            f"{value.isoformat()} is in the future: it may be at most {_span(latest - now)} after now "
            f"({now.isoformat()})",
            "bounds.in_future",
            value=value.isoformat(),
            span=_span(latest - now),
            now=now.isoformat(),
        )
    if value < earliest:
        raise OutOfBounds(
            field, f"{value.isoformat()} is more than {_span(now - earliest)} before now", "bounds.too_long_ago",
            value=value.isoformat(), span=_span(now - earliest),
        )  # fmt: skip


def _span(span: timedelta) -> str:
    if span >= timedelta(days=1) and span % timedelta(days=1) == timedelta(0):
        return f"{span.days} days"
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} minutes"
