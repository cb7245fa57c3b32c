"""Contracts the projection publishes on its compacted topics: the latest history of each complaint
(keyed by complaint id) and the latest statistics of each office (keyed by office id).

They are read models, not facts: a dashboard reads the latest value per key. Deadlines are given, so a
reader can tell a pending step from an overdue one at its own "now".
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from .common import Explanation
from .envelope import Actor, Contract, IntegrationEvent


class TimelineEntry(Contract):
    event_id: UUID
    type: str = Field(description="The integration event's type.")
    occurred_at: AwareDatetime
    actor: Actor
    causation_id: UUID | None
    topic: str = Field(description="Where the projection read it.")
    summary: str = Field(description="What happened, in a line.")
    digest: str = Field(description="SHA-256 of the event's canonical JSON.")


class StepCheck(Contract):
    """One step of the record rule for one complaint, judged at `judged_at`."""

    step: Literal["recorded", "handled", "result", "reply", "return-visit"]
    rule: str = Field(description="Which of the four rules it serves, e.g. 'has a result'.")
    status: Literal[
        "done",
        "done-under-extension",
        "late",
        "pending",
        "overdue",
        "waived",
        "not-applicable",
        "waiting",
    ]
    violation: bool = Field(description="Late or overdue: a step is a violation once it is overdue.")
    due_at: AwareDatetime | None
    extended_until: AwareDatetime | None = None
    done_at: AwareDatetime | None = None
    since: AwareDatetime | None = Field(default=None, description="When the violation began.")
    note: str = ""


class ComplaintHistoryPayload(Contract):
    entries: int = Field(ge=0, description="How many events the history holds.")
    state: str = Field(description="Where the complaint stands, e.g. 'in-handling', 'closed'.")
    complaint: dict[str, Any] = Field(
        description="The current facts (office, sequence number, severity, category...), no personal data."
    )
    checks: list[StepCheck]
    judged_at: AwareDatetime = Field(description="The instant the checks were judged at (the last event).")
    timeline: list[TimelineEntry]
    explanation: Explanation


class ComplaintHistoryUpdated(IntegrationEvent):
    """A complaint's history changed: its whole timeline, current state and record-rule checks."""

    type: Literal["complaints.projection.ComplaintHistoryUpdated"] = "complaints.projection.ComplaintHistoryUpdated"
    schema_version: Literal[1] = 1
    payload: ComplaintHistoryPayload


class CategoryCount(Contract):
    category: str
    count: int = Field(ge=0)
    share: float = Field(ge=0, le=1, description="Share of the valid complaints.")
    cumulative_share: float = Field(ge=0, le=1, description="Pareto: this and every larger category.")


class Compliance(Contract):
    met: int = 0
    met_under_extension: int = 0
    breached: int = 0


class ReturnVisits(Contract):
    due: int = 0
    made: int = 0
    rate: float | None = Field(default=None, description="made / due; None when none was due.")


class Satisfaction(Contract):
    """Every return visit made, counted per visit: a reopened complaint's earlier visits count beside
    its latest (`rated` visits carry a 1-5 rating; `average` is theirs)."""

    rated: int = 0
    average: float | None = None
    satisfied: int = 0
    dissatisfied: int = 0
    unreachable: int = 0


class Statistics(Contract):
    """Counts over a set of complaints (an office or the group, a week, a month or all time)."""

    complaints: int = 0
    valid: int = 0
    assisted: int = 0
    invalid: int = 0
    untriaged: int = 0
    states: dict[str, int] = Field(
        default_factory=dict, description="Where the complaints stand now, e.g. {'in-handling': 3, 'closed': 40}."
    )
    categories: list[CategoryCount] = Field(default_factory=list, description="Business areas, largest first.")
    content_categories: dict[str, int] = Field(default_factory=dict)
    severities: dict[str, int] = Field(default_factory=dict)
    compliance: Compliance = Field(default_factory=Compliance)
    return_visits: ReturnVisits = Field(default_factory=ReturnVisits)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)
    repeat_complainants: int = Field(default=0, description="Complainants with more than one complaint.")
    repeat_complaints: int = Field(default=0, description="Complaints by repeat complainants.")
    violations: int = 0
    units_served: int | None = None
    per_million_units: float | None = Field(default=None, description="Complaints per million units served.")


class OfficeStatisticsPayload(Contract):
    all_time: Statistics
    by_week: dict[str, Statistics] = Field(description="Keyed by ISO week, e.g. '2026-W45'.")
    by_month: dict[str, Statistics] = Field(description="Keyed by month, e.g. '2026-11'.")
    judged_at: AwareDatetime


class OfficeStatisticsUpdated(Contract):
    """An office's statistics changed. Keyed by office id on a compacted topic."""

    type: Literal["complaints.projection.OfficeStatisticsUpdated"] = "complaints.projection.OfficeStatisticsUpdated"
    schema_version: Literal[1] = 1
    office_id: str
    occurred_at: AwareDatetime = Field(description="The time of the event that changed them.")
    actor: Actor
    causation_id: UUID = Field(description="The event that changed them.")
    payload: OfficeStatisticsPayload


class ReportFile(Contract):
    """One file of a published report, as the projection wrote it."""

    format: Literal["csv", "xlsx", "pdf"]
    lang: Literal["en", "zh-Hant", "zh-Hans"]
    file: str = Field(description="Its file name, e.g. 'complaints-weekly-hk-central-2026-W45-en.xlsx'.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file as written.")


class ReportPublished(Contract):
    """A scheduled report was written (once per scope and period): whoever sends it on (the notifier
    mails it to the office's managers, or the group's recipients) reads it here. Counts only, no
    personal data. Keyed by `<office id or 'group'>/<period>`; the event id is derived from scope and
    period, so a report written again after a crash is the same event."""

    type: Literal["complaints.projection.ReportPublished"] = "complaints.projection.ReportPublished"
    schema_version: Literal[1] = 1
    event_id: UUID
    office_id: str | None = Field(description="The office the report is of; None: the group's report.")
    period: Literal["week", "month", "year"]
    period_key: str = Field(description="e.g. '2026-W45', '2026-11', '2026'.")
    occurred_at: AwareDatetime = Field(description="When the report was written.")
    judged_at: AwareDatetime = Field(description="The instant its figures were judged at.")
    actor: Actor
    complaints: int = Field(ge=0, description="How many complaints the period holds.")
    files: list[ReportFile]
    fetch_path: str = Field(
        description="Where the projection's API serves it, judged at `judged_at`; add '&format=…&lang=…', "
        "e.g. '/reports/weekly?week=2026-W45&office=hk-central&at=…'."
    )

    @property
    def scope(self) -> str:
        return self.office_id or "group"

    @property
    def key(self) -> str:
        return f"{self.scope}/{self.period_key}"
