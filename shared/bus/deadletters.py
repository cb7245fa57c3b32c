"""Dead letters are stored events like any other, so the relay publishes them exactly once.

A consumer that gives up on a message records a `DeadLetterRecord` in its own store, in the same
transaction as its Kafka position; the relay then publishes it to the dead-letter topic. The store
keeps the original message whole (its value as bytes, however large or undecodable); what leaves the
service is `publishable(letter)`: bounded, so it always fits on Kafka, and without personal data.

An operator may ask for a letter to be handled again (`python -m shared.bus.operator redrive`): the
request is an event on the letter, and the consumer's worker handles the original message once more,
exactly once (see `TrackedConsumer.redrive_requested`). Or dismiss it (`… dismiss`: who and why,
an event `Dismissed`): it stays, and no longer counts as open (`OpenLetters`: the worker's gauge).

A consumer whose topics carry personal data in clear (intake's office-facing topic) gives its letters
a `LetterSealer`: the store then keeps the value sealed under the complainant's own key (its hash and
size beside it), so erasing the person shreds the letter too; a redrive opens it (docs/privacy.md).
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from aiokafka import ConsumerRecord
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from shared.attention import Dismissal, dismiss_refusal, needs_attention
from shared.contracts import DeadLetter, WireMessage, derived_id
from shared.contracts.deadletter import HEADERS_LIMIT, VALUE_LIMIT, Withheld, cut, value_digest
from shared.contracts.topics import topic_named


@dataclass(frozen=True)
class SealedValue:
    """A letter's value sealed under a person's key (shared/keyring.py): unreadable once they are erased."""

    person_id: str
    sealed: str


class LetterSealer(Protocol):
    """Seals the value of a letter from a topic that carries personal data in clear, and opens it."""

    def seal(self, topic: str, value: bytes, now: datetime) -> SealedValue | None:
        """The value sealed, or None when this topic's values need no sealing."""
        ...

    def open(self, sealed: SealedValue) -> bytes | None:
        """The original bytes, or None once the person is erased."""
        ...


class ValueErased(Exception):
    """The letter's value was sealed under a person who is now erased: there is nothing to redrive."""


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
        sealed_value: dict[str, Any] | None = None,  # person_id, sealed, sha256, size: a sealed value
    ) -> None:
        self.consumer = consumer
        self.origin_topic = origin_topic
        self.origin_partition = origin_partition
        self.origin_offset = origin_offset
        self.key = key
        self.headers = headers
        self.text = value
        self.value_base64 = value_base64
        self.sealed_value = sealed_value
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
        sealer: LetterSealer | None = None,
    ) -> DeadLetterRecord:
        """The letter of a Kafka record. `keep_value=False` keeps only the value's hash (the last
        resort when the whole letter could not be stored); a `sealer` keeps the value sealed when
        its topic carries personal data in clear."""
        raw = record.value or b""
        text: str | None
        encoded: str | None = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, encoded = None, base64.b64encode(raw).decode("ascii")
        reason = error if isinstance(error, str) else reason_of(error)
        sealed = sealer.seal(record.topic, raw, at) if sealer is not None and keep_value else None
        kept_sealed: dict[str, Any] | None = None
        if sealed is not None:
            text, encoded = None, None
            kept_sealed = {"person_id": sealed.person_id, "sealed": sealed.sealed}
            kept_sealed |= {"sha256": value_digest(raw), "size": len(raw)}
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
            sealed_value=kept_sealed,
        )

    @property
    def raw_value(self) -> bytes:
        """The original value's bytes (records from before base64 keep only the decoded text; a
        sealed value reads empty here: `wire(sealer)` opens it)."""
        if self.value_base64 is not None:
            return base64.b64decode(self.value_base64)
        return (self.text or "").encode("utf-8", "surrogatepass")

    @property
    def sealed(self) -> SealedValue | None:
        kept = getattr(self, "sealed_value", None)  # None in letters recorded before sealing
        return None if kept is None else SealedValue(kept["person_id"], kept["sealed"])

    def wire(self, sealer: LetterSealer | None = None) -> WireMessage:
        """The original message, as far as the store kept it: for a redrive. A sealed value is opened
        with `sealer`; ValueErased once its person is erased."""
        value = self.raw_value
        sealed = self.sealed
        if sealed is not None:
            opened = sealer.open(sealed) if sealer is not None else None
            if opened is None:
                why = "its person is erased" if sealer is not None else "this consumer has no keyring to open it"
                raise ValueErased(f"the letter's value is sealed under person {sealed.person_id} and {why}")
            value = opened
        return WireMessage(
            key=self.key.encode() if self.key is not None else None,
            value=value,
            headers=[(k, v.encode()) for k, v in self.headers.items()],
        )

    @property
    def letter(self) -> DeadLetter:
        """The whole letter, as the store keeps it (see `publishable` for what may leave the service).
        A sealed value is withheld here already: its hash and size are what the store knows in clear."""
        raw = self.raw_value
        kept = getattr(self, "sealed_value", None)
        withheld = Withheld.NOT_UTF_8 if self.value_base64 is not None else None
        digest, size = value_digest(raw), len(raw)
        if kept is not None:
            withheld, digest, size = Withheld.PERSONAL_DATA, kept["sha256"], kept["size"]
        return DeadLetter(
            consumer=self.consumer,
            origin_topic=self.origin_topic,
            origin_partition=self.origin_partition,
            origin_offset=self.origin_offset,
            key=self.key,
            headers=self.headers,
            value=self.text,
            # Old records hashed the text they kept; newer ones the original bytes (the same for UTF-8).
            value_sha256=digest,
            value_size=size,
            value_withheld=withheld,
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

    @property
    def dismissal(self) -> Dismissal | None:
        return getattr(self, "_dismissal", None)  # letters recorded before dismissals have none

    def dismiss(self, by: str, reason: str, at: datetime) -> None:
        """An operator read the letter and decided it needs nothing more (who and why are kept; the
        letter stays, with its dismissal). `attention.Refused` when it cannot be dismissed now."""
        dismiss_refusal(self, by, reason)
        self._record_dismissal(by, reason, at)

    @event("Dismissed")
    def _record_dismissal(self, by: str, reason: str, at: datetime) -> None:
        self._dismissal = Dismissal(by, reason, at)


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


class OpenLetters:
    """How many of one consumer's dead letters still need an operator (neither redriven nor dismissed),
    for its metrics and health. Counted incrementally: each call reads only the letters' events stored
    since the last one (recorded, redriven, dismissed) and looks again at the letters they touched."""

    def __init__(self, app: Any, consumer: str) -> None:
        self.app = app
        self.consumer = consumer
        self.position = 0
        self.open: set[UUID] = set()
        self._lock = threading.Lock()

    def count(self) -> int:
        topics = [
            get_topic(c) for c in (DeadLetterRecord.Recorded, DeadLetterRecord.Redriven, DeadLetterRecord.Dismissed)
        ]
        with self._lock:
            touched: dict[UUID, None] = {}
            while True:
                batch = self.app.process_recorder.select_notifications(self.position + 1, 1000, topics=topics)
                touched.update(dict.fromkeys(n.originator_id for n in batch))
                if batch:
                    self.position = batch[-1].id
                if len(batch) < 1000:
                    break
            for letter_id in touched:
                letter: DeadLetterRecord = self.app.repository.get(letter_id)
                if letter.consumer == self.consumer and needs_attention(letter):
                    self.open.add(letter_id)
                else:
                    self.open.discard(letter_id)
            return len(self.open)


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
