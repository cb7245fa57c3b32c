"""Settings every service shares. Each service's own `settings.py` subclasses `ServiceSettings`.

Settings are read once, at start-up, from the environment (prefixed by the service name, e.g.
`INTAKE_STORE=postgres`) and passed down; nothing reads `os.environ` anywhere else.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import AwareDatetime, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .clock import Clock, accelerated, utc_now


class Store(StrEnum):
    MEMORY = "memory"
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"


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
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    keys_file: Path = Path(".state/keys.json")
    relay_batch_size: int = 500
    relay_poll_seconds: float = 0.05
    consumer_batch_size: int = 500
    consumer_max_attempts: int = 3

    time_factor: float = Field(default=1.0, gt=0, description="Demo time runs this many times faster.")
    clock_epoch: AwareDatetime | None = Field(
        default=None, description="The real instant a demo's accelerated time starts from (all processes share it)."
    )

    def clock(self) -> Clock:
        """The service's clock: the wall clock, or a demo's accelerated time."""
        if self.time_factor == 1.0:
            return utc_now
        return accelerated(self.clock_epoch or utc_now(), self.time_factor)

    @property
    def sqlite_path(self) -> Path:
        return self.state_dir / "stores" / f"{self.service_name}.sqlite"
