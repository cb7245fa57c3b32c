"""A message a consumer could not use, with why and where it came from, so nothing is silently lost."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from .envelope import Contract


class DeadLetter(Contract):
    """A message a consumer gave up on: its origin, its original bytes, and the error, kept for a human.

    A message from a topic that carries personal data is published without its value (its hash stays,
    to match it); the consumer's own store keeps the whole letter, encrypted at rest.
    """

    type: Literal["complaints.bus.DeadLetter"] = "complaints.bus.DeadLetter"
    schema_version: Literal[2] = 2
    consumer: str = Field(description="The consumer group that gave up on the message.")
    origin_topic: str = Field(description="Where the message was read.")
    origin_partition: int = Field(description="Its partition there.")
    origin_offset: int = Field(description="Its offset there.")
    key: str | None = Field(description="Its original key (also this message's key).")
    headers: dict[str, str] = Field(description="The original headers, decoded as UTF-8.")
    value: str | None = Field(
        description="The original value, decoded as UTF-8 (invalid bytes replaced); null when withheld."
    )
    value_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the original value's text.")
    personal_data_withheld: bool = Field(description="The value was left out because it carries personal data.")
    error: str = Field(description="The exception type and message of the last failure.")
    attempts: int = Field(ge=1, description="How many times handling was tried.")
    dead_lettered_at: AwareDatetime = Field(description="When the consumer gave up.")


def value_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 always carried the value; v2 may withhold it and always carries its hash."""
    return data | {"value_sha256": value_digest(data["value"]), "personal_data_withheld": False}
