"""One dispatch style in all six services: a table from message type to handler, with the topics
declared beside it and checked against the topic registry."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from services.followup.adapters.inbound import CaseFacts
from services.handling.adapters.inbound import HandlingHandler
from services.intake.adapters.office_topic import OfficeTopicHandler
from services.projection.adapters.inbound import ProjectionHandler
from services.sla.adapters.inbound import ClockFacts
from services.triage.adapters.inbound import TriageHandler
from shared.bus.consumer import Delivery, Rejected
from shared.bus.dispatch import Inbound
from shared.contracts import MESSAGE_TYPES
from shared.contracts.sla import RegradeRequested
from shared.contracts.topics import ALL_TOPICS, INTAKE_EVENTS, SLA_EVENTS, topic_for_event_type
from shared.contracts.triage import ComplaintTriaged
from tests.triage.support import regrade_requested

SERVICES: list[type[Inbound]] = [
    OfficeTopicHandler,
    TriageHandler,
    HandlingHandler,
    ClockFacts,
    CaseFacts,
    ProjectionHandler,
]
SERVICE_OF = dict(zip(SERVICES, ["intake", "triage", "handling", "sla", "followup", "projection"], strict=True))


@pytest.mark.parametrize("handler", SERVICES, ids=lambda h: h.__name__)
def test_every_service_declares_its_topics_and_a_handler_per_type(handler: type[Inbound]) -> None:
    assert issubclass(handler, Inbound)
    assert handler.topic_names() and handler.HANDLERS
    for model in handler.HANDLERS:
        assert topic_for_event_type(str(model.model_fields["type"].default)) in handler.TOPICS


def test_the_topic_registry_names_exactly_the_services_that_read_each_topic() -> None:
    """The catalogue's "read by" (docs/events.md) is what the services' inbound tables subscribe to."""
    subscribed = {(topic.name, SERVICE_OF[h]) for h in SERVICES for topic in h.TOPICS}
    declared = {(topic.name, service) for topic in ALL_TOPICS for service in topic.consumers}
    assert declared == subscribed


def test_the_projection_records_every_type_of_every_topic_it_reads() -> None:
    carried = {name for topic in ProjectionHandler.TOPICS for name in topic.event_types}
    assert ProjectionHandler.handled_types() == sorted(carried)
    assert all(name in MESSAGE_TYPES for name in carried)


def test_a_handler_for_a_type_its_topics_do_not_carry_fails_when_defined() -> None:
    with pytest.raises(TypeError, match=r"complaints\.triage\.ComplaintTriaged"):

        class Stray(Inbound):
            def triaged(self, uow: Any, message: Any, delivery: Any) -> None: ...

            TOPICS = (INTAKE_EVENTS,)
            HANDLERS = {ComplaintTriaged: triaged}


class Seen(Inbound):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def regrade(self, uow: Any, message: RegradeRequested, delivery: Delivery) -> None:
        self.seen.append(message)

    TOPICS = (SLA_EVENTS,)
    HANDLERS = {RegradeRequested: regrade}


def delivery(message: Any) -> Delivery:
    return Delivery(message=message, topic="t", partition=0, offset=0, key=None)


def test_a_listed_type_goes_to_its_handler_and_others_are_skipped_or_refused() -> None:
    seen = Seen()
    message = regrade_requested(uuid4())
    other = object.__new__(ComplaintTriaged)

    seen(None, delivery(message))  # type: ignore[arg-type]
    seen(None, delivery(other))  # type: ignore[arg-type]

    assert seen.seen == [message]

    class Strict(Seen):
        UNHANDLED = "reject"

    with pytest.raises(Rejected):
        Strict()(None, delivery(other))  # type: ignore[arg-type]
