"""The projection's one fact of its own: a scheduled report was written and may be sent on.

One `PublishedReport` per scope (an office, or the group) and period; its id is derived from both, so
writing a report again after a crash finds it already published and publishes nothing twice. The
relay turns it into `ReportPublished` (complaints.projection.reports), which the notifier mails.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id


def published_report_id(scope: str, period_key: str) -> UUID:
    return derived_id("report-published", scope, period_key)


class PublishedReport(Aggregate):
    @staticmethod
    def create_id(scope: str, period: str, period_key: str, **_: Any) -> UUID:
        return published_report_id(scope, period_key)

    @event("Published")
    def __init__(
        self,
        scope: str,
        period: str,
        period_key: str,
        judged_at: str,
        written_at: str,
        complaints: int,
        files: list[dict[str, str]],
    ) -> None:
        """`scope`: an office id or "group"; times as ISO text; `files`: format, lang, file, sha256."""
        self.scope = scope
        self.period = period
        self.period_key = period_key
        self.judged_at = judged_at
        self.written_at = written_at
        self.complaints = complaints
        self.files = files
