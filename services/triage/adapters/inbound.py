"""What triage consumes: registrations from intake and re-grade requests from the SLA service.
Each message's effects go into the tracked consumer's unit of work, saved with its Kafka position."""

from __future__ import annotations

from shared.bus.consumer import Delivery
from shared.contracts import ComplaintRegistered
from shared.contracts.sla import RegradeRequested
from shared.eventstore import UnitOfWork

from ..application import TriageApplication


class TriageHandler:
    def __init__(self, app: TriageApplication) -> None:
        self.app = app

    def __call__(self, uow: UnitOfWork, delivery: Delivery) -> None:
        message = delivery.message
        if isinstance(message, ComplaintRegistered):
            self.app.triage_registration(uow, message)
        elif isinstance(message, RegradeRequested):
            self.app.regrade_requested(uow, message)
        # Other events on these topics are not triage's business.
