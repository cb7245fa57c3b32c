"""Reads registrations office systems publish to Kafka, checking each the same way as HTTP does.

Each is signed with its office system's Ed25519 key (shared/signing.py); intake holds only the public
keys. Unsigned, forged (e.g. an HMAC under the office key's stored hash, the scheme before issue 13),
or replayed (the very message that registered a complaint, again) registrations are dead letters with
the reason; the same form sent again as a new message finds the first registration and adds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from shared.bus.consumer import Delivery, Rejected
from shared.bus.dispatch import Inbound
from shared.clock import Clock
from shared.contracts import OfficeRegistrationSubmitted, RegistrationForm, WireMessage, encode
from shared.contracts.bounds import RegistrationWindow
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.eventstore import UnitOfWork
from shared.keyring import Keyring
from shared.signing import (
    KEY_ID_HEADER,
    OFFICE_HEADER,
    SIGNATURE_HEADER,
    OfficeSigner,
    OfficeSigningKeys,
    SignatureRefused,
)

from ..application import DEFAULT_PHONE_REGION, REGISTERING_ROLES, register_into
from ..domain.complaint import Complaint
from ..domain.errors import IntakeError

__all__ = ["KEY_ID_HEADER", "OFFICE_HEADER", "SIGNATURE_HEADER", "OfficeTopicHandler", "signed_submission"]


class OfficeTopicHandler(Inbound):
    def __init__(
        self,
        keys: OfficeSigningKeys,
        clock: Clock,
        window: RegistrationWindow | None = None,
        *,
        keyring: Keyring,
        phone_region: Callable[[str], str] = lambda _office_id: DEFAULT_PHONE_REGION,
    ) -> None:
        self.keys = keys
        self.clock = clock
        self.window = window or RegistrationWindow()
        self.keyring = keyring  # seals the complainant before the registration is stored
        self.phone_region = phone_region  # where a contact without a country code is read (HTTP's too)

    def submitted(self, uow: UnitOfWork, message: OfficeRegistrationSubmitted, delivery: Delivery) -> None:
        now = self.clock()
        try:
            signer = self.keys.verify(delivery.headers, delivery.raw_value, now)
        except SignatureRefused as refused:
            raise Rejected(str(refused)) from refused
        office_id = delivery.headers[OFFICE_HEADER]
        if not signer.roles & REGISTERING_ROLES:
            raise Rejected(f"{signer.actor_id} may not register complaints (needs one of {sorted(REGISTERING_ROLES)})")
        event_id = delivery.headers.get("ce_id")
        existing: Complaint | None = uow.find(Complaint.create_id(office_id, message.form.office_reference))
        if existing is not None and event_id is not None and existing.causation_id == event_id:
            raise Rejected(
                f"replayed registration: message {event_id} already registered {office_id} "
                f"#{existing.sequence_number} ({message.form.office_reference}); nothing new recorded"
            )
        # The same bounds and contact rule as over HTTP, against this worker's clock: a refusal is a
        # dead letter with the reason (which names no value: the letter is published).
        try:
            register_into(
                uow,
                office_id,
                signer,
                message.form,
                now,
                causation_id=event_id,
                window=self.window,
                keyring=self.keyring,
                region=self.phone_region(office_id),
                registered_at=self._registered_at(delivery, message.form, now),
            )
        except IntakeError as error:
            raise Rejected(str(error)) from error

    # Office systems publish only registrations here: anything else is refused into the dead letters.
    TOPICS = (OFFICE_REGISTRATIONS,)
    HANDLERS = {OfficeRegistrationSubmitted: submitted}
    UNHANDLED = "reject"

    @staticmethod
    def _registered_at(delivery: Delivery, form: RegistrationForm, now: datetime) -> datetime:
        """When the office system submitted it (its CloudEvent time), not when this worker got to it:
        a backlog here must not make an office look late. Never before receipt, never in the future."""
        try:
            submitted = datetime.fromisoformat(delivery.headers["ce_time"])
        except (KeyError, ValueError):
            return now
        if submitted.tzinfo is None:
            return now
        return min(now, max(submitted, form.received_at))


def signed_submission(
    signer: OfficeSigner, form: RegistrationForm, office_id: str | None = None, submitted_at: datetime | None = None
) -> WireMessage:
    """What an office system publishes: the form as a CloudEvent, signed with its office's private key.
    (`office_id` other than the signer's is only for tests that try to sign for another office;
    `submitted_at`, the CloudEvent time, defaults to now.)"""
    office_id = office_id or signer.office_id
    unsigned = encode(
        OfficeRegistrationSubmitted(form=form),
        key=form.office_reference,
        source=f"/offices/{office_id}",
        event_id=str(uuid.uuid4()),
        time=submitted_at or datetime.now(UTC),
        extensions={"officeid": office_id, "signingkey": signer.key_id},
    )
    headers = {name: value.decode() for name, value in unsigned.headers}
    signature = signer.sign(headers, unsigned.value)
    return WireMessage(unsigned.key, unsigned.value, [*unsigned.headers, (SIGNATURE_HEADER, signature.encode())])
