"""Handling's settings, read once from `HANDLING_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class HandlingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HANDLING_", extra="ignore")

    service_name: str = "handling"
    http_port: int = 8003
    max_body_bytes: int = 64 * 1024
    consumer_group: str = "handling"
    commitment_horizon_days: int = Field(
        default=90, ge=1, le=366, description="A time promised to a customer lies at most this many days ahead."
    )
