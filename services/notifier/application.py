"""The notifier's one command: deliver a `NotificationRequested` to the people who hold its roles.

At least once, never twice: each (notification, person, channel) is looked up in the ledger before it is
sent and recorded after. A crash between the two sends it again *identically* (same Message-ID, same
signed body), so the receiving side can recognise the repeat. A failing person is retried with back-off
while the others are served at once; in the end they become a dead letter, recorded in the ledger too,
so a redelivery does not retry them forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol
from uuid import UUID

from pydantic import BaseModel

from shared.bus.authors import AuthorCheck, Unauthored, decode_checked
from shared.bus.deadletters import publishable
from shared.clock import Clock, utc_now
from shared.contracts import DeadLetter, derived_id
from shared.contracts.deadletter import Withheld, value_digest
from shared.contracts.followup import (
    CaseClosed,
    ComplaintReopened,
    CustomerReplied,
    ReturnVisitMade,
    ReturnVisitScheduled,
)
from shared.contracts.handling import CaseReopened
from shared.contracts.intake import ComplaintRegistered, Language
from shared.contracts.notifications import NotificationRequested, Recipient
from shared.contracts.projection import ReportFile, ReportPublished
from shared.contracts.topics import topic_named
from shared.contracts.wire import MalformedMessage, WireMessage
from shared.keyring import Keyring, KeyringError
from shared.personal import open_form, open_personal
from shared.phone_regions import region_of_zone

from .adapters import i18n
from .domain import kept as kept_registrations
from .domain import messages, receipts, reports, sms, staff_wording, updates, wording
from .domain.directory import Addressee, Channel, Endpoint, StaffDirectory
from .domain.errors import DeliveryFailed, PermanentlyRefused, Unrecoverable
from .domain.ledger_age import AgeRule
from .domain.retry import RetryPolicy
from .domain.written import complainant_language

log = logging.getLogger(__name__)

SENT = "sent"
DEAD_LETTERED = "dead-lettered"
# A text a phone complainant did not get because no SMS gateway is configured: counted once, not sent
# later either (a redelivery finds it, as it finds what was sent).
NO_SMS_GATEWAY = "no-sms-gateway"
# A complaint reopened when its contact was no longer kept: said (logged, counted) once.
NO_CONTACT = "no-contact"


@dataclass(frozen=True)
class Origin:
    """Where the notification was read: a dead letter names it. `appended_at`: when the broker
    appended it (the age rule's clock, `domain/ledger_age.py`); None when unknown."""

    topic: str
    partition: int
    offset: int
    appended_at: datetime | None = None

    def place(self) -> tuple[str, int, int]:
        return self.topic, self.partition, self.offset


# Seven days: beyond any outage a complaint desk lives through (the office topic outlasts a weekend with
# three days), and the broker's default `offsets.retention.minutes` (a group idle longer starts again
# from the beginning, where the rule alone keeps it from sending twice). NOTIFIER_LEDGER_KEEP_DAYS.
DEFAULT_AGE_RULE = AgeRule(keep=timedelta(days=7), margin=timedelta(hours=1))


class Ledger(Protocol):
    """What was delivered (or given up on): a faust table in the worker, a dict in tests."""

    def outcome(self, key: str) -> str | None: ...

    async def record(self, key: str, outcome: str, partition: int) -> None:
        """Returns once the record is durable. `partition`: the source message's, so the entry lives
        with the partition it guards."""


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class Poster(Protocol):
    async def post(self, endpoint: Endpoint, body: bytes, headers: dict[str, str]) -> None: ...


class ReportFiles(Protocol):
    async def fetch(self, event: ReportPublished, file: ReportFile) -> bytes: ...


class Contacts(Protocol):
    """The complaints' kept registrations by complaint id (a faust table in the worker, a dict in
    tests): the reference, and never a clear contact, only what intake published sealed
    (`kept.KeptContact`)."""

    def get(self, complaint_id: UUID) -> kept_registrations.KeptContact | None: ...

    async def keep(self, complaint_id: UUID, kept: kept_registrations.KeptContact, partition: int) -> None: ...

    async def forget(self, complaint_id: UUID, partition: int) -> None: ...

    async def forget_closed(self, owned: Collection[int], keep_after_close: timedelta, now: datetime) -> int:
        """Forget the entries of the `owned` partitions closed longer than `keep_after_close`; how many."""


class DeadLetters(Protocol):
    async def publish(self, letter: DeadLetter, event_id: UUID) -> None: ...


@dataclass
class Counts:
    notifications: int = 0
    sent: int = 0
    repeats_skipped: int = 0
    dead_lettered: int = 0
    failed_attempts: int = 0
    receipts: int = 0
    updates: int = 0  # progress, promises, replies, invitations, reopenings and closes sent to complainants
    sms_receipts: int = 0  # receipts texted to complainants reached by phone
    sms_updates: int = 0  # ... and their updates
    sms_segments: int = 0  # the segments of those texts (what the gateway charges)
    sms_no_gateway: int = 0  # texts a phone complainant did not get: no NOTIFIER_SMS_GATEWAY_URL
    reports: int = 0
    unauthored: int = 0  # records no key of their topic's service signed: dead letters, nothing sent
    unprocessable: int = 0  # records read but not processable (unknown person, a mail not built): dead letters
    retries_sent: int = 0  # failed deliveries an operator retried, sent now
    retries_failed: int = 0  # ... that failed again (a new dead letter) or had nothing left to send
    stale: int = 0  # records older than the age rule's window, handed over again: not acted on
    ledger_forgotten: int = 0  # ledger entries past the age rule, tombstoned
    contacts_forgotten: int = 0  # kept contacts of complaints closed longer than the window, tombstoned
    reopened_unreachable: int = 0  # complaints reopened after their contact was forgotten: complainant not told
    no_contact: int = 0  # receipts of complaints registered without a contact (anonymous): nobody to tell
    operator_refused: int = 0  # operator records the notifier did not sign: refused, nothing done

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class Notifier:
    directory: StaffDirectory
    mailer: Mailer
    poster: Poster
    ledger: Ledger
    dead_letters: DeadLetters
    clock: Clock
    consumer: str  # the consumer group named in dead letters
    sender: str  # the From address
    mail_domain: str  # the right-hand side of every Message-ID
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    receipt_max_age: timedelta = timedelta(hours=24)
    # the complainant's private status page (the desk's), opened in a language (None: the page chooses)
    status_link: Callable[[UUID, str | None], str] | None = None
    desk_url: str | None = None  # the desk's address: staff mails link to the complaint's page there
    report_files: ReportFiles | None = None  # where a published report's files are fetched from
    report_roles: reports.ReportRoles = field(default_factory=reports.ReportRoles)
    report_formats: tuple[str, ...] = ("xlsx", "pdf")
    report_langs: tuple[str, ...] = ("en", "zh-Hant")
    keyring: Keyring | None = None  # opens the complainant's sealed contact to send their receipt
    contacts: Contacts | None = None  # the registrations kept: references, and sealed contacts for updates
    # how long a closed complaint's contact is kept for a reopening to reach its complainant (kept.py)
    keep_after_close: timedelta = kept_registrations.DEFAULT_KEEP_AFTER_CLOSE
    # The SMS gateway complainants reached by phone are texted through (None: they get nothing, counted)
    sms_gateway: Endpoint | None = None
    phone_region: str = "HK"  # where a number without its country code is read, the office's zone unknown
    sms_max_segments: int = sms.DEFAULT_MAX_SEGMENTS
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    counts: Counts = field(default_factory=Counts)
    in_flight: set[str] = field(default_factory=set)  # ledger keys being delivered now, in this process
    authors: AuthorCheck | None = None  # who may write each topic (shared/bus/authors.py)
    # letter id -> the outcome of an operator's retry of that failed delivery, while it runs (`retry`)
    retrying: dict[UUID, str | None] = field(default_factory=dict)
    # each language's words to staff (the catalogues in services/notifier/locale), by the person's language
    staff_words: Mapping[str, staff_wording.Gettext] = field(default_factory=i18n.staff_words)
    # how long the ledger remembers, and so how old a record may be and still be acted on
    age_rule: AgeRule = DEFAULT_AGE_RULE
    wall: Clock = utc_now  # the age rule's clock: the broker's time, not a demo's accelerated one
    said_no_gateway: bool = False  # the missing gateway is logged once

    # -- an operator's retry of one failed delivery (services/notifier/domain/failures.py) -----------

    async def retry(
        self,
        message: WireMessage,
        origin: Origin,
        letter_id: UUID,
        handle: Callable[[WireMessage, Origin], Awaitable[None]],
    ) -> str:
        """Handle the record again through its own entry point (`handle`), trying the one delivery
        whose dead letter is `letter_id` again although the ledger says it was given up on; the
        record's other deliveries are skipped as always (the ledger). Returns `sent`, the reason it
        failed again (a new dead letter with the same id, recorded in the ledger as before), or why
        nothing was tried."""
        self.retrying[letter_id] = None
        try:
            await handle(message, origin)
        finally:
            outcome = self.retrying.pop(letter_id, None)
        if outcome is None:
            outcome = (
                "not retried: the record no longer asks for this delivery (a complainant's mail older than "
                "NOTIFIER_RECEIPT_MAX_AGE_HOURS, an erased person, a recipient who left the directory)"
            )
        if outcome == SENT:
            self.counts.retries_sent += 1
        else:
            self.counts.retries_failed += 1
        return outcome

    # -- the four entry points: each record is processed, or dead-lettered with its reason -----------

    async def handle(self, message: WireMessage, origin: Origin) -> None:
        """A `NotificationRequested`: its people told (`_handle`)."""
        await self._guarded(message, origin, self._handle)

    async def receipt(self, message: WireMessage, origin: Origin) -> None:
        """A `ComplaintRegistered`: the complainant's receipt (`_receipt`)."""
        await self._guarded(message, origin, self._receipt)

    async def update(self, message: WireMessage, origin: Origin) -> None:
        """A handling or followup event: the complainant's update (`_update`)."""
        await self._guarded(message, origin, self._update)

    async def report(self, message: WireMessage, origin: Origin) -> None:
        """A `ReportPublished`: the report mailed to its people (`_report`)."""
        await self._guarded(message, origin, self._report)

    async def _guarded(
        self, message: WireMessage, origin: Origin, work: Callable[[WireMessage, Origin], Awaitable[None]]
    ) -> None:
        """Process one record; a record that cannot be processed (a person this keyring does not know,
        a mail that cannot be built, a bug met by this record alone) becomes a dead letter with its
        reason, counted, and the worker goes on with the next record. Only `Unrecoverable` (our own
        state or the broker failing) passes: the worker stops and the record is redelivered.
        The ledger remembers the letter, so a redelivery or the reconciler's re-reading does not
        dead-letter it again. A record older than the age rule's window is not acted on at all: its
        ledger entries may be forgotten already (`domain/ledger_age.py`)."""
        if not self.age_rule.acts_on(origin.appended_at, self.wall()):
            self.counts.stale += 1
            return
        key = unprocessable_key(message, origin)
        if self.ledger.outcome(key) is not None:
            return
        try:
            await work(message, origin)
        except Unrecoverable:
            raise
        except Exception as error:  # anything else is this record's own fault
            self.counts.unprocessable += 1
            reason = unprocessable_reason(error, private=_private(origin.topic))
            log.error("record %s-%d@%d cannot be processed: %s", origin.topic, origin.partition, origin.offset, reason)
            letter_id = derived_id("notifier-unprocessable", *origin.place())
            await self._dead_letter(message, origin, reason, 1, letter_id)
            await self._record(key, DEAD_LETTERED, origin.partition)

    async def _record(self, key: str, outcome: str, partition: int) -> None:
        """The ledger's write; its failure is ours, not the record's."""
        try:
            await self.ledger.record(key, outcome, partition)
        except Exception as error:
            raise Unrecoverable(f"the ledger refused {key!r}") from error

    async def _keep(self, complaint_id: UUID, kept: kept_registrations.KeptContact, partition: int) -> None:
        assert self.contacts is not None
        try:
            await self.contacts.keep(complaint_id, kept, partition)
        except Exception as error:
            raise Unrecoverable(f"the contacts table refused complaint {complaint_id}") from error

    async def _handle(self, message: WireMessage, origin: Origin) -> None:
        """Deliver one message of the notifications topic to everyone it addresses, concurrently."""
        event = await self._decode(message, origin)
        if event is None:
            return
        if not isinstance(event, NotificationRequested):
            return  # not ours to deliver
        resolution = self.directory.resolve(event.payload.recipients)
        jobs = [self._unfilled(message, origin, event.event_id, recipient) for recipient in resolution.unfilled]
        keys = [unfilled_key(event.event_id, recipient) for recipient in resolution.unfilled]
        for addressee in resolution.addressees:
            channels = addressee.channels()
            if not channels:
                jobs.append(self._unreachable(message, origin, event.event_id, addressee))
                keys.append(unreachable_key(event.event_id, addressee))
            jobs.extend(self._deliver(message, origin, event, addressee, channel) for channel in channels)
            keys.extend(messages.delivery_key(event.event_id, addressee.staff.id, channel) for channel in channels)
        # Heard once: a redelivery, or the reconciler's re-reading every round (its lookback), finds every
        # delivery in the ledger or in flight, and is no notification heard again (the count was ten
        # times the notifications published after half an hour of `make up`).
        heard = not keys or any(self.ledger.outcome(key) is None and key not in self.in_flight for key in keys)
        if heard:
            self.counts.notifications += 1
        await _all(jobs)
        # A repeat is a debug line: the reconciler's rounds wrote every message of its lookback again.
        (log.info if heard else log.debug)(
            "notification %s (%s-%d@%d) handled", event.event_id, origin.topic, origin.partition, origin.offset
        )

    async def _decode(self, message: WireMessage, origin: Origin) -> BaseModel | None:
        """The message's event, or None once it is dead-lettered: not signed by its topic's service
        (given `authors`), or not a message we can read."""
        try:
            return decode_checked(self.authors, origin.topic, message)
        except MalformedMessage as error:
            if isinstance(error, Unauthored):
                self.counts.unauthored += 1
            await self._dead_letter(
                message,
                origin,
                f"{type(error).__name__}: {error}",
                1,
                derived_id("notifier-malformed", *origin.place()),
            )
            await self._record(unprocessable_key(message, origin), DEAD_LETTERED, origin.partition)  # once
            return None

    async def _deliver(
        self, message: WireMessage, origin: Origin, event: NotificationRequested, addressee: Addressee, channel: str
    ) -> None:
        staff = addressee.staff.id
        send = self._email if channel == Channel.EMAIL else self._webhook
        await self._attempt(
            message,
            origin,
            key=messages.delivery_key(event.event_id, staff, channel),
            send=lambda: send(event, addressee),
            label=f"{channel} to {staff}",
            failure=lambda error: (
                f"DeliveryFailed: {channel} to staff {staff!r} ({', '.join(addressee.roles)}): {error}"
            ),
            letter_id=messages.delivery_id(event.event_id, staff, channel),
        )

    async def _receipt(self, message: WireMessage, origin: Origin) -> None:
        """The complainant's receipt for a `ComplaintRegistered` whose contact is an email address.
        Their address is personal data: it is in the email and nowhere else (not in logs, not in the
        ledger, not in a dead letter's error)."""
        event = await self._decode(message, origin)
        if event is None:
            return
        if not isinstance(event, ComplaintRegistered):
            return
        if self.contacts is not None and self.contacts.get(event.complaint_id) is None:
            # the reference for staff mails, the sealed contact for the updates
            await self._keep(event.complaint_id, kept_registrations.kept_contact(event), origin.partition)
        if not receipts.receipt_due(event.payload.registered_at, self.clock(), self.receipt_max_age):
            return
        # The contact is sealed: opened through the keyring at send time (an erased person: no receipt).
        form = open_form(event.payload.form, self.keyring)
        # the language it is written in when the form records none (written.py), as the kept contact's
        written = complainant_language(form)
        form = form.model_copy(update={"language": Language(written) if written else None})
        language = wording.link_language(form.language)
        link = self.status_link(event.complaint_id, language) if self.status_link else None
        office_name = lambda language: self.directory.office_name(event.office_id, language)  # noqa: E731
        if form.complainant.contact is None:  # none given (anonymous): recorded, but nobody to tell
            self.counts.no_contact += 1
            return
        if not receipts.is_email(form.complainant.contact):
            to = self._phone(form.complainant.contact, event.office_id)
            if to is None:
                return  # erased (the marker is no number), or a contact nobody can be reached at
            text = sms.receipt_sms(
                event.complaint_id, receipts.references(event, office_name), form.language, to, status_url=link,
                max_segments=self.sms_max_segments,
            )  # fmt: skip
            if await self._text(message, origin, text, sms.receipt_key(event.complaint_id), event.complaint_id):
                self.counts.sms_receipts += 1
            return
        receipt = receipts.receipt_email(
            event,
            form,
            sender=self.sender,
            domain=self.mail_domain,
            status_url=link,
            time_zone=self.directory.time_zone(event.office_id),
            office_name=office_name,
        )
        sent = await self._attempt(
            message,
            origin,
            key=receipts.receipt_key(event.complaint_id),
            send=lambda: self.mailer.send(receipt),
            label=f"receipt for complaint {event.complaint_id}",
            failure=lambda error: (
                f"DeliveryFailed: receipt email for complaint {event.complaint_id}: "
                f"{type(error.__cause__ or error).__name__} (details withheld: they name the complainant)"
            ),
            letter_id=derived_id("notifier-receipt", event.complaint_id),
            private=True,
        )
        if sent:  # not a redelivery, nor a receipt given up on
            self.counts.receipts += 1

    async def _update(self, message: WireMessage, origin: Origin) -> None:
        """The complainant's update for a handling or followup event (progress, a promise, the reply,
        the return visit's invitation, a reopening, the close), through the receipt's path: the sealed
        contact kept from the registration, opened through the keyring now (an erased person: nothing),
        the ledger, a derived Message-ID. A close marks the contact closed and a reopening open again
        (`kept.py`): a closed complaint's contact is forgotten only once the window after its close has
        passed. A return visit's invitation heard before this round's reply waits for it (`kept.py`)."""
        event = await self._decode(message, origin)
        if event is None or self.contacts is None:
            return
        if isinstance(event, CaseClosed | CaseReopened | ComplaintReopened | CustomerReplied | ReturnVisitMade):
            await self._mark(event, origin)
        if isinstance(event, CaseClosed):
            await self._closing(message, origin, event)
            return
        office_id: str = event.office_id  # type: ignore[attr-defined]
        item = updates.update(event, self.directory.time_zone(office_id))
        if item is None or not receipts.receipt_due(item.at, self.clock(), self.receipt_max_age):
            return  # not for the complainant, or from the past (a replay mails nobody)
        kept = self.contacts.get(item.complaint_id)
        if kept is None or kept.personal is None:
            return  # no registration seen with a sealed contact (or closed longer than the window ago)
        if isinstance(event, ReturnVisitScheduled) and not kept.replied:
            waiting = updates.waiting_invitation(event)
            await self._keep(item.complaint_id, kept.awaiting_reply(waiting), origin.partition)
            return  # sent right after this round's reply
        await self._send_update(message, origin, item, kept, office_id)
        if isinstance(event, CustomerReplied) and kept.invitation is not None:
            time_zone = self.directory.time_zone(office_id)
            invitation = updates.invitation_after_reply(
                kept.invitation, item.complaint_id, event.occurred_at, time_zone
            )
            await self._send_update(message, origin, invitation, kept, office_id)
            await self._keep(item.complaint_id, kept.invited(), origin.partition)

    async def _closing(self, message: WireMessage, origin: Origin, event: CaseClosed) -> None:
        """The complainant told their complaint is closed, once per closing (the ledger, by the close's
        event id), only while that close is the one in force: a close older than a reopening heard since
        (re-read, or heard late) tells nobody it is closed. An old close (a replay) mails nobody."""
        assert self.contacts is not None
        kept = self.contacts.get(event.complaint_id)
        if kept is None or kept.personal is None or not kept.closed or kept.closed_at != event.occurred_at:
            return
        if not receipts.receipt_due(event.occurred_at, self.clock(), self.receipt_max_age):
            return
        item = updates.closing(event, kept, self.directory.time_zone(event.office_id))
        await self._send_update(message, origin, item, kept, event.office_id)

    async def _send_update(
        self, message: WireMessage, origin: Origin, item: updates.Update, kept: kept_registrations.KeptContact,
        office_id: str,
    ) -> None:  # fmt: skip
        """One update to the complainant, by mail or text (their contact opened now), once."""
        assert kept.personal is not None
        opened = open_personal(kept.personal, self.keyring)
        if opened.contact is None:
            return  # registered without a contact (counted at its receipt)
        language = wording.link_language(kept.language)
        link = self.status_link(item.complaint_id, language) if self.status_link else None
        if not receipts.is_email(opened.contact):
            to = self._phone(opened.contact, office_id)
            if to is None:
                return  # erased: the marker is neither an address nor a number
            text = sms.update_sms(
                item, kept, to, status_url=link, max_segments=self.sms_max_segments,
                office_name=lambda language: self.directory.office_name(office_id, language),
            )  # fmt: skip
            if await self._text(message, origin, text, sms.update_key(item), item.complaint_id):
                self.counts.sms_updates += 1
            return
        email = updates.update_email(
            item, kept, opened.name, opened.contact, sender=self.sender, domain=self.mail_domain, status_url=link,
            office_name=lambda language: self.directory.office_name(office_id, language),
            time_zone=self.directory.time_zone(office_id),
        )  # fmt: skip
        sent = await self._attempt(
            message,
            origin,
            key=updates.update_key(item),
            send=lambda: self.mailer.send(email),
            label=f"{item.kind} for complaint {item.complaint_id}",
            failure=lambda error: (
                f"DeliveryFailed: {item.kind} email for complaint {item.complaint_id}: "
                f"{type(error.__cause__ or error).__name__} (details withheld: they name the complainant)"
            ),
            letter_id=derived_id(f"notifier-{item.keyed_as}", item.event_id),
            private=True,
        )
        if sent:
            self.counts.updates += 1

    async def _mark(
        self, event: CaseClosed | CaseReopened | ComplaintReopened | CustomerReplied | ReturnVisitMade, origin: Origin
    ) -> None:
        """A close, a reopening, a reply or a visit on the kept registration, written only when it changes the
        entry (the reconciler's re-reading writes nothing). A reopening after the contact was forgotten
        is said: the complainant will not hear of it."""
        assert self.contacts is not None
        kept = self.contacts.get(event.complaint_id)
        if kept is None:
            key = f"reopened-unreachable/{event.event_id}"  # said once: not at every re-reading
            if isinstance(event, ComplaintReopened) and self.ledger.outcome(key) is None:
                await self._record(key, NO_CONTACT, origin.partition)
                self.counts.reopened_unreachable += 1
                log.warning(
                    "complaint %s reopened, but no contact is kept for it (closed longer than %s ago, or never "
                    "registered with a sealed contact): its complainant is not told by the notifier",
                    event.complaint_id,
                    self.keep_after_close,
                )
            return
        if isinstance(event, CaseClosed):
            marked = kept.heard_closed(event.occurred_at)
        elif isinstance(event, CustomerReplied):
            marked = kept.heard_replied(event.occurred_at, event.payload.explanation_only)
        elif isinstance(event, ReturnVisitMade):
            marked = kept.past_visit(event.occurred_at)
        else:
            marked = kept.heard_reopened(event.occurred_at)
        if marked != kept:
            await self._keep(event.complaint_id, marked, origin.partition)

    async def forget_closed(self, owned: Collection[int]) -> int:
        """The kept contacts of the `owned` partitions closed longer than `keep_after_close`, forgotten."""
        if self.contacts is None:
            return 0
        forgotten = await self.contacts.forget_closed(owned, self.keep_after_close, self.clock())
        self.counts.contacts_forgotten += forgotten
        return forgotten

    def _named(self, complaint_id: UUID) -> kept_registrations.KeptContact | None:
        """The complaint as staff know it (its reference, intake's), once the registration is read."""
        return self.contacts.get(complaint_id) if self.contacts is not None else None

    def _phone(self, contact: str, office_id: str) -> str | None:
        """The contact in E.164, read in the office's region (its time zone's, as intake read it when it
        checked the form), else in `phone_region`; None when it is no phone number."""
        region = region_of_zone(self.directory.time_zone(office_id)) or self.phone_region
        return sms.phone_number(contact, region)

    async def _text(self, message: WireMessage, origin: Origin, text: sms.Sms, key: str, complaint_id: UUID) -> bool:
        """A text to a complainant through the SMS gateway, on the mails' terms: the ledger (`key`), the
        retries, a dead letter in the end (the operator's to retry or dismiss). Signed like a staff
        webhook. The number and the text are in the request body only: never in a log line, the ledger
        or a dead letter (the gateway's errors quote neither). True when it was sent now."""
        what = f"{text.kind} sms for complaint {complaint_id}"
        gateway = self.sms_gateway
        if gateway is None:
            await self._no_gateway(key, origin, what)
            return False
        body = sms.request_body(text)
        delivery = str(text.idempotency_key)
        headers = {
            "Content-Type": "application/json",
            messages.SIGNATURE_HEADER: messages.signature(gateway.secret.get_secret_value(), body),
            messages.DELIVERY_HEADER: delivery,
            sms.IDEMPOTENCY_HEADER: delivery,
        }
        sent = await self._attempt(
            message,
            origin,
            key=key,
            send=lambda: self.poster.post(gateway, body, headers),
            label=what,
            failure=lambda error: f"DeliveryFailed: {what}: {error}",
            letter_id=text.idempotency_key,
        )
        if sent:
            self.counts.sms_segments += text.segments.count
            log.info("%s sent: %d segment(s), %s", what, text.segments.count, text.segments.encoding)
        return sent

    async def _no_gateway(self, key: str, origin: Origin, what: str) -> None:
        """No gateway configured: the complainant reached by phone gets nothing (as before texts
        existed), counted once per text (the ledger remembers it) and logged once per process."""
        if self.ledger.outcome(key) is not None:
            return
        await self._record(key, NO_SMS_GATEWAY, origin.partition)
        self.counts.sms_no_gateway += 1
        if not self.said_no_gateway:
            self.said_no_gateway = True
            log.warning(
                "%s not sent: no SMS gateway is configured (NOTIFIER_SMS_GATEWAY_URL); complainants reached by "
                "phone get no receipt and no update (counted: notifier_sms_no_gateway_total; said once)",
                what,
            )

    async def _report(self, message: WireMessage, origin: Origin) -> None:
        """A published report (`ReportPublished`), mailed with its files attached to each person holding
        the report roles where it belongs (an office's managers; the group's recipients for the group's
        report), once each: the ledger, as for notifications. The files are fetched once per message,
        again on a retry, and only when someone still has to receive it."""
        event = await self._decode(message, origin)  # refused unless the projection signed it
        if not isinstance(event, ReportPublished) or self.report_files is None:
            return
        self.counts.reports += 1
        resolution = self.directory.resolve(reports.recipients(event, self.report_roles))
        languages = reports.wanted_languages(self.report_langs, resolution.addressees)
        wanted = reports.attached(event, self.report_formats, languages)
        fetched: asyncio.Future[list[tuple[ReportFile, bytes]]] | None = None

        async def files() -> list[tuple[ReportFile, bytes]]:
            nonlocal fetched
            if fetched is None or (fetched.done() and fetched.exception() is not None):
                fetched = asyncio.ensure_future(self._fetch(event, wanted))
            return await asyncio.shield(fetched)

        async def send(addressee: Addressee) -> None:
            # in the person's language when the directory says it (else both titles, as before)
            reader = self._reader(event.office_id, addressee) if addressee.staff.language else None
            attached = reports.files_for(addressee, await files(), self.report_langs)
            email = reports.report_email(
                event, addressee, attached, sender=self.sender, domain=self.mail_domain, reader=reader
            )
            await self.mailer.send(email)

        jobs: list[Awaitable[object]] = [
            self._unfilled(message, origin, event.event_id, recipient) for recipient in resolution.unfilled
        ]
        for addressee in resolution.addressees:
            if addressee.staff.email is None:
                jobs.append(self._unreachable(message, origin, event.event_id, addressee))
                continue
            staff = addressee.staff.id
            jobs.append(
                self._attempt(
                    message,
                    origin,
                    key=reports.delivery_key(event, addressee),
                    send=lambda addressee=addressee: send(addressee),  # type: ignore[misc]
                    label=f"report {event.key} to {staff}",
                    failure=lambda error, staff=staff: (
                        f"DeliveryFailed: report {event.key} to staff {staff!r}: {error}"
                    ),  # type: ignore[misc]
                    letter_id=messages.delivery_id(event.event_id, staff, Channel.EMAIL),
                )
            )
        await _all(jobs)
        if fetched is not None and not fetched.done():
            fetched.cancel()
        log.info("report %s (%s-%d@%d) handled", event.key, origin.topic, origin.partition, origin.offset)

    async def _fetch(self, event: ReportPublished, wanted: list[ReportFile]) -> list[tuple[ReportFile, bytes]]:
        assert self.report_files is not None
        return [(file, await self.report_files.fetch(event, file)) for file in wanted]

    async def _attempt(
        self,
        message: WireMessage,
        origin: Origin,
        *,
        key: str,
        send: Callable[[], Awaitable[None]],
        label: str,
        failure: Callable[[Exception], str],
        letter_id: UUID,
        private: bool = False,
    ) -> bool:
        """Send unless the ledger knows it (or this process is sending it now); retry with back-off; in
        the end, a dead letter. True when it was sent now."""
        known = self.ledger.outcome(key)
        if letter_id in self.retrying and known == SENT:
            self.retrying[letter_id] = SENT  # a retry taken twice: the first one sent it
        again = known == DEAD_LETTERED and letter_id in self.retrying and self.retrying[letter_id] is None
        if (known is not None and not again) or key in self.in_flight:
            # in flight: the reconciler handed again a message the agent is still delivering (a slow
            # recipient, a report's files being fetched); one of them sends, the other skips
            self.counts.repeats_skipped += 1
            return False
        self.in_flight.add(key)
        try:
            return await self._send_or_give_up(message, origin, key, send, label, failure, letter_id, private)
        finally:
            self.in_flight.discard(key)

    async def _send_or_give_up(
        self,
        message: WireMessage,
        origin: Origin,
        key: str,
        send: Callable[[], Awaitable[None]],
        label: str,
        failure: Callable[[Exception], str],
        letter_id: UUID,
        private: bool,
    ) -> bool:
        error: Exception | None = None
        attempts = 0
        for pause in [0.0, *self.policy.delays()]:
            if pause:
                await self.sleep(pause)
            attempts += 1
            try:
                await send()
            except DeliveryFailed as failed:
                error = failed
                self.counts.failed_attempts += 1
                shown = type(failed.__cause__ or failed).__name__ if private else str(failed)
                log.warning("%s failed (try %d): %s", label, attempts, shown)
                if isinstance(failed, PermanentlyRefused):
                    break  # refused for good: retrying would only delay the dead letter
                continue
            await self._record(key, SENT, origin.partition)
            self.counts.sent += 1
            if letter_id in self.retrying:
                self.retrying[letter_id] = SENT
            return True
        assert error is not None
        await self._dead_letter(message, origin, failure(error), attempts, letter_id)
        await self._record(key, DEAD_LETTERED, origin.partition)
        if letter_id in self.retrying:
            self.retrying[letter_id] = failure(error)
        return False

    def _reader(self, office_id: str | None, addressee: Addressee) -> staff_wording.Reader:
        """The person as their mail speaks to them: in their language as the directory records it
        (English when it says none, or names one we have no words for), the office by its name in it,
        times in the office's zone (the group's own mail: no office, times in UTC)."""
        language = addressee.staff.language or staff_wording.DEFAULT_LANGUAGE
        if language not in self.staff_words:
            language = staff_wording.DEFAULT_LANGUAGE
        return staff_wording.Reader(
            language=language,
            gettext=self.staff_words.get(language, lambda message: message),
            office=self.directory.office_name_for_staff(office_id, language) if office_id else "",
            time_zone=self.directory.time_zone(office_id) if office_id else None,
            office_names=lambda office: self.directory.office_name_for_staff(office, language),
            complaint_names=lambda complaint_id: self._reference(complaint_id, language),
        )

    def _reference(self, complaint_id: UUID, language: str) -> str | None:
        """A complaint as staff know it in `language` (a mass incident's members), None until its
        registration is read here: the kept registrations are partitioned by complaint id, so with several
        workers another's complaint is named by its id."""
        named = self._named(complaint_id)
        if named is None:
            return None
        office = named.office_id
        return named.reference_in(
            language, (lambda lang: self.directory.office_name_for_staff(office, lang)) if office else None
        )

    async def _email(self, event: NotificationRequested, addressee: Addressee) -> None:
        await self.mailer.send(
            messages.email(
                event, addressee, sender=self.sender, domain=self.mail_domain, desk_url=self.desk_url,
                reader=self._reader(event.office_id, addressee), complaint=self._named(event.complaint_id),
            )
        )  # fmt: skip

    async def _webhook(self, event: NotificationRequested, addressee: Addressee) -> None:
        assert addressee.staff.webhook is not None
        endpoint = self.directory.endpoints[addressee.staff.webhook.endpoint]
        body = messages.webhook_body(
            event, addressee, self._reader(event.office_id, addressee), desk_url=self.desk_url,
            complaint=self._named(event.complaint_id),
        )  # fmt: skip
        headers = {
            "Content-Type": "application/json",
            messages.SIGNATURE_HEADER: messages.signature(endpoint.secret.get_secret_value(), body),
            messages.DELIVERY_HEADER: str(messages.delivery_id(event.event_id, addressee.staff.id, Channel.WEBHOOK)),
        }
        await self.poster.post(endpoint, body, headers)

    async def _unfilled(self, message: WireMessage, origin: Origin, event_id: UUID, recipient: Recipient) -> None:
        """Nobody holds a requested role: a leader not told is a fault someone must see."""
        where = f"office {recipient.office_id!r}" if recipient.office_id else "the group"
        key = unfilled_key(event_id, recipient)
        if self.ledger.outcome(key) is None:
            reason = f"NoRecipient: nobody holds the role {recipient.role!r} in {where}"
            await self._dead_letter(message, origin, reason, 1, derived_id("notifier-unfilled", key))
            await self._record(key, DEAD_LETTERED, origin.partition)

    async def _unreachable(self, message: WireMessage, origin: Origin, event_id: UUID, addressee: Addressee) -> None:
        key = unreachable_key(event_id, addressee)
        if self.ledger.outcome(key) is None:
            reason = f"NoContact: staff {addressee.staff.id!r} has neither an email nor a webhook"
            await self._dead_letter(message, origin, reason, 1, derived_id("notifier-unreachable", key))
            await self._record(key, DEAD_LETTERED, origin.partition)

    async def _dead_letter(
        self, message: WireMessage, origin: Origin, error: str, attempts: int, event_id: UUID
    ) -> None:
        try:
            value: str | None = message.value.decode("utf-8")
            withheld = None
        except UnicodeDecodeError:
            value, withheld = None, Withheld.NOT_UTF_8
        # Bounded as every service's letters are (shared.bus.deadletters.publishable): personal,
        # non-text or large values are withheld, long fields cut.
        letter = publishable(
            DeadLetter(
                consumer=self.consumer,
                origin_topic=origin.topic,
                origin_partition=origin.partition,
                origin_offset=origin.offset,
                key=message.key.decode("utf-8", errors="replace") if message.key is not None else None,
                headers={name: raw.decode("utf-8", errors="replace") for name, raw in message.headers},
                value=value,
                value_sha256=value_digest(message.value),
                value_size=len(message.value),
                value_withheld=withheld,
                error=error,
                attempts=attempts,
                dead_lettered_at=self.clock(),
            )
        )
        try:
            await self.dead_letters.publish(letter, event_id)
        except Exception as failure:
            raise Unrecoverable(f"the dead letter {event_id} was not published") from failure
        self.counts.dead_lettered += 1
        log.error("dead letter %s: %s", event_id, error)


def unfilled_key(event_id: UUID, recipient: Recipient) -> str:
    return f"{event_id}/unfilled/{recipient.office_id}/{recipient.role}"


def unreachable_key(event_id: UUID, addressee: Addressee) -> str:
    return f"{event_id}/{addressee.staff.id}/none"


async def _all(jobs: Sequence[Awaitable[object]]) -> None:
    """Serve every recipient, even when one of them meets an error that is not a delivery failure
    (a mail that cannot be built); then raise it (our own state failing first), for `_guarded`."""
    failures = [r for r in await asyncio.gather(*jobs, return_exceptions=True) if isinstance(r, BaseException)]
    if failures:
        raise next((f for f in failures if isinstance(f, Unrecoverable)), failures[0])


def unprocessable_key(message: WireMessage, origin: Origin) -> str:
    """The ledger's key of a record given up on: its place and a digest of its bytes (a topic emptied
    and refilled in tests reuses offsets; the bytes tell the records apart)."""
    return f"unprocessable/{origin.topic}/{origin.partition}/{origin.offset}/{value_digest(message.value)[:16]}"


def unprocessable_reason(error: Exception, *, private: bool) -> str:
    """`Unprocessable: <type>: <details>`. A keyring's error names only the person's id (never their
    data); any other error of a record that carries personal data may quote it (a validation error
    quotes its input), so its details are withheld there."""
    kind = type(error).__name__
    if private and not isinstance(error, KeyringError):
        return f"Unprocessable: {kind} (details withheld: the record carries personal data)"
    return f"Unprocessable: {kind}: {error}"


def _private(topic: str) -> bool:
    named = topic_named(topic)
    return True if named is None else named.personal_data  # a topic the registry does not name: the worst
