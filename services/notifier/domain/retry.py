"""When to try a failing recipient again: exponential back-off, capped, then give up (a dead letter)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetryPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    attempts: int = Field(default=5, ge=1, description="Tries in all, the first included.")
    first_delay: float = Field(default=1.0, ge=0, description="Seconds before the second try.")
    factor: float = Field(default=2.0, ge=1)
    max_delay: float = Field(default=60.0, ge=0)

    def delays(self) -> list[float]:
        """The pause before each try after the first: `attempts - 1` values."""
        return [min(self.first_delay * self.factor**n, self.max_delay) for n in range(self.attempts - 1)]
