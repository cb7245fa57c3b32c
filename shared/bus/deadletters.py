"""Dead letters are stored events like any other, so the relay publishes them exactly once.

A consumer that gives up on a message records a `DeadLetterRecord` in its own store, in the same
transaction as its Kafka position; the relay then publishes it to the dead-letter topic. The store
keeps the original message whole (its value as bytes, however large or undecodable); what leaves the
service is `publishable(letter)`: bounded, so it always fits on Kafka, and without personal data.

An operator may ask for a letter to be handled again (`python -m shared.bus.operator redrive`): the
request is an event on the letter, and the consumer's worker handles the original message once more,
exactly once (see `TrackedConsumer.redrive_requested`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from aiokafka import ConsumerRecord
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from shared.contracts import DeadLetter, WireMessage, derived_id
from shared.contracts.deadletter import HEADERS_LIMIT, VALUE_LIMIT, Withheld, cut, value_digest
from shared.contracts.topics import topic_named


@dataclass(frozen=True)
class Redrive:
    """One operator's request to handle the letter again, and what came of it (None while pending)."""

    by: str
    reason: str
    requested_at: datetime
    outcome: str | None = None


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
        value: str | None,
        error: str,
        attempts: int,
        dead_lettered_at: datetime,
        value_base64: str | None = None,  # the original bytes when they are not UTF-8 (newer records)
    ) -> None:
        self.consumer = consumer
        self.origin_topic = origin_topic
        self.origin_partition = origin_partition
        self.origin_offset = origin_offset
        self.key = key
        self.headers = headers
        self.text = value
        self.value_base64 = value_base64
        self.error = error
        self.attempts = attempts
        self.dead_lettered_at = dead_lettered_at
        self.redrives: list[Redrive] = []

    @classmethod
    def of(
        cls,
        consumer: str,
        record: ConsumerRecord[bytes, bytes],
        error: BaseException | str,
        attempts: int,
        at: datetime,
        *,
        keep_value: bool = True,
    ) -> DeadLetterRecord:
        """The letter of a Kafka record. `keep_value=False` keeps only the value's hash (the last
        resort when the whole letter could not be stored)."""
        raw = record.value or b""
        text: str | None
        encoded: str | None = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, encoded = None, base64.b64encode(raw).decode("ascii")
        reason = error if isinstance(error, str) else reason_of(error)
        if not keep_value:
            text, encoded = None, None
            reason = f"{reason} (value not kept: sha256 {value_digest(raw)}, {len(raw)} bytes)"
        return cls(
            consumer=consumer,
            origin_topic=record.topic,
            origin_partition=record.partition,
            origin_offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key is not None else None,
            headers={k: (v or b"").decode("utf-8", "replace") for k, v in record.headers},
            value=text,
            error=reason,
            attempts=attempts,
            dead_lettered_at=at,
            value_base64=encoded,
        )

    @property
    def raw_value(self) -> bytes:
        """The original value's bytes (records from before base64 keep only the decoded text)."""
        if self.value_base64 is not None:
            return base64.b64decode(self.value_base64)
        return (self.text or "").encode("utf-8", "surrogatepass")

    def wire(self) -> WireMessage:
        """The original message, as far as the store kept it: for a redrive."""
        return WireMessage(
            key=self.key.encode() if self.key is not None else None,
            value=self.raw_value,
            headers=[(k, v.encode()) for k, v in self.headers.items()],
        )

    @property
    def letter(self) -> DeadLetter:
        """The whole letter, as the store keeps it (see `publishable` for what may leave the service)."""
        raw = self.raw_value
        return DeadLetter(
            consumer=self.consumer,
            origin_topic=self.origin_topic,
            origin_partition=self.origin_partition,
            origin_offset=self.origin_offset,
            key=self.key,
            headers=self.headers,
            value=self.text,
            # Old records hashed the text they kept; newer ones the original bytes (the same for UTF-8).
            value_sha256=value_digest(raw),
            value_size=len(raw),
            value_withheld=Withheld.NOT_UTF_8 if self.value_base64 is not None else None,
            error=self.error,
            attempts=self.attempts,
            dead_lettered_at=self.dead_lettered_at,
        )

    @property
    def pending_redrive(self) -> Redrive | None:
        last = self.redrives[-1] if self.redrives else None
        return last if last is not None and last.outcome is None else None

    @property
    def redriven(self) -> bool:
        """Handled at last by a redrive: nothing is left to do for this letter."""
        return any(r.outcome == "handled" for r in self.redrives)

    @event("RedriveRequested")
    def request_redrive(self, by: str, reason: str, at: datetime) -> None:
        self.redrives.append(Redrive(by, reason, at))

    @event("Redriven")
    def record_redrive(self, outcome: str, at: datetime) -> None:
        """`outcome` is "handled", or the reason the message failed again."""
        last = self.redrives[-1]
        self.redrives[-1] = Redrive(last.by, last.reason, last.requested_at, outcome)


def publishable(letter: DeadLetter) -> DeadLetter:
    """The letter as it may leave the service: bounded (it fits on Kafka whatever the original was),
    without the value if its origin carries personal data, is not text, or is large."""
    origin = topic_named(letter.origin_topic)
    withheld = letter.value_withheld
    if letter.value is not None and origin is not None and origin.personal_data:
        withheld = Withheld.PERSONAL_DATA
    elif letter.value is not None and len(json.dumps(letter.value)) > VALUE_LIMIT:
        withheld = Withheld.TOO_LARGE
    headers = dict(list(letter.headers.items())[:HEADERS_LIMIT])
    return letter.model_copy(
        update={
            "key": cut(letter.key, 200) if letter.key is not None else None,
            "headers": {cut(k, 200): cut(v) for k, v in headers.items()},
            "value": None if withheld is not None else letter.value,
            "value_withheld": withheld,
            "error": cut(letter.error),
        }
    )


def reason_of(error: BaseException) -> str:
    """`Type: message` of a failure, without the input values a validation error quotes (they may be
    personal data, or megabytes)."""
    text = f"{type(error).__name__}: {error}"
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ValidationError):
            text = text.replace(str(cause), _validation_summary(cause))
        cause = cause.__cause__ or cause.__context__
    return text


def _validation_summary(error: ValidationError) -> str:
    lines = [f"{error.error_count()} validation error(s) for {error.title}"]
    for detail in error.errors(include_url=False, include_input=False)[:20]:
        location = ".".join(str(part) for part in detail["loc"]) or "(value)"
        lines.append(f"{location}: {detail['msg']} [type={detail['type']}]")
    return "\n".join(lines)


def letters_in(app: Any) -> list[DeadLetterRecord]:
    """Every dead letter of a service's store, oldest first (reads the notification log)."""
    ids: dict[UUID, None] = {}
    for notification in notifications_of(app, DeadLetterRecord.Recorded):
        ids[notification.originator_id] = None
    return [app.repository.get(letter_id) for letter_id in ids]


def notifications_of(app: Any, event_class: type) -> list[Any]:
    """The store's notifications of one stored event class, oldest first."""
    topic = get_topic(event_class)
    found, start = [], 1
    while True:
        batch = app.process_recorder.select_notifications(start, 1000, topics=[topic])
        found.extend(batch)
        if len(batch) < 1000:
            return found
        start = batch[-1].id + 1
