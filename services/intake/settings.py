"""Intake's settings, read once from `INTAKE_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import phonenumbers
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.contracts.bounds import RegistrationWindow
from shared.keyring import KeyringSettings
from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service_name: str = "intake"
    http_port: int = 8001
    max_body_bytes: int = 64 * 1024
    # The office systems' Ed25519 public keys (shared/signing.py): a file apart from the office keys.
    office_signing_keys_file: Path = Field(
        default=Path(".state/office-signing-keys.json"),
        description="Public keys that sign the office topic (`python -m shared.auth office-signing-key`).",
    )

    # The complainants' data keys (shared/keyring.py): `KEYRING_*`, shared by the services with a need.
    keyring: KeyringSettings = Field(default_factory=KeyringSettings, description="The keyring (`KEYRING_*`).")

    # When a registration's times are believable (shared.contracts.bounds; the same on the topic).
    received_future_skew_minutes: int = Field(
        default=5, ge=0, le=24 * 60, description="received_at may be at most this far after intake's clock."
    )
    received_max_age_days: int = Field(
        default=3653, ge=1, le=100 * 366, description="received_at may be at most this many days before now."
    )
    occurred_max_days_before_received: int = Field(
        default=3653, ge=1, le=100 * 366, description="occurred_at may be at most this many days before receipt."
    )

    # A complainant's phone written without its country code is read in the office's region: its time
    # zone's country (the directory's `OfficeChanged`, followed with `zones_from_directory`), else this.
    zones_from_directory: bool = Field(
        default=False, description="Follow the directory's offices for their time zones (phone regions)."
    )
    office_time_zones: dict[str, str] = Field(
        default_factory=dict, description="Office -> IANA zone until the directory says otherwise (tests)."
    )
    default_phone_region: str = Field(
        default="HK", pattern=r"^[A-Z]{2}$", description="ISO 3166 region for offices of no known zone."
    )

    @field_validator("default_phone_region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region not in phonenumbers.SUPPORTED_REGIONS:  # else every number without a code would be refused
            raise ValueError(f"{region!r} is not a region libphonenumber knows (e.g. 'HK', 'CN')")
        return region

    def registration_window(self) -> RegistrationWindow:
        return RegistrationWindow(
            future_skew=timedelta(minutes=self.received_future_skew_minutes),
            max_age=timedelta(days=self.received_max_age_days),
            max_incident_age=timedelta(days=self.occurred_max_days_before_received),
        )

    def development_secrets(self) -> list[str]:
        return super().development_secrets() + self.keyring.development_secrets()
