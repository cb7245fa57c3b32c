"""The directory's settings, read once from `DIRECTORY_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class DirectorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DIRECTORY_", extra="ignore")

    service_name: str = "directory"
    http_port: int = 8007
    max_body_bytes: int = 32 * 1024
    # It consumes nothing: only the relay runs beside the HTTP app.
    health_processes: tuple[str, ...] = ("relay",)
