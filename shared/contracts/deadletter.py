"""A message a consumer could not use, with why and where it came from, so nothing is silently lost."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import Contract


class DeadLetter(Contract):
    """A message a consumer gave up on: its origin, its original bytes, and the error, kept for a human."""

    type: Literal["complaints.bus.DeadLetter"] = "complaints.bus.DeadLetter"
    schema_version: Literal[1] = 1
    consumer: str = Field(description="The consumer group that gave up on the message.")
    origin_topic: str = Field(description="Where the message was read.")
    origin_partition: int = Field(description="Its partition there.")
    origin_offset: int = Field(description="Its offset there.")
    key: str | None = Field(description="Its original key (also this message's key).")
    headers: dict[str, str] = Field(description="The original headers, decoded as UTF-8.")
    value: str = Field(description="The original value, decoded as UTF-8 (invalid bytes replaced).")
    error: str = Field(description="The exception type and message of the last failure.")
    attempts: int = Field(ge=1, description="How many times handling was tried.")
    dead_lettered_at: AwareDatetime = Field(description="When the consumer gave up.")
