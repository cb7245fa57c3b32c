"""Pieces several contracts share: why a decision was made, and the vocabularies of the domain.

Validity, nature, communication kind, content category and severity are closed vocabularies (the
seeds fix them): enums. Business areas are data the group extends through triage's rules
(`PUT /rules`), so on the wire an area is a `BusinessAreaCode` (a constrained string every service
accepts) and `BusinessArea` names only the defaults. Clock kinds live with the SLA's contracts
(`sla.ClockKind`), the one service that decides them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Final
from uuid import UUID

from pydantic import Field

from .envelope import Contract


class Explanation(Contract):
    """Why an automated (or overriding) decision was made: every decision explains itself."""

    reason: str = Field(min_length=1, description="In words a supervisor or auditor reads.")
    rule: str = Field(
        min_length=1,
        description="The rule that fired, with the rules version: 'severity.major.mass-incident@v3'.",
    )
    caused_by: list[UUID] = Field(default_factory=list, description="Event ids that led to the decision.")


class Validity(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    ASSISTED = "assisted"


class Nature(StrEnum):
    EFFECTIVE = "effective"
    COMMUNICATION = "communication"


class CommunicationKind(StrEnum):
    HELP_SEEKING = "help-seeking"
    CONSULTATION = "consultation"
    VENTING = "venting"


class ContentCategory(StrEnum):
    EQUIPMENT = "equipment"
    SERVICE_ATTITUDE = "service-attitude"
    SERVICE_QUALITY = "service-quality"
    EMERGENCY = "emergency"


BUSINESS_AREA_PATTERN: Final = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
BUSINESS_AREA_MAX_LENGTH: Final = 40

BusinessAreaCode = Annotated[
    str,
    Field(
        min_length=2,
        max_length=BUSINESS_AREA_MAX_LENGTH,
        pattern=BUSINESS_AREA_PATTERN,
        description="A business area of the triage rules: lower-case words joined by '-', e.g. 'sanitation'.",
        examples=["sanitation", "electromechanical", "customer-data"],
    ),
]
"""A business area on the wire: one of the defaults below or one the group added to the rules."""


def is_business_area_code(value: object) -> bool:
    """Whether `value` is a business area every contract accepts (what `PUT /rules` checks)."""
    return (
        isinstance(value, str)
        and 2 <= len(value) <= BUSINESS_AREA_MAX_LENGTH
        and re.fullmatch(BUSINESS_AREA_PATTERN, value) is not None
    )


class BusinessArea(StrEnum):
    """The business areas of the bundled rules (DOMAIN.md); the group may add more (BusinessAreaCode)."""

    SANITATION = "sanitation"
    PUBLIC_FACILITIES = "public-facilities"
    SAFETY = "safety"
    STAFF = "staff"
    DECORATION = "decoration"
    CUSTOMER_SERVICE = "customer-service"
    PARKING = "parking"
    ELECTROMECHANICAL = "electromechanical"
    MAINTENANCE = "maintenance"
    FINANCE = "finance"
    CLUB = "club"
    TRAFFIC = "traffic"
    CUSTOMER_DATA = "customer-data"
    OTHER = "other"


class Severity(StrEnum):
    MINOR = "minor"
    IMPORTANT = "important"
    MAJOR = "major"
