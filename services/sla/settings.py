"""SLA's settings, read once from `SLA_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SlaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_", extra="ignore")

    service_name: str = "sla"
    http_port: int = 8004
    max_body_bytes: int = 64 * 1024
    consumer_group: str = "sla"
    tick_seconds: float = Field(default=1.0, gt=0, description="How often the scheduler looks for due clocks.")
    scheduler_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a scheduler holds the due clocks it claimed (wall time); a crashed "
        "instance's claims are taken by another after this.",
    )
    # An accelerated clock for demos and crash tests: SLA time = epoch + factor x (wall time since start).
