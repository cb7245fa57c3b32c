"""Integration-event contracts: the only language services share."""

from .catalogue import MESSAGE_TYPES, decode
from .deadletter import DeadLetter
from .envelope import Actor, Contract, IntegrationEvent, derived_id, stored_event_id
from .intake import (
    Channel,
    Complainant,
    ComplaintRegistered,
    ComplaintRegisteredPayload,
    OfficeRegistrationSubmitted,
    PersonalData,
    RegistrationForm,
    SealedForm,
    SealedPersonal,
)
from .wire import MalformedMessage, WireMessage, decode_message, encode

__all__ = [
    "MESSAGE_TYPES",
    "Actor",
    "Channel",
    "Complainant",
    "ComplaintRegistered",
    "ComplaintRegisteredPayload",
    "Contract",
    "DeadLetter",
    "IntegrationEvent",
    "MalformedMessage",
    "OfficeRegistrationSubmitted",
    "PersonalData",
    "RegistrationForm",
    "SealedForm",
    "SealedPersonal",
    "WireMessage",
    "decode",
    "decode_message",
    "derived_id",
    "encode",
    "stored_event_id",
]
