"""The source services' own records, as their HTTP APIs show them, for `audit verify --against-followup`.

The auditor reads follow-up's cases with a group auditor's credential (`X-Office-Key` or a bearer
token), never its store: follow-up's store is encrypted with follow-up's key, which no other process
holds (issue 13, item 5).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import httpx

from ..domain.sourcecheck import SourceDifference, followup_differences
from ..domain.view import ComplaintView


class FollowupCases:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    @classmethod
    def at(cls, base_url: str, credential: str) -> FollowupCases:
        header = (
            {"Authorization": f"Bearer {credential}"} if credential.count(".") == 2 else {"X-Office-Key": credential}
        )
        return cls(httpx.Client(base_url=base_url.rstrip("/"), headers=header, timeout=10))

    def case(self, complaint_id: UUID) -> dict[str, Any] | None:
        """Follow-up's case of the complaint; None when follow-up has none (404)."""
        response = self.client.get(f"/complaints/{complaint_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return dict(response.json())


def differences(views: Iterable[ComplaintView], cases: FollowupCases) -> list[SourceDifference]:
    """Every difference between the read side's complaints and follow-up's own cases."""
    found: list[SourceDifference] = []
    for view in views:
        found += followup_differences(view, cases.case(view.complaint_id))
    return found
