"""Feeding contract events to the projection without a broker (the handler, as the consumer calls it)."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import Tracking

from services.projection.adapters.inbound import ProjectionHandler
from services.projection.application import ProjectionApplication
from shared.bus.consumer import Delivery
from shared.contracts import IntegrationEvent
from shared.contracts.topics import topic_for_event_type


def feed(app: ProjectionApplication, events: Sequence[IntegrationEvent], batch: int = 50, name: str = "t") -> None:
    """Apply events in batches, each batch in one unit of work committed with a tracking record."""
    handler = ProjectionHandler(app.read)
    offset = app.position(name) or 0
    for start in range(0, len(events), batch):
        uow = app.unit_of_work()
        for event in events[start : start + batch]:
            offset += 1
            topic = topic_for_event_type(event.type).name
            handler(uow, Delivery(message=event, topic=topic, partition=0, offset=offset, key=event.key))
        app.commit(uow, Tracking(name, offset))
    app.refresh()
