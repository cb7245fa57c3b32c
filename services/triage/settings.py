"""Triage's settings, read once from `TRIAGE_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

from .domain.rules import BUNDLED_RULES


class TriageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    service_name: str = "triage"
    http_port: int = 8002
    max_body_bytes: int = 64 * 1024
    rules_file: Path = BUNDLED_RULES
    # Complainants are known by an HMAC of their contact under this salt: set a secret one in production.
    complainant_salt: SecretStr = SecretStr("development-salt")
    consumer_group: str = "triage"
