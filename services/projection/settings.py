"""The projection's settings, read once from `PROJECTION_*` environment variables."""

from __future__ import annotations

from datetime import timedelta

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

from .domain.policy import Policy


class ProjectionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROJECTION_", extra="ignore")

    service_name: str = "projection"
    http_port: int = 8000
    consumer_group: str = "projection"
    # Units served per office (for complaints per million units), e.g. '{"hk-central": 12000}'.
    office_units: dict[str, int] = {}
    timezone: str = "Asia/Hong_Kong"
    hotline_registration_hours: float = 24
    late_registration_days: float = 7
    sequence_gap_grace_minutes: float = 60
    outlier_z: float = 3.5
    index_poll_seconds: float = 0.5

    def policy(self) -> Policy:
        return Policy(
            timezone=self.timezone,
            hotline_registration_within=timedelta(hours=self.hotline_registration_hours),
            late_registration_after=timedelta(days=self.late_registration_days),
            sequence_gap_grace=timedelta(minutes=self.sequence_gap_grace_minutes),
            outlier_z=self.outlier_z,
        )
