"""A message a consumer could not use, with why and where it came from, so nothing is silently lost."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from .envelope import Contract

# What a published letter may hold at most; its consumer's own store keeps the original whole.
VALUE_LIMIT = 64 * 1024  # characters of the value's JSON text
TEXT_LIMIT = 2000  # characters of the error, the key and each header value
HEADERS_LIMIT = 64  # headers kept


class Withheld(StrEnum):
    """Why a published letter carries no value (its hash and size stay, to match it)."""

    PERSONAL_DATA = "personal-data"  # the origin topic names complainants
    TOO_LARGE = "too-large"  # over VALUE_LIMIT once written as JSON
    NOT_UTF_8 = "not-utf-8"  # not text: copying it with replacement characters would only mislead


class DeadLetter(Contract):
    """A message a consumer gave up on: its origin, its value (or why it is withheld) and the reason.

    A published letter is bounded, so it always fits on Kafka: the value is left out when its origin
    carries personal data, when it is not UTF-8 text or when it is large (`value_withheld` says which),
    and long keys, headers and errors are cut. The consumer's own store (encrypted at rest) keeps the
    original message whole, findable by `value_sha256`; `python -m shared.bus.operator` shows it.
    """

    type: Literal["complaints.bus.DeadLetter"] = "complaints.bus.DeadLetter"
    schema_version: Literal[3] = 3
    consumer: str = Field(description="The consumer group that gave up on the message.")
    origin_topic: str = Field(description="Where the message was read.")
    origin_partition: int = Field(description="Its partition there.")
    origin_offset: int = Field(description="Its offset there.")
    key: str | None = Field(description="Its original key, decoded as UTF-8 (also this message's key); cut if long.")
    headers: dict[str, str] = Field(description="The original headers, decoded as UTF-8; long values cut.")
    value: str | None = Field(description="The original value as UTF-8 text; null when withheld (see value_withheld).")
    value_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the original value's bytes (before v3: of its text as decoded with replacement).",
    )
    value_size: int | None = Field(
        ge=0, description="The original value's size in bytes (null in letters upcast from v2 that withheld it)."
    )
    value_withheld: Withheld | None = Field(description="Why the value is left out; null when it is included.")
    error: str = Field(description="The reason: the exception type and message of the last failure; cut if long.")
    attempts: int = Field(ge=1, description="How many times handling was tried.")
    dead_lettered_at: AwareDatetime = Field(description="When the consumer gave up.")


def value_digest(value: str | bytes) -> str:
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()


def cut(text: str, limit: int = TEXT_LIMIT) -> str:
    """`text`, or its first `limit` characters with a note of how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters cut]"


def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 always carried the value; v2 may withhold it and always carries its hash."""
    return data | {"value_sha256": value_digest(data["value"]), "personal_data_withheld": False}


def upcast_v2_v3(data: dict[str, Any]) -> dict[str, Any]:
    """v2 withheld a value only for personal data and did not give its size."""
    data = dict(data)
    withheld = data.pop("personal_data_withheld")
    value = data.get("value")
    return data | {
        "value_withheld": Withheld.PERSONAL_DATA.value if withheld else None,
        "value_size": len(value.encode("utf-8", "surrogatepass")) if value is not None else None,
    }
