"""Follow-up's settings, read once from `FOLLOWUP_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class FollowupSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_", extra="ignore")

    service_name: str = "followup"
    http_port: int = 8005
    max_body_bytes: int = 64 * 1024
    consumer_group: str = "followup"
    # How long after an unreachable return-visit attempt the next one counts (0: no spacing).
    visit_retry_hours: float = Field(default=2.0, ge=0, le=72)
