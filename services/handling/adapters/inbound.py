"""What handling consumes: triage's routing and re-grades, and follow-up's return visits."""

from __future__ import annotations

from shared.bus.consumer import Delivery
from shared.contracts.followup import ReturnVisitMade
from shared.contracts.triage import ComplaintTriaged, SeverityRegraded, TriageDecisionOverridden
from shared.eventstore import UnitOfWork

from ..application import HandlingApplication


class HandlingHandler:
    def __init__(self, app: HandlingApplication) -> None:
        self.app = app

    def __call__(self, uow: UnitOfWork, delivery: Delivery) -> None:
        message = delivery.message
        if isinstance(message, ComplaintTriaged):
            self.app.open_case(uow, message)
        elif isinstance(message, SeverityRegraded):
            self.app.keep_severity(uow, message)
        elif isinstance(message, TriageDecisionOverridden):
            self.app.reroute(uow, message)
            self.app.honour_validity(uow, message)
        elif isinstance(message, ReturnVisitMade):
            self.app.return_visit(uow, message)
        # Other overrides, clusters and other follow-up events are not handling's business.
