"""Triage's settings, read once from `TRIAGE_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.keyring import KeyringSettings
from shared.settings import MIN_SECRET_LENGTH, ServiceSettings

from .domain.rules import BUNDLED_RULES

DEVELOPMENT_SALT = "development-salt"


class TriageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    service_name: str = "triage"
    http_port: int = 8002
    # The largest body triage takes is a new rules book (`PUT /rules`: ~75 KB as JSON and growing as
    # the reading rules do); an override is a few hundred bytes. Complaints never come over HTTP here.
    max_body_bytes: int = 1024 * 1024
    rules_file: Path = BUNDLED_RULES
    # The reading model (a text classifier learned from services/triage/corpus) beside the rules: it
    # decides area and nature only where the rules are unsure and flags a severity it reads higher.
    reading_model: bool = True
    # Complainants are known by an HMAC of their contact under this salt: set a secret one in production.
    complainant_salt: SecretStr = SecretStr(DEVELOPMENT_SALT)
    consumer_group: str = "triage"
    # The complainants' keyring (shared/keyring.py): opens the sealed form, turns identity keys into tokens.
    keyring: KeyringSettings = Field(default_factory=KeyringSettings, description="The keyring (`KEYRING_*`).")

    def development_secrets(self) -> list[str]:
        problems = super().development_secrets() + self.keyring.development_secrets()
        salt = self.complainant_salt.get_secret_value()
        if salt in {DEVELOPMENT_SALT, "dev-salt"}:
            problems.append(f"{self.setting_name('complainant_salt')} is the development salt")
        elif len(salt) < MIN_SECRET_LENGTH:
            problems.append(f"{self.setting_name('complainant_salt')} is shorter than {MIN_SECRET_LENGTH} characters")
        return problems
