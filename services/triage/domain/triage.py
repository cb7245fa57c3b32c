"""One complaint's triage: the automatic judgement, later re-grades, and people's confirmations and
overrides. Grades only change through a recorded event with its own reason."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id, stored_event_id
from shared.contracts.common import BusinessArea, CommunicationKind, ContentCategory, Severity, Validity
from shared.contracts.labels import department_code

from .decision import Decision
from .engine import Judgement
from .errors import InvalidOverride, NotYetTriaged

ASPECTS = ("validity", "nature", "category", "severity", "routing")


class Triage(Aggregate):
    @staticmethod
    def create_id(complaint_id: UUID | str, **_: Any) -> UUID:
        return derived_id("triage", complaint_id)

    @event("Opened")
    def __init__(self, complaint_id: str, office_id: str) -> None:
        self.complaint_id = complaint_id
        self.office_id = office_id
        self.triaged = False
        self.decision: Decision | None = None
        self.severity = ""
        self.criteria: list[str] = []
        self.pending_regrades: list[dict[str, Any]] = []
        self.confirmations: list[dict[str, Any]] = []
        self.overrides: list[dict[str, Any]] = []
        self.escalated = False
        self.override_event_id = ""  # the latest override's published id (what it causes names it)

    # -- the automatic judgement ------------------------------------------------------------------

    def triage(
        self,
        judgement: Judgement,
        rules_version: int,
        registered_event_id: str,
        complainant_key: str,
        incident_key: str,
        at: datetime,
        complainant_keys: list[str] | None = None,
        departments: Collection[str] = (),
    ) -> None:
        """Record the automatic judgement; `departments` are routing's for the office (published with it,
        so handling reads the departments a hand-over may name from the decision)."""
        if self.triaged:
            return
        explanations = {
            aspect: {"reason": e.reason, "rule": e.rule, "caused_by": [registered_event_id]}
            for aspect, e in judgement.explanations.items()
        }
        self._triaged(
            complaint_id=self.complaint_id,
            office_id=self.office_id,
            decision={
                "validity": judgement.validity,
                "nature": judgement.nature,
                "communication_kind": judgement.communication_kind,
                "content_category": judgement.content_category,
                "business_area": judgement.business_area,
                "severity": judgement.severity,
                "severity_criteria": list(judgement.severity_criteria),
                "department": judgement.department,
                "first_responsible": judgement.first_responsible,
                "rules_version": rules_version,
                "explanations": explanations,
                "history": judgement.history,
                "promise_mentioned": judgement.promise_mentioned,
                "complainant_key": complainant_key,
                # Every identity key the complaint was noted under (a validity override reaches them all).
                "complainant_keys": list(complainant_keys or [complainant_key]),
                "incident_key": incident_key,
                "confidence": dict(judgement.confidence),
                "review": list(judgement.review),  # the sentences, as decisions always stored them
                "review_flags": [f.model_dump(mode="json") for f in judgement.flags],  # the same, typed
                "departments": sorted(departments),
            },
            registered_event_id=registered_event_id,
            triaged_at=at,
        )

    @event("Triaged")
    def _triaged(
        self,
        complaint_id: str,
        office_id: str,
        decision: dict[str, Any],
        registered_event_id: str,
        triaged_at: datetime,
    ) -> None:
        self.triaged = True
        self.triaged_version = self.version + 1  # this event's own: an override names it as its cause
        self.decision = Decision.model_validate(decision)
        self.severity = decision["severity"]
        self.criteria = list(decision["severity_criteria"])
        self.registered_event_id = registered_event_id
        self.triaged_at = triaged_at

    # -- later facts ----------------------------------------------------------------------------------

    def regrade(
        self,
        severity: str,
        criterion: str,
        reason: str,
        rule: str,
        caused_by: list[str],
        actor_id: str,
        actor_role: str,
        causation_id: str | None,
        at: datetime,
    ) -> bool:
        """Record a new grade with its own reason. A criterion already counted changes nothing.
        Before the complaint is judged, the fact waits and is applied right after the judgement."""
        request = {
            "severity": severity,
            "criterion": criterion,
            "reason": reason,
            "rule": rule,
            "caused_by": caused_by,
            "actor_id": actor_id,
            "actor_role": actor_role,
            "causation_id": causation_id,
            "at": at.isoformat(),
        }
        if not self.triaged:
            if all(p["criterion"] != criterion or p["caused_by"] != caused_by for p in self.pending_regrades):
                self._regrade_waiting(request=request)
            return False
        if criterion in self.criteria and not criterion.endswith(".designated"):
            return False
        self._regraded(
            complaint_id=self.complaint_id,
            office_id=self.office_id,
            previous=self.severity,
            severity=severity,
            criterion=criterion,
            reason=reason,
            rule=rule,
            caused_by=caused_by,
            actor_id=actor_id,
            actor_role=actor_role,
            causation_id=causation_id,
            regraded_at=at,
        )
        return True

    @event("RegradeWaiting")
    def _regrade_waiting(self, request: dict[str, Any]) -> None:
        self.pending_regrades.append(request)

    def apply_waiting_regrades(self) -> None:
        for request in list(self.pending_regrades):
            self.regrade(**{k: v for k, v in request.items() if k != "at"}, at=datetime.fromisoformat(request["at"]))
        if self.pending_regrades:
            self._waiting_applied()

    @event("WaitingApplied")
    def _waiting_applied(self) -> None:
        self.pending_regrades = []

    @event("Regraded")
    def _regraded(
        self,
        complaint_id: str,
        office_id: str,
        previous: str,
        severity: str,
        criterion: str,
        reason: str,
        rule: str,
        caused_by: list[str],
        actor_id: str,
        actor_role: str,
        causation_id: str | None,
        regraded_at: datetime,
    ) -> None:
        self.severity = severity
        self.criteria.append(criterion)

    def escalate(
        self, recipients: list[dict[str, Any]], reason: str, rule: str, caused_by: list[str], at: datetime
    ) -> None:
        """The office's leaders (and the company's) must be told of a major complaint at once."""
        if not self.escalated:
            self._escalated(
                complaint_id=self.complaint_id,
                office_id=self.office_id,
                recipients=recipients,
                reason=reason,
                rule=rule,
                caused_by=caused_by,
                escalated_at=at,
            )

    @event("Escalated")
    def _escalated(
        self,
        complaint_id: str,
        office_id: str,
        recipients: list[dict[str, Any]],
        reason: str,
        rule: str,
        caused_by: list[str],
        escalated_at: datetime,
    ) -> None:
        self.escalated = True

    # -- people -------------------------------------------------------------------------------------------

    @property
    def judged(self) -> Decision:
        """The decision in force; only once the complaint is triaged."""
        if self.decision is None:
            raise NotYetTriaged("triage.not_yet_triaged", "the complaint has not been triaged yet")
        return self.decision

    def current(self, aspect: str) -> str:
        d = self.judged
        if aspect == "nature":
            return d.nature_value
        if aspect == "category":
            return d.category
        if aspect == "routing":
            return d.department
        if aspect == "severity":
            return self.severity
        return d.validity.value

    def confirm_or_override(
        self,
        aspect: str,
        value: str,
        reason: str,
        actor_id: str,
        actor_role: str,
        at: datetime,
        rules_version: int,
        areas: Collection[str] = tuple(BusinessArea),
        departments: Collection[str] = (),
    ) -> str:
        """A person confirms an automatic decision (same value) or overrides it; returns which.
        A category names one of `areas` (those of the rules in force) or the complaint's own; a routing
        one of `departments` (those the rules in force route to for the office) or the complaint's own,
        by its code or its word in any language (recorded as the code)."""
        if not self.triaged:
            raise NotYetTriaged(
                "triage.not_yet_triaged", "the complaint has not been triaged yet: nothing to confirm or override"
            )
        if aspect not in ASPECTS:
            raise InvalidOverride(
                "triage.unknown_aspect", f"aspect must be one of {list(ASPECTS)}", aspect=aspect, aspects=list(ASPECTS)
            )
        previous = self.current(aspect)
        _check_value(aspect, value, {*areas, self.judged.business_area})
        if aspect == "routing":
            value = _department(value, {*departments, self.judged.department})
        if value == previous:
            self._confirmed(
                aspect=aspect, value=value, reason=reason, actor_id=actor_id, actor_role=actor_role, at=at,
                complaint_id=self.complaint_id, office_id=self.office_id,
                amends_version=getattr(self, "triaged_version", None),
            )  # fmt: skip
            return "confirmed"
        self._overridden(
            complaint_id=self.complaint_id,
            office_id=self.office_id,
            aspect=aspect,
            previous=previous,
            value=value,
            reason=reason,
            actor_id=actor_id,
            actor_role=actor_role,
            overridden_at=at,
            amends_version=getattr(self, "triaged_version", None),
        )
        if aspect == "severity":  # the re-grade names the override that made it, as automatic ones name theirs
            self.regrade(
                value,
                f"{value}.designated",
                f"designated {value} by {actor_id}: {reason}",
                f"severity.{value}.designated@v{rules_version}",
                [self.override_event_id],
                actor_id,
                actor_role,
                self.override_event_id,
                at,
            )
        return "overridden"

    @event("Confirmed")
    def _confirmed(
        self, aspect: str, value: str, reason: str, actor_id: str, actor_role: str, at: datetime,
        complaint_id: str | None = None, office_id: str | None = None, amends_version: int | None = None,
    ) -> None:  # fmt: skip
        # complaint_id/office_id let the relay publish it (DecisionConfirmed); older ones stay private
        self.confirmations.append(
            {
                "aspect": aspect,
                "value": value,
                "by": actor_id,
                "role": actor_role,
                "reason": reason,
                "at": at.isoformat(),
            }
        )

    @event("Overridden")
    def _overridden(
        self,
        complaint_id: str,
        office_id: str,
        aspect: str,
        previous: str,
        value: str,
        reason: str,
        actor_id: str,
        actor_role: str,
        overridden_at: datetime,
        amends_version: int | None = None,
    ) -> None:
        # The id this event is published under (the relay's `stored_event_id`): what it causes names it.
        self.override_event_id = str(stored_event_id("triage", self.id, self.version + 1))
        self.overrides.append(
            {
                "aspect": aspect,
                "previous": previous,
                "value": value,
                "by": actor_id,
                "role": actor_role,
                "reason": reason,
                "at": overridden_at.isoformat(),
            }
        )
        self.decision = self.judged.amended(aspect, value)


def _check_value(aspect: str, value: str, areas: Collection[str]) -> None:
    allowed: list[str] | None = None
    if aspect == "validity":
        allowed = [v.value for v in Validity]
    elif aspect == "nature":
        allowed = ["effective", *(k.value for k in CommunicationKind)]
    elif aspect == "severity":
        allowed = [s.value for s in Severity]
    elif aspect == "category":
        allowed = [f"{c.value}/{a}" for c in ContentCategory for a in sorted(areas)]
    if allowed is not None and value not in allowed:
        shown = allowed if len(allowed) < 10 else "content/area, e.g. 'equipment/electromechanical'"
        raise InvalidOverride(
            "triage.value_not_allowed", f"{aspect} cannot be {value!r}; use {shown}",
            aspect=aspect, value=value, allowed=allowed if len(allowed) < 10 else ["equipment/electromechanical"],
        )  # fmt: skip
    if aspect == "routing" and not value.strip():
        raise InvalidOverride("triage.routing_needs_department", "routing needs a department name")


def _department(value: str, departments: Collection[str]) -> str:
    """The department's code `value` names (code, or word in any language), or refused with the codes:
    'Engineering Dept' or a typo recorded would leave the case waiting for a department nobody is in."""
    code = department_code(value, sorted(departments))
    if code is None:
        allowed = sorted(departments)
        raise InvalidOverride(
            "triage.unknown_department",
            f"routing names no department of the rules in force: {value!r}; use one of {allowed}",
            value=value, departments=allowed,
        )  # fmt: skip
    return code
