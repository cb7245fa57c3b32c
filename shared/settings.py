"""Settings every service shares. Each service's own `settings.py` subclasses `ServiceSettings`.

Settings are read once, at start-up, from the environment (prefixed by the service name, e.g.
`INTAKE_STORE=postgres`) and passed down; nothing reads `os.environ` anywhere else.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .clock import Clock, accelerated, utc_now
from .contracts.topics import DEFAULT_OFFICE_TOPIC_RETENTION_HOURS


class Store(StrEnum):
    MEMORY = "memory"
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    # Every topic is created with these (`python -m shared.bus.topics create`): 1/1 on one local broker;
    # production runs 3/2, so `acks=all` waits for two copies and one broker may be lost (docs/operations.md).
    replication_factor: int = Field(default=1, ge=1, description="Copies of every partition (production: 3).")
    min_insync_replicas: int = Field(
        default=1, ge=1, description="Copies an acks=all write must reach (production: 2; at most the factor)."
    )
    office_topic_retention_hours: int = Field(
        default=DEFAULT_OFFICE_TOPIC_RETENTION_HOURS,
        ge=1,
        le=24 * 30,
        description="How long complaints.office.registrations keeps what offices send, in clear (docs/privacy.md).",
    )


class LogSettings(BaseSettings):
    """How every process writes its log (shared/logs.py): `LOG_FORMAT`, `LOG_LEVEL`."""

    model_config = SettingsConfigDict(env_prefix="LOG_", extra="ignore")

    format: Literal["json", "console"] = Field(
        default="json", description="json: one JSON object a line (production); console: for people (`make up`)."
    )
    level: str = "INFO"


class TraceSettings(BaseSettings):
    """OpenTelemetry (shared/tracing.py): traces are exported over OTLP only when an endpoint is set."""

    model_config = SettingsConfigDict(env_prefix="OTEL_", extra="ignore")

    exporter_otlp_endpoint: str | None = None


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class DeploymentSettings(BaseSettings):
    """What every process of one deployment shares: `COMPLAINTS_ENV` = `development` | `production`."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    # `COMPLAINTS_DIRECTORY_KEYS=true`: every HTTP app also accepts the keys issued through the directory
    # service (shared/directory_keys.py), following its topic; off, only the key file counts.
    directory_keys: bool = False
    # Every service's public signing key (shared/signing.py): public, the same file for every process.
    event_signing_keys_file: Path = Path(".state/event-signing-keys.json")


# The development defaults of secret settings: production refuses every one of them (see `refuse_...`).
DEVELOPMENT_POSTGRES_PASSWORD = "complaints"
MIN_SECRET_LENGTH = 16


class DevelopmentSecret(ValueError):
    """Production was asked to start with a development default or a missing secret."""


class ServiceSettings(BaseSettings):
    """A service's store, bus and HTTP settings. Subclasses set `env_prefix` and defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str
    kafka_bootstrap_servers: str = Field(default_factory=lambda: KafkaSettings().bootstrap_servers)
    store: Store = Store.SQLITE
    state_dir: Path = Path(".state")
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "complaints"
    postgres_password: SecretStr = SecretStr("complaints")
    postgres_dbname: str = "complaints"
    postgres_pool_size: int = 8
    cipher_key: SecretStr | None = Field(
        default=None,
        description="Base64 AES key (16/24/32 bytes): stored events are encrypted at rest with it.",
    )
    # What the service's relay signs every record with, and what every consumer checks authors against.
    event_signing_key: SecretStr | None = Field(
        default=None,
        description="`<service>:<key id>:<base64 Ed25519 private key>`: the relay signs every record with it.",
    )
    event_signing_keys_file: Path = Field(
        default_factory=lambda: DeploymentSettings().event_signing_keys_file,
        description="Every service's public signing keys (`COMPLAINTS_EVENT_SIGNING_KEYS_FILE`).",
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    keys_file: Path = Path(".state/keys.json")
    directory_keys: bool = Field(
        default_factory=lambda: DeploymentSettings().directory_keys,
        description="Also accept keys issued through the directory (`COMPLAINTS_DIRECTORY_KEYS`).",
    )
    relay_batch_size: int = 500
    relay_poll_seconds: float = 0.05
    consumer_batch_size: int = 500
    consumer_max_attempts: int = 3

    # Health of the relay and worker processes (see shared/health.py). Each serves it on its own port:
    # 0 means the HTTP port + 100 (relay) or + 200 (worker), e.g. intake 8001 -> 8101 and 8201.
    health_bind_host: str = Field(default="127.0.0.1", description="Where a relay/worker serves its health.")
    relay_health_port: int = Field(default=0, ge=0, description="The relay's health port (0: HTTP port + 100).")
    worker_health_port: int = Field(default=0, ge=0, description="The worker's health port (0: HTTP port + 200).")
    relay_health_host: str = Field(default="127.0.0.1", description="Where the HTTP app finds the relay's health.")
    worker_health_host: str = Field(default="127.0.0.1", description="Where the HTTP app finds the worker's.")
    health_processes: tuple[str, ...] = Field(
        default=("relay", "worker"), description="The background processes the HTTP app's /health answers for."
    )
    health_stale_seconds: float = Field(
        default=30.0, gt=0, description="A relay/worker whose loop has not turned for this long is not alive."
    )
    health_exit_after_seconds: float = Field(
        default=300.0, ge=0, description="Not alive for this long: the relay/worker exits to be restarted (0: never)."
    )
    health_probe_timeout_seconds: float = 0.5

    environment: Environment = Field(
        default_factory=lambda: DeploymentSettings().env,
        description="`COMPLAINTS_ENV`: in production no process starts with a development secret.",
    )
    # Sign-in for people (shared/oidc.py): bearer tokens from this OpenID Connect issuer, for this audience.
    oidc_issuer: str | None = Field(default=None, description="The issuer people sign in with (None: keys only).")
    oidc_audience: str = Field(default="urn:complaints:api", description="The `aud` every bearer token must carry.")
    oidc_jwks_url: str | None = Field(
        default=None, description="Where the issuer publishes its keys (None: from its discovery document)."
    )
    oidc_jwks_cache_seconds: float = Field(default=300.0, ge=0, description="How long fetched keys are trusted.")
    oidc_leeway_seconds: float = Field(default=30.0, ge=0, description="Clock skew allowed on exp/nbf/iat.")
    oidc_office_claim: str = Field(default="office_id", description="The claim that names the user's office.")
    oidc_roles_claim: str = Field(default="roles", description="The claim that lists the user's roles.")

    time_factor: float = Field(default=1.0, gt=0, description="Demo time runs this many times faster.")
    clock_epoch: AwareDatetime | None = Field(
        default=None, description="The real instant a demo's accelerated time starts from (all processes share it)."
    )

    @model_validator(mode="after")
    def _no_development_secret_in_production(self) -> ServiceSettings:
        if self.environment is Environment.PRODUCTION:
            problems = self.development_secrets()
            if problems:
                raise DevelopmentSecret(
                    "COMPLAINTS_ENV=production refuses to start with a development secret: " + "; ".join(problems)
                )
        return self

    def setting_name(self, field: str) -> str:
        """The environment variable a field is read from, e.g. `INTAKE_CIPHER_KEY`."""
        return f"{self.model_config.get('env_prefix', '')}{field}".upper()

    def development_secrets(self) -> list[str]:
        """Each secret setting left at its development default, in words naming the setting.
        Services with secrets of their own extend it (triage: the complainant salt)."""
        problems = []
        if self.cipher_key is None or not self.cipher_key.get_secret_value():
            problems.append(f"{self.setting_name('cipher_key')} is not set (stored events would not be encrypted)")
        if self.store is Store.POSTGRES and self.postgres_password.get_secret_value() in {
            DEVELOPMENT_POSTGRES_PASSWORD,
            "",
        }:
            problems.append(f"{self.setting_name('postgres_password')} is the development password")
        if self.oidc_issuer and not self.oidc_issuer.startswith("https://"):
            problems.append(f"{self.setting_name('oidc_issuer')} is not https (its keys could be spoofed)")
        problems += self.development_signing_keys()
        if self.store is Store.MEMORY:
            problems.append(f"{self.setting_name('store')} is `memory` (nothing would be kept)")
        return problems

    def development_signing_keys(self) -> list[str]:
        """A missing or development service signing key: this service's own (if it publishes) and the
        public keys of every service whose topics someone reads."""
        from .contracts.topics import signing_services
        from .signing import ServiceSigner, ServiceSigningKeys

        problems = []
        name = self.setting_name("event_signing_key")
        authors = signing_services()
        if self.service_name in authors:
            own = self.event_signing_key.get_secret_value() if self.event_signing_key else ""
            if not own:
                problems.append(f"{name} is not set (its records would be refused by every consumer)")
            else:
                try:
                    signer = ServiceSigner.from_setting(own)
                    if signer.service != self.service_name or signer.record.development:
                        kind = "a development key" if signer.record.development else f"{signer.service}'s key"
                        problems.append(f"{name} is {kind} ({signer.key_id})")
                except ValueError as error:
                    problems.append(f"{name} is not a signing key: {error}")
        try:
            keys = ServiceSigningKeys.load(self.event_signing_keys_file)
        except ValueError as error:
            return [*problems, f"{self.event_signing_keys_file} is not a service signing-key file: {error}"]
        missing = [service for service in authors if service not in keys.services()]
        if missing:
            problems.append(f"{self.event_signing_keys_file} has no public signing key of {', '.join(missing)}")
        development = [r.key_id for r in keys.records if r.development]
        if development:
            problems.append(f"{self.event_signing_keys_file} holds development key(s) {', '.join(development)}")
        return problems

    def clock(self) -> Clock:
        """The service's clock: the wall clock, or a demo's accelerated time."""
        if self.time_factor == 1.0:
            return utc_now
        return accelerated(self.clock_epoch or utc_now(), self.time_factor)

    def health_port(self, process: str) -> int:
        """The port a background process (`relay` or `worker`) serves its health on."""
        offset, port = {"relay": (100, self.relay_health_port), "worker": (200, self.worker_health_port)}[process]
        return port or self.http_port + offset

    def health_address(self, process: str) -> str:
        host = {"relay": self.relay_health_host, "worker": self.worker_health_host}[process]
        return f"{host}:{self.health_port(process)}"

    @property
    def sqlite_path(self) -> Path:
        return self.state_dir / "stores" / f"{self.service_name}.sqlite"
