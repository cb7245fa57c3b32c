"""The tracked consumer's handler: every event of every service becomes an entry in its complaint's
record (or its hotline report's), linked into its office's hash chain, in the consumer's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.bus.consumer import Delivery
from shared.bus.dispatch import Inbound
from shared.contracts import MESSAGE_TYPES, IntegrationEvent
from shared.contracts.hotline import HotlineComplaintReported
from shared.contracts.topics import (
    FOLLOWUP_EVENTS,
    HANDLING_EVENTS,
    HOTLINE_REPORTS,
    INTAKE_EVENTS,
    NOTIFICATIONS,
    SLA_EVENTS,
    TRIAGE_EVENTS,
)
from shared.eventstore import UnitOfWork

from ..domain.chain import ChainHead, canonical_json, digest_of
from ..domain.records import COMPLAINT, HOTLINE, OfficeChainClaim, Record, hotline_record_id
from .readside import ReadSide

CONSUMED_TOPICS = (
    INTAKE_EVENTS,
    TRIAGE_EVENTS,
    HANDLING_EVENTS,
    SLA_EVENTS,
    FOLLOWUP_EVENTS,
    NOTIFICATIONS,
    HOTLINE_REPORTS,
)


@dataclass(frozen=True)
class Arrival:
    """What the projection keeps of one integration event before it links it: its subject, office,
    identity and canonical JSON with the digest. A pure function of the message (`arrival_of`), so
    the auditors' replay computes it in worker processes with this same code."""

    subject_id: UUID
    kind: str
    office_id: str
    event_id: str
    type: str
    occurred_at: str
    event_json: str
    digest: str


def arrival_of(message: IntegrationEvent) -> Arrival:
    if isinstance(message, HotlineComplaintReported):
        subject_id, kind = hotline_record_id(message.payload.hotline_reference), HOTLINE
    else:
        subject_id, kind = message.complaint_id, COMPLAINT
    event_json = canonical_json(message.model_dump(mode="json"))
    return Arrival(
        subject_id,
        kind,
        message.office_id,
        str(message.event_id),
        message.type,
        message.occurred_at.isoformat(),
        event_json,
        digest_of(event_json),
    )


class ProjectionHandler(Inbound):
    """handler(uow, delivery) for shared.bus.consumer.TrackedConsumer.

    The chain head of each office is the link at the office's highest position in the read side
    (caught up from the store when a unit of work first links an event), then what this unit of work
    already linked, so a unit that failed and was retried starts again from what the store really
    holds, and the head never moves backwards whatever order earlier rows were written in.

    A batch costs a fixed number of reads however many offices and complaints it holds: the records
    and chain claims are prefetched together (`wanted`), and at the unit's first link the read side is
    caught up once and every office of the batch has its head read in one query (`_read_heads`).

    Heads carried from this handler's own last committed unit: an office whose claim the store holds
    at the version this handler committed it at has, as its head, the head this handler committed
    (every unit that links into an office claims it first, which moves that version). Those offices
    need neither the read side caught up nor their heads read, so at a steady flow the worker leaves
    the read side's write to its followers (the SSE stream, the relay) and goes on with the next
    batch. Should the store's claim have moved meanwhile, the head is read as above; and a unit whose
    claim was read stale conflicts at its commit and is handled again, as any.
    """

    def __init__(self, read: ReadSide, *, sole_writer: bool = False, apply_after_commit: bool = False) -> None:
        """`sole_writer`: this handler alone writes the store and every unit it handles is committed
        before the next begins, or the run stops (the auditors' replay into a fresh store). Then the
        heads are carried from unit to unit and the read side is caught up once, at the end, in
        large batches, instead of before every unit."""
        self.read = read
        self.sole_writer = sole_writer
        self.apply_after_commit = apply_after_commit  # see `committed`
        self._uow: UnitOfWork | None = None
        self._heads: dict[str, ChainHead] = {}
        self._claims: dict[str, OfficeChainClaim] = {}  # read in this unit, before their heads
        self._claimed: set[str] = set()  # offices whose chain this unit claimed (it links into them)
        self._batch_offices: set[str] = set()  # the offices of the batch last prefetched (`prefetch`)
        # office -> (its claim's version, its head) as this handler's last committed unit left them
        self._carried: dict[str, tuple[int, ChainHead]] = {}

    def received(self, uow: UnitOfWork, message: IntegrationEvent, delivery: Delivery) -> None:
        self.take(uow, arrival_of(message), topic=delivery.topic, partition=delivery.partition, offset=delivery.offset)

    def take(self, uow: UnitOfWork, arrival: Arrival, *, topic: str, partition: int, offset: int) -> bool:
        """One event, already made an `Arrival`, into the unit of work (see `record`)."""
        if uow is not self._uow:
            if not self.sole_writer:
                # each unit claims its offices' chains afresh (see `_claim`)
                self._heads, self._claims, self._claimed = {}, {}, set()
            elif self._uow is None:
                self.read.catch_up()
            self._uow = uow
        return self.record(uow, arrival, topic=topic, partition=partition, offset=offset)

    def committed(self, uow: UnitOfWork) -> None:
        """After the consumer committed a unit (the tracked consumer calls it: `shared.bus.consumer`):
        the heads it linked to are carried to the next unit (see the class). With `apply_after_commit`,
        its rows also go into the read side at once, by this worker: the stream and the relay then find
        them there instead of each racing to write them."""
        if self.sole_writer:
            return
        if uow is self._uow:  # not a unit of the consumer's own (a dead letter's) that this one never saw
            self._carried.update(
                {office: (self._claims[office].version, self._heads[office]) for office in self._claimed}
            )
        if self.apply_after_commit:
            self.read.catch_up()

    def wanted(self, message: Any) -> Iterable[UUID]:
        """The subject's record and its office's chain claim (read before the head: see `_claim`)."""
        if isinstance(message, HotlineComplaintReported):
            subject_id = hotline_record_id(message.payload.hotline_reference)
        else:
            subject_id = message.complaint_id
        return [subject_id, OfficeChainClaim.create_id(message.office_id)]

    def prefetch(self, deliveries: Iterable[Delivery]) -> Iterator[UUID]:
        """What the batch's handlers will read (`wanted`), and the batch's offices noted: the unit's
        first link reads all their heads at once."""
        deliveries = list(deliveries)
        self._batch_offices = {d.message.office_id for d in deliveries if type(d.message) in self.HANDLERS}  # type: ignore[attr-defined]
        return super().prefetch(deliveries)

    # Every event of every topic it reads enters its complaint's record; nothing else is accepted.
    TOPICS = CONSUMED_TOPICS
    HANDLERS = dict.fromkeys((MESSAGE_TYPES[name] for topic in CONSUMED_TOPICS for name in topic.event_types), received)
    UNHANDLED = "reject"

    def _claim(self, uow: UnitOfWork, office_id: str) -> None:
        """Claim the office's chain for this unit of work; its head was read after its claim, so a
        concurrent instance that linked events meanwhile either shows in the head or makes this
        unit's claim conflict (retried by the consumer as transient)."""
        if office_id not in self._heads:
            self._read_heads(uow, {office_id} | self._batch_offices)
        claim = self._claims[office_id]
        claim.claim()
        uow.add(claim)
        self._claimed.add(office_id)

    def _read_heads(self, uow: UnitOfWork, offices: set[str]) -> None:
        """The claims of these offices (prefetched with the batch: no round trip on PostgreSQL),
        then the heads carried for those whose claim has not moved; for the others the read side
        caught up once, then every one's head in one query: claims first, so each head read is at
        least as new as its claim."""
        offices = offices - self._heads.keys()
        self._batch_offices = set()
        for office in sorted(offices):
            self._claims[office] = uow.find(OfficeChainClaim.create_id(office)) or OfficeChainClaim(office)
            carried = self._carried.get(office)
            if carried is not None and carried[0] == self._claims[office].version:
                self._heads[office] = carried[1]  # nobody linked since this handler's last commit
        unknown = offices - self._heads.keys()
        if unknown:
            self.read.catch_up()
            self._heads.update(self.read.heads(unknown))

    def record(self, uow: UnitOfWork, arrival: Arrival, *, topic: str, partition: int, offset: int) -> bool:
        """Add one event to its record; False if the record already holds it (a re-publication)."""
        record: Record | None = uow.find(arrival.subject_id)
        if record is None:
            record = Record(subject_id=arrival.subject_id, kind=arrival.kind, office_id=arrival.office_id)
        elif record.has(arrival.event_id):
            return False
        uow.add(record)
        event_json, digest, office_id = arrival.event_json, arrival.digest, arrival.office_id
        if self.sole_writer:  # a rebuild into a fresh store: nobody else links, no claim needed
            if office_id not in self._heads:
                self._heads[office_id] = self.read.head(office_id)
        elif office_id not in self._claimed:
            self._claim(uow, office_id)
        previous = self._heads[office_id]
        head = previous.next(digest)
        self._heads[office_id] = head
        entry: dict[str, Any] = {
            "event_id": arrival.event_id,
            "type": arrival.type,
            "occurred_at": arrival.occurred_at,
            "event_json": event_json,
            "digest": digest,
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "office_id": office_id,
            "position": head.position,
            "previous": previous.hash,
            "hash": head.hash,
        }
        record.receive(entry)
        return True
