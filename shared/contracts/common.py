"""Pieces several contracts share: why a decision was made, and the vocabularies of the domain."""

from __future__ import annotations

from enum import StrEnum
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


class BusinessArea(StrEnum):
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
