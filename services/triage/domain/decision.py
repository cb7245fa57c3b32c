"""Triage's current decision on one complaint, typed: the automatic judgement as people amended it.

The stored events keep the decision's JSON (what was decided, as it was recorded); the aggregate holds
it as this model, so every value is one the contracts accept and code reads fields, not keys.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.contracts.common import (
    BusinessAreaCode,
    CommunicationKind,
    ContentCategory,
    Explanation,
    Nature,
    Severity,
    Validity,
)
from shared.contracts.review import ReviewFlag
from shared.contracts.triage import ComplainantHistory


class Decision(BaseModel):
    # Fields a newer rules engine records are kept (allow), so an old reader replays new events.
    model_config = ConfigDict(frozen=True, extra="allow")

    validity: Validity
    nature: Nature
    communication_kind: CommunicationKind | None
    content_category: ContentCategory
    business_area: BusinessAreaCode
    severity: Severity
    severity_criteria: list[str]
    department: str
    first_responsible: str
    rules_version: int
    explanations: dict[str, Explanation]
    history: ComplainantHistory
    promise_mentioned: bool = False
    complainant_key: str = ""
    complainant_keys: list[str] = []
    incident_key: str = ""
    departments: list[str] = []  # routing's departments for the office (none on decisions stored before)
    # The review flag typed; None on decisions stored before it (their sentences, `review`, alone).
    review_flags: list[ReviewFlag] | None = None

    @property
    def category(self) -> str:
        """The category as people name it: 'content/area', e.g. 'equipment/electromechanical'."""
        return f"{self.content_category.value}/{self.business_area}"

    @property
    def nature_value(self) -> str:
        """One value per nature: 'effective', or the kind of communication complaint."""
        if self.nature is Nature.EFFECTIVE or self.communication_kind is None:
            return Nature.EFFECTIVE.value
        return self.communication_kind.value

    def amended(self, aspect: str, value: str) -> Decision:
        """The decision after a person's override of one aspect (severity lives on the aggregate)."""
        if aspect == "validity":
            changes: dict[str, object] = {"validity": value}
        elif aspect == "nature":
            effective = value == Nature.EFFECTIVE.value
            changes = {
                "nature": Nature.EFFECTIVE if effective else Nature.COMMUNICATION,
                "communication_kind": None if effective else value,
            }
        elif aspect == "category":
            content, area = value.split("/")
            changes = {"content_category": content, "business_area": area}
        elif aspect == "routing":
            changes = {"department": value}
        else:
            return self
        return Decision.model_validate(self.model_dump() | changes)
