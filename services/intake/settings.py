"""Intake's settings, read once from `INTAKE_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service_name: str = "intake"
    http_port: int = 8001
    max_body_bytes: int = 64 * 1024
