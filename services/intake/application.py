"""Intake's commands and queries. Every command takes `now`, so tests decide the time."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from shared.auth import Principal
from shared.contracts import PersonalData, RegistrationForm
from shared.contracts.bounds import OutOfBounds, RegistrationWindow, check_registration_times
from shared.contracts.hotline import HotlineCallRecord
from shared.eventstore import ServiceApplication, UnitOfWork
from shared.keyring import Keyring
from shared.personal import FORM_TEXTS, identifying_facts, open_form, seal_call, seal_form

from .domain.complaint import Complaint, sealed_fingerprint
from .domain.contact import check_contact
from .domain.erasure import PersonErasure
from .domain.errors import (
    BlankField,
    ComplaintNotFound,
    HotlineReferenceReused,
    ReferenceReused,
    TimeOutOfBounds,
    UnknownOffice,
)
from .domain.hotline import HotlineCall, call_fingerprint
from .domain.ledger import OfficeLedger
from .group_commit import GroupCommit


@dataclass(frozen=True)
class Registration:
    complaint_id: UUID
    sequence_number: int
    created: bool


@dataclass(frozen=True)
class RegistrationView:
    complaint_id: UUID
    office_id: str
    sequence_number: int
    registered_at: datetime
    registered_by: str
    form: RegistrationForm


@dataclass(frozen=True)
class ErasureDone:
    erasure_id: UUID
    person_id: UUID
    erased_at: datetime
    keys_destroyed: int
    index_entries_deleted: int


# Who may look up and erase a data subject (a group-wide key): no office can erase.
PRIVACY_ROLES = frozenset({"privacy"})
# Who may register a complaint for their office, over HTTP or on the office-facing topic alike.
REGISTERING_ROLES = frozenset({"receptionist", "supervisor", "manager"})
# Who may send call records of a channel outside the offices (group-wide keys).
HOTLINE_ROLES = frozenset({"hotline"})
# Where a phone number written without its country code is read when nothing says the office's region.
DEFAULT_PHONE_REGION = "HK"


class IntakeApplication(ServiceApplication):
    name = "intake"
    snapshotting_intervals = {OfficeLedger: 100}  # a busy office's ledger stays quick to load
    # When a complaint can have been received and have happened (bootstrap sets it from the settings).
    registration_window = RegistrationWindow()
    # Where complainants' data keys are kept (bootstrap sets it from the settings; shared/keyring.py).
    keyring: Keyring | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._group_commit = GroupCommit(self)
        # An office's phone region, from its time zone as the directory says it (bootstrap sets it:
        # adapters/office_regions.py); a complainant's contact is read there (domain/contact.py).
        self.phone_region: Callable[[str], str] = lambda _office_id: DEFAULT_PHONE_REGION
        self.followers: list[Any] = []  # feeds that keep it current (the directory's), closed with it
        # Whether an office exists, as the directory says (bootstrap sets it when it follows the
        # directory); without the directory every office id is taken on trust.
        self.office_known: Callable[[str], bool] = lambda _office_id: True

    def close(self) -> None:
        for follower in self.followers:
            follower.close()
        super().close()

    def sealing_keyring(self) -> Keyring:
        if self.keyring is None:
            raise RuntimeError("intake needs its keyring to register a complaint (personal data is sealed)")
        return self.keyring

    def register(
        self,
        office_id: str,
        actor: Principal,
        form: RegistrationForm,
        now: datetime,
        causation_id: str | None = None,
    ) -> Registration:
        """Record a complaint. The same office reference with the same form finds the first one."""
        # An office's registrations all advance its ledger: those arriving together commit together.
        window, keyring, region = self.registration_window, self.sealing_keyring(), self.phone_region(office_id)
        return self._group_commit.submit(
            office_id,
            lambda uow: register_into(
                uow, office_id, actor, form, now, causation_id, window=window, keyring=keyring, region=region
            ),
        )

    def record_hotline_call(self, call: HotlineCallRecord, actor: Principal, now: datetime) -> HotlineCallRecorded:
        """Record a call record of the group hotline; its relay publishes it on `complaints.hotline.reports`.
        The caller's contact is held to the registration's rule, read in the named office's region.
        An office the directory never announced is refused (UnknownOffice): nothing is recorded."""
        if not self.office_known(call.office_id):
            raise UnknownOffice(call.office_id)
        check_call_not_blank(call)
        check_contact(call.complainant.contact, self.phone_region(call.office_id))  # before sealing
        for attempt in (1, 2):
            uow = self.unit_of_work()
            recorded = record_hotline_call_into(uow, call, actor, now, self.sealing_keyring())
            if not recorded.created:
                return recorded
            try:
                self.commit(uow)
                return recorded
            except IntegrityError:  # the same call recorded at the same moment by another request
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    # -- data subjects (docs/privacy.md) -----------------------------------------------------------

    def find_person(self, data: PersonalData) -> UUID | None:
        """The person id the keyring knows for this name, contact and unit (by its blind index)."""
        return self.sealing_keyring().find_person(identifying_facts(data))

    def erase_person(self, person_id: UUID, actor: Principal, reason: str, now: datetime) -> ErasureDone:
        """Destroy the person's data key and blind-index entries: every sealed copy of their name,
        contact and unit becomes unreadable at once. The keyring erases first (in one transaction);
        then the audit record (who, why, when, which person id) is stored and published."""
        keyring = self.sealing_keyring()
        erasure = keyring.erase(person_id, actor.actor_id, reason, now)
        record = PersonErasure(
            person_id=person_id,
            erased_at=now,
            actor_id=actor.actor_id,
            actor_role=actor.role,
            reason=reason,
            keys_destroyed=erasure.keys_destroyed,
            index_entries_deleted=erasure.index_entries_deleted,
        )
        with contextlib.suppress(IntegrityError):  # the same request at the same instant: recorded already
            self.save(record)
        return ErasureDone(record.id, person_id, now, erasure.keys_destroyed, erasure.index_entries_deleted)

    def registration(self, office_id: str | None, complaint_id: UUID) -> RegistrationView:
        """A complaint's registration; `office_id=None` (group keys) sees every office."""
        try:
            complaint: Complaint = self.repository.get(complaint_id)
        except AggregateNotFoundError:
            raise ComplaintNotFound(complaint_id) from None
        if not isinstance(complaint, Complaint) or (office_id is not None and complaint.office_id != office_id):
            raise ComplaintNotFound(complaint_id)  # another office's complaint: not even its existence
        return RegistrationView(
            complaint_id=complaint.id,
            office_id=complaint.office_id,
            sequence_number=complaint.sequence_number,
            registered_at=complaint.registered_at,
            registered_by=complaint.actor_id,
            # the office's own staff see what they recorded, free texts as typed
            form=open_form(complaint.form, self.keyring, original_text=True),
        )


def register_into(
    uow: UnitOfWork,
    office_id: str,
    actor: Principal,
    form: RegistrationForm,
    now: datetime,
    causation_id: str | None,
    *,
    window: RegistrationWindow,
    keyring: Keyring,
    region: str = DEFAULT_PHONE_REGION,
    registered_at: datetime | None = None,
) -> Registration:
    """Add a registration to a unit of work (one HTTP request, or a batch from Kafka).

    The form's times are held to `window` around `now` (when intake sees it) before anything else:
    outside it, TimeOutOfBounds and nothing is recorded. The complainant's contact must be a phone
    number valid in the office's `region` (or written with its country code) or an e-mail address:
    else ContactRefused and nothing is recorded. `registered_at` (default `now`) is the time
    recorded as the registration's. The complainant's name, contact and unit are sealed with their
    own data key (`keyring`) before anything is stored, and the free texts redacted (the texts as
    typed sealed with them): intake's store never holds them in clear.
    """
    check_times(form, now, window)
    check_not_blank(form)
    check_contact(form.complainant.contact, region)  # before sealing: a refused form makes no person
    form_data = seal_form(form, keyring, now).model_dump(mode="json")
    complaint_id = Complaint.create_id(office_id, form.office_reference)
    existing: Complaint | None = uow.find(complaint_id)
    if existing is not None:
        # A registration stored before free texts were redacted kept them as typed: the same form.
        as_typed = form_data | {f: getattr(form, f) for f in FORM_TEXTS}
        if existing.fingerprint not in {sealed_fingerprint(form_data), sealed_fingerprint(as_typed)}:
            raise ReferenceReused(form.office_reference)
        return Registration(existing.id, existing.sequence_number, created=False)
    ledger_id = OfficeLedger.create_id(office_id)
    ledger: OfficeLedger = uow.find(ledger_id) or OfficeLedger(office_id)
    uow.add(ledger)
    number = ledger.next_number(complaint_id)
    complaint = Complaint(
        office_id=office_id,
        office_reference=form.office_reference,
        sequence_number=number,
        form=form_data,
        registered_at=registered_at or now,
        actor_id=actor.actor_id,
        actor_role=actor.role,
        causation_id=causation_id,
    )
    uow.add(complaint)
    return Registration(complaint.id, number, created=True)


@dataclass(frozen=True)
class HotlineCallRecorded:
    report_id: UUID
    created: bool


def record_hotline_call_into(
    uow: UnitOfWork, call: HotlineCallRecord, actor: Principal, now: datetime, keyring: Keyring
) -> HotlineCallRecorded:
    """Record a call of the group hotline once; the same reference with other details is refused.
    The caller's name, contact and unit are sealed with their own data key before anything is stored,
    and the summary redacted (as said, sealed with them)."""
    report = seal_call(call, keyring, now).model_dump(mode="json")
    report_id = HotlineCall.create_id(call.hotline_reference)
    existing: HotlineCall | None = uow.find(report_id)
    if existing is not None:
        as_said = report | {"summary": call.summary}  # recorded before summaries were redacted
        if existing.fingerprint not in {call_fingerprint(call.office_id, r) for r in (report, as_said)}:
            raise HotlineReferenceReused(call.hotline_reference)
        return HotlineCallRecorded(existing.id, created=False)
    uow.add(
        HotlineCall(
            hotline_reference=call.hotline_reference,
            office_id=call.office_id,
            report=report,
            recorded_at=now,
            actor_id=actor.actor_id,
            actor_role=actor.role,
        )
    )
    return HotlineCallRecorded(report_id, created=True)


def check_not_blank(form: RegistrationForm) -> None:
    """Raise BlankField for the first required text holding only white space (HTTP and office topic
    alike): one of only spaces is no more filled in than an empty one, which the contract refuses."""
    check_filled(
        {
            ("complainant", "name"): form.complainant.name,
            ("complainant", "contact"): form.complainant.contact,
            ("unit_address",): form.unit_address,
            ("object",): form.object,
            ("description",): form.description,
            ("customer_request",): form.customer_request,
            ("received_by",): form.received_by,
        }
    )


def check_call_not_blank(call: HotlineCallRecord) -> None:
    """A hotline call record's required texts, held to the registration's rule."""
    check_filled(
        {
            ("complainant", "name"): call.complainant.name,
            ("complainant", "contact"): call.complainant.contact,
            ("unit_address",): call.unit_address,
            ("summary",): call.summary,
        }
    )


def check_filled(texts: dict[tuple[str, ...], str | None]) -> None:
    """None is a field left out where the contract allows it (no contact given); spaces are refused."""
    for field, value in texts.items():
        if value is not None and not value.strip():
            raise BlankField(field)


def check_times(form: RegistrationForm, now: datetime, window: RegistrationWindow) -> None:
    """The one check of a form's times, for HTTP and the office-facing topic alike."""
    try:
        check_registration_times(form.occurred_at, form.received_at, now, window)
    except OutOfBounds as error:
        raise TimeOutOfBounds(error.field, error.reason, error.code, error.params) from None
