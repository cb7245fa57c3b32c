"""Rules that speak the contracts' language: every value the rules can make triage publish must be one
the contracts accept, or triage could publish nothing after adopting them.

The closed vocabularies (validity, communication kind, content category) are the contracts' enums;
business areas are the group's to add, as long as each is a `BusinessAreaCode`. Routing may only
name areas the rules define. Checked before `PUT /rules` records a version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from shared.contracts.common import (
    BUSINESS_AREA_PATTERN,
    CommunicationKind,
    ContentCategory,
    Validity,
    is_business_area_code,
)

from .rules import Rules


class RulesVocabularyError(ValueError):
    """Rules that would make triage publish what no contract accepts; each problem in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def rule_areas(rules: Rules) -> frozenset[str]:
    """The business areas the rules define (their phrase lists and their default)."""
    return frozenset({*rules.areas, str(_default(rules.data, "areas"))})


def rule_departments(data: Mapping[str, Any], office_id: str | None) -> frozenset[str]:
    """The departments the rules route to for `office_id` (None: the group's table only): the group's
    table, the office's own, the default and every first-responsible entry. The one vocabulary of
    departments (README, "Departments"): a routing override and a hand-over name one of these."""
    routing = data.get("routing", {})
    tables = [routing.get("group", {}), routing.get("offices", {}).get(office_id or "", {})]
    found = {str(department) for table in tables for department in table.values()}
    found |= {str(department) for department in routing.get("first_responsible", {})}
    if routing.get("default_department"):
        found.add(str(routing["default_department"]))
    return frozenset(found)


def all_departments(data: Mapping[str, Any]) -> frozenset[str]:
    """The departments the rules route to for any office (the group's and every office's own)."""
    offices = data.get("routing", {}).get("offices", {})
    return frozenset().union(rule_departments(data, None), *(rule_departments(data, office) for office in offices))


def check_vocabulary(data: Mapping[str, Any]) -> None:
    """Raise RulesVocabularyError naming every value of `data` that no contract accepts."""
    problems = vocabulary_problems(data)
    if problems:
        raise RulesVocabularyError(problems)


def vocabulary_problems(data: Mapping[str, Any]) -> list[str]:
    rules = Rules(1, dict(data))
    problems: list[str] = []
    verdicts = [name for name in rules.validity if name not in Rules.VALIDITY_EVIDENCE]
    problems += _closed("validity", [*verdicts, _default(data, "validity")], Validity)
    problems += _closed(
        "nature.communication",
        [*rules.communication, rules.default_communication_kind],
        CommunicationKind,
    )
    problems += _closed("content", [*rules.content, _default(data, "content")], ContentCategory)
    areas: set[Any] = {*rules.areas, _default(data, "areas")}
    problems += [
        f"areas: {area!r} is not a business area code (lower-case words joined by '-', "
        f"2-40 characters: {BUSINESS_AREA_PATTERN})"
        for area in sorted(areas, key=str)
        if not is_business_area_code(area)
    ]
    routing = data.get("routing", {})
    tables = [("routing.group", routing.get("group", {}))]
    tables += [(f"routing.offices.{office}", table) for office, table in routing.get("offices", {}).items()]
    for where, table in tables:
        problems += [
            f"{where}: routes {area!r}, which is not an area of these rules" for area in table if area not in areas
        ]
    problems += [
        f"routing: {department!r} is not a department code (lower-case words joined by '-', "
        f"2-40 characters: {BUSINESS_AREA_PATTERN})"
        for department in sorted(all_departments(data))
        if not is_business_area_code(department)
    ]
    return problems


def _default(data: Mapping[str, Any], section: str) -> Any:
    return data.get(section, {}).get("default")


def _closed(where: str, values: Iterable[Any], vocabulary: type[StrEnum]) -> list[str]:
    allowed = [member.value for member in vocabulary]
    return [
        f"{where}: {value!r} is not one of {allowed}"
        for value in dict.fromkeys(values)  # in order, once each
        if value not in allowed
    ]
