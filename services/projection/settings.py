"""The projection's settings, read once from `PROJECTION_*` environment variables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.keyring import KeyringSettings
from shared.settings import ServiceSettings

from .domain.policy import Policy


class ProjectionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROJECTION_", extra="ignore")

    service_name: str = "projection"
    http_port: int = 8000
    consumer_group: str = "projection"
    # Units served per office (complaints per million units) and the offices' names are office data: with
    # `units_from_directory` they are the directory service's events (adapters/office_units.py; the names
    # kept in the read side). `office_units`, e.g. '{"hk-central": 12000}', is the figure until the
    # directory says otherwise (tests, no directory); without the directory an office is shown by its id.
    office_units: dict[str, int] = {}
    units_from_directory: bool = False
    timezone: str = "Asia/Hong_Kong"
    hotline_registration_hours: float = 24
    late_registration_days: float = 7
    sequence_gap_grace_minutes: float = 60
    outlier_z: float = 3.5
    # How often the HTTP process and the worker bring the read side's tables up to the store (and
    # the SSE stream looks for changes); the name is kept from the in-memory index it replaced.
    index_poll_seconds: float = 0.5
    # The worker writes each committed unit's rows into the read side at once (True), or leaves them
    # to the next unit and the followers (False: the HTTP app's stream then writes them, beside the
    # worker, on the other core). Both are exact; at 11 complaints/s the worker writing them itself
    # made it the slowest hop (p99 3.4 s against 1.6 s, docs/performance.md, "At half the sustained rate").
    apply_after_commit: bool = False
    # Reports (services/projection/reports): where the weekly job writes them (default <state_dir>/reports),
    # whether the worker runs that job, how long after a week's end (office time) it waits for late
    # events, how many past weeks it makes up for after a stop, in which languages and formats; and a
    # TrueType CJK font to embed in PDFs (default: Debian's fonts-wqy-microhei when installed).
    # The worker runs each turn of the job in a child process of its own, this much nicer than itself
    # (0: as nice; 19: the least CPU beside busy neighbours): the live path waits for neither its
    # interpreter lock nor, at a lower priority, much of its CPU (reports/process.py).
    reports_niceness: int = Field(default=10, ge=0, le=19)
    reports_dir: Path | None = None
    reports_schedule: bool = True
    reports_grace_hours: float = 1
    reports_catch_up_weeks: int = 4
    reports_check_seconds: float = 300
    reports_first_delay_seconds: float = 60
    reports_langs: list[str] = ["en", "zh-Hant", "zh-Hans"]
    reports_formats: list[str] = ["csv", "xlsx", "pdf"]
    report_font: Path | None = None
    # The complainants' keyring (shared/keyring.py): opens sealed personal data for staff who may see it.
    keyring: KeyringSettings = Field(default_factory=KeyringSettings, description="The keyring (`KEYRING_*`).")

    def development_secrets(self) -> list[str]:
        return super().development_secrets() + self.keyring.development_secrets()

    def reports_folder(self) -> Path:
        return self.reports_dir or Path(self.state_dir) / "reports"

    def policy(self) -> Policy:
        return Policy(
            timezone=self.timezone,
            hotline_registration_within=timedelta(hours=self.hotline_registration_hours),
            late_registration_after=timedelta(days=self.late_registration_days),
            sequence_gap_grace=timedelta(minutes=self.sequence_gap_grace_minutes),
            outlier_z=self.outlier_z,
        )
