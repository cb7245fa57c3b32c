"""Dead letters are stored events like any other, so the relay publishes them exactly once.

A consumer that gives up on a message records a `DeadLetterRecord` in its own store, in the same
transaction as its Kafka position; the relay then publishes it to the dead-letter topic.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import DeadLetter, derived_id
from shared.contracts.deadletter import value_digest
from shared.contracts.topics import topic_named


class DeadLetterRecord(Aggregate):
    @staticmethod
    def create_id(consumer: str, origin_topic: str, origin_partition: int, origin_offset: int, **_: object) -> UUID:
        return derived_id("dead-letter", consumer, origin_topic, origin_partition, origin_offset)

    @event("Recorded")
    def __init__(
        self,
        consumer: str,
        origin_topic: str,
        origin_partition: int,
        origin_offset: int,
        key: str | None,
        headers: dict[str, str],
        value: str,
        error: str,
        attempts: int,
        dead_lettered_at: datetime,
    ) -> None:
        self.letter = DeadLetter(
            consumer=consumer,
            origin_topic=origin_topic,
            origin_partition=origin_partition,
            origin_offset=origin_offset,
            key=key,
            headers=headers,
            value=value,
            value_sha256=value_digest(value),
            personal_data_withheld=False,
            error=error,
            attempts=attempts,
            dead_lettered_at=dead_lettered_at,
        )


def publishable(letter: DeadLetter) -> DeadLetter:
    """The letter as it may leave the service: without the value if its origin carries personal data."""
    origin = topic_named(letter.origin_topic)
    if origin is None or not origin.personal_data:
        return letter
    return letter.model_copy(update={"value": None, "personal_data_withheld": True})
