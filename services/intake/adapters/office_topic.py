"""Reads registrations office systems publish to Kafka, checking each the same way as HTTP does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.auth import KeyRegistry, hash_key, sign
from shared.bus.consumer import Delivery, Rejected
from shared.bus.dispatch import Inbound
from shared.clock import Clock
from shared.contracts import OfficeRegistrationSubmitted, RegistrationForm, WireMessage, encode
from shared.contracts.bounds import RegistrationWindow
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.eventstore import UnitOfWork

from ..application import REGISTERING_ROLES, register_into
from ..domain.errors import IntakeError

OFFICE_HEADER = "ce_officeid"
SIGNATURE_HEADER = "ce_signature"


class OfficeTopicHandler(Inbound):
    def __init__(self, keys: KeyRegistry, clock: Clock, window: RegistrationWindow | None = None) -> None:
        self.keys = keys
        self.clock = clock
        self.window = window or RegistrationWindow()

    def submitted(self, uow: UnitOfWork, message: OfficeRegistrationSubmitted, delivery: Delivery) -> None:
        office_id = delivery.headers.get(OFFICE_HEADER)
        signature = delivery.headers.get(SIGNATURE_HEADER)
        if not office_id or not signature:
            raise Rejected(f"missing {OFFICE_HEADER} or {SIGNATURE_HEADER} header")
        signer = self.keys.office_signer(office_id, delivery.raw_value, signature)
        if signer is None:
            raise Rejected(f"signature does not match any key of office {office_id!r}")
        if not signer.roles & REGISTERING_ROLES:
            raise Rejected(f"{signer.actor_id} may not register complaints (needs one of {sorted(REGISTERING_ROLES)})")
        now = self.clock()
        try:  # the same bounds as over HTTP, against this worker's clock: a refusal is a dead letter
            register_into(
                uow,
                office_id,
                signer,
                message.form,
                now,
                causation_id=delivery.headers.get("ce_id"),
                window=self.window,
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


def signed_submission(office_id: str, raw_key: str, form: RegistrationForm) -> WireMessage:
    """What an office system publishes: the form as a CloudEvent, signed with its key's hash."""
    unsigned = encode(
        OfficeRegistrationSubmitted(form=form),
        key=form.office_reference,
        source=f"/offices/{office_id}",
        event_id=str(uuid.uuid4()),
        time=datetime.now(UTC),
        extensions={"officeid": office_id},
    )
    signature = sign(unsigned.value, hash_key(raw_key))
    return WireMessage(unsigned.key, unsigned.value, [*unsigned.headers, (SIGNATURE_HEADER, signature.encode())])
