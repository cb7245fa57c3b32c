"""What handling consumes: triage's routing and re-grades, and follow-up's return visits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from shared.bus.consumer import Delivery
from shared.bus.dispatch import Inbound
from shared.contracts.followup import ReturnVisitMade
from shared.contracts.topics import FOLLOWUP_EVENTS, TRIAGE_EVENTS
from shared.contracts.triage import ComplaintTriaged, SeverityRegraded, TriageDecisionOverridden
from shared.eventstore import UnitOfWork

from ..application import HandlingApplication
from ..domain.case import Case
from ..domain.routing import KeptRouting


class HandlingHandler(Inbound):
    def __init__(self, app: HandlingApplication) -> None:
        self.app = app

    def triaged(self, uow: UnitOfWork, message: ComplaintTriaged, delivery: Delivery) -> None:
        self.app.open_case(uow, message)

    def regraded(self, uow: UnitOfWork, message: SeverityRegraded, delivery: Delivery) -> None:
        self.app.keep_severity(uow, message)

    def overridden(self, uow: UnitOfWork, message: TriageDecisionOverridden, delivery: Delivery) -> None:
        self.app.reroute(uow, message)
        self.app.honour_validity(uow, message)

    def return_visit(self, uow: UnitOfWork, message: ReturnVisitMade, delivery: Delivery) -> None:
        self.app.return_visit(uow, message)

    def wanted(self, message: Any) -> Iterable[UUID]:
        """Every message here is about one case; a judgement (or a validity override) may read the
        routing kept for an invalid complaint too. Loaded for the whole batch in one bulk read."""
        if isinstance(message, ComplaintTriaged | TriageDecisionOverridden):
            return [Case.create_id(message.complaint_id), KeptRouting.create_id(message.complaint_id)]
        return [Case.create_id(message.complaint_id)]

    # Clusters, other overrides and other follow-up events are not handling's business.
    TOPICS = (TRIAGE_EVENTS, FOLLOWUP_EVENTS)
    HANDLERS = {
        ComplaintTriaged: triaged,
        SeverityRegraded: regraded,
        TriageDecisionOverridden: overridden,
        ReturnVisitMade: return_visit,
    }
