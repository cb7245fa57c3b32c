"""The notifier's failed deliveries as an operator sees them, folded from what is on Kafka.

The notifier keeps no event store: a delivery it gave up on is a dead letter on `complaints.dead-letters`
(its CloudEvent id derived from the delivery, so the same on every publication), and what operators
decide about it is a record on `complaints.notifier.operator`: a retry asked for (who, why), its
outcome (written by the worker that took it), a dismissal (who, why). Nothing is ever deleted; this
module folds the two logs into one `FailedDelivery` per letter, pure, so the CLI and the tests share it.

The operator records are the notifier's own (its CLI writes them, its worker reads them): not an
integration contract, like its ledger's changelog; versioned all the same (`v`). Each is signed with the
notifier's key (the topic's author, shared/signing.py); one that is not (forged, altered, or written
before records were signed) is a `RefusedRecord`: shown beside its letter, never counted as a retry, an
outcome or a dismissal, so nobody who can merely write the topic can have mail resent or a failure hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from shared.attention import Dismissal, needs_attention, status
from shared.contracts import DeadLetter, derived_id

SENT = "sent"
RETRYABLE = "DeliveryFailed"  # a mail, webhook or text given up on after its retries: the one kind worth retrying


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    v: Literal[1] = 1
    letter_id: UUID
    at: AwareDatetime


class RetryRequested(_Record):
    """An operator asks the worker to try one failed delivery again."""

    kind: Literal["retry-requested"] = "retry-requested"
    request_id: UUID
    origin_topic: str
    origin_partition: int
    origin_offset: int
    by: str
    reason: str


class RetryFinished(_Record):
    """What came of a retry: `sent`, or why not (written by the worker that took the request)."""

    kind: Literal["retry-finished"] = "retry-finished"
    request_id: UUID
    outcome: str


class Dismissed(_Record):
    """An operator read the failure and decided it needs nothing more."""

    kind: Literal["dismissed"] = "dismissed"
    by: str
    reason: str


OperatorRecord = Annotated[RetryRequested | RetryFinished | Dismissed, Field(discriminator="kind")]
_records: TypeAdapter[OperatorRecord] = TypeAdapter(OperatorRecord)


def read_record(raw: bytes) -> OperatorRecord:
    """Raises pydantic's ValidationError for anything that is not an operator record."""
    return _records.validate_json(raw)


def write_record(record: OperatorRecord) -> bytes:
    return record.model_dump_json().encode()


@dataclass(frozen=True)
class Retry:
    """One retry an operator asked for; `outcome` None while the worker has not taken it."""

    request_id: UUID
    by: str
    reason: str
    requested_at: datetime
    outcome: str | None = None


@dataclass(frozen=True)
class Failure:
    """One time the notifier gave the delivery up (the first, then once per failed retry)."""

    at: datetime
    attempts: int
    error: str


# What the notifier was doing, by the topic it read.
SUBJECTS = {
    "complaints.notifications": "staff notification",
    "complaints.intake.events": "complainant's receipt",
    "complaints.handling.events": "complainant's update",
    "complaints.followup.events": "complainant's update",
    "complaints.projection.reports": "weekly report",
}


@dataclass
class FailedDelivery:
    """A dead letter of the notifier with what operators did about it."""

    id: UUID
    letter: DeadLetter  # as last published
    failures: list[Failure] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    dismissal: Dismissal | None = None
    refused: list[RefusedRecord] = field(default_factory=list)  # records about it the notifier did not sign

    # -- as `shared.attention` reads a record: a retry is this notifier's redrive ----------------
    @property
    def redrives(self) -> list[Retry]:
        return self.retries

    @property
    def redriven(self) -> bool:
        return any(r.outcome == SENT for r in self.retries)

    @property
    def status(self) -> str:
        return status(self, verb="retry")

    @property
    def needs_attention(self) -> bool:
        return needs_attention(self)

    # -- what it was ----------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """`DeliveryFailed`, `NoRecipient`, `NoContact`, `Unprocessable`, `Unauthored`, ..."""
        return self.letter.error.split(":", 1)[0]

    @property
    def retryable(self) -> bool:
        return self.kind == RETRYABLE

    @property
    def subject(self) -> str:
        return SUBJECTS.get(self.letter.origin_topic, self.letter.origin_topic)

    @property
    def attempts(self) -> int:
        """Every attempt to deliver it, over the first failure and each failed retry."""
        return sum(f.attempts for f in self.failures)

    def next_request_id(self) -> UUID:
        """The id of the next retry: two operators asking at once ask for the same retry."""
        return derived_id("notifier-retry", self.id, len(self.retries))


@dataclass(frozen=True)
class RefusedRecord:
    """A record on the operator topic that the notifier did not sign: shown, never acted on."""

    where: str  # `<partition>@<offset>`
    why: str  # the refusal, e.g. "unsigned record on complaints.notifier.operator (only notifier may write it)"
    record: OperatorRecord | None  # what it says it is (None: not even an operator record)

    @property
    def letter_id(self) -> UUID | None:
        return self.record.letter_id if self.record is not None else None

    def describe(self) -> str:
        """One line: what it claims (kind, by, reason, when) and why it is refused."""
        if self.record is None:
            return f"{self.where}: unreadable record, refused: {self.why}"
        claims = f"{self.record.kind} of {self.record.letter_id} at {self.record.at.isoformat()}"
        if isinstance(self.record, RetryRequested | Dismissed):
            claims += f" by {self.record.by!r} ({self.record.reason!r})"
        elif isinstance(self.record, RetryFinished):
            claims += f" ({self.record.outcome!r})"
        return f"{self.where}: {claims}, refused: {self.why}"


def fold(
    letters: Iterable[tuple[UUID, DeadLetter]],
    records: Iterable[OperatorRecord],
    refused: Iterable[RefusedRecord] = (),
) -> list[FailedDelivery]:
    """One `FailedDelivery` per letter id, oldest first. A letter published twice (at least once)
    counts once; published again after a failed retry (a new `dead_lettered_at`), a second failure.
    Records about letters not (or no longer) seen are ignored; a retry's outcome `sent` stays, even if
    a repeat of the request was later found with nothing to do. Retries are in the order they were
    asked for and the first dismissal stands, wherever a repeated record landed. `refused` records
    (not signed by the notifier) are kept beside their letter and change nothing."""
    found: dict[UUID, FailedDelivery] = {}
    for letter_id, letter in letters:
        failure = Failure(letter.dead_lettered_at, letter.attempts, letter.error)
        known = found.setdefault(letter_id, FailedDelivery(letter_id, letter))
        if all(f.at != failure.at for f in known.failures):
            known.failures.append(failure)
            known.failures.sort(key=lambda f: f.at)
            if letter.dead_lettered_at >= known.letter.dead_lettered_at:
                known.letter = letter
    ordered = list(records)
    for record in ordered:  # requests and dismissals first: an outcome may sit on another partition
        seen = found.get(record.letter_id)
        if seen is None:
            continue
        known = seen
        if isinstance(record, RetryRequested) and all(r.request_id != record.request_id for r in known.retries):
            known.retries.append(Retry(record.request_id, record.by, record.reason, record.at))
            known.retries.sort(key=lambda r: r.requested_at)
        elif isinstance(record, Dismissed) and (known.dismissal is None or record.at < known.dismissal.at):
            known.dismissal = Dismissal(record.by, record.reason, record.at)  # the first decision stands
    for unsigned in refused:
        if unsigned.letter_id is not None and unsigned.letter_id in found:
            found[unsigned.letter_id].refused.append(unsigned)
    for record in ordered:
        seen = found.get(record.letter_id)
        if seen is None or not isinstance(record, RetryFinished):
            continue
        for index, retry in enumerate(seen.retries):
            if retry.request_id == record.request_id and retry.outcome != SENT:
                seen.retries[index] = Retry(retry.request_id, retry.by, retry.reason, retry.requested_at,
                                             record.outcome)  # fmt: skip
    return sorted(found.values(), key=lambda f: f.failures[0].at)


def find(failures: list[FailedDelivery], wanted: str) -> FailedDelivery | None:
    return next((f for f in failures if str(f.id) == wanted.strip()), None)
