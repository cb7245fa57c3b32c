"""What triage consumes: registrations from intake and re-grade requests from the SLA service.
Each message's effects go into the tracked consumer's unit of work, saved with its Kafka position."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from uuid import UUID

from shared.bus.consumer import Delivery
from shared.bus.dispatch import Inbound
from shared.contracts import ComplaintRegistered
from shared.contracts.sla import RegradeRequested
from shared.contracts.topics import INTAKE_EVENTS, SLA_EVENTS
from shared.eventstore import UnitOfWork

from ..application import TriageApplication
from ..domain.rulesbook import RulesBook
from ..domain.triage import Triage


class TriageHandler(Inbound):
    def __init__(self, app: TriageApplication) -> None:
        self.app = app

    def registered(self, uow: UnitOfWork, message: ComplaintRegistered, delivery: Delivery) -> None:
        self.app.triage_registration(uow, message)

    def regrade_requested(self, uow: UnitOfWork, message: RegradeRequested, delivery: Delivery) -> None:
        self.app.regrade_requested(uow, message)

    def prefetch(self, deliveries: Iterable[Delivery]) -> Iterator[UUID]:
        """The batch's aggregates, after its complainants' keyring tokens are made in one commit."""
        deliveries = list(deliveries)
        self.app.prepare_identities([d.message for d in deliveries if isinstance(d.message, ComplaintRegistered)])
        return super().prefetch(deliveries)

    def wanted(self, message: object) -> Iterable[UUID]:
        if isinstance(message, ComplaintRegistered):
            return self.app.wanted_for(message)
        if isinstance(message, RegradeRequested):
            return [RulesBook.create_id(), Triage.create_id(str(message.complaint_id))]
        return ()

    # Other events on these topics are not triage's business.
    TOPICS = (INTAKE_EVENTS, SLA_EVENTS)
    HANDLERS = {
        ComplaintRegistered: registered,
        RegradeRequested: regrade_requested,
    }
