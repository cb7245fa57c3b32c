"""The desk's settings, read once from `DESK_*` variables.

The desk keeps no store and no Kafka client (it owns no events), so it does not take `ServiceSettings`'
store, cipher and relay settings; it shares the deployment's `COMPLAINTS_ENV` and refuses, in
production, every development secret, like the services do.

Where the services are: `DESK_<SERVICE>_URL`, by default `http://127.0.0.1:<SERVICE>_HTTP_PORT`, so
the desk follows `make up`'s ports (the tests move them) without a setting of its own.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import MIN_SECRET_LENGTH, ServiceSettings

DEVELOPMENT_SESSION_SECRET = "development-desk-session-secret"
DEVELOPMENT_STATUS_LINK_SECRET = "development-status-link-secret"
PEERS = {"intake": 8001, "triage": 8002, "handling": 8003, "sla": 8004, "followup": 8005, "projection": 8000,
         "directory": 8007}  # fmt: skip


def _peer_url(service: str) -> str:
    """`http://127.0.0.1:<port>` from the peer's own `<SERVICE>_HTTP_PORT` (its Procfile default)."""

    class Port(BaseSettings):
        model_config = SettingsConfigDict(env_prefix=f"{service.upper()}_", extra="ignore")
        http_port: int = PEERS[service]

    return f"http://127.0.0.1:{Port().http_port}"


class DeskSettings(ServiceSettings):
    """`DESK_*`. Of the settings every service shares it uses the HTTP port, the key file, sign-in
    (`DESK_OIDC_*`) and `COMPLAINTS_ENV`; it keeps no store, so the store and relay settings are unused."""

    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    service_name: str = "desk"
    http_port: int = 8006
    intake_url: str = Field(default_factory=lambda: _peer_url("intake"))
    triage_url: str = Field(default_factory=lambda: _peer_url("triage"))
    handling_url: str = Field(default_factory=lambda: _peer_url("handling"))
    sla_url: str = Field(default_factory=lambda: _peer_url("sla"))
    followup_url: str = Field(default_factory=lambda: _peer_url("followup"))
    projection_url: str = Field(default_factory=lambda: _peer_url("projection"))
    directory_url: str = Field(default_factory=lambda: _peer_url("directory"))
    request_timeout_seconds: float = Field(default=10.0, gt=0, description="Each call to a service.")

    oidc_client_id: str = Field(default="complaints-web", description="The desk's client id at the issuer.")
    session_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SESSION_SECRET),
        description="Encrypts the session cookie that carries the signed-in person's credential.",
    )
    session_max_age_seconds: int = Field(default=8 * 3600, gt=0, description="A session lasts a working day.")
    secure_cookies: bool = Field(default=False, description="Cookies only over https (production: true).")
    status_link_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_STATUS_LINK_SECRET),
        description="Signs complainants' status links (the notifier signs the receipt's link with the same).",
    )
    status_reader_key: SecretStr | None = Field(
        default=None,
        description="A group key the status page reads the projection with (only the linked complaint).",
    )
    public_url: str | None = Field(default=None, description="The desk's address as people reach it (links).")
    time_zone: str = Field(default="Asia/Hong_Kong", description="The zone the desk writes times in.")
    search_limit: int = Field(
        default=100, ge=1, le=500, description="Complaints a search shows (the projection finds them)."
    )

    def development_secrets(self) -> list[str]:
        """The desk's own secrets (it keeps no store, so no cipher key is asked for)."""
        problems = []
        for name, value, development in (
            ("DESK_SESSION_SECRET", self.session_secret, DEVELOPMENT_SESSION_SECRET),
            ("DESK_STATUS_LINK_SECRET", self.status_link_secret, DEVELOPMENT_STATUS_LINK_SECRET),
        ):
            secret = value.get_secret_value()
            if secret == development:
                problems.append(f"{name} is the development secret")
            elif len(secret) < MIN_SECRET_LENGTH:
                problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
        if self.status_reader_key is None:
            problems.append("DESK_STATUS_READER_KEY is not set (complainants' status pages could not be read)")
        if self.oidc_issuer and not self.oidc_issuer.startswith("https://"):
            problems.append("DESK_OIDC_ISSUER is not https (its keys could be spoofed)")
        if not self.secure_cookies:
            problems.append("DESK_SECURE_COOKIES is off (the session cookie would travel over plain http)")
        return problems

    def service_url(self, service: str) -> str:
        return str(getattr(self, f"{service}_url")).rstrip("/")
