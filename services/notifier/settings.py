"""The notifier's settings, read once from `NOTIFIER_*` environment variables (and `KAFKA_BOOTSTRAP_SERVERS`).

The notifier keeps no event store: its only state is the faust table of deliveries (changelog-backed),
so the store settings it inherits are unused.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import phonenumbers
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.keyring import KeyringSettings
from shared.settings import ServiceSettings

from .domain.directory import Endpoint
from .domain.ledger_age import AgeRule
from .domain.retry import RetryPolicy

DEVELOPMENT_ENDPOINTS = Path(__file__).with_name("endpoints.dev.json")


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    service_name: str = "notifier"
    # No HTTP app: the port only places the worker's health endpoint (port + 200 = 8206).
    http_port: int = 8006
    app_id: str = Field(default="notifier", description="The faust app id: the consumer group.")
    directory_file: Path = Field(
        default=DEVELOPMENT_ENDPOINTS,
        description=(
            "The webhook endpoints (JSON: infrastructure, with their secrets). Staff and offices come from the "
            "directory service's events, unless this file lists staff itself (tests, a system without the directory)."
        ),
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "Complaints <complaints@notifier.invalid>"
    mail_domain: str = Field(default="notifier.complaints.invalid", description="Right-hand side of Message-IDs.")
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    retry_attempts: int = Field(default=5, ge=1)
    retry_first_delay_seconds: float = Field(default=1.0, ge=0)
    retry_max_delay_seconds: float = Field(default=60.0, ge=0)
    receipts: bool = Field(default=True, description="Email the complainant a receipt when their contact is an email.")
    receipt_max_age_hours: float = Field(
        default=24.0, gt=0, description="Older registrations get no receipt (a replay from offset 0 mails nobody)."
    )
    # Texts to complainants reached by phone (domain/sms.py; README, "Texts to complainants").
    sms_gateway_url: str | None = Field(
        default=None,
        description=(
            "Where complainants' texts are POSTed (signed JSON, README); unset: phone complainants get nothing "
            "(counted in notifier_sms_no_gateway_total, logged once)."
        ),
    )
    sms_gateway_secret: SecretStr | None = Field(
        default=None, description="The gateway's HMAC-SHA256 secret (at least 16 characters), as a webhook's."
    )
    sms_default_region: str = Field(
        default="HK",
        pattern=r"^[A-Z]{2}$",
        description="Where a number without its country code is read when the office's zone is not known.",
    )
    sms_max_segments: int = Field(
        default=4, ge=1, description="A longer text has the staff's words cut (the reference and the link never)."
    )
    # The complainants' keyring (shared/keyring.py): opens a sealed contact to send its receipt.
    keyring: KeyringSettings = Field(default_factory=KeyringSettings, description="The keyring (`KEYRING_*`).")
    desk_url: str = Field(
        default="http://127.0.0.1:8006", description="The desk's address: receipts and staff mails link to it."
    )
    status_link_secret: SecretStr | None = Field(
        default=None, description="The desk's DESK_STATUS_LINK_SECRET: receipts carry a status link (None: none)."
    )
    projection_url: str = Field(
        default="http://127.0.0.1:8000", description="The projection's API: published reports are fetched there."
    )
    projection_key: SecretStr | None = Field(
        default=None,
        description="A group key for the projection's API (a service credential); reports are not mailed without one.",
    )
    report_office_roles: list[str] = Field(default=["manager"], description="Who receives an office's report there.")
    report_group_roles: list[str] = Field(default=["company-leader"], description="Who receives the group's report.")
    report_formats: list[str] = Field(default=["xlsx", "pdf"], description="The formats attached.")
    report_langs: list[str] = Field(default=["en", "zh-Hant"], description="The languages attached (each format).")
    reconcile_seconds: float = Field(
        default=60.0, gt=0, description="How often the worker re-reads what its group committed (a safety net)."
    )
    reconcile_grace_seconds: float = Field(
        default=30.0, ge=0, description="Messages younger than this are left to the agent by the reconciler."
    )
    reconcile_lookback: int = Field(default=1000, ge=0, description="Messages per partition re-read before the commit.")
    table_store: str = Field(default="memory://", description="faust table store; the changelog topic restores it.")
    commit_interval_seconds: float = Field(default=2.8, gt=0, description="How often faust commits acked offsets.")
    session_timeout_seconds: float = Field(
        default=30.0, ge=6, description="A silent worker leaves the group after this (the broker's minimum is 6 s)."
    )
    web_port: int | None = Field(default=None, description="faust's web server (stats, health); off when unset.")
    # The ledger's age rule (domain/ledger_age.py; README, "How long the ledger remembers").
    ledger_keep_days: float = Field(
        default=7.0,
        gt=0,
        description=(
            "How long a ledger entry is remembered; a record older than this less the margin is not acted on "
            "(a redelivery of it sends nothing). Longer than any outage the notifier should make up for."
        ),
    )
    ledger_margin_seconds: float = Field(
        default=3600.0, ge=0, description="Clock disagreement (broker vs worker) and handling time allowed for."
    )
    ledger_expire_seconds: float = Field(
        default=3600.0, gt=0, description="How often the worker tombstones its partitions' entries past the rule."
    )
    contact_keep_after_close_days: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How long a closed complaint's sealed contact is kept, so that a reopening (a person judging a "
            "complaint closed as invalid valid after all) reaches its complainant; then it is forgotten "
            "(swept every NOTIFIER_LEDGER_EXPIRE_SECONDS). README: 'How long a contact is kept'."
        ),
    )

    @model_validator(mode="after")
    def _rule_holds(self) -> NotifierSettings:
        self.age_rule()  # the keep must exceed the margin
        if self.contact_keep_after_close_days < self.ledger_keep_days:
            # A registration is acted on for the ledger's keep (less its margin) after it was appended: a
            # contact forgotten sooner would be kept again by the reconciler's re-reading of it.
            raise ValueError(
                f"NOTIFIER_CONTACT_KEEP_AFTER_CLOSE_DAYS ({self.contact_keep_after_close_days:g}) must be at least "
                f"NOTIFIER_LEDGER_KEEP_DAYS ({self.ledger_keep_days:g}): a registration re-read within the ledger's "
                "window would keep a forgotten contact again"
            )
        if self.sms_gateway_url and self.sms_gateway_secret is None:  # (its URL is read by `sms_gateway`, at start)
            raise ValueError("NOTIFIER_SMS_GATEWAY_URL is set without NOTIFIER_SMS_GATEWAY_SECRET (texts are signed)")
        return self

    @field_validator("sms_default_region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region not in phonenumbers.SUPPORTED_REGIONS:  # else no number without a code would be read
            raise ValueError(f"{region!r} is not a region libphonenumber knows (e.g. 'HK', 'CN')")
        return region

    def sms_gateway(self) -> Endpoint | None:
        """The SMS gateway as an endpoint (its URL and signing secret, like a staff webhook's), or None."""
        if not self.sms_gateway_url:
            return None
        return Endpoint.model_validate({"url": self.sms_gateway_url, "secret": self.sms_gateway_secret})

    def keep_after_close(self) -> timedelta:
        return timedelta(days=self.contact_keep_after_close_days)

    def age_rule(self) -> AgeRule:
        return AgeRule(keep=timedelta(days=self.ledger_keep_days), margin=timedelta(seconds=self.ledger_margin_seconds))

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.retry_attempts,
            first_delay=self.retry_first_delay_seconds,
            max_delay=self.retry_max_delay_seconds,
        )

    def development_secrets(self) -> list[str]:
        keyring = self.keyring.development_secrets() if self.receipts else []
        return super().development_secrets() + keyring
