"""Internal topics speak only for their service: the consumers' check of who signed each record.

Every consumer (the tracked consumer, the notifier, the auditors' replay) asks `AuthorCheck` about a
record before it decodes it. A record on a topic of the registry that names its authors
(`Topic.authors`) must carry a signature of one of them (shared/signing.py); one that is unsigned,
signed by another service's key, signed by an unknown or expired key, or altered after signing is
`Unauthored`: a `MalformedMessage`, so every consumer dead-letters it with the reason, counts it and
lets it have no effect, and its partition goes on. Topics outside the registry are not checked here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.clock import Clock, utc_now
from shared.contracts import MalformedMessage, WireMessage, decode_message
from shared.contracts.topics import topic_named
from shared.signing import NotAuthored, ServiceSigner, ServiceSigningKeys

log = logging.getLogger(__name__)


class Unauthored(MalformedMessage):
    """A record on an internal topic that its author service did not sign (or that was altered)."""


@dataclass(frozen=True)
class AuthorCheck:
    keys: ServiceSigningKeys
    clock: Clock = utc_now

    @classmethod
    def from_settings(cls, settings: Any, clock: Clock = utc_now) -> AuthorCheck:
        """The public keys of `settings.event_signing_keys_file` (a missing file: every record refused)."""
        keys = ServiceSigningKeys.load(settings.event_signing_keys_file)
        if not keys.records:
            log.warning(
                "no service signing keys in %s: every internal record will be refused", settings.event_signing_keys_file
            )
        return cls(keys, clock)

    def check(self, topic: str, wire: WireMessage) -> str | None:
        """The service that signed the record (None on a topic nobody's signature is asked on);
        raises Unauthored with the reason."""
        registered = topic_named(topic)
        if registered is None or not registered.authors:
            return None
        try:
            return self.keys.verify(topic, registered.authors, wire.key, wire.value, wire.headers, self.clock())
        except NotAuthored as refused:
            raise Unauthored(str(refused)) from refused

    def decode(self, topic: str, wire: WireMessage) -> BaseModel:
        """The record's contract model, once its author is known. Raises MalformedMessage."""
        self.check(topic, wire)
        return decode_message(wire)


def decode_checked(authors: AuthorCheck | None, topic: str, wire: WireMessage) -> BaseModel:
    """`decode_message`, after the author check when there is one."""
    return authors.decode(topic, wire) if authors is not None else decode_message(wire)


def signed(signer: ServiceSigner | None, topic: str, wire: WireMessage) -> WireMessage:
    """The record as its service publishes it: with its signature (unchanged without a signer)."""
    if signer is None:
        return wire
    return WireMessage(wire.key, wire.value, signer.headers_for(topic, wire.key, wire.value, wire.headers))


def signer_from_settings(settings: Any) -> ServiceSigner | None:
    """The service's own private key (`<SERVICE>_EVENT_SIGNING_KEY`), or None (development only:
    production refuses to start without one, see `ServiceSettings.development_signing_keys`)."""
    secret = settings.event_signing_key
    if secret is None or not secret.get_secret_value():
        log.warning("%s has no event signing key: its records will be refused by every consumer", settings.service_name)
        return None
    signer = ServiceSigner.from_setting(secret.get_secret_value())
    if signer.service != settings.service_name:
        raise ValueError(
            f"{settings.setting_name('event_signing_key')} is {signer.service}'s key, not {settings.service_name}'s"
        )
    return signer
