"""One way every service maps what it consumes to what it does: an explicit table from message type to
handler, with the topics it subscribes to declared once beside it.

    class TriageHandler(Inbound):
        def __init__(self, app: TriageApplication) -> None:
            self.app = app

        def registered(self, uow: UnitOfWork, message: ComplaintRegistered, delivery: Delivery) -> None:
            self.app.triage_registration(uow, message)

        TOPICS = (INTAKE_EVENTS, SLA_EVENTS)
        HANDLERS = {ComplaintRegistered: registered, RegradeRequested: regrade_requested}

An instance is the tracked consumer's `handle(uow, delivery)`; its bootstrap subscribes to
`TriageHandler.topic_names()`. A message type the table does not name is not the service's business:
it is skipped — by the tracked consumer on its `ce_type` header, before any decoding (`wants`) — or
refused into the dead letters (`UNHANDLED = "reject"`) where the service reads a topic it alone is
meant to understand. The table is checked against the topic registry when the class
is defined: a handler for a type none of the topics carries fails at import, not silently in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel

from shared.contracts import MESSAGE_TYPES
from shared.contracts.topics import Topic
from shared.eventstore import UnitOfWork

from .consumer import Delivery, Rejected

# handler(the service's inbound handler, unit of work, the decoded message, where it came from)
MessageHandler = Callable[[Any, UnitOfWork, Any, Delivery], None]


def type_name(model: type[BaseModel]) -> str:
    return str(model.model_fields["type"].default)


class Inbound:
    """Base of each service's inbound handler: `TOPICS` and the `HANDLERS` table, dispatched by type."""

    TOPICS: ClassVar[tuple[Topic, ...]] = ()
    HANDLERS: ClassVar[Mapping[type[BaseModel], MessageHandler]] = {}
    UNHANDLED: ClassVar[Literal["skip", "reject"]] = "skip"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        carried = {name for topic in cls.TOPICS for name in topic.event_types}
        strays = sorted(type_name(model) for model in cls.HANDLERS if type_name(model) not in carried)
        if strays:
            raise TypeError(f"{cls.__name__} handles {strays}, which none of {cls.topic_names()} carries")
        cls._passed_over = frozenset(MESSAGE_TYPES) - {type_name(model) for model in cls.HANDLERS}

    _passed_over: ClassVar[frozenset[str]] = frozenset()

    def wants(self, type_name: str) -> bool:
        """Whether a record of this CloudEvent type (its `ce_type` header) is this service's business:
        the tracked consumer checks its author, decodes it and hands it over. A type of the catalogue
        that the table does not name (with `UNHANDLED = "skip"`) is not: the consumer passes over it
        unread, its position saved with the batch — no signature check, no JSON, no model for a message
        that would have no effect here. Its author is checked by the services that do read it; a type
        nobody knows still goes through decoding, into the dead letters as before."""
        return self.UNHANDLED == "reject" or type_name not in self._passed_over

    @classmethod
    def topic_names(cls) -> list[str]:
        return [topic.name for topic in cls.TOPICS]

    @classmethod
    def handled_types(cls) -> list[str]:
        return sorted(type_name(model) for model in cls.HANDLERS)

    def wanted(self, message: Any) -> Iterable[UUID]:
        """The aggregates handling `message` will read (overridden where a service knows): the tracked
        consumer loads a batch's together before handling it (`UnitOfWork.prefetch`)."""
        return ()

    def prefetch(self, deliveries: Iterable[Delivery]) -> Iterator[UUID]:
        for delivery in deliveries:
            if type(delivery.message) in self.HANDLERS:
                yield from self.wanted(delivery.message)

    def __call__(self, uow: UnitOfWork, delivery: Delivery) -> None:
        handler = self.HANDLERS.get(type(delivery.message))
        if handler is not None:
            handler(self, uow, delivery.message, delivery)
        elif self.UNHANDLED == "reject":
            raise Rejected(
                f"{type(self).__name__} does not accept {type(delivery.message).__name__} on {delivery.topic}"
            )
